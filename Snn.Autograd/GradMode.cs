// Turning graph recording off for inference and for optimizer updates.
namespace Snn.Autograd;

/// <summary>
/// Whether ops record a graph. <c>using (GradMode.NoGrad()) { ... }</c> disables recording on this thread for the
/// scope, like <c>torch.no_grad()</c>: outputs are plain values and nothing is kept for backward.
/// </summary>
public static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    public static bool Enabled => !_disabled;

    public static IDisposable NoGrad()
    {
        bool previous = _disabled;
        _disabled = true;
        return new Restore(previous);
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => _disabled = previous;
    }
}
