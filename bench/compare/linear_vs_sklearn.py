#!/usr/bin/python3
"""scikit-learn's side of the linear training benchmark, and the verdict.

    /usr/bin/python3 bench/compare/linear_vs_sklearn.py             # data + scikit-learn timing
    /usr/bin/python3 bench/compare/linear_vs_sklearn.py --compare bench/out/linear_functionsml.json

The first form installs Debian's python3-sklearn and python3-numpy when they are missing, generates
100,000 x 20 binary data with make_classification (random_state 42), writes it as float32 CSV to
bench/out/linear_binary_100k.csv (label last), then fits LogisticRegression(lbfgs, C=1.0) on the first 80% of
rows standardized with StandardScaler, and scores the last 20%. Fit time is the median of --repeat fits after
one warm-up fit. The C# side (LinearTrainCommand) reads the same CSV with the same split and scaling.
The second form compares both JSON results with the targets: accuracy within 0.005, fit time <= 2x.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "bench", "out")
CSV = os.path.join(OUT, "linear_binary_100k.csv")
SKLEARN_JSON = os.path.join(OUT, "linear_sklearn.json")


def ensure_packages():
    """Installs Debian's packages when missing and reruns this script under Debian's interpreter, where they live."""
    try:
        import numpy  # noqa: F401
        import sklearn  # noqa: F401
        return
    except ImportError:
        if os.environ.get("FUNCTIONSML_RERUN"):
            sys.exit("python3-sklearn and python3-numpy are installed but do not import under /usr/bin/python3")
    system = "/usr/bin/python3"
    if subprocess.run([system, "-c", "import numpy, sklearn"], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(["apt-get", "install", "-y", "python3-sklearn", "python3-numpy"], check=True)
    os.environ["FUNCTIONSML_RERUN"] = "1"
    os.execv(system, [system, os.path.abspath(__file__)] + sys.argv[1:])


def generate(np):
    from sklearn.datasets import make_classification
    x, y = make_classification(n_samples=100_000, n_features=20, n_informative=10, n_redundant=5, random_state=42)
    x = x.astype(np.float32)
    os.makedirs(OUT, exist_ok=True)
    header = ",".join([f"f{j}" for j in range(x.shape[1])] + ["label"])
    # %.9g round-trips float32 exactly, so both sides read identical values.
    np.savetxt(CSV, np.column_stack([x, y]), fmt=["%.9g"] * x.shape[1] + ["%d"], delimiter=",", header=header, comments="")
    return x.astype(np.float64), y


def benchmark(repeat):
    import numpy as np
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x, y = generate(np)
    train = int(len(y) * 0.8)
    scaler = StandardScaler().fit(x[:train])
    xs = scaler.transform(x)
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=10_000)
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        model.fit(xs[:train], y[:train])
        times.append(time.perf_counter() - start)
    later = sorted(times[1:])
    accuracy = float((model.predict(xs[train:]) == y[train:]).mean())
    result = {
        "engine": f"scikit-learn {sklearn.__version__} LogisticRegression(lbfgs, C=1.0, tol=1e-4 default, max_iter=10000)",
        "rows": len(y), "features": x.shape[1], "accuracy": accuracy,
        "fit_seconds_first": times[0], "fit_seconds_median": later[len(later) // 2], "fit_seconds_all": times,
        "iterations": int(model.n_iter_[0]), "numpy": np.__version__, "python": platform.python_version(),
    }
    with open(SKLEARN_JSON, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    print(f"data: {os.path.relpath(CSV, ROOT)} ({len(y)} rows x {x.shape[1]} features), train {train}, test {len(y) - train}")
    print(f"scikit-learn: accuracy {accuracy:.4f}, fit first {times[0]:.3f} s, median {result['fit_seconds_median']:.3f} s "
          f"over {len(later)} runs, {result['iterations']} iterations")


def compare(ours_path):
    with open(SKLEARN_JSON, encoding="utf-8") as f:
        theirs = json.load(f)
    with open(ours_path, encoding="utf-8") as f:
        ours = json.load(f)
    gap = abs(ours["accuracy"] - theirs["accuracy"])
    ratio = ours["fit_seconds_median"] / theirs["fit_seconds_median"]
    print(f"accuracy: FunctionsMl {ours['accuracy']:.4f} vs scikit-learn {theirs['accuracy']:.4f} "
          f"(gap {gap:.4f}, target <= 0.005: {'met' if gap <= 0.005 else 'MISSED'})")
    print(f"fit time: FunctionsMl {ours['fit_seconds_median']:.3f} s vs scikit-learn {theirs['fit_seconds_median']:.3f} s "
          f"(ratio {ratio:.2f}, target <= 2: {'met' if ratio <= 2 else 'MISSED'})")
    return 0 if gap <= 0.005 and ratio <= 2 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", metavar="FUNCTIONSML_JSON")
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(args.compare))
    ensure_packages()
    benchmark(args.repeat)


if __name__ == "__main__":
    main()
