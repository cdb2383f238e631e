#!/usr/bin/env python3
"""XGBoost's side of the GBDT comparison (docs/benchmarks-gbdt.md).

Writes the shared data set once (100k x 20, binary, fixed seed) to a CSV that the C# side reads too,
holds out the last 20% of rows (make_classification shuffles, so that is a fixed random split),
trains XGBoost with settings matching GbdtOptions' defaults, and prints one JSON line per run.
Needs Debian's python3-xgboost, python3-sklearn and python3-numpy: gbdt_vs_xgboost.sh installs them.
"""
import argparse
import json
import os
import time

import numpy as np


def make_data(path, rows, features, seed):
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=rows, n_features=features, n_informative=10, n_redundant=4,
        flip_y=0.01, class_sep=1.0, random_state=seed)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    header = ",".join([f"f{i}" for i in range(features)] + ["label"])
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="", fmt="%.7g")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default="bench/out/gbdt_binary_100k.csv")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    if not os.path.exists(args.csv):
        make_data(args.csv, args.rows, args.features, args.seed)

    import xgboost as xgb
    from sklearn.metrics import accuracy_score, roc_auc_score

    data = np.loadtxt(args.csv, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = data[:, :-1], data[:, -1]
    cut = len(y) * 4 // 5
    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "nthread": args.threads,
        "grow_policy": "lossguide",
        "max_leaves": 31,
        "max_depth": 0,
        "eta": 0.1,
        "lambda": 1.0,
        "min_child_weight": 1e-3,
        "max_bin": 255,
        "seed": 1,
    }
    for run in range(args.repeat):
        start = time.perf_counter()
        train = xgb.DMatrix(x[:cut], label=y[:cut], nthread=args.threads)
        booster = xgb.train(params, train, num_boost_round=100)
        seconds = time.perf_counter() - start
        p = booster.predict(xgb.DMatrix(x[cut:], nthread=args.threads))
        print(json.dumps({
            "side": "xgboost " + xgb.__version__,
            "run": run + 1,
            "train_seconds": round(seconds, 3),
            "accuracy": round(float(accuracy_score(y[cut:], p >= 0.5)), 5),
            "auc": round(float(roc_auc_score(y[cut:], p)), 5),
        }), flush=True)


if __name__ == "__main__":
    main()
