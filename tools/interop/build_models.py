#!/usr/bin/python3
"""Builds the interop test models and their expected outputs into tests/testdata/interop/.

Run with Debian's own interpreter: /usr/bin/python3 tools/interop/build_models.py
It installs what it needs with apt-get (python3-onnx, python3-sklearn, python3-xgboost, python3-numpy) when an
import fails. CI does not run it: its outputs are committed.

Every expected output comes from the producing library, never from FunctionsMl:
* ONNX graphs are composed with onnx.helper from fitted scikit-learn / XGBoost parameters; expected outputs are the
  estimator's own predict / predict_proba (or, for the single-operator graphs, numpy applied to the same inputs).
  Debian's onnx 1.12 has no reference evaluator, and skl2onnx / onnxruntime are not packaged.
* XGBoost JSON models are saved with save_model; expected outputs are XGBoost's predict / predict_proba.
* LightGBM is not packaged: its text models under lightgbm/ are written by hand, see lightgbm/README.md.

Expected-output files are JSON: floats are the exact float32 values (written as the double they equal), NaN is null.
"""
import json
import os
import subprocess
import sys

PACKAGES = ["python3-onnx", "python3-sklearn", "python3-xgboost", "python3-numpy"]

try:
    import numpy as np
    import onnx
    import sklearn
    import xgboost
except ImportError:
    subprocess.check_call(["apt-get", "update"])
    subprocess.check_call(["apt-get", "install", "-y", *PACKAGES])
    os.execv(sys.executable, [sys.executable, *sys.argv])

from onnx import TensorProto, TypeProto, ValueInfoProto, checker, helper
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingClassifier,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "testdata", "interop")
ML = "ai.onnx.ml"
RNG = np.random.RandomState(7)


# ---------------------------------------------------------------------------------------------- writing helpers

def floats(a):
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def tensor_json(a):
    a = np.asarray(a)
    if a.dtype.kind in "US" or a.dtype == object:
        return {"type": "string", "shape": list(a.shape), "data": [str(v) for v in a.ravel()]}
    if a.dtype.kind in "iub":
        return {"type": "int64" if a.dtype.kind != "b" else "bool", "shape": list(a.shape), "data": [int(v) for v in a.ravel()]}
    kind = "float32" if a.dtype == np.float32 else "float64"
    return {"type": kind, "shape": list(a.shape), "data": floats(a)}


def write_case(folder, name, model_bytes, model_ext, case):
    path = os.path.join(OUT, folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name + model_ext), "wb") as f:
        f.write(model_bytes)
    case = dict(case)
    case["file"] = name + model_ext
    with open(os.path.join(path, name + ".expected.json"), "w") as f:
        json.dump(case, f, indent=None, separators=(",", ":"))
        f.write("\n")


def onnx_model(nodes, inputs, outputs, initializers=(), ml_opset=3, core_opset=15, check=True, metadata=None):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", core_opset)]
    if ml_opset:
        opsets.append(helper.make_opsetid(ML, ml_opset))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="functionsml-tools-interop", producer_version="1")
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    if check:
        checker.check_model(model, full_check=True)
    return model.SerializeToString()


def zipmap_output(name, int_keys):
    t = TypeProto()
    m = t.sequence_type.elem_type.map_type
    m.key_type = TensorProto.INT64 if int_keys else TensorProto.STRING
    m.value_type.tensor_type.elem_type = TensorProto.FLOAT
    return ValueInfoProto(name=name, type=t)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def f32(x):
    return np.asarray(x, dtype=np.float32)


def leq_threshold(t):
    """The largest float32 t' with x <= t' exactly when x <= t for every float32 x (skl2onnx's threshold fix)."""
    t32 = np.float32(t)
    if float(t32) > t:
        t32 = np.nextafter(t32, np.float32(-np.inf))
    return float(t32)


def served(task, probabilities=None, labels=None, value=None):
    out = {"task": task}
    if probabilities is not None:
        out["probabilities"] = floats(probabilities)
    if labels is not None:
        out["labels"] = [str(v) for v in labels]
    if value is not None:
        out["value"] = floats(value)
    return out


# ---------------------------------------------------------------------------------------------- sklearn trees

def sklearn_tree_nodes(tree, tree_id, attrs, leaf_votes):
    """Appends a fitted sklearn tree's nodes (BRANCH_LEQ with float32-safe thresholds) and its leaf votes."""
    t = tree.tree_
    for i in range(t.node_count):
        attrs["nodes_treeids"].append(tree_id)
        attrs["nodes_nodeids"].append(i)
        leaf = t.children_left[i] == -1
        attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
        attrs["nodes_featureids"].append(0 if leaf else int(t.feature[i]))
        attrs["nodes_values"].append(0.0 if leaf else leq_threshold(t.threshold[i]))
        attrs["nodes_truenodeids"].append(0 if leaf else int(t.children_left[i]))
        attrs["nodes_falsenodeids"].append(0 if leaf else int(t.children_right[i]))
        attrs["nodes_missing_value_tracks_true"].append(0)
        if leaf:
            for target, weight in leaf_votes(t, i):
                yield tree_id, i, target, weight


def empty_nodes():
    return {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_modes", "nodes_featureids", "nodes_values",
                            "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true"]}


def build_gbdt_iris():
    """GradientBoostingClassifier, 3 classes: TreeEnsembleClassifier v1 attributes, SOFTMAX, string labels, ZipMap."""
    x, y = load_iris(return_X_y=True)
    x = f32(x)
    names = np.array(["setosa", "versicolor", "virginica"])
    m = GradientBoostingClassifier(n_estimators=15, max_depth=2, learning_rate=0.3, random_state=0).fit(x, names[y])
    attrs = empty_nodes()
    votes = []
    tree_id = 0
    for stage in m.estimators_:
        for k, tree in enumerate(stage):
            votes += list(sklearn_tree_nodes(tree, tree_id, attrs, lambda t, i, k=k: [(k, m.learning_rate * t.value[i][0][0])]))
            tree_id += 1
    base = m._raw_predict_init(x[:1])[0]
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML, **attrs,
        class_treeids=[v[0] for v in votes], class_nodeids=[v[1] for v in votes], class_ids=[v[2] for v in votes],
        class_weights=[float(v[3]) for v in votes], classlabels_strings=list(names), base_values=[float(b) for b in base],
        post_transform="SOFTMAX")
    nodes = [node,
             helper.make_node("Identity", ["label"], ["output_label"]),
             helper.make_node("ZipMap", ["probabilities"], ["output_probability"], domain=ML, classlabels_strings=list(names))]
    model = onnx_model(nodes, [vi("X", TensorProto.FLOAT, [None, 4])],
                       [vi("output_label", TensorProto.STRING, [None]), zipmap_output("output_probability", False)], check=False)
    rows = x[::5]
    proba = m.predict_proba(rows)
    write_case("onnx", "gbdt_iris_softmax", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"output_label": tensor_json(m.predict(rows)), "output_probability": tensor_json(f32(proba))},
        "served": served("multiclass", proba, m.predict(rows))})


