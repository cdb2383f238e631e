#!/usr/bin/env bash
# Throughput of the real local host over HTTP with and without traffic policies and monitoring, same run:
#   plain      FunctionsMl__Monitoring__Enabled=false, no traffic policy
#   full       monitoring on (defaults), iris split production 90 / staging 10, version 3 shadowing 10%
# Both hosts serve identical copies of the same store; rounds alternate between them, one loaded at a time.
# Usage: bench/traffic/run.sh [seconds-per-round] [rounds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}
rounds=${2:-6}
connections=${3:-16}
key=bench-key

dotnet build -c Release src/FunctionsMl.Local -v quiet -nologo >/dev/null
dotnet build -c Release bench/FunctionsMl.TrafficBench -v quiet -nologo >/dev/null
host="dotnet src/FunctionsMl.Local/bin/Release/net10.0/functionsml.dll"
bench="dotnet bench/FunctionsMl.TrafficBench/bin/Release/net10.0/FunctionsMl.TrafficBench.dll"
plain_store=$(mktemp -d)
full_store=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$plain_store" "$full_store"' EXIT

$bench seed "$plain_store"
$bench seed "$full_store"
FunctionsMl__Monitoring__Enabled=false $host serve --store "$plain_store" --no-train --api-key $key --urls http://127.0.0.1:7191 >/dev/null 2>&1 &
pids+=($!)
$host serve --store "$full_store" --no-train --api-key $key --urls http://127.0.0.1:7192 >/dev/null 2>&1 &
pids+=($!)
for port in 7191 7192; do
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/v2/health/live" >/dev/null && break; sleep 0.2; done
done

curl -sf -X PUT http://127.0.0.1:7192/api/models/iris/traffic -H "x-functions-key: $key" -H 'Content-Type: application/json' \
  -d '{"split":[{"target":"production","weight":90},{"target":"staging","weight":10}],"shadows":[{"target":"3","percent":10}],"reason":"benchmark"}' >/dev/null

$bench load plain=http://127.0.0.1:7191/api/models/iris/predict full=http://127.0.0.1:7192/api/models/iris/predict \
  --seconds "$seconds" --rounds "$rounds" --connections "$connections"
echo
curl -sf http://127.0.0.1:7192/api/models/iris/stats -H "x-functions-key: $key" | python3 -c '
import json, sys
s = json.load(sys.stdin)
for v in s["versions"]:
    shadow = v.get("shadow") or {}
    latency = v["latency"]
    print("full host, version %s: %d requests, p50 %s ms, p99 %s ms; shadow copies scored %d (agreement %s)" % (
        v["version"], v["requests"], latency["p50Ms"], latency["p99Ms"], shadow.get("requests", 0), shadow.get("agreement")))
print("shadow copies dropped: %d, predictions not logged: %d" % (s["shadowDropped"], s["predictionsNotLogged"]))
'
