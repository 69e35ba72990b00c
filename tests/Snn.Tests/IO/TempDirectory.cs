// A scratch folder per test, deleted afterwards, so file tests neither collide nor leave litter.
namespace Snn.Tests.IO;

internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("snn-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