def build_hgb_binary():
    """HistGradientBoostingClassifier on breast cancer with 10 % NaN: v3 double thresholds, missing tracks, one class id, LOGISTIC."""
    x, y = load_breast_cancer(return_X_y=True)
    x = f32(x).astype(np.float64)  # values a float32 feature can carry exactly
    mask = RNG.rand(*x.shape) < 0.1
    x[mask] = np.nan
    m = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=8, random_state=0).fit(x, y)
    attrs = empty_nodes()
    values = []
    votes = []
    for tree_id, predictors in enumerate(m._predictors):
        nodes = predictors[0].nodes
        for i, n in enumerate(nodes):
            attrs["nodes_treeids"].append(tree_id)
            attrs["nodes_nodeids"].append(i)
            leaf = bool(n["is_leaf"])
            attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            attrs["nodes_featureids"].append(0 if leaf else int(n["feature_idx"]))
            values.append(0.0 if leaf else float(n["num_threshold"]))
            attrs["nodes_truenodeids"].append(0 if leaf else int(n["left"]))
            attrs["nodes_falsenodeids"].append(0 if leaf else int(n["right"]))
            attrs["nodes_missing_value_tracks_true"].append(0 if leaf else int(n["missing_go_to_left"]))
            if leaf:
                votes.append((tree_id, i, 0, float(n["value"])))
    del attrs["nodes_values"]
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML, **attrs,
        nodes_values_as_tensor=helper.make_tensor("v", TensorProto.DOUBLE, [len(values)], values),
        class_treeids=[v[0] for v in votes], class_nodeids=[v[1] for v in votes], class_ids=[0] * len(votes),
        class_weights_as_tensor=helper.make_tensor("w", TensorProto.DOUBLE, [len(votes)], [v[3] for v in votes]),
        base_values_as_tensor=helper.make_tensor("b", TensorProto.DOUBLE, [1], [float(m._baseline_prediction.ravel()[0])]),
        classlabels_int64s=[0, 1], post_transform="LOGISTIC")
    nodes = [node,
             helper.make_node("Cast", ["label"], ["output_label"], to=TensorProto.INT64),
             helper.make_node("ZipMap", ["probabilities"], ["output_probability"], domain=ML, classlabels_int64s=[0, 1])]
    model = onnx_model(nodes, [vi("X", TensorProto.DOUBLE, [None, x.shape[1]])],
                       [vi("output_label", TensorProto.INT64, [None]), zipmap_output("output_probability", True)], check=False)
    rows = x[::6]
    proba = m.predict_proba(rows)
    write_case("onnx", "hgb_binary_nan", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"output_label": tensor_json(m.predict(rows)), "output_probability": tensor_json(f32(proba))},
        "served": served("binary", proba, m.predict(rows))})


def build_random_forests():
    """RandomForestClassifier (leaves voting for every class, NONE) and RandomForestRegressor (AVERAGE)."""
    x, y = load_wine(return_X_y=True)
    x = f32(x)
    m = RandomForestClassifier(n_estimators=6, max_depth=4, random_state=0).fit(x, y)
    attrs = empty_nodes()
    votes = []
    for tree_id, tree in enumerate(m.estimators_):
        def leaf_votes(t, i):
            p = t.value[i][0] / t.value[i][0].sum()
            return [(k, p[k] / len(m.estimators_)) for k in range(len(p))]
        votes += list(sklearn_tree_nodes(tree, tree_id, attrs, leaf_votes))
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML, **attrs,
        class_treeids=[v[0] for v in votes], class_nodeids=[v[1] for v in votes], class_ids=[v[2] for v in votes],
        class_weights=[float(v[3]) for v in votes], classlabels_int64s=[0, 1, 2], post_transform="NONE")
    model = onnx_model([node], [vi("X", TensorProto.FLOAT, [None, x.shape[1]])],
                       [vi("label", TensorProto.INT64, [None]), vi("probabilities", TensorProto.FLOAT, [None, 3])])
    rows = x[::4]
    proba = m.predict_proba(rows)
    write_case("onnx", "rf_classifier_none", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"label": tensor_json(m.predict(rows)), "probabilities": tensor_json(f32(proba))},
        "served": served("multiclass", proba, m.predict(rows))})

    x, y = load_diabetes(return_X_y=True)
    x = f32(x)
    r = RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(x, y)
    attrs = empty_nodes()
    votes = []
    for tree_id, tree in enumerate(r.estimators_):
        votes += list(sklearn_tree_nodes(tree, tree_id, attrs, lambda t, i: [(0, t.value[i][0][0])]))
    node = helper.make_node(
        "TreeEnsembleRegressor", ["X"], ["variable"], domain=ML, **attrs, n_targets=1, aggregate_function="AVERAGE",
        target_treeids=[v[0] for v in votes], target_nodeids=[v[1] for v in votes], target_ids=[0] * len(votes),
        target_weights=[float(v[3]) for v in votes])
    names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    model = onnx_model([node], [vi("X", TensorProto.FLOAT, [None, 10])], [vi("variable", TensorProto.FLOAT, [None, 1])],
                       metadata={"feature_names": ",".join(names)})
    rows = x[::9]
    pred = r.predict(rows)
    write_case("onnx", "rf_regressor_average", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows), "featureNames": names,
        "outputs": {"variable": tensor_json(f32(pred).reshape(-1, 1))}, "served": served("regression", value=pred)})


# ---------------------------------------------------------------------------------------------- XGBoost

def xgb_trees(booster):
    return json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]


def xgb_legacy_attrs(trees, groups):
    """XGBoost trees as legacy TreeEnsemble attributes: BRANCH_LT, missing follows default_left."""
    attrs = empty_nodes()
    votes = []
    for tree_id, t in enumerate(trees):
        for i in range(len(t["left_children"])):
            leaf = t["left_children"][i] == -1
            attrs["nodes_treeids"].append(tree_id)
            attrs["nodes_nodeids"].append(i)
            attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LT")
            attrs["nodes_featureids"].append(0 if leaf else t["split_indices"][i])
            attrs["nodes_values"].append(0.0 if leaf else float(np.float32(t["split_conditions"][i])))
            attrs["nodes_truenodeids"].append(0 if leaf else t["left_children"][i])
            attrs["nodes_falsenodeids"].append(0 if leaf else t["right_children"][i])
            attrs["nodes_missing_value_tracks_true"].append(0 if leaf else int(t["default_left"][i]))
            if leaf:
                votes.append((tree_id, i, groups[tree_id], float(np.float32(t["split_conditions"][i]))))
    return attrs, votes


def with_nans(x, share=0.1):
    x = x.copy()
    x[RNG.rand(*x.shape) < share] = np.nan
    return x


