// A float32 n-dimensional array: a shape, strides and a window into a flat storage array. Views share storage.
using System.Runtime.CompilerServices;
using System.Text;

namespace Snn;

/// <summary>
/// A float32 tensor. Storage is a flat <c>float[]</c>; <see cref="Shape"/> and <see cref="Strides"/> (in elements)
/// say how an index maps into it, starting at <see cref="Offset"/>. Reshape of a contiguous tensor, permute,
/// transpose and slicing along the leading dimension return views that share storage; everything else allocates.
/// Shape legend used across SnnNet: <c>[T, N, C, H, W]</c> = time steps, batch, channels, height, width.
/// </summary>
public sealed class Tensor
{
    private readonly int[] _shape;
    private readonly int[] _strides;

    /// <summary>The flat storage this tensor reads. Shared by views.</summary>
    public float[] Storage { get; }

    /// <summary>Index into <see cref="Storage"/> of element [0, 0, ...].</summary>
    public int Offset { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    public ReadOnlySpan<int> Shape => _shape;
    public ReadOnlySpan<int> Strides => _strides;
    public int Rank => _shape.Length;

    /// <summary>True when elements are laid out row-major without gaps, so <see cref="Span"/> is valid.</summary>
    public bool IsContiguous { get; }

    public Tensor(float[] storage, int offset, int[] shape, int[] strides)
    {
        ArgumentNullException.ThrowIfNull(storage);
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"Tensor: negative dimension in shape {ShapeText(shape)}.");
        if (strides.Length != shape.Length)
            throw new ArgumentException($"Tensor: strides rank {strides.Length} does not match shape {ShapeText(shape)}.");
        Storage = storage;
        Offset = offset;
        _shape = shape;
        _strides = strides;
        Length = ElementCount(shape);
        IsContiguous = strides.AsSpan().SequenceEqual(RowMajorStrides(shape)) || Length <= 1;
        if (Length > 0 && offset + MaxReach() > storage.Length)
            throw new ArgumentException($"Tensor: shape {ShapeText(shape)} at offset {offset} overruns storage of {storage.Length}.");
    }

    /// <summary>A contiguous tensor over <paramref name="data"/> (not copied).</summary>
    public Tensor(float[] data, params int[] shape) : this(data, 0, CheckedShape(data, shape), RowMajorStrides(shape)) { }

    private static int[] CheckedShape(float[] data, int[] shape)
    {
        if (ElementCount(shape) != data.Length)
            throw new ArgumentException($"Tensor: {data.Length} values do not fill shape {ShapeText(shape)}.");
        return (int[])shape.Clone();
    }

    // ----- factories -----

    /// <summary>A zero-filled tensor. Inside a <see cref="TensorScope"/> its storage is rented and recycled at the scope's end.</summary>
    public static Tensor Zeros(params int[] shape) => new(TensorScope.Allocate(ElementCount(shape), clear: true), shape);

    /// <summary>
    /// A tensor whose every element the caller will overwrite (contents undefined; pooled as <see cref="Zeros"/>).
    /// For op outputs a kernel writes in full; poisoned pools (SNN_POOL_POISON=1) hand these out NaN-filled, so a
    /// kernel that skips an element fails the test suite.
    /// </summary>
    internal static Tensor Uninitialized(params int[] shape) => new(TensorScope.Allocate(ElementCount(shape), clear: false), shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var data = TensorScope.Allocate(ElementCount(shape), clear: false);
        Array.Fill(data, value);
        return new Tensor(data, shape);
    }

    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    public static Tensor Scalar(float value) => new([value]);

    /// <summary>A tensor with the same shape as <paramref name="like"/>, zero-filled.</summary>
    public static Tensor ZerosLike(Tensor like) => Zeros(like._shape);

    // ----- element access -----

