# Reads `perf script -F tid,time,ip,sym,dso` of one paired bench run (`snn --threads 2 bench --workload W`, which
# alternates 1- and 2-thread repetitions in one process) and prints, per kernel, the CPU time spent in the one-thread
# and in the two-thread repetitions, then where each thread spent the two-thread ones (in loop chunks, serial,
# waiting), and the loops the caller waited at and the methods it ran serially. A caller sample belongs to a two-thread
# repetition when the worker ran a chunk within `window` seconds of it. Used for bench/results/speed.md, rounds 9
# and 15. Usage: paired_profile.py PERF_SCRIPT_OUTPUT SAMPLE_HZ [window]
import bisect
import collections
import re
import sys


def samples(path):
    out, cur = [], None
    for line in open(path):
        if not line.strip():
            continue
        if not line.startswith('\t'):
            if cur:
                out.append(cur)
            parts = line.split()
            cur = (int(parts[0]), float(parts[1].rstrip(':')), [])
        else:
            text = line.strip()
            cur[2].append(text.split(' ', 1)[1] if ' ' in text else '?')
    if cur:
        out.append(cur)
    return out


def waiting(frames):
    # The spin of SpinWait runs in libcoreclr (its frame hides the caller's Run); yields and sleeps are syscalls.
    return bool(frames) and 'libcoreclr' in frames[0] or any(
        k in f for f in frames[:8] for k in ('SpinOnce', 'WaitForStart', 'sched_yield', 'futex'))


def in_chunks(frames):
    return any('RunChunks' in f or 'WorkerTeam::Run' in f or 'Worker::Loop' in f for f in frames)


def kernel(frames):
    if waiting(frames):
        return 'WAIT/SPIN'
    for f in frames:
        m = re.search(r'Snn\.(Kernels\.[A-Za-z0-9]+|Backends\.CpuBackend|Ops|Autograd\.[A-Za-z.]+)[:+]', f)
        if m and 'WorkerTeam' not in f and 'Parallelism' not in f:
            return m.group(1)
    return 'other'


def owner(frames):
    # The kernel method a sample is under, below the team's own frames: for a caller that waits at a loop's end, the
    # loop it waits at.
    for f in frames:
        m = re.search(r'Snn\.((?:Kernels|Backends|Ops|Autograd|Layers)\.[A-Za-z0-9.]+)(?:\+<>c__DisplayClass\w+)?::<?(\w+)', f)
        if m and 'WorkerTeam' not in f and 'Parallelism' not in f:
            return m.group(1) + '.' + m.group(2)
    return '?'


def main():
    path, hz = sys.argv[1], float(sys.argv[2])
    window = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0012
    all_samples = samples(path)
    t0, t1 = min(s[1] for s in all_samples), max(s[1] for s in all_samples)
    steady = [s for s in all_samples if s[1] > t0 + 0.3 * (t1 - t0)]  # past JIT warm-up
    threads = [t for t, _ in collections.Counter(s[0] for s in steady).most_common(2)]
    caller = next(t for t in threads if any('Bench' in f for s in steady if s[0] == t for f in s[2]))
    worker = next(t for t in threads if t != caller)
    busy = sorted(s[1] for s in steady if s[0] == worker and in_chunks(s[2]) and not waiting(s[2]))

    def two_threads(t):
        i = bisect.bisect_left(busy, t - window)
        return i < len(busy) and busy[i] <= t + window

    one, two = collections.Counter(), collections.Counter()
    for tid, t, frames in steady:
        if tid == caller:
            (two if two_threads(t) else one)[kernel(frames)] += 1
        elif tid == worker:
            two[kernel(frames)] += 1
    ms = 1000 / hz
    print(f'{"kernel":40} {"1T ms":>8} {"2T cpu-ms":>9} {"ratio":>6}')
    total_one = sum(one.values())
    for k in sorted(set(one) | set(two), key=lambda k: -one.get(k, 0)):
        a, b = one.get(k, 0) * ms, two.get(k, 0) * ms
        if max(a, b) >= 0.005 * total_one * ms:
            print(f'{k:40} {a:8.0f} {b:9.0f} {b / a if a else float("inf"):6.2f}')
    print(f'{"TOTAL":40} {total_one * ms:8.0f} {sum(two.values()) * ms:9.0f}')
    for tid, name in ((caller, 'caller'), (worker, 'worker')):
        where = collections.Counter(
            'wait' if waiting(f) else 'chunks' if in_chunks(f) else 'serial'
            for i, t, f in steady if i == tid and (tid == worker or two_threads(t)))
        n = sum(where.values())
        print(f'{name} in the 2-thread reps: ' + ', '.join(f'{k} {v / n:.1%}' for k, v in where.most_common()))
    # Where the caller's two-thread time outside chunks went: waiting at the end of which loop, serial in which method.
    for kind, test in (('waits at', waiting), ('serial in', lambda f: not waiting(f) and not in_chunks(f))):
        places = collections.Counter(owner(f) for i, t, f in steady if i == caller and two_threads(t) and test(f))
        print(f'caller {kind}: ' + ', '.join(f'{k} {v * ms:.0f} ms' for k, v in places.most_common(6)))


main()
