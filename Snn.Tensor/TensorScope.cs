// Step-scoped tensor storage: inside a scope new tensors rent exact-size arrays that go back to a pool at its end.
namespace Snn;

/// <summary>
/// A training step allocates hundreds of megabytes of activations and gradients that all die when the step ends.
/// <c>using (TensorScope.Begin()) { forward; backward; optimizer.Step(); }</c> makes every tensor that
/// <see cref="Tensor.Zeros(int[])"/>, <see cref="Tensor.Full"/> or <see cref="Tensor.Clone"/> creates on this thread
/// inside the scope take its storage from <see cref="TensorPool"/>, and gives all of it back when the scope is
/// disposed, so a steady-state step allocates (almost) nothing. Outside any scope allocation is ordinary GC memory.
/// <para>Anything that must outlive the scope — optimizer state created lazily in Step, carried membranes,
/// gradient buffers of parameters, values the caller keeps — is created under <see cref="Suspend"/> or kept with
/// <see cref="Keep"/>. A use after return is a bug that <see cref="TensorPool.Poison"/> makes loud: returned
/// arrays are filled with NaN, so the test suite run with SNN_POOL_POISON=1 fails on any such use.</para>
/// Scopes are per thread and nest; the innermost one owns new allocations.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? t_current;

    private readonly TensorScope? _parent;
    private readonly bool _pooling;
    private List<float[]> _rented = [];
    private bool _disposed;

    private TensorScope(TensorScope? parent, bool pooling)
    {
        _parent = parent;
        _pooling = pooling;
        t_current = this;
    }

    /// <summary>Starts a scope on this thread whose tensors return to the pool when it is disposed.</summary>
    public static TensorScope Begin() => new(t_current, pooling: true);

    /// <summary>Until disposed, tensors created on this thread are ordinary, never-recycled memory (long-lived state).</summary>
    public static TensorScope Suspend() => new(t_current, pooling: false);

    /// <summary>True when a new tensor on this thread would be recycled at the end of a scope.</summary>
    public static bool IsPooling => t_current is { _pooling: true };

    /// <summary>Storage of <paramref name="length"/> floats: rented and recorded when pooling, else a new array.</summary>
    internal static float[] Allocate(int length, bool clear)
    {
        var scope = t_current;
        if (scope is not { _pooling: true } || length < TensorPool.MinLength) return new float[length];
        var array = TensorPool.Rent(length, clear);
        scope._rented.Add(array);
        return array;
    }

    /// <summary>
    /// Moves <paramref name="tensor"/>'s storage out of this scope: to the enclosing pooling scope if any, else it
    /// becomes ordinary memory. Returns the tensor. A tensor whose storage this scope did not rent is left alone.
    /// </summary>
    public Tensor Keep(Tensor tensor)
    {
        int at = _rented.FindIndex(a => ReferenceEquals(a, tensor.Storage));
        if (at < 0) return tensor;
        _rented.RemoveAt(at);
        var owner = _parent;
        while (owner is { _pooling: false }) owner = owner._parent;
        owner?._rented.Add(tensor.Storage);
        return tensor;
    }

    /// <summary>
    /// Takes <paramref name="tensor"/>'s array out of the scope on this thread that rented it, for a value that
    /// outlives the scope, and gives that scope <paramref name="replacement"/>'s array (when it has the same length) to
    /// return to the pool in its place: a parameter's gradient adopted as its buffer, the previous buffer recycled.
    /// The caller must own both arrays outright. False, changing nothing, when the tensor views only part of its array
    /// or no scope on this thread rented it.
    /// </summary>
    internal static bool Adopt(Tensor tensor, Tensor? replacement)
    {
        if (tensor.Offset != 0 || tensor.Length != tensor.Storage.Length || !tensor.IsContiguous) return false;
        for (var scope = t_current; scope is not null; scope = scope._parent)
        {
            // From the end: a gradient was rented late in the step.
            int at = scope._rented.FindLastIndex(a => ReferenceEquals(a, tensor.Storage));
            if (at < 0) continue;
            if (replacement?.Storage is { } spare && spare.Length == tensor.Storage.Length && !ReferenceEquals(spare, tensor.Storage))
                scope._rented[at] = spare;
            else scope._rented.RemoveAt(at);
            return true;
        }
        return false;
    }

    /// <summary>Returns every array rented in this scope to the pool and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!ReferenceEquals(t_current, this))
            throw new InvalidOperationException("TensorScope: scopes must be disposed innermost first, on the thread that began them.");
        t_current = _parent;
        foreach (var array in _rented) TensorPool.Return(array);
        _rented = [];
    }
}

/// <summary>
/// Exact-length free lists of float arrays, shared by all threads. Only <see cref="TensorScope"/> rents and
/// returns. <see cref="Poison"/> (set from SNN_POOL_POISON=1, or by tests) fills returned arrays with NaN.
/// </summary>
public static class TensorPool
{
    /// <summary>Smaller arrays are cheap for the GC and not worth a lookup.</summary>
    internal const int MinLength = 256;

    private static readonly Dictionary<int, Stack<float[]>> s_free = [];
    private static long s_pooledBytes;

    /// <summary>When true, returned arrays are NaN-filled so any use after return shows up in results.</summary>
    public static bool Poison { get; set; } = Environment.GetEnvironmentVariable("SNN_POOL_POISON") == "1";

    /// <summary>Bytes held in free lists now.</summary>
    public static long PooledBytes { get { lock (s_free) return s_pooledBytes; } }

    internal static float[] Rent(int length, bool clear)
    {
        float[]? array = null;
        lock (s_free)
        {
            if (s_free.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                array = stack.Pop();
                s_pooledBytes -= 4L * length;
            }
        }
        if (array is null) return GC.AllocateUninitializedArray<float>(length) is var fresh && clear ? Cleared(fresh) : fresh;
        return clear ? Cleared(array) : array;
    }

    internal static void Return(float[] array)
    {
        if (Poison) Array.Fill(array, float.NaN);
        lock (s_free)
        {
            if (!s_free.TryGetValue(array.Length, out var stack)) s_free[array.Length] = stack = new Stack<float[]>();
            stack.Push(array);
            s_pooledBytes += 4L * array.Length;
        }
    }

    /// <summary>Drops every pooled array (for the GC to reclaim).</summary>
    public static void Clear()
    {
        lock (s_free) { s_free.Clear(); s_pooledBytes = 0; }
    }

    private static float[] Cleared(float[] array)
    {
        Array.Clear(array);
        return array;
    }
}
