#!/usr/bin/env python3
"""XGBoost's side of the GBDT comparison (docs/benchmarks-gbdt.md).

Writes the shared data set once (100k x 20, fixed seed; binary and multiclass from make_classification,
regression from make_friedman1) to a CSV that the C# side reads too, holds out the last 20% of rows (the
generators shuffle, so that is a fixed random split), trains XGBoost with settings matching GbdtOptions'
defaults, and prints one JSON line per run.
Needs Debian's python3-xgboost, python3-sklearn and python3-numpy: gbdt_vs_xgboost.sh installs them.
"""
import argparse
import json
import os
import time

import numpy as np


CLASSES = {"binary": 2, "multiclass": 5}


def make_data(path, task, rows, features, seed):
    from sklearn.datasets import make_classification, make_friedman1

    if task == "regression":
        x, y = make_friedman1(n_samples=rows, n_features=features, noise=1.0, random_state=seed)
    else:
        x, y = make_classification(
            n_samples=rows, n_features=features, n_informative=10, n_redundant=4,
            n_classes=CLASSES[task], flip_y=0.01, class_sep=1.0, random_state=seed)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    header = ",".join([f"f{i}" for i in range(features)] + ["label"])
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="", fmt="%.7g")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", choices=["binary", "multiclass", "regression"], default="binary")
    parser.add_argument("--csv", default=None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    csv = args.csv or f"bench/out/gbdt_{args.task}_100k.csv"
    if not os.path.exists(csv):
        make_data(csv, args.task, args.rows, args.features, args.seed)

    import xgboost as xgb
    from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score, roc_auc_score

    data = np.loadtxt(csv, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = data[:, :-1], data[:, -1]
    cut = len(y) * 4 // 5
    params = {
        "objective": {"binary": "binary:logistic", "multiclass": "multi:softprob", "regression": "reg:squarederror"}[args.task],
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
    if args.task == "multiclass":
        params["num_class"] = CLASSES["multiclass"]
    for run in range(args.repeat):
        start = time.perf_counter()
        train = xgb.DMatrix(x[:cut], label=y[:cut], nthread=args.threads)
        booster = xgb.train(params, train, num_boost_round=100)
        seconds = time.perf_counter() - start
        p = booster.predict(xgb.DMatrix(x[cut:], nthread=args.threads))
        result = {"side": "xgboost " + xgb.__version__, "task": args.task, "run": run + 1, "train_seconds": round(seconds, 3)}
        if args.task == "binary":
            result["accuracy"] = round(float(accuracy_score(y[cut:], p >= 0.5)), 5)
            result["auc"] = round(float(roc_auc_score(y[cut:], p)), 5)
        elif args.task == "multiclass":
            result["accuracy"] = round(float(accuracy_score(y[cut:], p.argmax(axis=1))), 5)
            result["logloss"] = round(float(log_loss(y[cut:], p)), 5)
        else:
            result["rmse"] = round(float(np.sqrt(mean_squared_error(y[cut:], p))), 5)
            result["r2"] = round(float(r2_score(y[cut:], p)), 5)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
