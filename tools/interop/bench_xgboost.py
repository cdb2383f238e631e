#!/usr/bin/python3
"""XGBoost's own prediction speed on a 100-tree model, and the files FunctionsMl's side of the benchmark reads.

Writes into the folder given as the first argument (default /tmp/functionsml-xgb-bench):
  model.json     a 100-tree binary:logistic model (depth 6) trained on 100,000 x 20 synthetic rows
  rows.f32       the 100,000 rows as little-endian float32, row-major
  xgboost.json   XGBoost's timings: one row (inplace_predict on a 1 x 20 array) and the 100,000-row batch, as
                 wall-clock time and as CPU time (all threads), which a machine shared with other work disturbs less
Run with Debian's interpreter: /usr/bin/python3 tools/interop/bench_xgboost.py [folder]
"""
import json
import os
import sys
import time

import numpy as np
import xgboost

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/functionsml-xgb-bench"
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(42)
rows, features = 100_000, 20
x = rng.normal(size=(rows, features)).astype(np.float32)
x[rng.rand(rows, features) < 0.02] = np.nan
logit = x[:, 0] - 2 * np.nan_to_num(x[:, 1]) + np.sin(np.nan_to_num(x[:, 2]) * 3) + 0.5 * np.nan_to_num(x[:, 3]) * np.nan_to_num(x[:, 4])
y = (logit + rng.logistic(size=rows) > 0).astype(np.int32)
booster = xgboost.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "tree_method": "hist", "seed": 0},
                        xgboost.DMatrix(x, label=y), num_boost_round=100)
booster.save_model(os.path.join(out, "model.json"))
x.tofile(os.path.join(out, "rows.f32"))

one = x[:1].copy()
for _ in range(200):
    booster.inplace_predict(one)
samples = []
cpu_start = time.process_time()
for i in range(2000):
    row = x[i:i + 1]
    start = time.perf_counter_ns()
    booster.inplace_predict(row)
    samples.append(time.perf_counter_ns() - start)
one_row_cpu_us = (time.process_time() - cpu_start) / 2000 * 1e6
samples.sort()
booster.inplace_predict(x)
batch = []
cpu_start = time.process_time()
for _ in range(5):
    start = time.perf_counter()
    predictions = booster.inplace_predict(x)
    batch.append(time.perf_counter() - start)
batch_cpu_ms = (time.process_time() - cpu_start) / 5 * 1000
np.asarray(predictions, dtype=np.float32).tofile(os.path.join(out, "xgboost_predictions.f32"))
result = {
    "xgboost": xgboost.__version__, "threads": os.cpu_count(), "rows": rows, "features": features, "trees": 100,
    "one_row_median_us": samples[len(samples) // 2] / 1000, "one_row_p99_us": samples[int(len(samples) * 0.99)] / 1000,
    "one_row_cpu_us": one_row_cpu_us,
    "batch_best_ms": min(batch) * 1000, "batch_median_ms": sorted(batch)[len(batch) // 2] * 1000, "batch_cpu_ms": batch_cpu_ms,
}
json.dump(result, open(os.path.join(out, "xgboost.json"), "w"), indent=2)
print(json.dumps(result, indent=2))
