// Random horizontal flips and small shifts of training images, drawn from a seeded stream.
namespace Snn.Layers.Data;

/// <summary>
/// Per-image augmentation for training: with probability ½ mirror left–right, then translate by up to
/// <see cref="MaxShift"/> pixels in each direction (the image is zero-padded and cropped back, as
/// RandomCrop(28, padding = MaxShift) does). Each epoch's draws depend only on (seed, epoch), so resumed runs match.
/// </summary>
public sealed record Augmentation(bool FlipHorizontal = true, int MaxShift = 2)
{
    /// <summary>Augments one [C, H, W] image in place, using <paramref name="scratch"/> (same length) as a buffer.</summary>
    public void Apply(Span<float> image, int channels, int height, int width, Rng rng, Span<float> scratch)
    {
        bool flip = FlipHorizontal && rng.NextInt(2) == 1;
        int dy = MaxShift == 0 ? 0 : rng.NextInt(2 * MaxShift + 1) - MaxShift;
        int dx = MaxShift == 0 ? 0 : rng.NextInt(2 * MaxShift + 1) - MaxShift;
        if (!flip && dy == 0 && dx == 0) return;
        image.CopyTo(scratch);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int sy = y - dy, sx = x - dx;
                    if (flip) sx = width - 1 - sx;
                    bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
                    image[(c * height + y) * width + x] = inside ? scratch[(c * height + sy) * width + sx] : 0f;
                }
    }
}
