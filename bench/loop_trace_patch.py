# Adds a loop trace to a throwaway copy of the sources, for bench/loop_trace_report.py: every parallel loop (and every
# loop that ran inline on one chunk) appends (gap before it, duration, chunks, threads, the caller's and the workers'
# chunk counts and summed chunk times, body) to /tmp/trace.tsv when the process exits with SNN_TRACE=1. Not for
# main: it times every loop and every chunk.
#   git worktree add /tmp/trace HEAD && python3 bench/loop_trace_patch.py /tmp/trace
#   (cd /tmp/trace && dotnet build Snn.Cli -c Release -o /tmp/traced)
#   SNN_TRACE=1 dotnet /tmp/traced/snn.dll --threads 2 bench --workload spikformer-infer --reps 21 --no-torch
#   python3 bench/loop_trace_report.py /tmp/trace.tsv 6000
# Used for bench/results/speed.md, rounds 10, 15 and 16.
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
    // Per loop: chunks and summed chunk ticks of the caller [0] and of the workers [1].
    static readonly int[] s_traceChunks = new int[2];
    static readonly long[] s_traceTicks = new long[2];
    [ThreadStatic] static bool t_traceWorker;
    static WorkerTeam() { if (Trace) AppDomain.CurrentDomain.ProcessExit += (_, _) => Dump("/tmp/trace.tsv"); }
    static readonly List<string> s_log = new();
    static void Record(long t0, int chunks, Action<int, int> body)
    {
        long t1 = Stopwatch.GetTimestamp();
        double us(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
        s_log.Add($"{us(t0 - s_last):F1}\\t{us(t1 - t0):F1}\\t{chunks}\\t{Parallelism.Threads}\\t{s_traceChunks[0]}\\t{s_traceChunks[1]}\\t{us(s_traceTicks[0]):F1}\\t{us(s_traceTicks[1]):F1}\\t{body.Method.DeclaringType?.FullName}.{body.Method.Name}");
        s_last = t1;
    }
    static void ChunkEnded(long c0)
    {
        int who = t_traceWorker ? 1 : 0;
        Interlocked.Increment(ref s_traceChunks[who]);
        Interlocked.Add(ref s_traceTicks[who], Stopwatch.GetTimestamp() - c0);
    }
    public static void RecordInline(long t0, Action<int, int> body) { if (Trace && Volatile.Read(ref s_busy) == 0) Record(t0, 1, body); }
    public static void Dump(string path) { if (Trace) File.WriteAllLines(path, s_log); }""",1)
s=s.replace("""        long t0 = Stopwatch.GetTimestamp();
        try""","""        long t0 = Stopwatch.GetTimestamp();
        Array.Clear(s_traceChunks); Array.Clear(s_traceTicks);
        try""",1)
old="""            try { s_body!(Start(s_count, s_chunks, chunk), Start(s_count, s_chunks, chunk + 1)); }"""
assert old in s
s=s.replace(old,"""            long c0 = Stopwatch.GetTimestamp();
"""+old,1)
old="""            Interlocked.Increment(ref s_done);"""
assert old in s
s=s.replace(old,"""            if (Trace) ChunkEnded(c0);
"""+old,1)
old="""            int seen = 0;
"""
assert old in s
s=s.replace(old,old+"""            t_traceWorker = true;
""",1)
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
