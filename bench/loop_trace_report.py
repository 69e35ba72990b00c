# Per-loop medians at one and at two threads from one paired bench run traced by bench/loop_trace_patch.py (the bench
# alternates 1- and 2-thread repetitions in one process, so both columns saw the same host): one row per loop body,
# 1T µs, 2T µs, their ratio, calls, median serial gap before the loop, chunks, and at two threads each thread's median
# share of the chunks and its time per chunk (caller / workers): a thread that runs its chunks slower than the other
# shows there. A loop body that several ops of different sizes share (Conv2dKernel's ForEachGroup runs conv1's
# forward and conv2's input gradient in training) mixes their calls: its medians are then meaningless; split its
# durations by hand. Usage: loop_trace_report.py TRACE [lastN]
import sys,collections,statistics as S
n=int(sys.argv[2]) if len(sys.argv)>2 else 4000
d=collections.defaultdict(lambda: collections.defaultdict(list))
for l in open(sys.argv[1]).read().splitlines()[-n:]:
    g,du,c,t,cc,wc,ct,wt,name=l.split('\t')
    d[name][int(t)].append((float(g),float(du),int(c),int(cc),int(wc),float(ct),float(wt)))
rows=[]
for k,v in d.items():
    a,b=v.get(1,[]),v.get(2,[])
    if not a or not b: continue
    ma,mb=S.median(x[1] for x in a),S.median(x[1] for x in b)
    cc,wc=S.median(x[3] for x in b),S.median(x[4] for x in b)
    cpc=S.median(x[5]/x[3] for x in b if x[3]); wpc=S.median([x[6]/x[4] for x in b if x[4]] or [0])
    rows.append((ma*len(a),ma,mb,S.median(x[0] for x in a),S.median(x[0] for x in b),b[0][2],len(a),cc,wc,cpc,wpc,k))
rows.sort(reverse=True); T1=sum(r[0] for r in rows)
s1=s2=0
print('    1T µs    2T µs ratio  calls      gap 1T/2T  chunks  2T: caller/worker chunks, µs a chunk')
for w,ma,mb,ga,gb,c,na,cc,wc,cpc,wpc,k in rows:
    s1+=ma*na; s2+=mb*na
    if w>0.005*T1: print(f'{ma:8.1f} {mb:8.1f} {ma/mb:5.2f} x{na:5} gap {ga:6.1f} {gb:6.1f} ch {c:3}  {cc:3.0f}/{wc:3.0f} {cpc:7.1f} {wpc:7.1f}  {k[-70:]}')
print(f'sum of medians x count: 1T {s1/1000:.1f} ms  2T {s2/1000:.1f} ms  ratio {s1/s2:.2f}')
