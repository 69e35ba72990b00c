#!/usr/bin/env bash
# Where the two threads of a paired bench run spend their time: per-kernel CPU at one and at two threads (same
# process, repetitions alternating), and each thread's share in loop chunks, serial code and waits. Needs perf and
# python3. W^X must be off for perf to name JIT-compiled methods.
#   bench/paired-profile.sh WORKLOAD [REPS] [SNN_COMMAND...]    default: dotnet Snn.Cli/bin/Release/net10.0/snn.dll
set -eu
cd "$(dirname "$0")/.."
workload=$1; reps=${2:-15}; shift $(($# < 2 ? $# : 2))
[ $# -gt 0 ] && snn=("$@") || snn=(dotnet Snn.Cli/bin/Release/net10.0/snn.dll)
data=$(mktemp -d)
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 perf record -F 1999 -g -o "$data/perf.data" \
  "${snn[@]}" --threads 2 bench --workload "$workload" --reps "$reps" --no-torch 2>/dev/null | tail -1
perf script -i "$data/perf.data" -F tid,time,ip,sym,dso 2>/dev/null | sed -E 's/ \(([^)]*)\)$/ \1/' > "$data/script.txt"
python3 bench/paired_profile.py "$data/script.txt" 1999
rm -rf "$data"
