#!/usr/bin/env bash
# The XGBoost comparison of docs/benchmarks.md: XGBoost's inplace_predict and FunctionsMl's imported model, same
# 100-tree model, same rows, same machine, one after the other. Needs /usr/bin/python3 with python3-xgboost.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
folder="${1:-/tmp/functionsml-xgb-bench}"
/usr/bin/python3 -c "import xgboost" 2>/dev/null || { apt-get update && apt-get install -y python3-xgboost python3-numpy; }
/usr/bin/python3 "$here/bench_xgboost.py" "$folder"
dotnet run -c Release "$here/XGBoostBench.cs" -- "$folder"
