// Times the convolution forward pass on the reference convolutional SNN's layer shapes.
using Snn.Kernels;

namespace Snn.Bench;

/// <summary>
/// Forward of the two 3×3, padding-1 convolutions of the reference convolutional SNN at batch 64 · T 4 = 256:
/// conv 1→32 on 28×28 and conv 32→64 on 14×14. Flops = 2·N·O·oh·ow·C·9 (the bias add is not counted).
/// Labels match <c>torch_bench.py</c>'s CONV_SHAPES.
/// </summary>
public sealed class ConvWorkload(int batch = 256) : IBenchWorkload
{
    private static readonly (string Label, int InChannels, int OutChannels, int Side)[] Shapes =
        [("conv 1->32 28x28", 1, 32, 28), ("conv 32->64 14x14", 32, 64, 14)];

    public string Name => "conv";
    public bool HasTorchPeer => true;

    public IReadOnlyList<BenchFigure> Measure(BenchRunner runner)
    {
        var figures = new List<BenchFigure>();
        foreach (var (label, cin, cout, side) in Shapes)
        {
            var g = Conv2dGeometry.Create(batch, cin, side, side, cout, 3, 3, stride: 1, padding: 1);
            var rng = new Random(2);
            float[] x = GemmWorkload.Filled(rng, g.InputLength), w = GemmWorkload.Filled(rng, g.WeightLength);
            float[] b = GemmWorkload.Filled(rng, cout), y = new float[g.OutputLength];
            var timing = runner.Measure(label, () => Conv2dKernel.Forward(x, w, b, g, y));
            figures.Add(BenchFigure.Of(label, timing, 2.0 * g.OutputLength * g.PatchSize));
        }
        return figures;
    }
}