def build_xgboost():
    # Binary, with missing values: the native JSON and the same trees as TreeEnsembleClassifier.
    x, y = load_breast_cancer(return_X_y=True)
    x = with_nans(f32(x))
    clf = xgboost.XGBClassifier(n_estimators=20, max_depth=3, learning_rate=0.3, random_state=0, tree_method="hist").fit(x, y)
    booster = clf.get_booster()
    booster.feature_names = [f"m{i}" for i in range(x.shape[1])]
    raw = booster.save_raw("json")
    rows = x[::5]
    proba = clf.predict_proba(rows)
    write_case("xgboost", "xgb_binary_nan", bytes(raw), ".json", {
        "rows": len(rows), "features": floats(rows), "featureNames": booster.feature_names,
        "served": served("binary", proba, clf.predict(rows))})
    cfg = json.loads(booster.save_config())
    base_score = float(cfg["learner"]["learner_model_param"]["base_score"])
    attrs, votes = xgb_legacy_attrs(xgb_trees(booster), [0] * 1000)
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML, **attrs,
        class_treeids=[v[0] for v in votes], class_nodeids=[v[1] for v in votes], class_ids=[0] * len(votes),
        class_weights=[v[3] for v in votes], base_values=[float(np.log(base_score / (1 - base_score)))],
        classlabels_int64s=[0, 1], post_transform="LOGISTIC")
    model = onnx_model([node], [vi("X", TensorProto.FLOAT, [None, x.shape[1]])],
                       [vi("label", TensorProto.INT64, [None]), vi("probabilities", TensorProto.FLOAT, [None, 2])])
    write_case("onnx", "xgb_binary_lt", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"label": tensor_json(clf.predict(rows)), "probabilities": tensor_json(f32(proba))},
        "served": served("binary", proba, clf.predict(rows))})

    # Multiclass softprob, native and as TreeEnsemble (opset 5) + Add + Softmax + ArgMax + LabelEncoder.
    x, y = load_iris(return_X_y=True)
    x = f32(x)
    clf = xgboost.XGBClassifier(n_estimators=8, max_depth=3, learning_rate=0.4, random_state=0, objective="multi:softprob").fit(x, y)
    booster = clf.get_booster()
    rows = x[::5]
    proba = clf.predict_proba(rows)
    write_case("xgboost", "xgb_multiclass", bytes(booster.save_raw("json")), ".json", {
        "rows": len(rows), "features": floats(rows), "served": served("multiclass", proba, clf.predict(rows))})
    model_json = json.loads(booster.save_raw("json"))["learner"]
    groups = model_json["gradient_booster"]["model"]["tree_info"]
    base_score = float(model_json["learner_model_param"]["base_score"])
    v5 = v5_from_xgb(xgb_trees(booster), groups)
    nodes = [
        helper.make_node("TreeEnsemble", ["X"], ["margins"], domain=ML, n_targets=3, aggregate_function=1, post_transform=0, **v5),
        helper.make_node("Add", ["margins", "base"], ["shifted"]),
        helper.make_node("Softmax", ["shifted"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["index"], axis=1, keepdims=0),
        helper.make_node("LabelEncoder", ["index"], ["label"], domain=ML, keys_int64s=[0, 1, 2], values_strings=["setosa", "versicolor", "virginica"], default_string="?"),
    ]
    model = onnx_model(nodes, [vi("X", TensorProto.FLOAT, [None, 4])],
                       [vi("label", TensorProto.STRING, [None]), vi("probabilities", TensorProto.FLOAT, [None, 3])],
                       initializers=[helper.make_tensor("base", TensorProto.FLOAT, [1], [base_score])], ml_opset=5, core_opset=18, check=False)
    names = np.array(["setosa", "versicolor", "virginica"])
    write_case("onnx", "xgb_multiclass_v5", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"label": tensor_json(names[clf.predict(rows)]), "probabilities": tensor_json(f32(proba))},
        "served": served("multiclass", proba, names[clf.predict(rows)]), "classLabels": list(names), "task": "multiclass"})

    # Regression: native, and as TreeEnsembleRegressor v3 with *_as_tensor doubles.
    x, y = load_diabetes(return_X_y=True)
    x = with_nans(f32(x), 0.05)
    reg = xgboost.XGBRegressor(n_estimators=15, max_depth=3, learning_rate=0.3, random_state=0).fit(x, y)
    booster = reg.get_booster()
    rows = x[::7]
    pred = reg.predict(rows)
    write_case("xgboost", "xgb_regression", bytes(booster.save_raw("json")), ".json", {
        "rows": len(rows), "features": floats(rows), "served": served("regression", value=pred)})
    base_score = float(json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"])
    attrs, votes = xgb_legacy_attrs(xgb_trees(booster), [0] * 1000)
    values = attrs.pop("nodes_values")
    node = helper.make_node(
        "TreeEnsembleRegressor", ["X"], ["variable"], domain=ML, **attrs, n_targets=1,
        nodes_values_as_tensor=helper.make_tensor("v", TensorProto.DOUBLE, [len(values)], values),
        target_treeids=[v[0] for v in votes], target_nodeids=[v[1] for v in votes], target_ids=[0] * len(votes),
        target_weights_as_tensor=helper.make_tensor("w", TensorProto.DOUBLE, [len(votes)], [v[3] for v in votes]),
        base_values_as_tensor=helper.make_tensor("b", TensorProto.DOUBLE, [1], [base_score]))
    model = onnx_model([node], [vi("X", TensorProto.FLOAT, [None, 10])], [vi("variable", TensorProto.FLOAT, [None, 1])], check=False)
    write_case("onnx", "xgb_regression_double", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"variable": tensor_json(f32(pred).reshape(-1, 1))}, "served": served("regression", value=pred)})

    # Categorical splits (split_type 1): a category in the node's set goes right; missing follows default_left;
    # negative, unseen and fractional categories as XGBoost itself treats them. The JSON holds a bare NaN literal.
    n = 3000
    colour = RNG.randint(0, 8, n).astype(np.float32)
    size = f32(RNG.normal(size=n))
    target = np.isin(colour, [1, 4, 6]) * 2.0 + size + RNG.normal(scale=0.2, size=n)
    xc = np.stack([size, colour], axis=1)
    xc[RNG.rand(n) < 0.05, 1] = np.nan
    cat = xgboost.train({"tree_method": "hist", "max_depth": 3, "max_cat_to_onehot": 1, "seed": 0},
                        xgboost.DMatrix(xc, label=target, feature_types=["q", "c"], enable_categorical=True), num_boost_round=6)
    cat.feature_names = ["size", "colour"]
    rows = np.vstack([xc[:40], f32([[0.1, -1], [0.2, 11], [0.3, 2.5], [0.4, np.nan], [0.5, 4]])])
    pred = cat.predict(xgboost.DMatrix(rows, feature_types=["q", "c"], enable_categorical=True, feature_names=["size", "colour"]))
    write_case("xgboost", "xgb_categorical", bytes(cat.save_raw("json")), ".json", {
        "rows": len(rows), "features": floats(rows), "featureNames": ["size", "colour"], "served": served("regression", value=pred)})

    # Poisson (exp link, log base score) and DART (weight_drop).
    xp = f32(RNG.rand(300, 4))
    yp = RNG.poisson(np.exp(1 + xp[:, 0] - xp[:, 1]))
    poisson = xgboost.XGBRegressor(n_estimators=10, max_depth=2, objective="count:poisson", random_state=0).fit(xp, yp)
    write_case("xgboost", "xgb_poisson", bytes(poisson.get_booster().save_raw("json")), ".json", {
        "rows": 40, "features": floats(xp[:40]), "served": served("regression", value=poisson.predict(xp[:40]))})
    dart = xgboost.XGBRegressor(n_estimators=10, max_depth=2, booster="dart", rate_drop=0.3, random_state=0).fit(xp, yp.astype(np.float32))
    write_case("xgboost", "xgb_dart", bytes(dart.get_booster().save_raw("json")), ".json", {
        "rows": 40, "features": floats(xp[:40]), "served": served("regression", value=dart.predict(xp[:40]))})


def v5_from_xgb(trees, groups):
    """XGBoost trees as TreeEnsemble (opset 5): interior nodes and leaves apart, array indexes, uint8 modes (1 = LT)."""
    feats, splits, trues, falses, tleaf, fleaf, missing, roots = [], [], [], [], [], [], [], []
    leaf_targets, leaf_weights = [], []
    for tree_id, t in enumerate(trees):
        index = {}

        def visit(i):
            if t["left_children"][i] == -1:
                leaf_targets.append(groups[tree_id])
                leaf_weights.append(float(np.float32(t["split_conditions"][i])))
                return len(leaf_targets) - 1, True
            me = len(feats)
            feats.append(t["split_indices"][i]); splits.append(float(np.float32(t["split_conditions"][i])))
            trues.append(0); falses.append(0); tleaf.append(0); fleaf.append(0); missing.append(int(t["default_left"][i]))
            l, ll = visit(t["left_children"][i])
            r, rl = visit(t["right_children"][i])
            trues[me], tleaf[me], falses[me], fleaf[me] = l, int(ll), r, int(rl)
            return me, False

        root, is_leaf = visit(0)
        if is_leaf:  # a single-leaf tree: one node whose branches both point to the leaf
            feats.append(0); splits.append(0.0); trues.append(root); falses.append(root); tleaf.append(1); fleaf.append(1); missing.append(0)
            root = len(feats) - 1
        roots.append(root)
    return dict(
        nodes_featureids=feats, nodes_truenodeids=trues, nodes_falsenodeids=falses, nodes_trueleafs=tleaf,
        nodes_falseleafs=fleaf, nodes_missing_value_tracks_true=missing, tree_roots=roots, leaf_targetids=leaf_targets,
        nodes_modes=helper.make_tensor("modes", TensorProto.UINT8, [len(feats)], [1] * len(feats)),
        nodes_splits=helper.make_tensor("splits", TensorProto.FLOAT, [len(splits)], splits),
        leaf_weights=helper.make_tensor("weights", TensorProto.FLOAT, [len(leaf_weights)], leaf_weights))


