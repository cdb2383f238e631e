#!/usr/bin/env bash
# Single-row predict throughput on the iris model against a bare endpoint in the same host that returns
# a constant JSON, same run; then p99 latency at half the measured predict throughput.
# Usage: bench/http/run.sh [duration-seconds]   (installs wrk with apt-get if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-15}
port=7180
connections=32
out=bench/out/http
mkdir -p "$out"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

dotnet build -c Release src/FunctionsMl.Local -v quiet -nologo >/dev/null
host="dotnet src/FunctionsMl.Local/bin/Release/net10.0/functionsml.dll"
store=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$store"' EXIT

$host train models/iris --store "$store" >/dev/null
$host serve --store "$store" --no-train --bench-endpoints --urls "http://127.0.0.1:$port" >"$out/host.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v2/health/live" >/dev/null && break; sleep 0.2; done

run() { # name path [pace_ms]
  PACE_MS=${3:-0} wrk -t2 -c$connections -d"${duration}s" --latency -s bench/http/post.lua "http://127.0.0.1:$port$2" | tee "$out/$1.txt" | grep RESULT | sed "s/^RESULT/$1/"
}

# Warm both paths up (JIT, tiered compilation, the predictor cache), then measure.
PACE_MS=0 wrk -t2 -c$connections -d5s -s bench/http/post.lua "http://127.0.0.1:$port/bench/constant" >/dev/null
PACE_MS=0 wrk -t2 -c$connections -d5s -s bench/http/post.lua "http://127.0.0.1:$port/api/models/iris/predict" >/dev/null

bare=$(run constant /bench/constant)
predict=$(run predict /api/models/iris/predict)
echo "$bare"
echo "$predict"
bare_rps=$(echo "$bare" | sed -E 's/.*rps=([0-9.]+).*/\1/')
predict_rps=$(echo "$predict" | sed -E 's/.*rps=([0-9.]+).*/\1/')
echo "ratio predict/constant = $(awk -v a="$predict_rps" -v b="$bare_rps" 'BEGIN { printf "%.3f", a / b }')"

# Half load: each of the connections paces itself to reach half the measured predict throughput.
pace=$(awk -v r="$predict_rps" -v c=$connections 'BEGIN { printf "%d", (c * 1000) / (r / 2) }')
echo "half load: $connections connections, ${pace} ms between requests each (~$(awk -v r="$predict_rps" 'BEGIN{printf "%d", r/2}') req/s offered)"
run predict-half-load /api/models/iris/predict "$pace"
