// Step-scoped pooled storage: recycled at the scope's end, poisoned when asked, long-lived state never recycled.
using Snn.Autograd;
using Snn.Autograd.Optim;
using Snn.Layers.Models;

namespace Snn.Tests;

[Collection(Kernels.ThreadCountCollection.Name)]
public class TensorScopeTests
{
    [Fact]
    public void TensorFromScope_IsPoisonedAfterDispose_UnlessKeptOrSuspended()
    {
        bool saved = TensorPool.Poison;
        TensorPool.Poison = true;
        try
        {
            Tensor dropped, kept, suspended;
            using (var scope = TensorScope.Begin())
            {
                dropped = Tensor.Full(2f, 1000);
                kept = scope.Keep(Tensor.Full(3f, 1000));
                using (TensorScope.Suspend()) suspended = Tensor.Full(4f, 1000);
                Assert.True(TensorScope.IsPooling);
            }
            Assert.False(TensorScope.IsPooling);
            Assert.True(float.IsNaN(dropped.Span[0]));
            Assert.All(kept.ToArray(), v => Assert.Equal(3f, v));
            Assert.All(suspended.ToArray(), v => Assert.Equal(4f, v));
        }
        finally { TensorPool.Poison = saved; }
    }

    [Fact]
    public void RentedZeros_AreZeroEvenWhenThePoolHandsBackAPoisonedArray()
    {
        bool saved = TensorPool.Poison;
        TensorPool.Poison = true;
        try
        {
            using (TensorScope.Begin()) Tensor.Full(7f, 777);
            using (TensorScope.Begin()) Assert.All(Tensor.Zeros(777).ToArray(), v => Assert.Equal(0f, v));
        }
        finally { TensorPool.Poison = saved; }
    }

    [Fact]
    public void DisposingOuterScopeFirst_Throws()
    {
        var outer = TensorScope.Begin();
        var inner = TensorScope.Begin();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }

    /// <summary>
    /// A parameter's fresh gradient is adopted as its buffer instead of copied out of the step's storage: it must
    /// survive its scope, and the buffer it replaced goes back to the pool in its place.
    /// </summary>
    [Fact]
    public void LeafGradient_OutlivesItsScope_AndTheBufferItReplacedIsRecycled()
    {
        bool saved = TensorPool.Poison;
        TensorPool.Poison = true;
        try
        {
            var x = Variable.Parameter(Tensor.Full(1f, 1000));
            var seed = Tensor.Full(2f, 1000);
            Tensor Step(float factor)
            {
                x.Grad = null;
                using (TensorScope.Begin()) F.Affine(x, factor, 0f).Backward(seed);
                return x.Grad!;
            }
            var first = Step(3f);
            Assert.All(first.ToArray(), g => Assert.Equal(6f, g));
            var second = Step(5f);
            Assert.All(second.ToArray(), g => Assert.Equal(10f, g));
            Assert.True(float.IsNaN(first.Span[0]));
        }
        finally { TensorPool.Poison = saved; }
    }

    /// <summary>
    /// Adam's moments (created lazily inside the first step), parameter gradients and BN running statistics all
    /// outlive the step; were any recycled, poisoning would turn the weights to NaN or change them.
    /// </summary>
    [Theory]
    [InlineData("csnn")]
    [InlineData("spikformer")]
    public void TrainingStepsInPoisonedScopes_AreBitIdenticalToUnscopedSteps(string model)
    {
        bool saved = TensorPool.Poison;
        TensorPool.Poison = true;
        try
        {
            var unscoped = Train(model, scoped: false);
            var scoped = Train(model, scoped: true);
            Assert.DoesNotContain(scoped, float.IsNaN);
            Assert.Equal(unscoped, scoped);
        }
        finally { TensorPool.Poison = saved; }
    }

    private static float[] Train(string name, bool scoped)
    {
        var architecture = name == "csnn"
            ? Architecture.Csnn([4, 8], timeSteps: 2)
            : new Architecture("spikformer", [], TimeSteps: 2, Input: [1, 28, 28], Classes: 10, new NeuronConfig(), Depth: 1, Dim: 16, Heads: 2);
        var model = ModelZoo.Create(architecture, 5);
        var optimizer = new Adam(model.Parameters(), 1e-2f);
        var random = new Random(1);
        var images = new Tensor(Enumerable.Range(0, 8 * 28 * 28).Select(_ => (float)random.NextDouble()).ToArray(), 8, 1, 28, 28);
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        model.Train();
        for (int step = 0; step < 3; step++)
        {
            using var scope = scoped ? TensorScope.Begin() : null;
            var loss = F.CrossEntropy(model.Forward(Variable.Constant(images)), labels);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            model.ResetState();
        }
        model.Eval();
        float[] logits;
        using (var scope = scoped ? TensorScope.Begin() : null)
        using (GradMode.NoGrad())
            logits = model.Forward(Variable.Constant(images)).Data.ToArray();
        return model.StateDict().SelectMany(s => s.tensor.ToArray()).Concat(logits).ToArray();
    }
}