# ---------------------------------------------------------------------------------------------- linear models and pipelines

def build_linear():
    # Wine: Scaler -> multinomial LinearClassifier (SOFTMAX) -> Normalizer(L1) -> ZipMap.
    x, y = load_wine(return_X_y=True)
    x = f32(x)
    scaler = StandardScaler().fit(x)
    clf = LogisticRegression(max_iter=2000).fit(scaler.transform(x), y)
    nodes = [
        helper.make_node("Scaler", ["X"], ["scaled"], domain=ML, offset=[float(v) for v in scaler.mean_], scale=[float(1 / v) for v in scaler.scale_]),
        helper.make_node("LinearClassifier", ["scaled"], ["label", "scores"], domain=ML, coefficients=[float(v) for v in clf.coef_.ravel()],
                         intercepts=[float(v) for v in clf.intercept_], classlabels_ints=[0, 1, 2], multi_class=1, post_transform="SOFTMAX"),
        helper.make_node("Normalizer", ["scores"], ["normalized"], domain=ML, norm="L1"),
        helper.make_node("ZipMap", ["normalized"], ["output_probability"], domain=ML, classlabels_int64s=[0, 1, 2]),
    ]
    model = onnx_model(nodes, [vi("X", TensorProto.FLOAT, [None, x.shape[1]])],
                       [vi("label", TensorProto.INT64, [None]), zipmap_output("output_probability", True)], check=False)
    rows = x[::6]
    proba = clf.predict_proba(scaler.transform(rows))
    write_case("onnx", "logreg_wine_scaler", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"label": tensor_json(clf.predict(scaler.transform(rows))), "output_probability": tensor_json(f32(proba))},
        "served": served("multiclass", proba, clf.predict(scaler.transform(rows)))})

    # Binary logistic regression as ONE coefficient row and two labels: scores become [-s, s], then LOGISTIC.
    x, y = load_breast_cancer(return_X_y=True)
    x = f32(x)
    scaler = StandardScaler().fit(x)
    xs = f32(scaler.transform(x))
    clf = LogisticRegression(max_iter=3000).fit(xs, y)
    node = helper.make_node("LinearClassifier", ["X"], ["label", "probabilities"], domain=ML, coefficients=[float(v) for v in clf.coef_.ravel()],
                            intercepts=[float(clf.intercept_[0])], classlabels_strings=["benign_no", "malignant_no"], post_transform="LOGISTIC")
    model = onnx_model([node], [vi("X", TensorProto.FLOAT, [None, x.shape[1]])],
                       [vi("label", TensorProto.STRING, [None]), vi("probabilities", TensorProto.FLOAT, [None, 2])])
    rows = xs[::7]
    proba = clf.predict_proba(rows)
    labels = np.array(["benign_no", "malignant_no"])[clf.predict(rows)]
    write_case("onnx", "logreg_binary_one_row", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"label": tensor_json(labels), "probabilities": tensor_json(f32(proba))},
        "served": served("binary", proba, labels)})

    # Diabetes with missing values: Imputer(mean) -> Scaler -> LinearRegressor.
    x, y = load_diabetes(return_X_y=True)
    x = with_nans(f32(x), 0.1)
    means = np.nanmean(x, axis=0)
    filled = np.where(np.isnan(x), means, x)
    scaler = StandardScaler().fit(filled)
    reg = Ridge(alpha=1.0).fit(scaler.transform(filled), y)
    nodes = [
        helper.make_node("Imputer", ["X"], ["imputed"], domain=ML, imputed_value_floats=[float(v) for v in f32(means)], replaced_value_float=float("nan")),
        helper.make_node("Scaler", ["imputed"], ["scaled"], domain=ML, offset=[float(v) for v in scaler.mean_], scale=[float(1 / v) for v in scaler.scale_]),
        helper.make_node("LinearRegressor", ["scaled"], ["variable"], domain=ML, coefficients=[float(v) for v in reg.coef_], intercepts=[float(reg.intercept_)], targets=1),
    ]
    model = onnx_model(nodes, [vi("X", TensorProto.FLOAT, [None, 10])], [vi("variable", TensorProto.FLOAT, [None, 1])])
    rows = x[::9]
    pred = reg.predict(scaler.transform(np.where(np.isnan(rows), f32(means), rows)))
    write_case("onnx", "ridge_imputer_scaler", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"variable": tensor_json(f32(pred).reshape(-1, 1))}, "served": served("regression", value=pred)})

    # Two named inputs: a number and an integer category -> OneHotEncoder -> Reshape -> Concat -> Gemm.
    n = 200
    age = f32(RNG.uniform(18, 80, n)).reshape(-1, 1)
    color = RNG.randint(0, 4, n).reshape(-1, 1).astype(np.int64)
    target = 0.5 * age[:, 0] + np.array([3.0, -2.0, 7.0, 0.0])[color[:, 0]] + RNG.normal(0, 1, n)
    onehot = (color == np.arange(3)).astype(np.float32)  # category 3 is unknown to the encoder: all zeros
    features = np.hstack([age, onehot])
    reg = Ridge(alpha=0.1).fit(features, target)
    nodes = [
        helper.make_node("OneHotEncoder", ["color"], ["color_onehot3d"], domain=ML, cats_int64s=[0, 1, 2], zeros=1),
        helper.make_node("Reshape", ["color_onehot3d", "shape"], ["color_onehot"]),
        helper.make_node("Concat", ["age", "color_onehot"], ["features"], axis=1),
        helper.make_node("Gemm", ["features", "coef", "bias"], ["variable"], transB=1),
    ]
    inits = [helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 3]),
             helper.make_tensor("coef", TensorProto.FLOAT, [1, 4], [float(v) for v in reg.coef_]),
             helper.make_tensor("bias", TensorProto.FLOAT, [1], [float(reg.intercept_)])]
    model = onnx_model(nodes, [vi("age", TensorProto.FLOAT, [None, 1]), vi("color", TensorProto.INT64, [None, 1])],
                       [vi("variable", TensorProto.FLOAT, [None, 1])], initializers=inits, check=False)
    pred = reg.predict(features)[:40]
    write_case("onnx", "onehot_two_inputs", model, ".onnx", {
        "rows": 40, "inputs": {"age": tensor_json(age[:40]), "color": tensor_json(color[:40])},
        "features": floats(np.hstack([age[:40], color[:40].astype(np.float32)])), "featureNames": ["age", "color"],
        "outputs": {"variable": tensor_json(f32(pred).reshape(-1, 1))}, "served": served("regression", value=pred)})


