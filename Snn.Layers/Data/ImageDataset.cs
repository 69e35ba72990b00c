// A labelled set of single-channel images held in memory as one float tensor [N, 1, H, W].
using Snn.IO;

namespace Snn.Layers.Data;

/// <summary>
/// Images [N, 1, H, W] with values in [0, 1] and one integer label per image. Held in one contiguous tensor so a
/// batch is a copy of rows, and so a training run never touches the disk after loading.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>[N, 1, H, W], contiguous.</summary>
    public Tensor Images { get; }

    /// <summary>Class index of each image; length N.</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;

    public ImageDataset(Tensor images, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Rank != 4 || images.Shape[1] != 1)
            throw new ArgumentException($"ImageDataset: images must be [N, 1, H, W]; got {Tensor.ShapeText(images.Shape)}.", nameof(images));
        if (images.Shape[0] != labels.Length)
            throw new ArgumentException($"ImageDataset: {images.Shape[0]} images but {labels.Length} labels.", nameof(labels));
        Images = images.Contiguous();
        Labels = labels;
    }

    /// <summary>
    /// Loads an IDX image file and its IDX label file; pixels are scaled from 0–255 to [0, 1].
    /// Throws <see cref="InvalidDataException"/> naming both files when their counts differ.
    /// </summary>
    public static ImageDataset FromIdx(string imagesPath, string labelsPath)
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (labels.Length != images.Count)
            throw new InvalidDataException($"{labelsPath}: {labels.Length} labels, but {imagesPath} holds {images.Count} images.");

        var pixels = new float[images.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[i] / 255f;
        var labelInts = Array.ConvertAll(labels, b => (int)b);
        return new ImageDataset(new Tensor(pixels, images.Count, 1, images.Rows, images.Cols), labelInts);
    }
}
