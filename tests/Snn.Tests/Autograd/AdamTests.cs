// Adam's vectorised, threaded update against the formula written out one element at a time.
using Snn.Autograd;
using Snn.Autograd.Optim;
using Snn.Tests.Kernels;

namespace Snn.Tests.Autograd;

[Collection(ThreadCountCollection.Name)]
public class AdamTests
{
    /// <summary>
    /// 40,003 values: chunks on two threads, whole vectors and a scalar tail. Three steps, so the bias corrections
    /// and the moments carried between steps are both exercised; bit-identical to the scalar formula.
    /// </summary>
    [Theory]
    [InlineData(1, false, 0f)]
    [InlineData(2, false, 0f)]
    [InlineData(2, false, 0.01f)]
    [InlineData(2, true, 0.05f)]
    public void Step_IsTheScalarFormula_ElementForElement(int threads, bool decoupled, float weightDecay)
    {
        const int length = 40_003;
        const float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
        var random = new Random(threads + (decoupled ? 10 : 0));
        float[] start = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var p = Variable.Parameter(new Tensor((float[])start.Clone(), length));
        var adam = new Adam([p], lr, beta1, beta2, eps, weightDecay, decoupled);
        float[] w = (float[])start.Clone(), m = new float[length], v = new float[length];
        using var threadCount = ThreadCount.Set(threads);
        for (int t = 1; t <= 3; t++)
        {
            float[] g = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            p.Grad = new Tensor((float[])g.Clone(), length);
            adam.Step();
            float stepSize = lr / (1 - MathF.Pow(beta1, t)), bias2Sqrt = MathF.Sqrt(1 - MathF.Pow(beta2, t));
            for (int j = 0; j < length; j++)
            {
                float d = g[j];
                if (decoupled) w[j] *= 1 - lr * weightDecay;
                else d += weightDecay * w[j];
                m[j] = beta1 * m[j] + (1 - beta1) * d;
                v[j] = beta2 * v[j] + (1 - beta2) * d * d;
                w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) / bias2Sqrt + eps);
            }
            Assert.Equal(w, p.Data.Span.ToArray());
        }
    }
}
