// The register-blocked transpose against the definition, on shapes with and without whole 8×8 blocks.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public class TransposeTests
{
    [Theory]
    [InlineData(8, 8)]
    [InlineData(196, 64)] // the spike convolution's [Q, O] accumulator
    [InlineData(13, 21)] // ragged in both directions
    [InlineData(3, 40)] // fewer rows than a block
    [InlineData(40, 5)]
    public unsafe void Matrix_IsTheTranspose_PlusTheShiftOfEachOutputRow(int rows, int cols)
    {
        var src = Enumerable.Range(0, rows * cols).Select(i => i * 0.37f - 7f).ToArray();
        var shift = Enumerable.Range(0, cols).Select(c => 0.1f * c - 1f).ToArray();
        float[] plain = new float[rows * cols], shifted = new float[rows * cols];
        fixed (float* s = src, h = shift, p = plain, d = shifted)
        {
            Transpose.Matrix(s, rows, cols, p);
            Transpose.Matrix(s, rows, cols, d, h);
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                Assert.Equal(src[r * cols + c], plain[c * rows + r]);
                Assert.Equal(src[r * cols + c] + shift[c], shifted[c * rows + r]);
            }
    }

    [Theory]
    [InlineData(16, 49, 64)] // one attention head's ∂Kᵀ [d, L] into token rows of 64 features
    [InlineData(13, 21, 30)]
    public unsafe void Matrix_WritesIntoAWiderMatrix_LeavingTheOtherColumns(int rows, int cols, int dstStride)
    {
        var src = Enumerable.Range(0, rows * cols).Select(i => i * 0.25f + 1f).ToArray();
        var dst = Enumerable.Repeat(-9f, cols * dstStride).ToArray();
        fixed (float* s = src, d = dst) Transpose.Matrix(s, rows, cols, d, dstStride: dstStride);
        for (int c = 0; c < cols; c++)
            for (int j = 0; j < dstStride; j++)
                Assert.Equal(j < rows ? src[j * cols + c] : -9f, dst[c * dstStride + j]);
    }
}
