# Adds a loop trace to a throwaway copy of the sources, for bench/loop_trace_report.py: every parallel loop (and every
# loop that ran inline on one chunk) appends (gap before it, duration, chunks, threads, body) to /tmp/trace.tsv when
# the process exits with SNN_TRACE=1. Not for main: it times every loop.
#   git worktree add /tmp/trace HEAD && python3 bench/loop_trace_patch.py /tmp/trace
#   (cd /tmp/trace && dotnet build Snn.Cli -c Release -o /tmp/traced)
#   SNN_TRACE=1 dotnet /tmp/traced/snn.dll --threads 2 bench --workload spikformer-infer --reps 21 --no-torch
#   python3 bench/loop_trace_report.py /tmp/trace.tsv 6000
# Used for bench/results/speed.md, round 10.
import sys
root=sys.argv[1]
p=root+'/Snn.Tensor/WorkerTeam.cs'; s=open(p).read()
s=s.replace("""        try
        {
            int helpers""","""        long t0 = Stopwatch.GetTimestamp();
        try
        {
            int helpers""",1)
s=s.replace("""        finally { Volatile.Write(ref s_busy, 0); }
    }""","""        finally { Volatile.Write(ref s_busy, 0); if (Trace) Record(t0, chunks, body); }
    }
    static readonly bool Trace = Environment.GetEnvironmentVariable("SNN_TRACE") == "1";
    static long s_last;
    static WorkerTeam() { if (Trace) AppDomain.CurrentDomain.ProcessExit += (_, _) => Dump("/tmp/trace.tsv"); }
    static readonly List<(double gap, double dur, int chunks, int threads, string name)> s_log = new();
    static void Record(long t0, int chunks, Action<int, int> body)
    {
        long t1 = Stopwatch.GetTimestamp();
        s_log.Add(((t0 - s_last) * 1e6 / Stopwatch.Frequency, (t1 - t0) * 1e6 / Stopwatch.Frequency, chunks, Parallelism.Threads, body.Method.DeclaringType?.FullName + "." + body.Method.Name));
        s_last = t1;
    }
    public static void RecordInline(long t0, Action<int, int> body) { if (Trace && Volatile.Read(ref s_busy) == 0) Record(t0, 1, body); }
    public static void Dump(string path) { if (Trace) File.WriteAllLines(path, s_log.Select(e => $"{e.gap:F1}\\t{e.dur:F1}\\t{e.chunks}\\t{e.threads}\\t{e.name}")); }""",1)
assert 'RecordInline' in s
open(p,'w').write(s)
p=root+'/Snn.Tensor/Parallelism.cs'; s=open(p).read()
old="""        if (chunks <= 1) { body(0, count); return; }"""
assert old in s
s=s.replace(old,"""        if (chunks <= 1) { long t0 = System.Diagnostics.Stopwatch.GetTimestamp(); body(0, count); WorkerTeam.RecordInline(t0, body); return; }""")
open(p,'w').write(s)
# At one thread the dense convolution runs its groups in a plain loop, outside any Parallelism.For, so the trace had no
# one-thread row for its biggest loop (Spikformer's input gradients). Through Parallelism.For it runs inline there.
p=root+'/Snn.Tensor/Kernels/Conv2dKernel.cs'; s=open(p).read()
old="""        if (groups >= threads && threads > 1)"""
assert old in s
s=s.replace(old,"""        if (groups >= threads)""")
open(p,'w').write(s)
