// Cuts an ImageDataset into mini-batches, reshuffled each epoch in an order fixed by the seed and the epoch number.
namespace Snn.Layers.Data;

/// <summary>A mini-batch: images [B, 1, H, W] and their B labels. The last batch of an epoch may be smaller.</summary>
public sealed record Batch(Tensor Images, int[] Labels);

/// <summary>
/// Yields batches of <see cref="BatchSize"/> images (the last one partial, never dropped). With shuffling, the order
/// of epoch e depends only on (seed, e), so a run resumed at epoch e sees the same batches as an uninterrupted one.
/// </summary>
public sealed class DataLoader
{
    private readonly ImageDataset _dataset;
    private readonly bool _shuffle;
    private readonly ulong _seed;
    private readonly Augmentation? _augmentation;

    public int BatchSize { get; }

    /// <summary>Batches per epoch: ⌈N / B⌉.</summary>
    public int BatchCount => (_dataset.Count + BatchSize - 1) / BatchSize;

    public DataLoader(ImageDataset dataset, int batchSize, bool shuffle = true, ulong seed = 0, Augmentation? augmentation = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _dataset = dataset;
        BatchSize = batchSize;
        _shuffle = shuffle;
        _seed = seed;
        _augmentation = augmentation;
    }

    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based). Each batch owns fresh storage.</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        int[] order = Order(epoch);
        var images = _dataset.Images;
        int imageSize = images.Shape[1] * images.Shape[2] * images.Shape[3];
        // A stream of its own, so switching augmentation on does not change the batch order.
        var augmentRng = new Rng(~_seed ^ ((ulong)(epoch + 1) * 0x9E3779B97F4A7C15UL));
        var scratch = _augmentation is null ? [] : new float[imageSize];
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            int b = Math.Min(BatchSize, order.Length - start);
            var pixels = new float[b * imageSize];
            var labels = new int[b];
            for (int i = 0; i < b; i++)
            {
                int row = order[start + i];
                // Storage directly, because a Span cannot live across yield; Images is contiguous (see ImageDataset).
                images.Storage.AsSpan(images.Offset + row * imageSize, imageSize).CopyTo(pixels.AsSpan(i * imageSize));
                _augmentation?.Apply(pixels.AsSpan(i * imageSize, imageSize), images.Shape[1], images.Shape[2], images.Shape[3], augmentRng, scratch);
                labels[i] = _dataset.Labels[row];
            }
            yield return new Batch(new Tensor(pixels, b, 1, images.Shape[2], images.Shape[3]), labels);
        }
    }

    private int[] Order(int epoch)
    {
        var order = new int[_dataset.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        // Mixing the epoch with an odd constant (not adding it) keeps per-epoch seeds from landing on neighbouring
        // SplitMix64 states, which would correlate the shuffles of consecutive epochs.
        if (_shuffle) new Rng(_seed ^ ((ulong)(epoch + 1) * 0xD1B54A32D192ED03UL)).Shuffle(order.AsSpan());
        return order;
    }
}
