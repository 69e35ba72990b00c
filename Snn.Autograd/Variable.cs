// A node of the autodiff graph: a tensor, its gradient, and how to push that gradient to the node's inputs.
using Snn.Backends;

namespace Snn.Autograd;

/// <summary>
/// A tensor that remembers how it was made. Ops in <see cref="F"/> return Variables whose backward closure, given
/// ∂L/∂output, adds ∂L/∂input into each input's <see cref="Grad"/> (gradients accumulate, as in micrograd).
/// <see cref="Backward"/> runs the closures in reverse topological order. Leaves with
/// <see cref="RequiresGrad"/> are parameters; graph interiors free their gradients once used.
/// </summary>
public sealed class Variable
{
    private Variable[] _parents;
    private Action<Tensor>? _backward;
    private Tensor? _gradBuffer;

    public Tensor Data { get; }

    /// <summary>∂L/∂Data after <see cref="Backward"/>; null until a gradient arrives. A parameter's Grad from a pass inside
    /// a <see cref="TensorScope"/> is recycled by a later such pass once Grad has been cleared: copy it to keep it.</summary>
    public Tensor? Grad { get; set; }

    public bool RequiresGrad { get; }

    public string? Name { get; set; }

    public bool IsLeaf => _backward is null;

    /// <summary>
    /// Set by <see cref="F.RepeatTime"/> on its output: the one-step input that every step views. A neuron op can
    /// then read that step in place and hand Σ_t ∂L/∂step_t to it directly (<see cref="F.NeuronMaxPool2d"/>).
    /// </summary>
    internal Variable? RepeatOf { get; private set; }

    public int[] Shape => Data.ShapeArray();

    public Variable(Tensor data, bool requiresGrad = false, string? name = null)
    {
        Data = data ?? throw new ArgumentNullException(nameof(data));
        RequiresGrad = requiresGrad;
        Name = name;
        _parents = [];
    }

    /// <summary>A trainable leaf.</summary>
    public static Variable Parameter(Tensor data, string? name = null) => new(data, requiresGrad: true, name);

    /// <summary>A constant (no gradient) wrapping <paramref name="data"/>.</summary>
    public static Variable Constant(Tensor data) => new(data);

    /// <summary>
    /// The output of an op. It joins the graph only when some input needs a gradient and grad mode is on; otherwise
    /// the closure and the inputs are dropped at once, so inference keeps nothing alive.
    /// </summary>
    public static Variable FromOp(Tensor data, Variable[] inputs, Action<Tensor> backward)
    {
        bool needs = GradMode.Enabled && inputs.Any(v => v.RequiresGrad);
        var y = new Variable(data, needs);
        if (needs) { y._parents = inputs; y._backward = backward; }
        return y;
    }

    /// <summary>A <see cref="FromOp"/> output that repeats <paramref name="step"/> over time (see <see cref="RepeatOf"/>).</summary>
    internal static Variable Repeating(Tensor data, Variable step, Action<Tensor> backward)
    {
        var y = FromOp(data, [step], backward);
        if (y.RequiresGrad) y.RepeatOf = step;
        return y;
    }

    /// <summary>Same data, cut from the graph.</summary>
    public Variable Detach() => new(Data);

    /// <summary>
    /// Adds <paramref name="gradient"/> into <see cref="Grad"/>. When <paramref name="owned"/> the caller hands over
    /// a fresh tensor that may become Grad without a copy; pass-through gradients (shared with other nodes) are copied.
    /// </summary>
    public void AccumulateGrad(Tensor gradient, bool owned = true)
    {
        if (!RequiresGrad) return;
        if (!gradient.Shape.SequenceEqual(Data.Shape))
            throw new InvalidOperationException($"Gradient of shape {Tensor.ShapeText(gradient.Shape)} does not match {Name ?? "variable"} of shape {Tensor.ShapeText(Data.Shape)}.");
        if (Grad is null && IsLeaf && TensorScope.IsPooling)
        {
            // A parameter's gradient outlives the step's scope (it is read after it, until the next ZeroGrad), so it
            // goes into a buffer of its own, never into recycled step storage. A fresh gradient becomes that buffer
            // (its array leaves the scope, and the previous buffer's array is recycled in its place), as PyTorch's
            // AccumulateGrad steals a gradient nothing else holds: the LIF bench's input, 134 MB, spent 3.4–4.4 ms of a
            // 33 ms two-thread run copying its gradient. So a Grad kept from an earlier pass is not to be read.
            if (owned && TensorScope.Adopt(gradient, _gradBuffer))
            {
                _gradBuffer = Grad = gradient;
                return;
            }
            if (_gradBuffer is null || !_gradBuffer.SameShape(Data))
                using (TensorScope.Suspend()) _gradBuffer = Tensor.Zeros(Data.ShapeArray());
            gradient.CopyTo(_gradBuffer);
            Grad = _gradBuffer;
            return;
        }
        if (Grad is null) { Grad = owned && gradient.IsContiguous ? gradient : gradient.Clone(); return; }
        // Through the backend, on all threads: a residual stream's gradient is added here once per block, and a
        // serial add of [T·N·L, D] was 0.9% of a two-thread Spikformer step.
        Backend.Current.Binary(Grad, gradient.Contiguous(), BinaryOp.Add, Grad);
    }

    /// <summary>
    /// Backpropagates from this node. A one-element output is seeded with 1; otherwise pass <paramref name="seed"/>
    /// (∂L/∂this). After the pass the graph below is released, so call it once per forward pass.
    /// </summary>
    public void Backward(Tensor? seed = null)
    {
        if (!RequiresGrad) throw new InvalidOperationException("Backward: this value does not depend on any parameter (or was computed under NoGrad).");
        if (seed is null && Data.Length != 1)
            throw new InvalidOperationException($"Backward: output of shape {Tensor.ShapeText(Data.Shape)} is not a scalar; pass a seed gradient.");
        // The caller's seed is only read: no backward closure writes the gradient it is given (an op that passes it
        // on unchanged hands it over as not owned, so it is copied wherever it could be added into), and an interior
        // node's Grad is dropped once used. A leaf keeps its Grad and later passes add into it, so a leaf copies the
        // seed. The LIF bench's copy of its 134 MB seed took 3.4–4.4 ms of a 33 ms two-thread run.
        AccumulateGrad(seed ?? Tensor.Ones(Data.ShapeArray()), owned: seed is null || !IsLeaf);
        foreach (var node in TopologicalOrder())
        {
            if (node._backward is null) continue;
            if (node.Grad is not null) node._backward(node.Grad);
            node._backward = null;
            node._parents = [];
            node.Grad = null;
        }
    }

    /// <summary>Interior nodes, outputs first (iterative DFS so deep graphs cannot overflow the stack).</summary>
    private List<Variable> TopologicalOrder()
    {
        var order = new List<Variable>();
        var visited = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Variable node, bool expanded)>();
        stack.Push((this, false));
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (expanded) { order.Add(node); continue; }
            if (!visited.Add(node)) continue;
            stack.Push((node, true));
            foreach (var p in node._parents)
                if (p.RequiresGrad && !visited.Contains(p)) stack.Push((p, false));
        }
        order.Reverse();
        return order;
    }

    public override string ToString() => $"Variable{(Name is null ? "" : " " + Name)} {Data}";
}
