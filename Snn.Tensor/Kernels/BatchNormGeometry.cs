// The sizes of a batch norm over [N, C, spatial], checked once with a clear error.
namespace Snn.Kernels;

/// <summary>
/// Input [N, C, S] with S = H·W (or 1 for [N, C]); statistics are per channel over N·S values. <paramref name="Steps"/>:
/// N is [steps, N / steps], time-major, and the [N, C] kernel splits its rows as the neurons around it do (whole
/// samples with all their steps); the statistics are the same up to the order of their sums.
/// </summary>
public readonly record struct BatchNormGeometry(int Batch, int Channels, int Spatial, int Steps = 1)
{
    public int Length => Batch * Channels * Spatial;

    /// <summary>N·S: how many values each channel's statistics average over.</summary>
    public int PerChannel => Batch * Spatial;

    public void Check(string op, int inputLength, int outputLength, params int[] channelLengths)
    {
        if (Batch < 1 || Channels < 1 || Spatial < 1 || Steps < 1)
            throw new ArgumentException($"BatchNorm.{op}: invalid geometry {this}.");
        if (Batch % Steps != 0)
            throw new ArgumentException($"BatchNorm.{op}: a batch of {Batch} is not {Steps} steps of equal length ({this}).");
        if (inputLength != Length || outputLength != Length)
            throw new ArgumentException($"BatchNorm.{op}: expected {Length} values for {this}, got {inputLength} and {outputLength}.");
        foreach (int c in channelLengths)
            if (c != Channels) throw new ArgumentException($"BatchNorm.{op}: per-channel span has {c} values, expected {Channels}.");
    }
}
