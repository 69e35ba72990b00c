// The PyTorch peer's protocol, driven against a shell script that speaks it, so no torch is needed.
using Snn.Bench;

namespace Snn.Tests.Cli;

public sealed class TorchPeerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snn-peer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // TorchPeer runs "<python> <script> --threads N --workload W --warmup K --serve"; /bin/sh stands in for python.
    private TorchPeer Peer(string body)
    {
        string script = Path.Combine(_dir, "peer.sh");
        File.WriteAllText(script, body);
        return new TorchPeer(python: "/bin/sh", script: script);
    }

    private const string Server = """
        [ "$1" = "--threads" ] && [ "$5" = "--warmup" ] && [ "$7" = "--serve" ] || exit 3
        echo '{"ready": ["fake"]}'
        while read label; do
          if [ "$label" = fake ]; then echo "{\"workload\": \"fake\", \"ms\": $2.5, \"peak_rss_bytes\": 4096}"
          else echo "{\"error\": \"unknown figure '$label'\"}"; fi
        done
        """;

    [Fact]
    public void AServingPeer_TimesOneRunPerLabel_AtItsThreadCount()
    {
        var peer = Peer(Server);
        using var session = peer.Start("gemm", threads: 2, new BenchRunner());
        Assert.Null(peer.Unavailable);
        Assert.NotNull(session);
        Assert.Equal(2, session.Threads);
        Assert.Equal(2.5, session.Time("fake"));
        Assert.Equal(2.5, session.Time("fake"));
        Assert.Equal(4096, session.PeakRssBytes);
    }

    [Fact]
    public void AnUnknownLabel_StopsTheSession_WithTheLabelInTheReason()
    {
        using var session = Peer(Server).Start("gemm", threads: 1, new BenchRunner())!;
        Assert.Null(session.Time("other"));
        Assert.Contains("unknown figure 'other'", session.Unavailable);
        Assert.Null(session.Time("fake"));
    }

    [Fact]
    public void AnAnswerThatIsNotATime_StopsTheSession_QuotingIt()
    {
        using var session = Peer("echo '{\"ready\": [\"fake\"]}'; read label; echo 'Warning: something'; read label")
            .Start("gemm", threads: 1, new BenchRunner())!;
        Assert.Null(session.Time("fake"));
        Assert.Contains("expected a time for 'fake', got: Warning: something", session.Unavailable);
    }

    [Fact]
    public void APythonWithoutTorch_IsReportedAsSuch()
    {
        var peer = Peer("echo \"ModuleNotFoundError: No module named 'torch'\" >&2; exit 1");
        Assert.Null(peer.Start("gemm", threads: 1, new BenchRunner()));
        Assert.Contains("torch is not installed for /bin/sh", peer.Unavailable);
    }

    [Fact]
    public void APeerThatSaysSomethingElse_IsUnavailable_QuotingIt()
    {
        var peer = Peer("echo 'hello'");
        Assert.Null(peer.Start("gemm", threads: 1, new BenchRunner()));
        Assert.Contains("got: hello", peer.Unavailable);
    }

    [Fact]
    public void AMissingScript_IsNamed()
    {
        var peer = new TorchPeer(script: Path.Combine(_dir, "absent.py"));
        Assert.Null(peer.Start("gemm", threads: 1, new BenchRunner()));
        Assert.Contains("absent.py not found", peer.Unavailable);
    }
}
