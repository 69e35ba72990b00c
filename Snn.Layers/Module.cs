// The base of every layer: named parameters, buffers and children, train/eval mode, and neuron state reset.
using Snn.Autograd;
using Snn.Layers.Neurons;

namespace Snn.Layers;

/// <summary>
/// A layer or a network. Children, parameters and buffers are registered by name, so a module's state is the
/// dotted-name dictionary PyTorch calls a state_dict (<c>conv1.weight</c>, <c>bn1.running_mean</c>, …) and weights
/// can move between the two frameworks by name. Inputs are time-major <c>[T, N, ...]</c> where time matters;
/// stateless layers treat all leading dims as batch (SpikingJelly's merged T·N).
/// </summary>
public abstract class Module
{
    private readonly List<(string name, Module module)> _children = [];
    private readonly List<(string name, Variable parameter)> _parameters = [];
    private readonly List<(string name, Tensor buffer)> _buffers = [];

    /// <summary>Training mode: batch statistics in batch norm, dropout active. <see cref="Eval"/> turns it off.</summary>
    public bool Training { get; private set; } = true;

    public abstract Variable Forward(Variable x);

    protected T Child<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    protected Variable Parameter(string name, Tensor value)
    {
        var p = Variable.Parameter(value, name);
        _parameters.Add((name, p));
        return p;
    }

    /// <summary>Registers state that is saved and loaded but not trained (running statistics).</summary>
    protected Tensor Buffer(string name, Tensor value)
    {
        _buffers.Add((name, value));
        return value;
    }

    public IEnumerable<(string name, Module module)> Children() => _children;

    /// <summary>Every trainable parameter, depth first, with dotted names.</summary>
    public IEnumerable<(string name, Variable parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (prefix + name, p);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedParameters(prefix + name + ".")) yield return item;
    }

    public IReadOnlyList<Variable> Parameters() => NamedParameters().Select(p => p.parameter).ToList();

    public IEnumerable<(string name, Tensor buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b) in _buffers) yield return (prefix + name, b);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedBuffers(prefix + name + ".")) yield return item;
    }

    /// <summary>Parameters and buffers by name: what a checkpoint holds.</summary>
    public IEnumerable<(string name, Tensor tensor)> StateDict() =>
        NamedParameters().Select(p => (p.name, p.parameter.Data)).Concat(NamedBuffers());

    /// <summary>
    /// Copies tensors into this module's parameters and buffers by name. Every entry must be known and every
    /// shape must match; errors name the tensor and both shapes. Names in <paramref name="state"/> that this
    /// module lacks are reported too, unless <paramref name="allowUnexpected"/>.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool allowUnexpected = false)
    {
        var own = StateDict().ToList();
        foreach (var (name, target) in own)
        {
            if (!state.TryGetValue(name, out var source))
                throw new InvalidDataException($"LoadStateDict: missing tensor '{name}' of shape {Tensor.ShapeText(target.Shape)}.");
            if (!source.SameShape(target))
                throw new InvalidDataException($"LoadStateDict: tensor '{name}' has shape {Tensor.ShapeText(source.Shape)}; the architecture expects {Tensor.ShapeText(target.Shape)}.");
            source.CopyTo(target);
        }
        if (!allowUnexpected)
        {
            var known = own.Select(o => o.name).ToHashSet();
            var extra = state.Keys.Where(k => !known.Contains(k)).ToList();
            if (extra.Count > 0) throw new InvalidDataException($"LoadStateDict: unexpected tensor(s) {string.Join(", ", extra.Select(e => $"'{e}'"))} not in the architecture.");
        }
    }

    public void Train(bool on = true)
    {
        Training = on;
        foreach (var (_, child) in _children) child.Train(on);
    }

    public void Eval() => Train(false);

    /// <summary>Forgets carried membrane potentials in every neuron below this module (call between sequences).</summary>
    public virtual void ResetState()
    {
        foreach (var (_, child) in _children) child.ResetState();
    }

    /// <summary>
    /// Sets <see cref="SpikingNeuron.CarryState"/> on every neuron below this module, so a whole network can be fed
    /// one time step at a time (BN must be in eval mode for that to equal the multi-step pass).
    /// </summary>
    public void SetCarryState(bool on)
    {
        foreach (var (_, m) in Modules())
            if (m is SpikingNeuron neuron) neuron.CarryState = on;
    }

    public int ParameterCount() => NamedParameters().Sum(p => p.parameter.Data.Length);

    public IEnumerable<(string path, Module module)> Modules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children)
            foreach (var item in child.Modules(prefix.Length == 0 ? name : prefix + "." + name)) yield return item;
    }
}