def build_mlp():
    """MLPs as core operators: MatMul + Add + Relu + Gemm + Softmax (multiclass); Tanh + Sigmoid + Sub + Concat (binary)."""
    x, y = load_iris(return_X_y=True)
    x = f32(x)
    m = MLPClassifier(hidden_layer_sizes=(6,), activation="relu", max_iter=3000, random_state=0).fit(x, y)
    w0, w1 = m.coefs_
    b0, b1 = m.intercepts_
    nodes = [
        helper.make_node("MatMul", ["X", "w0"], ["h0"]),
        helper.make_node("Add", ["h0", "b0"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["h2"]),
        helper.make_node("Gemm", ["h2", "w1", "b1"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
    ]
    inits = [helper.make_tensor("w0", TensorProto.FLOAT, list(w0.shape), [float(v) for v in w0.ravel()]),
             helper.make_tensor("b0", TensorProto.FLOAT, [len(b0)], [float(v) for v in b0]),
             helper.make_tensor("w1", TensorProto.FLOAT, list(w1.shape), [float(v) for v in w1.ravel()]),
             helper.make_tensor("b1", TensorProto.FLOAT, [len(b1)], [float(v) for v in b1])]
    model = onnx_model(nodes, [vi("X", TensorProto.FLOAT, [None, 4])], [vi("probabilities", TensorProto.FLOAT, [None, 3])], initializers=inits)
    rows = x[::5]
    proba = m.predict_proba(rows)
    write_case("onnx", "mlp_relu_softmax", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"probabilities": tensor_json(f32(proba))}, "served": served("multiclass", proba, m.predict(rows)), "task": "multiclass"})

    x, y = load_breast_cancer(return_X_y=True)
    x = f32(StandardScaler().fit_transform(x))
    m = MLPClassifier(hidden_layer_sizes=(5,), activation="tanh", max_iter=3000, random_state=0).fit(x, y)
    w0, w1 = m.coefs_
    b0, b1 = m.intercepts_
    nodes = [
        helper.make_node("Gemm", ["X", "w0", "b0"], ["h0"]),
        helper.make_node("Tanh", ["h0"], ["h1"]),
        helper.make_node("Gemm", ["h1", "w1", "b1"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["p1"]),
        helper.make_node("Sub", ["one", "p1"], ["p0"]),
        helper.make_node("Concat", ["p0", "p1"], ["probabilities"], axis=1),
    ]
    inits = [helper.make_tensor("w0", TensorProto.FLOAT, list(w0.shape), [float(v) for v in w0.ravel()]),
             helper.make_tensor("b0", TensorProto.FLOAT, [len(b0)], [float(v) for v in b0]),
             helper.make_tensor("w1", TensorProto.FLOAT, list(w1.shape), [float(v) for v in w1.ravel()]),
             helper.make_tensor("b1", TensorProto.FLOAT, [len(b1)], [float(v) for v in b1]),
             helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])]
    model = onnx_model(nodes, [vi("X", TensorProto.FLOAT, [None, x.shape[1]])],
                       [vi("probabilities", TensorProto.FLOAT, [None, 2]), vi("p1", TensorProto.FLOAT, [None, 1])], initializers=inits)
    rows = x[::8]
    proba = m.predict_proba(rows)
    write_case("onnx", "mlp_tanh_sigmoid", model, ".onnx", {
        "rows": len(rows), "inputs": {"X": tensor_json(rows)}, "features": floats(rows),
        "outputs": {"probabilities": tensor_json(f32(proba)), "p1": tensor_json(f32(proba[:, 1:]))},
        "served": served("binary", proba, m.predict(rows)), "task": "binary"})


# ---------------------------------------------------------------------------------------------- one operator at a time

def op_case(name, nodes, inputs, outputs, expected, inits=(), ml_opset=3, core_opset=15, check=True):
    """A small graph exercising one or a few operators; expected outputs computed with numpy from the same inputs."""
    model = onnx_model(nodes, [vi(k, elem, shape) for k, (elem, shape, _) in inputs.items()],
                       [vi(k, elem, shape) for k, (elem, shape) in outputs.items()], initializers=inits,
                       ml_opset=ml_opset, core_opset=core_opset, check=check)
    data = {k: v for k, (_, _, v) in inputs.items()}
    rows = len(next(iter(data.values())))
    write_case("onnx/ops", name, model, ".onnx", {
        "rows": rows, "inputs": {k: tensor_json(v) for k, v in data.items()},
        "outputs": {k: tensor_json(v) for k, v in expected.items()}})


