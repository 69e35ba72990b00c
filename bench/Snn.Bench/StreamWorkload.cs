// Times a pure memory stream, y = 2x, so the table shows how far this host lets memory-bound work scale right now.
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Bench;

/// <summary>
/// y = 2·x over 6,422,528 floats (25 MB each way: the first spike tensor of the csnn at batch 64, T = 4), split in
/// contiguous chunks over the threads. It does no arithmetic worth the name, so its scale is the ceiling that the
/// memory system sets for the models' memory-bound layers (neurons, pooling, BN, copies) in the same minutes. On the
/// shared 2-vCPU host of the README a C/OpenMP loop of the same shape moved between 1.0× and 2.0× from one run to
/// the next, which is why the model scales are read next to this one.
/// </summary>
public sealed class StreamWorkload(int length = 64 * 4 * 32 * 28 * 28) : IBenchWorkload
{
    public string Name => "stream";
    public bool HasTorchPeer => true;

    public IReadOnlyList<BenchFigure> Measure(BenchRunner runner)
    {
        var x = GemmWorkload.Filled(new Random(1), length);
        var y = new float[length];
        const string label = "stream y=2x 25 MB";
        var timing = runner.Measure(label, () => Parallelism.For(length, 1 << 16, (start, end) =>
            TP.Multiply(x.AsSpan(start, end - start), 2f, y.AsSpan(start, end - start))));
        return [BenchFigure.Of(label, timing)];
    }
}
