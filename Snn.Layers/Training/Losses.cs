// Losses for spiking classifiers: cross-entropy on the time-averaged logits or at every step (TET), MSE on firing rates.
using Snn.Autograd;

namespace Snn.Layers.Training;

public static class Losses
{
    /// <summary>
    /// Cross-entropy of the mean over time of the output. <paramref name="output"/> is [T, N, K] (averaged over T)
    /// or already [N, K].
    /// </summary>
    public static Variable CrossEntropyOnMean(Variable output, ReadOnlySpan<int> targets, float labelSmoothing = 0f)
    {
        var logits = output.Data.Rank == 3 ? F.Mean(output, [0]) : output;
        return F.CrossEntropy(logits, targets, labelSmoothing);
    }

    /// <summary>
    /// TET (Deng et al., ICLR 2022, "Temporal Efficient Training"): the mean over t of the cross-entropy of each
    /// step's logits, (1/T) Σ_t CE(O_t, y), instead of CE of the mean (1/T) Σ_t O_t. Every step must classify on its
    /// own, which the paper finds generalises better; prediction still uses the mean. <paramref name="output"/>
    /// [T, N, K]; as one cross-entropy over the T·N rows [T·N, K], whose mean over rows is that mean over t.
    /// </summary>
    public static Variable TemporalCrossEntropy(Variable output, ReadOnlySpan<int> targets, float labelSmoothing = 0f)
    {
        if (output.Data.Rank != 3) throw new ArgumentException($"TemporalCrossEntropy: expected logits [T, N, K], got {Tensor.ShapeText(output.Data.Shape)}.");
        int t = output.Data.Shape[0], n = output.Data.Shape[1], k = output.Data.Shape[2];
        if (targets.Length != n) throw new ArgumentException($"TemporalCrossEntropy: {targets.Length} targets for batch of {n}.");
        var repeated = new int[t * n];
        for (int step = 0; step < t; step++) targets.CopyTo(repeated.AsSpan(step * n, n));
        return F.CrossEntropy(F.Reshape(output, t * n, k), repeated, labelSmoothing);
    }

    /// <summary>
    /// SpikingJelly's rate loss: mean squared error between each output neuron's firing rate over T and the
    /// one-hot target. <paramref name="spikes"/> [T, N, K].
    /// </summary>
    public static Variable FiringRateMse(Variable spikes, ReadOnlySpan<int> targets)
    {
        if (spikes.Data.Rank != 3) throw new ArgumentException($"FiringRateMse: expected spikes [T, N, K], got {Tensor.ShapeText(spikes.Data.Shape)}.");
        int n = spikes.Data.Shape[1], k = spikes.Data.Shape[2];
        if (targets.Length != n) throw new ArgumentException($"FiringRateMse: {targets.Length} targets for batch of {n}.");
        var oneHot = Tensor.Zeros(n, k);
        for (int i = 0; i < n; i++) oneHot[i, targets[i]] = 1f;
        var diff = F.Subtract(F.Mean(spikes, [0]), Variable.Constant(oneHot));
        return F.MeanAll(F.Multiply(diff, diff));
    }
}