def build_ops():
    x = f32(RNG.uniform(-3, 3, (6, 4)))
    x[1, 2] = np.nan
    pos = f32(RNG.uniform(0.1, 4, (6, 4)))
    F, D, I, B, S = TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.INT64, TensorProto.BOOL, TensorProto.STRING
    N4 = [None, 4]
    node = helper.make_node

    def unary(op, fn, data=pos):
        op_case(f"unary_{op.lower()}", [node(op, ["X"], ["Y"])], {"X": (F, N4, data)}, {"Y": (F, N4)}, {"Y": f32(fn(data.astype(np.float64)))})

    unary("Exp", np.exp)
    unary("Log", np.log)
    unary("Sqrt", np.sqrt)
    unary("Abs", np.abs, x)
    unary("Neg", np.negative, x)
    unary("Relu", lambda v: np.maximum(v, 0) * (v == v) + np.where(np.isnan(v), np.nan, 0), x)
    unary("Tanh", np.tanh, x)
    unary("Sigmoid", lambda v: 1 / (1 + np.exp(-v)), x)
    unary("Reciprocal", lambda v: 1 / v)
    unary("Floor", np.floor, x)
    unary("Ceil", np.ceil, x)

    row = f32(RNG.uniform(0.5, 2, (4,)))
    for op, fn in [("Add", np.add), ("Sub", np.subtract), ("Mul", np.multiply), ("Div", np.divide), ("Pow", np.power)]:
        op_case(f"binary_{op.lower()}_broadcast", [node(op, ["X", "R"], ["Y"])], {"X": (F, N4, pos)}, {"Y": (F, N4)},
                {"Y": f32(fn(pos.astype(np.float64), row.astype(np.float64)))}, inits=[helper.make_tensor("R", F, [4], row)])
    col = f32(RNG.uniform(-1, 1, (6, 1)))
    op_case("binary_add_column", [node("Add", ["X", "C"], ["Y"])], {"X": (F, N4, x), "C": (F, [None, 1], col)}, {"Y": (F, N4)}, {"Y": x + col})
    ints = RNG.randint(-5, 6, (6, 3)).astype(np.int64)
    op_case("binary_int64_mul_div", [node("Mul", ["A", "two"], ["M"]), node("Div", ["M", "three"], ["Y"])], {"A": (I, [None, 3], ints)}, {"Y": (I, [None, 3])},
            {"Y": np.trunc((ints * 2) / 3).astype(np.int64)}, inits=[helper.make_tensor("two", I, [], [2]), helper.make_tensor("three", I, [], [3])])

    half = helper.make_tensor("half", F, [], [0.5])
    for op, fn in [("Greater", np.greater), ("Less", np.less), ("GreaterOrEqual", np.greater_equal), ("LessOrEqual", np.less_equal), ("Equal", np.equal)]:
        data = np.round(x * 2) / 2
        op_case(f"compare_{op.lower()}_where", [node(op, ["X", "half"], ["c"]), node("Where", ["c", "X", "zero"], ["Y"])], {"X": (F, N4, data)},
                {"Y": (F, N4), "c": (B, N4)}, {"Y": np.where(fn(data, 0.5), data, np.float32(0)), "c": fn(data, 0.5)},
                inits=[half, helper.make_tensor("zero", F, [], [0.0])], core_opset=16 if op in ("GreaterOrEqual", "LessOrEqual") else 15)
    a = RNG.rand(6, 4) > 0.5
    b = RNG.rand(6, 4) > 0.5
    op_case("logic_and_or_xor_not", [node("And", ["A", "B"], ["and"]), node("Or", ["A", "B"], ["or"]), node("Xor", ["A", "B"], ["xor"]), node("Not", ["A"], ["not"])],
            {"A": (B, N4, a), "B": (B, N4, b)}, {"and": (B, N4), "or": (B, N4), "xor": (B, N4), "not": (B, N4)},
            {"and": a & b, "or": a | b, "xor": a ^ b, "not": ~a})
    op_case("isnan_cast", [node("IsNaN", ["X"], ["nan"]), node("Cast", ["nan"], ["Y"], to=TensorProto.FLOAT), node("Cast", ["X"], ["D"], to=TensorProto.DOUBLE),
                           node("Cast", ["D"], ["I"], to=TensorProto.INT32)],
            {"X": (F, N4, np.nan_to_num(x) + np.where(np.isnan(x), np.nan, 0).astype(np.float32))}, {"Y": (F, N4), "D": (D, N4), "I": (TensorProto.INT32, N4)},
            {"Y": np.isnan(x).astype(np.float32), "D": x.astype(np.float64), "I": np.nan_to_num(np.trunc(x), nan=0).astype(np.int64)})
    op_case("clip_inputs", [node("Clip", ["X", "lo", "hi"], ["Y"])], {"X": (F, N4, x)}, {"Y": (F, N4)}, {"Y": np.clip(x, -1, 1.5)},
            inits=[helper.make_tensor("lo", F, [], [-1.0]), helper.make_tensor("hi", F, [], [1.5])])
    op_case("clip_attributes_opset6", [node("Clip", ["X"], ["Y"], min=-0.5, max=2.0)], {"X": (F, N4, x)}, {"Y": (F, N4)}, {"Y": np.clip(x, -0.5, 2.0)}, core_opset=6)

    clean = np.nan_to_num(x)
    e = np.exp(clean - clean.max(axis=1, keepdims=True))
    op_case("softmax_logsoftmax_argmin", [node("LogSoftmax", ["X"], ["L"], axis=1), node("ArgMin", ["X"], ["A"], axis=1, keepdims=1), node("Softmax", ["X"], ["S"], axis=0)],
            {"X": (F, N4, clean)}, {"L": (F, N4), "A": (I, [None, 1]), "S": (F, N4)},
            {"L": np.log(e / e.sum(axis=1, keepdims=True)), "A": clean.argmin(axis=1).reshape(-1, 1),
             "S": np.exp(clean - clean.max(axis=0)) / np.exp(clean - clean.max(axis=0)).sum(axis=0)}, core_opset=13)
    op_case("softmax_opset11_flattens", [node("Softmax", ["X3"], ["S"], axis=1)], {"X3": (F, [None, 2, 2], clean.reshape(6, 2, 2))}, {"S": (F, [None, 2, 2])},
            {"S": (e / e.sum(axis=1, keepdims=True)).reshape(6, 2, 2)}, core_opset=11)
    reductions = [("ReduceSum", np.sum), ("ReduceMean", np.mean), ("ReduceMax", np.max), ("ReduceMin", np.min), ("ReduceProd", np.prod),
                  ("ReduceSumSquare", lambda v, axis, keepdims: np.sum(v * v, axis=axis, keepdims=keepdims)),
                  ("ReduceL1", lambda v, axis, keepdims: np.sum(np.abs(v), axis=axis, keepdims=keepdims)),
                  ("ReduceL2", lambda v, axis, keepdims: np.sqrt(np.sum(v * v, axis=axis, keepdims=keepdims)))]
    for op, fn in reductions:
        op_case(f"reduce_{op[6:].lower()}", [node(op, ["X"], ["K"], axes=[1], keepdims=1), node(op, ["X"], ["D"], axes=[-1], keepdims=0)],
                {"X": (F, N4, clean)}, {"K": (F, [None, 1]), "D": (F, [None])},
                {"K": fn(clean.astype(np.float64), axis=1, keepdims=True), "D": fn(clean.astype(np.float64), axis=1, keepdims=False)}, core_opset=12)
    op_case("reduce_sum_axes_input", [node("ReduceSum", ["X", "axes"], ["Y"], keepdims=0)], {"X": (F, N4, clean)}, {"Y": (F, [None])},
            {"Y": clean.astype(np.float64).sum(axis=1)}, inits=[helper.make_tensor("axes", I, [1], [1])], core_opset=13)

    x3 = clean.reshape(6, 2, 2)
    op_case("shape_ops", [
        node("Flatten", ["X3"], ["flat"], axis=1),
        node("Unsqueeze", ["flat", "ax1"], ["u"]),
        node("Squeeze", ["u", "ax1"], ["sq"]),
        node("Transpose", ["X3"], ["t"], perm=[0, 2, 1]),
        node("Identity", ["sq"], ["Y"]),
        node("Gather", ["flat", "cols"], ["g"], axis=1),
        node("Constant", [], ["k"], value=helper.make_tensor("kv", F, [1, 4], [1.0, 2.0, 3.0, 4.0])),
        node("Mul", ["flat", "k"], ["scaled"]),
    ], {"X3": (F, [None, 2, 2], x3)}, {"Y": (F, N4), "t": (F, [None, 2, 2]), "g": (F, [None, 2]), "scaled": (F, N4)},
        {"Y": clean, "t": x3.transpose(0, 2, 1), "g": clean[:, [3, 0]], "scaled": clean * np.array([1, 2, 3, 4], dtype=np.float32)},
        inits=[helper.make_tensor("ax1", I, [1], [1]), helper.make_tensor("cols", I, [2], [3, 0])], core_opset=13)
    op_case("unsqueeze_squeeze_opset11", [node("Unsqueeze", ["X"], ["u"], axes=[2]), node("Squeeze", ["u"], ["Y"], axes=[2]), node("Reshape", ["Y"], ["R"], shape=[-1, 2, 2])],
            {"X": (F, N4, clean)}, {"Y": (F, N4), "R": (F, [None, 2, 2])}, {"Y": clean, "R": clean.reshape(6, 2, 2)}, core_opset=4, check=False)
    op_case("matmul_vector", [node("MatMul", ["X", "v"], ["Y"])], {"X": (F, N4, clean)}, {"Y": (F, [None])},
            {"Y": clean.astype(np.float64) @ np.array([0.5, -1, 2, 0.25])}, inits=[helper.make_tensor("v", F, [4], [0.5, -1, 2, 0.25])])
    op_case("gemm_alpha_beta_trans", [node("Gemm", ["X", "W", "C"], ["Y"], alpha=0.5, beta=2.0, transB=1)], {"X": (F, N4, clean)}, {"Y": (F, [None, 2])},
            {"Y": 0.5 * clean.astype(np.float64) @ np.arange(8).reshape(2, 4).T + 2.0 * np.array([[1.0, -1.0]])},
            inits=[helper.make_tensor("W", F, [2, 4], list(range(8))), helper.make_tensor("C", F, [1, 2], [1.0, -1.0])])

    # ML preprocessing operators.
    op_case("ml_binarizer_normalizer", [node("Binarizer", ["X"], ["bin"], domain=ML, threshold=0.5),
                                        node("Normalizer", ["X"], ["max"], domain=ML, norm="MAX"),
                                        node("Normalizer", ["X"], ["l2"], domain=ML, norm="L2")],
            {"X": (F, N4, clean)}, {"bin": (F, N4), "max": (F, N4), "l2": (F, N4)},
            {"bin": (clean > 0.5).astype(np.float32), "max": clean / np.abs(clean).max(axis=1, keepdims=True),
             "l2": clean / np.sqrt((clean.astype(np.float64) ** 2).sum(axis=1, keepdims=True))})
    codes = np.array([[0], [2], [5], [1], [2], [9]], dtype=np.int64)
    names = np.array(["zero", "one", "two", "?", "?", "five", "?", "?", "?", "?"])
    op_case("ml_label_encoders", [
        node("LabelEncoder", ["C"], ["v1"], domain=ML, classes_strings=["zero", "one", "two"], default_string="?"),
    ], {"C": (I, [None, 1], codes)}, {"v1": (S, [None, 1])},
        {"v1": np.where(codes < 3, np.array(["zero", "one", "two", "?", "?", "?", "?", "?", "?", "?"])[np.minimum(codes, 9)], "?")}, ml_opset=1, check=False)
    op_case("ml_label_encoder_v2_onehot_strings", [
        node("LabelEncoder", ["C"], ["name"], domain=ML, keys_int64s=[0, 1, 2, 5], values_strings=["zero", "one", "two", "five"], default_string="?"),
        node("OneHotEncoder", ["name"], ["hot"], domain=ML, cats_strings=["two", "zero", "five"], zeros=1),
        node("LabelEncoder", ["name"], ["back"], domain=ML, keys_strings=["zero", "one", "two", "five"], values_floats=[0.0, 1.5, 2.5, 5.5], default_float=-1.0),
    ], {"C": (I, [None, 1], codes)}, {"name": (S, [None, 1]), "hot": (F, [None, 1, 3]), "back": (F, [None, 1])},
        {"name": names[codes], "hot": (names[codes][..., None] == np.array(["two", "zero", "five"])).astype(np.float32),
         "back": np.array([{0: 0.0, 1: 1.5, 2: 2.5, 5: 5.5}.get(int(c), -1.0) for c in codes.ravel()], dtype=np.float32).reshape(-1, 1)}, ml_opset=2)
    op_case("ml_array_feature_extractor_feature_vectorizer", [
        node("ArrayFeatureExtractor", ["X", "idx"], ["picked"], domain=ML),
        node("FeatureVectorizer", ["picked", "X"], ["vec"], domain=ML, inputdimensions=[2, 4]),
    ], {"X": (F, N4, clean)}, {"picked": (F, [None, 2]), "vec": (F, [None, 6])},
        {"picked": clean[:, [2, 0]], "vec": np.hstack([clean[:, [2, 0]], clean])}, inits=[helper.make_tensor("idx", I, [2], [2, 0])])
    imp = f32(RNG.randint(0, 3, (6, 4)))
    op_case("ml_imputer_replaced_value", [node("Imputer", ["X"], ["Y"], domain=ML, imputed_value_floats=[9.0], replaced_value_float=0.0)],
            {"X": (F, N4, imp)}, {"Y": (F, N4)}, {"Y": np.where(imp == 0, np.float32(9), imp)})

    # Tree ensembles, small and hand-made: every legacy mode, MIN/MAX, PROBIT/SOFTMAX_ZERO, v5 MEMBER/AVERAGE.
    t = f32([[0.5, 1.0], [1.0, 1.0], [2.0, np.nan], [1.0, 3.0], [-1.0, 2.0], [3.0, 0.0]])
    modes = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ"]
    ops = {"BRANCH_LEQ": np.less_equal, "BRANCH_LT": np.less, "BRANCH_GTE": np.greater_equal, "BRANCH_GT": np.greater, "BRANCH_EQ": np.equal, "BRANCH_NEQ": np.not_equal}
    attrs = empty_nodes()
    tw = {"target_treeids": [], "target_nodeids": [], "target_ids": [], "target_weights": []}
    expected_sum = np.zeros(len(t))
    expected_min = np.full(len(t), np.finfo(np.float32).max)
    expected_max = np.full(len(t), np.finfo(np.float32).min)
    for tree_id, mode in enumerate(modes):
        feature, threshold, tracks = tree_id % 2, 1.0, tree_id % 2
        for nid, (m, f, v, tr, fa, mt) in enumerate([(mode, feature, threshold, 1, 2, tracks), ("LEAF", 0, 0, 0, 0, 0), ("LEAF", 0, 0, 0, 0, 0)]):
            attrs["nodes_treeids"].append(tree_id); attrs["nodes_nodeids"].append(nid); attrs["nodes_modes"].append(m)
            attrs["nodes_featureids"].append(f); attrs["nodes_values"].append(v); attrs["nodes_truenodeids"].append(tr)
            attrs["nodes_falsenodeids"].append(fa); attrs["nodes_missing_value_tracks_true"].append(mt)
        for nid, w in [(1, tree_id + 1.0), (2, -(tree_id + 0.5))]:
            tw["target_treeids"].append(tree_id); tw["target_nodeids"].append(nid); tw["target_ids"].append(0); tw["target_weights"].append(w)
        xv = t[:, feature]
        go_true = np.where(np.isnan(xv), bool(tracks), ops[mode](xv, threshold))
        leaf = np.where(go_true, tree_id + 1.0, -(tree_id + 0.5))
        expected_sum += leaf
        expected_min = np.minimum(expected_min, leaf)
        expected_max = np.maximum(expected_max, leaf)
    n2 = [None, 2]
    for agg, exp in [("SUM", expected_sum + 0.25), ("MIN", expected_min + 0.25), ("MAX", expected_max + 0.25), ("AVERAGE", expected_sum / 6 + 0.25)]:
        op_case(f"ml_tree_regressor_modes_{agg.lower()}", [node("TreeEnsembleRegressor", ["X"], ["Y"], domain=ML, **attrs, **tw, n_targets=1, aggregate_function=agg, base_values=[0.25])],
                {"X": (F, n2, t)}, {"Y": (F, [None, 1])}, {"Y": f32(exp).reshape(-1, 1)})
    cw = {"class_treeids": tw["target_treeids"], "class_nodeids": tw["target_nodeids"], "class_ids": [i % 2 for i in range(len(tw["target_ids"]))],
          "class_weights": [abs(w) / 32 for w in tw["target_weights"]]}  # scores stay in (0, 1), where PROBIT is defined
    scores = np.zeros((len(t), 2))
    for i in range(len(cw["class_ids"])):
        tree_id, nid = cw["class_treeids"][i], cw["class_nodeids"][i]
        mode, feature, tracks = modes[tree_id], tree_id % 2, tree_id % 2
        xv = t[:, feature]
        go_true = np.where(np.isnan(xv), bool(tracks), ops[mode](xv, 1.0))
        scores[:, cw["class_ids"][i]] += np.where(go_true == (nid == 1), cw["class_weights"][i], 0)

    def probit(p):
        q = 2 * p - 1
        sgn = np.where(q < 0, -1.0, 1.0)
        w = (1 - q) * (1 + q)
        with np.errstate(divide="ignore", invalid="ignore"):
            lg = np.log(w)
            v = 2 / (np.pi * 0.147) + 0.5 * lg
            r = sgn * np.sqrt(-v + np.sqrt(v * v - lg / 0.147))
        return 1.41421356 * np.where(w == 0, 0, r)

    def softmax_zero(s):
        out = []
        for rowv in s:
            mx = rowv.max()
            vals = np.array([np.exp(v - mx) if abs(v) > 1e-7 else v * np.exp(-mx) for v in rowv])
            out.append(vals / vals.sum() if vals.sum() != 0 else np.full(len(vals), 0.5))
        return np.array(out)

    for transform, fn in [("PROBIT", probit), ("SOFTMAX_ZERO", softmax_zero)]:
        res = fn(scores)
        op_case(f"ml_tree_classifier_{transform.lower()}", [node("TreeEnsembleClassifier", ["X"], ["label", "P"], domain=ML, **attrs, **cw, classlabels_int64s=[3, 7], post_transform=transform)],
                {"X": (F, n2, t)}, {"label": (I, [None]), "P": (F, [None, 2])},
                {"label": np.array([3, 7])[np.argmax(res, axis=1)], "P": f32(res)})

    # TreeEnsemble (opset 5): MEMBER sets (NaN-terminated, in node order), NEQ sends NaN true, AVERAGE, LOGISTIC, double input.
    v5 = dict(
        nodes_featureids=[0, 1, 0], nodes_truenodeids=[1, 0, 2], nodes_trueleafs=[0, 1, 1], nodes_falsenodeids=[2, 1, 3], nodes_falseleafs=[1, 1, 1],
        nodes_missing_value_tracks_true=[0, 1, 0], tree_roots=[0, 2], leaf_targetids=[0, 0, 0, 0], n_targets=1, aggregate_function=0, post_transform=2,
        nodes_modes=helper.make_tensor("modes", TensorProto.UINT8, [3], [6, 6, 5]),
        nodes_splits=helper.make_tensor("splits", D, [3], [0.0, 0.0, 2.0]),
        membership_values=helper.make_tensor("members", D, [6], [1.0, 2.0, np.nan, 3.0, 1.0, np.nan]),
        leaf_weights=helper.make_tensor("w", D, [4], [1.0, -2.0, 0.5, 4.0]))
    tv = np.array([[1.0, 3.0], [2.0, 5.0], [4.0, 1.0], [np.nan, 2.0], [2.0, np.nan], [0.0, 0.0]])

    def tree0(r):
        if r[0] in (1.0, 2.0):  # node 0 MEMBER {1, 2}: true -> node 1
            return 1.0 if (r[1] in (3.0, 1.0) or np.isnan(r[1])) else -2.0  # node 1 MEMBER {3, 1}, NaN tracks true: leaf 0 / leaf 1
        return 0.5  # false -> leaf 2

    def tree1(r):
        return 0.5 if (r[0] != 2.0 or np.isnan(r[0])) else 4.0  # node 2 NEQ 2: true -> leaf 2, false -> leaf 3; NaN != 2 is true

    avg = np.array([(tree0(r) + tree1(r)) / 2 for r in tv])
    op_case("ml_tree_ensemble_v5_member", [node("TreeEnsemble", ["X"], ["Y"], domain=ML, **v5)], {"X": (D, n2, tv)}, {"Y": (D, [None, 1])},
            {"Y": (1 / (1 + np.exp(-avg))).reshape(-1, 1)}, ml_opset=5, core_opset=18, check=False)

    # Linear ops with other post transforms and attribute forms.
    lx = f32(RNG.uniform(-1, 1, (6, 3)))
    coef = np.array([[0.5, -1.0, 2.0], [1.5, 0.5, -0.5]])
    sc = lx.astype(np.float64) @ coef.T + np.array([0.1, -0.2])
    op_case("ml_linear_regressor_two_targets", [node("LinearRegressor", ["X"], ["Y"], domain=ML, coefficients=list(coef.ravel()), intercepts=[0.1, -0.2], targets=2)],
            {"X": (F, [None, 3], lx)}, {"Y": (F, [None, 2])}, {"Y": sc})
    op_case("ml_linear_classifier_none_ints", [node("LinearClassifier", ["X"], ["label", "S"], domain=ML, coefficients=list(coef.ravel()), intercepts=[0.1, -0.2], classlabels_ints=[4, 9])],
            {"X": (F, [None, 3], lx)}, {"label": (I, [None]), "S": (F, [None, 2])}, {"label": np.array([4, 9])[sc.argmax(axis=1)], "S": sc})


