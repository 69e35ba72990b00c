// The optimizer contract: a list of parameters and a Step that reads their gradients.
namespace Snn.Autograd.Optim;

/// <summary>Updates parameters in place from their gradients. <see cref="LearningRate"/> may be changed between steps (schedules).</summary>
public abstract class Optimizer
{
    protected Optimizer(IReadOnlyList<Variable> parameters, float learningRate)
    {
        if (parameters.Count == 0) throw new ArgumentException("Optimizer: no parameters to optimize.");
        Parameters = parameters;
        LearningRate = learningRate;
    }

    public IReadOnlyList<Variable> Parameters { get; }

    public float LearningRate { get; set; }

    /// <summary>Number of steps taken; saved in checkpoints so bias corrections resume correctly.</summary>
    public int StepCount { get; protected set; }

    /// <summary>Applies one update; parameters without a gradient are skipped.</summary>
    public abstract void Step();

    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Grad = null;
    }

    /// <summary>
    /// Zeroed state that lives as long as the optimizer. Step runs inside the trainer's <see cref="TensorScope"/>,
    /// whose tensors are recycled when the step ends; state created lazily there must not be.
    /// </summary>
    protected static Tensor LongLived(int[] shape)
    {
        using (TensorScope.Suspend()) return Tensor.Zeros(shape);
    }

    /// <summary>Per-parameter state tensors (momentum buffers, moments) in a fixed order, for checkpoints.</summary>
    public abstract IEnumerable<(string name, Tensor state)> State();

    /// <summary>Restores what <see cref="State"/> produced, plus the step count.</summary>
    public abstract void LoadState(IReadOnlyDictionary<string, Tensor> state, int stepCount);
}
