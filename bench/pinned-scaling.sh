#!/usr/bin/env bash
# Our 1- vs 2-thread scaling on two physical cores of a larger machine (no PyTorch needed): pins the process to
# cpu0 and the first cpu that is not cpu0's SMT sibling, then runs each workload's paired 1-/2-thread timing.
#   bench/pinned-scaling.sh [SNN_COMMAND...]     default: dotnet Snn.Cli/bin/Release/net10.0/snn.dll
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] && snn=("$@") || snn=(dotnet Snn.Cli/bin/Release/net10.0/snn.dll)
lscpu | grep -E "Model name|Thread\(s\) per core|Core\(s\) per socket"
sib=$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list)
second=$(for c in $(seq 1 $(($(nproc) - 1))); do
  [ "$(cat /sys/devices/system/cpu/cpu$c/topology/thread_siblings_list)" != "$sib" ] && echo $c && break; done)
[ -z "$second" ] && { echo "needs two physical cores" >&2; exit 1; }
echo "pinned to cpu0 and cpu$second"
lines=2   # the first workload's table header, then one row per workload
for w in stream gemm lif csnn-train csnn-infer spikformer-train spikformer-infer; do
  taskset -c 0,$second "${snn[@]}" --threads 2 bench --workload $w --reps 11 --no-torch 2>&1 | grep -vE "^\s*$" | tail -$lines
  lines=1
done
