// Inference's spike convolution, the spiking neurons after it and an optional max pool, one sample at a time: the
// currents never leave the cache.
using System.Buffers;

namespace Snn.Kernels;

/// <summary>
/// out = MaxPool(Neuron(spikes ⊛ w + bias)), or Neuron(spikes ⊛ w + bias) without a pool, for inference, with the
/// spikes time-major [T·B, C, H, W] (image t·B + b is sample b at step t). A spiking CNN stage (conv → BN folded →
/// LIF → pool) otherwise writes the currents [T·B, O, oh, ow], its largest tensor, only for the neuron to read them
/// back. Here a sample's T images are convolved into a thread's buffer [T, O·oh·ow], charged and fired there (the
/// spikes written over the currents), pooled plane by plane, and only the (pooled) spikes are written. The
/// convolution is <see cref="SpikeConv2dKernel.Forward"/>'s per-image code, the neuron
/// <see cref="NeuronKernel.ForwardSpikes"/>'s and the pool <see cref="MaxPool2dKernel"/>'s values path, so the output
/// and the carried membrane are bit-identical to the ops in turn (tested).
/// </summary>
public static unsafe class SpikeConvNeuronKernel
{
    [ThreadStatic] private static float[]? t_currents;

    /// <param name="g">The convolution over all T·B images.</param>
    /// <param name="pool">Null, or the pooling of one image's planes: Batch 1, Channels O, oh × ow.</param>
    /// <param name="output">[T·B, O, oh, ow] spikes, or [T·B, O, pooled h, pooled w]; overwritten.</param>
    /// <param name="membrane">Empty (start at rest) or [B·O·oh·ow]: v before the first step, overwritten with v after the last.</param>
    /// <exception cref="ArgumentException">A value of <paramref name="spikes"/> is neither 0 nor 1 (the output and the
    /// membrane are then partly written).</exception>
    public static void Forward(ReadOnlySpan<float> spikes, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, in Conv2dGeometry g,
        int timeSteps, in NeuronSpec spec, Pool2dGeometry? pool, Span<float> output, Span<float> membrane = default)
    {
        if (!Run(spikes, weight, bias, g, timeSteps, spec, pool, output, membrane, refuseDense: false))
            throw new ArgumentException("SpikeConvNeuronKernel: the input holds a value that is neither 0 nor 1; it takes spikes only.");
    }

    /// <summary>
    /// <see cref="Forward"/> from rest, unless the input is not sparse spikes: false, having stopped early, when a
    /// value is neither 0 nor 1 or a sample's T images hold more than <see cref="SpikeConv2dKernel.MaxDensity"/> ones
    /// (the dense convolution is then the faster way). Each sample is checked as its images are read for the
    /// convolution, which replaces a scan of the whole input before the kernel: a second pass over csnn's 6.4 MB of
    /// spikes, split by position where the layers around it split by sample, so that each core read spikes the other
    /// had written. The csnn inference batch at two threads, six processes of each build taken in turn (each the
    /// median of 31 runs, every run after 50 ms of untimed ones): 2.36–2.84 → 2.07–2.57 ms, lower in all six pairs by
    /// 0.17–0.31 ms.
    /// </summary>
    public static bool TryForward(ReadOnlySpan<float> spikes, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, in Conv2dGeometry g,
        int timeSteps, in NeuronSpec spec, Pool2dGeometry? pool, Span<float> output) =>
        Run(spikes, weight, bias, g, timeSteps, spec, pool, output, default, refuseDense: true);

