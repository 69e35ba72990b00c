// Batched products of small matrices run one product per thread: same bits at any thread count, same as one by one.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class BatchedMatMulTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void SmallBatchedMatMul_IsBitIdenticalAcrossThreadCounts_AndToSingleProducts(bool transposeA, bool transposeB)
    {
        var rng = new Rng(3);
        int batch = 37, m = 49, n = 16, k = 49;
        var a = rng.Uniform(-1f, 1f, transposeA ? [batch, k, m] : [batch, m, k]);
        var b = rng.Uniform(-1f, 1f, transposeB ? [batch, n, k] : [batch, k, n]);
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 1;
            var one = Ops.MatMul(a, b, transposeA, transposeB);
            Parallelism.Threads = 2;
            var two = Ops.MatMul(a, b, transposeA, transposeB);
            Assert.Equal(one.Span.ToArray(), two.Span.ToArray());
            for (int i = 0; i < batch; i += 12)
            {
                var single = new float[m * n];
                Gemm.Multiply(transposeA, transposeB, m, n, k, a.Span.Slice(i * m * k, m * k), transposeA ? m : k,
                    b.Span.Slice(i * n * k, n * k), transposeB ? k : n, 0f, single, n);
                Assert.Equal(single, two.Span.Slice(i * m * n, m * n).ToArray());
            }
        }
        finally { Parallelism.Threads = saved; }
    }
}