    /// <summary>The elements in row-major order. Only for contiguous tensors; call <see cref="Contiguous"/> first.</summary>
    public Span<float> Span
    {
        get
        {
            if (!IsContiguous)
                throw new InvalidOperationException($"Tensor.Span: tensor of shape {ShapeText(_shape)} is a strided view; call Contiguous() first.");
            return Storage.AsSpan(Offset, Length);
        }
    }

    [System.Runtime.CompilerServices.IndexerName("At")]
    public float this[params int[] index]
    {
        get => Storage[FlatIndex(index)];
        set => Storage[FlatIndex(index)] = value;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Tensor.Item: tensor of shape {ShapeText(_shape)} has {Length} elements, not 1.");
        return Storage[Offset];
    }

    public float[] ToArray() => Contiguous().Span.ToArray();

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"Tensor index has {index.Length} coordinates; tensor shape is {ShapeText(_shape)}.");
        int flat = Offset;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i])
                throw new IndexOutOfRangeException($"Tensor index {index[i]} out of range for dimension {i} of shape {ShapeText(_shape)}.");
            flat += index[i] * _strides[i];
        }
        return flat;
    }

    // ----- views -----

    /// <summary>Same elements, new shape. One dimension may be -1 (inferred). A view when contiguous, else a copy.</summary>
    public Tensor Reshape(params int[] shape)
    {
        int[] resolved = ResolveShape(shape, Length);
        var source = IsContiguous ? this : Contiguous();
        return new Tensor(source.Storage, source.Offset, resolved, RowMajorStrides(resolved));
    }

    /// <summary>A view with dimensions reordered: result dim i is source dim <paramref name="order"/>[i].</summary>
    public Tensor Permute(params int[] order)
    {
        if (order.Length != Rank) throw new ArgumentException($"Permute: order has {order.Length} entries for tensor of shape {ShapeText(_shape)}.");
        var seen = new bool[Rank];
        var shape = new int[Rank];
        var strides = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = order[i] < 0 ? order[i] + Rank : order[i];
            if ((uint)d >= (uint)Rank || seen[d]) throw new ArgumentException($"Permute: [{string.Join(", ", order)}] is not a permutation of {Rank} dims.");
            seen[d] = true;
            shape[i] = _shape[d];
            strides[i] = _strides[d];
        }
        return new Tensor(Storage, Offset, shape, strides);
    }

    /// <summary>A view with two dimensions swapped.</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        var order = new int[Rank];
        for (int i = 0; i < Rank; i++) order[i] = i;
        dim0 = NormalizeDim(dim0);
        dim1 = NormalizeDim(dim1);
        (order[dim0], order[dim1]) = (order[dim1], order[dim0]);
        return Permute(order);
    }

    /// <summary>A view of rows [start, start+count) along dimension 0.</summary>
    public Tensor Slice(int start, int count)
    {
        if (Rank == 0) throw new InvalidOperationException("Slice: a scalar has no leading dimension.");
        if (start < 0 || count < 0 || start + count > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + count}) is outside dimension 0 of shape {ShapeText(_shape)}.");
        var shape = (int[])_shape.Clone();
        shape[0] = count;
        return new Tensor(Storage, Offset + start * _strides[0], shape, (int[])_strides.Clone());
    }

    /// <summary>Row <paramref name="index"/> of dimension 0, with that dimension removed (a view).</summary>
    public Tensor Select(int index)
    {
        var slice = Slice(index, 1);
        return new Tensor(Storage, slice.Offset, _shape[1..], _strides[1..]);
    }

    /// <summary>This tensor if contiguous, else a contiguous copy.</summary>
    public Tensor Contiguous() => IsContiguous ? this : Clone();

    /// <summary>A contiguous copy with its own storage.</summary>
    public Tensor Clone()
    {
        var result = Uninitialized(_shape);
        CopyTo(result);
        return result;
    }

    /// <summary>Copies the elements (in logical row-major order) into <paramref name="destination"/> of the same shape.</summary>
    public void CopyTo(Tensor destination)
    {
        if (!Shape.SequenceEqual(destination.Shape))
            throw new ArgumentException($"CopyTo: source shape {ShapeText(_shape)} differs from destination {ShapeText(destination._shape)}.");
        if (Length == 0) return;
        if (IsContiguous && destination.IsContiguous && Length < ParallelCopyLength) { Span.CopyTo(destination.Span); return; }
        // Large contiguous copies also go through StridedCopy, which splits them over threads.
        Kernels.StridedCopy.Copy(Storage, Offset, _strides, destination.Storage, destination.Offset, destination._strides, _shape);
    }

    /// <summary>From this many elements (1 MB) a contiguous copy is split over threads; below it one thread is cheaper.</summary>
    private const int ParallelCopyLength = 1 << 18;

    /// <summary>The plain element-by-element copy that <see cref="Kernels.StridedCopy"/> is tested against.</summary>
    internal void CopyToReference(Tensor destination)
    {
        var src = new StridedCursor(this);
        var dst = new StridedCursor(destination);
        for (int i = 0; i < Length; i++) destination.Storage[dst.Next()] = Storage[src.Next()];
    }

    public int NormalizeDim(int dim)
    {
        int d = dim < 0 ? dim + Rank : dim;
        if ((uint)d >= (uint)Rank) throw new ArgumentOutOfRangeException(nameof(dim), $"Dimension {dim} is out of range for shape {ShapeText(_shape)}.");
        return d;
    }

    public bool SameShape(Tensor other) => Shape.SequenceEqual(other.Shape);

    public int[] ShapeArray() => (int[])_shape.Clone();

    public override string ToString()
    {
        var sb = new StringBuilder("Tensor").Append(ShapeText(_shape)).Append(' ');
        var values = ToArray();
        sb.Append('[').Append(string.Join(", ", values.Take(8).Select(v => v.ToString("G5"))));
        if (values.Length > 8) sb.Append(", …");
        return sb.Append(']').ToString();
    }

    // ----- shape arithmetic -----

    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n > int.MaxValue) throw new ArgumentException($"Shape {ShapeText(shape)} has more than {int.MaxValue} elements.");
        return (int)n;
    }

    public static int[] RowMajorStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= Math.Max(shape[i], 1); }
        return strides;
    }

    public static string ShapeText(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++) { if (i > 0) sb.Append(", "); sb.Append(shape[i]); }
        return sb.Append(']').ToString();
    }

    private static int[] ResolveShape(int[] shape, int length)
    {
        int infer = -1, known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape: more than one -1 in {ShapeText(shape)}.");
                infer = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"Reshape: negative dimension in {ShapeText(shape)}.");
            else known *= shape[i];
        }
        var resolved = (int[])shape.Clone();
        if (infer >= 0)
        {
            if (known == 0 || length % known != 0)
                throw new ArgumentException($"Reshape: cannot infer -1 in {ShapeText(shape)} for {length} elements.");
            resolved[infer] = length / known;
        }
        if (ElementCount(resolved) != length)
            throw new ArgumentException($"Reshape: {length} elements do not fit shape {ShapeText(shape)}.");
        return resolved;
    }

    private int MaxReach()
    {
        int reach = 1;
        for (int i = 0; i < Rank; i++) reach += (_shape[i] - 1) * _strides[i];
        return reach;
    }

    /// <summary>Walks a (possibly strided) tensor's storage offsets in logical row-major order.</summary>
    internal struct StridedCursor
    {
        private readonly int[] _shape, _strides;
        private readonly int[] _index;
        private int _offset;
        private bool _started;

        public StridedCursor(Tensor t)
        {
            _shape = t._shape;
            _strides = t._strides;
            _index = new int[t.Rank];
            _offset = t.Offset;
            _started = false;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Next()
        {
            if (!_started) { _started = true; return _offset; }
            for (int d = _shape.Length - 1; d >= 0; d--)
            {
                if (++_index[d] < _shape[d]) { _offset += _strides[d]; return _offset; }
                _offset -= (_shape[d] - 1) * _strides[d];
                _index[d] = 0;
            }
            return _offset;
        }
    }
}
