#!/usr/bin/env bash
# Trains XGBoost and our GBDT on the same 100k x 20 data and split, on the same machine, one after the
# other, and prints one JSON line per run. Run from anywhere; needs root for apt-get (Debian).
# TASKS (default "binary multiclass regression") and REPEAT (default 3) select what to run.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! /usr/bin/python3 -c "import xgboost, sklearn, numpy" 2>/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y python3-xgboost python3-sklearn python3-numpy
fi

echo "# $(date -u +%Y-%m-%dT%H:%MZ), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
dotnet build -c Release bench/FunctionsMl.Benchmarks > /dev/null
for task in ${TASKS:-binary multiclass regression}; do
  csv="bench/out/gbdt_${task}_100k.csv"
  /usr/bin/python3 bench/compare/gbdt_vs_xgboost.py --task "$task" --csv "$csv" --threads 2 --repeat "${REPEAT:-3}"
  dotnet run -c Release --no-build --project bench/FunctionsMl.Benchmarks -- gbdt-train "$csv" --task "$task" --threads 2 --repeat "${REPEAT:-3}"
done
