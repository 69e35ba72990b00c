// The `snn` command line: its errors are one clear line and an exit code, and its JSON is parseable.
using System.Text.Json;
using Snn.Cli;

namespace Snn.Tests.Cli;

[Collection("Console")]
public class CliTests
{
    /// <summary>Runs `snn args…` in-process and captures stdout and stderr.</summary>
    private static (int code, string stdout, string stderr) Snn(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try { return (Commands.Run(args), stdout.ToString(), stderr.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Fact]
    public void Train_WithMissingDataFolder_SaysHowToGetTheData()
    {
        var (code, _, stderr) = Snn("train", "--data", "/no/such/folder", "--epochs", "1");
        Assert.Equal(2, code);
        Assert.Contains("/no/such/folder", stderr);
        Assert.Contains("apt-get install dataset-fashion-mnist", stderr);
    }

    [Fact]
    public void Train_WithUnwritableOutputPath_FailsBeforeTraining()
    {
        var (code, stdout, stderr) = Snn("train", "--out", "/no/such/dir/model.snn", "--epochs", "1");
        Assert.Equal(2, code);
        Assert.Contains("/no/such/dir", stderr);
        Assert.DoesNotContain("epoch", stdout);
    }

    [Fact]
    public void Eval_WithoutAModel_ExplainsTheTwoWays()
    {
        var (code, _, stderr) = Snn("eval");
        Assert.Equal(2, code);
        Assert.Contains("--arch", stderr);
    }

    [Fact]
    public void Info_Json_CountsCsnnParameters()
    {
        var (code, stdout, _) = Snn("info", "--model", "csnn", "--channels", "16,32", "--json");
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        // conv1 16·9 + bn1 2·16 + conv2 32·16·9 + bn2 2·32 + fc 10·32·7·7 + 10 = 20,538 (as in ../shared/interop).
        Assert.Equal(20_538, json.GetProperty("parameters").GetInt32());
    }

    [Fact]
    public void Eval_ImportedPyTorchModel_Json_ReportsAccuracyAndSops()
    {
        string interop = Path.Combine(AppContext.BaseDirectory, "interop");
        string subset = Path.Combine(TestPaths.RepoRoot(), "data", "fashion-mnist-subset");
        var (code, stdout, stderr) = Snn("eval", "--arch", Path.Combine(interop, "arch.json"), "--weights", Path.Combine(interop, "model.safetensors"),
            "--data", subset, "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.InRange(json.GetProperty("test_accuracy").GetDouble(), 0.80, 0.95);
        Assert.Equal(20_538, json.GetProperty("parameters").GetInt32());
        Assert.True(json.GetProperty("sops_per_image").GetDouble() > 0);
    }
}

internal static class TestPaths
{
    /// <summary>The repository root: the first folder above the test binaries that holds SnnNet.sln.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SnnNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("SnnNet.sln not found above " + AppContext.BaseDirectory);
    }
}
