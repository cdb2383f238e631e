#!/usr/bin/env bash
# File scoring end to end (docs/benchmarks-scoring.md): a 1M-row, 20-feature CSV in the local store's incoming/
# is scored by a 100-tree GBDT into scored/, through the same FileScorer the hosts call.
# Prints the machine, then one JSON line per run; peak RSS of the scoring process comes from /usr/bin/time -v.
# Usage: bench/scoring/run.sh [rows] [work dir]
set -euo pipefail
rows="${1:-1000000}"
dir="${2:-${TMPDIR:-/tmp}/functionsml-bench-scoring}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bench="$root/bench/FunctionsMl.Benchmarks/bin/Release/net10.0/FunctionsMl.Benchmarks.dll"

if [ ! -x /usr/bin/time ]; then
  echo "needs /usr/bin/time for peak RSS (apt-get install time)" >&2
  exit 1
fi

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  nproc: $(nproc)  cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build -c Release "$root/bench/FunctionsMl.Benchmarks" -v quiet -nologo > /dev/null
rm -rf "$dir/store"
dotnet "$bench" score-file --rows "$rows" --dir "$dir" --phase prepare

# A fresh process per measurement: its first run pays for JIT compilation, as a new host instance would.
for run in 1 2 3; do
  /usr/bin/time -v -o "$dir/time.txt" dotnet "$bench" score-file --rows "$rows" --dir "$dir" --phase score --repeat 3
  echo "process: peak RSS $(awk -F': ' '/Maximum resident set size/ {printf "%.0f MB", $2 / 1024}' "$dir/time.txt"), wall $(awk -F'): ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/time.txt"), CPU $(awk -F': ' '/Percent of CPU/ {print $2}' "$dir/time.txt")"
done