def build_refusals():
    """Models the importer must refuse at load, each with the text its error must contain."""
    F = TensorProto.FLOAT
    node = helper.make_node
    x = [vi("X", F, [None, 2])]
    cases = {
        "unsupported_operator": (node("SVMClassifier", ["X"], ["l", "p"], domain=ML, classlabels_ints=[0, 1], coefficients=[1.0, 1.0], kernel_type="LINEAR"),
                                 [vi("l", TensorProto.INT64, [None]), vi("p", F, [None, 2])], 3, "SVMClassifier"),
        "unsupported_core_operator": (node("TopK", ["X", "k"], ["v", "i"]), [vi("v", F, [None, 1]), vi("i", TensorProto.INT64, [None, 1])], 3, "TopK"),
        "bad_post_transform": (node("TreeEnsembleRegressor", ["X"], ["Y"], domain=ML, n_targets=1, nodes_treeids=[0], nodes_nodeids=[0], nodes_modes=["LEAF"],
                                    nodes_featureids=[0], nodes_values=[0.0], nodes_truenodeids=[0], nodes_falsenodeids=[0], target_treeids=[0], target_nodeids=[0],
                                    target_ids=[0], target_weights=[1.0], post_transform="CUBE"), [vi("Y", F, [None, 1])], 3, "post_transform = 'CUBE'"),
        "bad_branch_mode": (node("TreeEnsembleRegressor", ["X"], ["Y"], domain=ML, n_targets=1, nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2],
                                 nodes_modes=["BRANCH_MEMBER", "LEAF", "LEAF"], nodes_featureids=[0, 0, 0], nodes_values=[1.0, 0.0, 0.0], nodes_truenodeids=[1, 0, 0],
                                 nodes_falsenodeids=[2, 0, 0], target_treeids=[0, 0], target_nodeids=[1, 2], target_ids=[0, 0], target_weights=[1.0, 2.0]),
                            [vi("Y", F, [None, 1])], 3, "BRANCH_MEMBER"),
        "unknown_attribute": (node("Scaler", ["X"], ["Y"], domain=ML, offset=[0.0], scale=[1.0], clamp=1), [vi("Y", F, [None, 2])], 3, "'clamp'"),
        "ml_opset_too_new": (node("Scaler", ["X"], ["Y"], domain=ML, offset=[0.0], scale=[1.0]), [vi("Y", F, [None, 2])], 9, "opset 9 of domain 'ai.onnx.ml'"),
        "bad_aggregate": (node("TreeEnsembleRegressor", ["X"], ["Y"], domain=ML, n_targets=1, nodes_treeids=[0], nodes_nodeids=[0], nodes_modes=["LEAF"],
                               nodes_featureids=[0], nodes_values=[0.0], nodes_truenodeids=[0], nodes_falsenodeids=[0], target_treeids=[0], target_nodeids=[0],
                               target_ids=[0], target_weights=[1.0], aggregate_function="MEDIAN"), [vi("Y", F, [None, 1])], 3, "aggregate_function = 'MEDIAN'"),
        "custom_domain": (node("Fancy", ["X"], ["Y"], domain="com.example"), [vi("Y", F, [None, 2])], 3, "com.example"),
    }
    for name, (n, outputs, ml_opset, message) in cases.items():
        graph = helper.make_graph([n], "g", x, outputs, initializer=[helper.make_tensor("k", TensorProto.INT64, [1], [1])])
        opsets = [helper.make_opsetid("", 15), helper.make_opsetid(ML, ml_opset)]
        if name == "custom_domain":
            opsets.append(helper.make_opsetid("com.example", 1))
        model = helper.make_model(graph, opset_imports=opsets)
        write_case("onnx/refused", name, model.SerializeToString(), ".onnx", {"error": message})
    graph = helper.make_graph([node("Identity", ["S"], ["Y"])], "g", [vi("S", TensorProto.STRING, [None, 1])], [vi("Y", TensorProto.STRING, [None, 1])])
    write_case("onnx/refused", "string_input", helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)]).SerializeToString(), ".onnx",
               {"error": "input element type STRING"})


def main():
    print("onnx", onnx.__version__, "sklearn", sklearn.__version__, "xgboost", xgboost.__version__, "numpy", np.__version__)
    build_gbdt_iris()
    build_hgb_binary()
    build_random_forests()
    build_xgboost()
    build_linear()
    build_mlp()
    build_ops()
    build_refusals()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT}: {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
