// AtomicFile: writes land whole or not at all, and unwritable targets give an error naming the path.
using Snn.IO;

namespace Snn.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void Write_FailingHalfway_LeavesPreviousFileIntact_AndNoTempFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("predictions.csv");
        AtomicFile.WriteAllText(path, "id,label\n0,3\n");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("id,label\n0,"u8);
            throw new InvalidOperationException("simulated crash mid-write");
        }));

        Assert.Equal("id,label\n0,3\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void InterruptedModelWrite_TempLeftBehind_OldModelStillReads()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.snn");
        ModelFile.Write(path, "{}", new Dictionary<string, string> { ["epoch"] = "1" }, [("w", Tensor.Ones(3))]);
        // A process killed between writing the temp file and the rename leaves exactly this behind.
        File.WriteAllBytes(AtomicFile.TempPath(path), File.ReadAllBytes(path)[..20]);

        Assert.Equal("1", ModelFile.Read(path).Metadata["epoch"]);

        ModelFile.Write(path, "{}", new Dictionary<string, string> { ["epoch"] = "2" }, [("w", Tensor.Ones(3))]);
        Assert.Equal("2", ModelFile.Read(path).Metadata["epoch"]);
    }

    [Fact]
    public void Write_IntoMissingDirectory_ThrowsNamingPathAndDirectory()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "no-such-dir", "model.snn");
        var e = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(path, "x"));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Write_OverADirectory_ThrowsIOExceptionNamingPath()
    {
        using var dir = new TempDirectory();
        string path = dir.File("taken");
        Directory.CreateDirectory(path);
        var e = Assert.Throws<IOException>(() => ModelFile.Write(path, "{}", new Dictionary<string, string>(), []));
        Assert.Contains(path, e.Message);
    }
}
