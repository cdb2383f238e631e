#!/usr/bin/python3
"""Python baselines for the sample models in models/: scikit-learn's LogisticRegression / Ridge and XGBoost,
with the settings the samples' model.json files use, on one fixed 80/20 split.

    apt-get install -y python3-sklearn python3-numpy python3-xgboost
    /usr/bin/python3 bench/compare/sample_quality.py

Split rule (easy to reproduce anywhere): data row i (0-based, header excluded) is a test row when
i % 5 == 4, otherwise a training row. The index lists are also written to bench/out/samples/.
Linear models see features standardized with the training rows' mean and standard deviation.
Prints a table and writes bench/out/sample_quality.json.
"""
import csv
import json
import os
import platform
import sys

try:
    import numpy as np
    import sklearn
    import xgboost
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import accuracy_score, f1_score, log_loss, mean_absolute_error, mean_squared_error, r2_score, roc_auc_score
    from sklearn.preprocessing import StandardScaler
except ImportError as error:
    sys.exit(f"{error}: apt-get update && apt-get install -y python3-sklearn python3-numpy python3-xgboost")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "bench", "out")

# (model folder, csv, label, task). Settings mirror models/<name>/model.json.
SAMPLES = [
    ("iris", "iris.csv", "species", "multiclass"),
    ("breast-cancer", "breast_cancer.csv", "diagnosis", "binary"),
    ("diabetes", "diabetes.csv", "progression", "regression"),
]
L2 = 1.0
GBDT = dict(n_estimators=50, max_leaves=8, learning_rate=0.1, seed=1)


def load(name, file_name, label):
    with open(os.path.join(ROOT, "models", name, "data", file_name), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    at = header.index(label)
    features = np.array([[float(v) for i, v in enumerate(r) if i != at] for r in body])
    labels = [r[at] for r in body]
    return features, labels


def split(n):
    test = np.array([i for i in range(n) if i % 5 == 4])
    train = np.array([i for i in range(n) if i % 5 != 4])
    return train, test


def classification_metrics(y, probabilities, classes):
    result = {
        "accuracy": accuracy_score(y, probabilities.argmax(axis=1)),
        "macro_f1": f1_score(y, probabilities.argmax(axis=1), average="macro"),
        "log_loss": log_loss(y, probabilities, labels=list(range(len(classes)))),
    }
    if len(classes) == 2:
        result["auc"] = roc_auc_score(y, probabilities[:, 1])
    return result


def regression_metrics(y, predictions):
    return {
        "rmse": float(np.sqrt(mean_squared_error(y, predictions))),
        "mae": mean_absolute_error(y, predictions),
        "r2": r2_score(y, predictions),
    }


def xgb_params(task):
    # Leaf-wise growth capped by leaf count, like the engine's GBDT; min_child_weight is XGBoost's default (1,
    # a hessian sum, not a row count), so minRowsPerLeaf has no exact counterpart here.
    return dict(n_estimators=GBDT["n_estimators"], max_leaves=GBDT["max_leaves"], max_depth=0, grow_policy="lossguide",
                tree_method="hist", learning_rate=GBDT["learning_rate"], random_state=GBDT["seed"], n_jobs=os.cpu_count())


def evaluate(name, file_name, label, task):
    x, raw_labels = load(name, file_name, label)
    train, test = split(len(raw_labels))
    os.makedirs(os.path.join(OUT, "samples"), exist_ok=True)
    for part, indices in (("train", train), ("test", test)):
        np.savetxt(os.path.join(OUT, "samples", f"{name}.{part}.txt"), indices, fmt="%d")

    scaler = StandardScaler().fit(x[train])
    xs = scaler.transform(x)
    result = {"rows": len(raw_labels), "features": x.shape[1], "train_rows": len(train), "test_rows": len(test), "task": task}
    if task == "regression":
        y = np.array([float(v) for v in raw_labels])
        ridge = Ridge(alpha=L2).fit(xs[train], y[train])
        result["linear"] = regression_metrics(y[test], ridge.predict(xs[test]))
        booster = xgboost.XGBRegressor(objective="reg:squarederror", **xgb_params(task)).fit(x[train], y[train])
        result["gbdt"] = regression_metrics(y[test], booster.predict(x[test]))
        result["label_mean"] = float(y.mean())
        result["label_std"] = float(y.std())
    else:
        # Classes in order of first appearance, as strings.
        classes = list(dict.fromkeys(raw_labels))
        y = np.array([classes.index(v) for v in raw_labels])
        result["classes"] = classes
        logistic = LogisticRegression(C=1 / L2, solver="lbfgs", max_iter=10000, tol=1e-8).fit(xs[train], y[train])
        result["linear"] = classification_metrics(y[test], logistic.predict_proba(xs[test]), classes)
        booster = xgboost.XGBClassifier(**xgb_params(task)).fit(x[train], y[train])
        result["gbdt"] = classification_metrics(y[test], booster.predict_proba(x[test]), classes)
    return result


def main():
    report = {
        "split": "test rows: i % 5 == 4 (0-based data row); linear models standardize with training-row mean/std",
        "linear": f"LogisticRegression(C={1 / L2}, lbfgs, tol=1e-8) / Ridge(alpha={L2})",
        "gbdt": f"XGBoost {GBDT['n_estimators']} trees, max_leaves {GBDT['max_leaves']}, lossguide, hist, learning_rate {GBDT['learning_rate']}, seed {GBDT['seed']}",
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "sklearn": sklearn.__version__, "xgboost": xgboost.__version__},
        "samples": {},
    }
    print(f"split: {report['split']}")
    print(f"linear: {report['linear']}\ngbdt:   {report['gbdt']}\n")
    for name, file_name, label, task in SAMPLES:
        result = evaluate(name, file_name, label, task)
        report["samples"][name] = result
        print(f"{name} ({task}, {result['rows']} rows x {result['features']} features, test {result['test_rows']} rows)")
        for model in ("linear", "gbdt"):
            metrics = ", ".join(f"{k} {v:.4f}" for k, v in result[model].items())
            print(f"  {model:6} {metrics}")
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "sample_quality.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    print(f"\nwrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
