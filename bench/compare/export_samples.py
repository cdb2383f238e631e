#!/usr/bin/python3
"""Regenerates the sample models' CSVs under models/ from the copies of the data sets that Debian's
python3-sklearn package ships (no network needed beyond the package registry).

    apt-get install -y python3-sklearn && /usr/bin/python3 bench/compare/export_samples.py

Column names are lowercase snake_case; class labels are strings so a model's output names its classes.
"""
import csv
import os
import sys

try:
    from sklearn import datasets
except ImportError:
    sys.exit("scikit-learn is missing: apt-get update && apt-get install -y python3-sklearn python3-numpy")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# scikit-learn's short diabetes names, spelled out from the data set's description.
DIABETES_COLUMNS = {
    "age": "age",
    "sex": "sex",
    "bmi": "bmi",
    "bp": "blood_pressure",
    "s1": "total_cholesterol",
    "s2": "ldl",
    "s3": "hdl",
    "s4": "cholesterol_hdl_ratio",
    "s5": "log_triglycerides",
    "s6": "blood_sugar",
}


def number(value):
    # Up to 10 significant digits reproduces every value as the source files write it.
    return format(float(value), ".10g")


def snake(name):
    return name.strip().lower().replace(" ", "_")


def write(model, file_name, header, rows):
    folder = os.path.join(ROOT, "models", model, "data")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, file_name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)
    print(f"{os.path.relpath(path, ROOT)}: {len(rows)} rows x {len(header)} columns")


def export_iris():
    data = datasets.load_iris()
    # feature_names look like "sepal length (cm)".
    names = [snake(n.replace(" (cm)", "")) for n in data.feature_names]
    rows = [[number(v) for v in x] + [data.target_names[y]] for x, y in zip(data.data, data.target)]
    write("iris", "iris.csv", names + ["species"], rows)


def export_breast_cancer():
    data = datasets.load_breast_cancer()
    names = [snake(n) for n in data.feature_names]
    rows = [[number(v) for v in x] + [data.target_names[y]] for x, y in zip(data.data, data.target)]
    write("breast-cancer", "breast_cancer.csv", names + ["diagnosis"], rows)


def export_diabetes():
    # scaled=False keeps the original units (age in years, bmi, ...); the featurizer standardizes itself.
    data = datasets.load_diabetes(scaled=False)
    names = [DIABETES_COLUMNS[n] for n in data.feature_names]
    rows = [[number(v) for v in x] + [number(y)] for x, y in zip(data.data, data.target)]
    write("diabetes", "diabetes.csv", names + ["progression"], rows)


if __name__ == "__main__":
    export_iris()
    export_breast_cancer()
    export_diabetes()
