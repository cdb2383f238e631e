#!/usr/bin/env bash
# Linear training: FunctionsMl vs scikit-learn on the same machine, data and split. Writes bench/out/.
# Needs the lead's dispatch of `linear-train` in bench/FunctionsMl.Benchmarks/Program.cs (LinearTrainCommand.Run).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 bench/compare/linear_vs_sklearn.py --repeat 5
dotnet run -c Release --project bench/FunctionsMl.Benchmarks -- linear-train bench/out/linear_binary_100k.csv \
  --repeat 6 --json bench/out/linear_functionsml.json
/usr/bin/python3 bench/compare/linear_vs_sklearn.py --compare bench/out/linear_functionsml.json