    private static bool Run(ReadOnlySpan<float> spikes, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, in Conv2dGeometry g,
        int timeSteps, in NeuronSpec spec, Pool2dGeometry? pool, Span<float> output, Span<float> membrane, bool refuseDense)
    {
        g.CheckLength("input", spikes.Length, g.InputLength);
        g.CheckLength("weight", weight.Length, g.WeightLength);
        if (!bias.IsEmpty) g.CheckLength("bias", bias.Length, g.OutChannels);
        spec.Validate();
        if (timeSteps < 1 || g.Batch % timeSteps != 0)
            throw new ArgumentException($"SpikeConvNeuronKernel: {g.Batch} images are not T = {timeSteps} steps of whole samples.");
        int samples = g.Batch / timeSteps, pixels = g.OutPixels, image = g.OutChannels * pixels, inputImage = g.InChannels * g.Height * g.Width;
        if (pool is { } p && (p.Batch != 1 || p.Channels != g.OutChannels || p.Height != g.OutH || p.Width != g.OutW))
            throw new ArgumentException($"SpikeConvNeuronKernel: pooling {p} is not one image of the convolution's output [{g.OutChannels}, {g.OutH}, {g.OutW}].");
        pool?.Validate();
        int planeOut = pool is { } q ? q.OutHeight * q.OutWidth : pixels;
        if (output.Length != (long)g.Batch * g.OutChannels * planeOut)
            throw new ArgumentException($"SpikeConvNeuronKernel: output has {output.Length} values; expected {g.Batch}·{g.OutChannels}·{planeOut}.");
        if (!membrane.IsEmpty && membrane.Length != (long)samples * image)
            throw new ArgumentException($"SpikeConvNeuronKernel: membrane has {membrane.Length} values for {samples}·{image} neurons.");
        var (geo, sp, steps, planes) = (g, spec, timeSteps, pool);
        long mostOnes = refuseDense ? (long)(SpikeConv2dKernel.MaxDensity * timeSteps * inputImage) : long.MaxValue;
        float[] weightRows = ArrayPool<float>.Shared.Rent(g.WeightLength);
        int stateLength = membrane.Length, refused = 0;
        fixed (float* x = spikes, w = weight, wt = weightRows, b = bias, y = output, m = membrane)
        {
            Transpose.Matrix(w, g.OutChannels, g.PatchSize, wt);
            float* xp = x, wp = wt, bp = bias.IsEmpty ? null : b, yp = y, mp = m;
            Parallelism.For(samples, 1, (s0, s1) =>
            {
                float* acc = SpikeConv2dKernel.PixelMajor(image);
                var currents = ThreadBuffer.Grow(ref t_currents, steps * image);
                Span<float> rowMax = geo.OutW <= 4096 ? stackalloc float[geo.OutW] : new float[geo.OutW];
                Span<long> ones = stackalloc long[steps];
                fixed (float* cur = currents)
                    for (int s = s0; s < s1 && Volatile.Read(ref refused) == 0; s++)
                    {
                        // The sample is checked before any of it is convolved or its membrane touched.
                        long total = 0;
                        for (int t = 0; t < steps && total >= 0; t++)
                        {
                            ones[t] = SpikeConv2dKernel.CountOnes(new ReadOnlySpan<float>(xp + (long)(t * samples + s) * inputImage, inputImage));
                            total = ones[t] < 0 ? -1 : total + ones[t];
                        }
                        if (total < 0 || total > mostOnes)
                        {
                            Volatile.Write(ref refused, 1);
                            return;
                        }
                        for (int t = 0; t < steps; t++)
                            SpikeConv2dKernel.Image(xp, t * samples + s, ones[t], geo, wp, bp, acc, cur + (long)t * image);
                        var state = stateLength == 0 ? default : new Span<float>(mp + (long)s * image, image);
                        NeuronKernel.ForwardSpikesInPlace(currents, image, steps, sp, state, 0, image);
                        for (int t = 0; t < steps; t++)
                        {
                            float* dest = yp + (long)(t * samples + s) * geo.OutChannels * planeOut;
                            if (planes is not { } one)
                            {
                                currents.Slice(t * image, image).CopyTo(new Span<float>(dest, image));
                                continue;
                            }
                            for (int o = 0; o < geo.OutChannels; o++)
                                MaxPool2dKernel.PlaneSpikes(cur, (long)t * image + (long)o * pixels, currents.Length, one, rowMax,
                                    new Span<float>(dest + (long)o * planeOut, planeOut));
                        }
                    }
            });
        }
        ArrayPool<float>.Shared.Return(weightRows);
        return refused == 0;
    }
}
