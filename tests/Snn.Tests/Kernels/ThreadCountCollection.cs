// Tests that change the process-wide Parallelism.Threads run alone, so they cannot change another test's thread count.
namespace Snn.Tests.Kernels;

/// <summary>
/// Kernel results are reproducible for a given thread count, and the training tests check exactly that; a test
/// running beside them that sets <see cref="Parallelism.Threads"/> would change their count mid-run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    public const string Name = "changes Parallelism.Threads";
}
