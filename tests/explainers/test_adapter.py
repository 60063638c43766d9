"""Model adapter: wraps every supported model kind, validates input, loads files safely."""

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from explainers import (
    ExplainerError,
    ModelAdapter,
    ModelError,
    UnknownFeatureError,
    UnsupportedModelError,
    UntrustedFileError,
    load_model,
)


def test_pipeline_with_one_hot_is_seen_through_raw_features(binary_gb):
    a = binary_gb.adapter
    assert a.feature_names == tuple(binary_gb.X.columns)
    assert set(a.categorical_features) == {"colour", "region"}
    assert a.task == "classification" and a.classes == (0, 1) and a.kind == "tree"
    assert "gradient-boosted" in a.description and "one-hot" in a.description
    mapping = np.asarray(a.transformed_to_raw)
    assert (mapping == a.feature_names.index("colour")).sum() == 3
    assert a.transform(binary_gb.X.head(4)).shape == (4, len(mapping))
    np.testing.assert_allclose(a.predict_proba(binary_gb.X), binary_gb.model.predict_proba(
        binary_gb.X))


def test_kinds_and_tasks(all_cases):
    expected = {"binary_rf": ("tree", "classification"), "binary_logreg": ("linear",
                "classification"), "regression_gb": ("tree", "regression"),
                "torch_mlp": ("torch", "classification"), "plain_callable": ("other",
                "classification")}
    for name, (kind, task) in expected.items():
        assert (all_cases[name].adapter.kind, all_cases[name].adapter.task) == (kind, task)


def test_multiclass_keeps_string_labels(multiclass_gb):
    a = multiclass_gb.adapter
    assert set(a.classes) == {"low", "mid", "high"}
    assert set(a.predict(multiclass_gb.X)) <= set(a.classes)
    assert a.output_name(a.class_index("mid")) == "probability of class mid"


def test_torch_and_callable_outputs_are_probabilities(torch_mlp, plain_callable):
    for case in (torch_mlp, plain_callable):
        proba = case.adapter.predict_proba(case.X.head(20))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert plain_callable.adapter.classes == ("no", "yes")
    assert set(plain_callable.adapter.predict(plain_callable.X)) <= {"no", "yes"}


def test_unknown_column_and_unfitted_model_raise_typed_errors(mixed_X, binary_gb):
    with pytest.raises(UnknownFeatureError) as info:
        ModelAdapter.wrap(binary_gb.model, mixed_X.assign(shoe_size=42))
    assert info.value.feature == "shoe_size" and "age" in info.value.known
    from sklearn.ensemble import RandomForestClassifier
    with pytest.raises(UnsupportedModelError):
        ModelAdapter.wrap(RandomForestClassifier(), mixed_X)
    with pytest.raises(UnsupportedModelError):
        ModelAdapter.wrap(42, mixed_X)


def test_a_model_that_raises_gives_model_error(numeric_X):
    def broken(frame: pd.DataFrame) -> np.ndarray:
        raise RuntimeError("boom")

    with pytest.raises(ModelError) as info:
        ModelAdapter.wrap(broken, numeric_X)
    assert isinstance(info.value.__cause__, RuntimeError)


def test_load_model_prefers_skops_and_refuses_untrusted_pickles(tmp_path, binary_logreg):
    import joblib

    path = tmp_path / "model.skops"
    sio.dump(binary_logreg.model, path)
    loaded = load_model(path, trusted=True)
    np.testing.assert_allclose(loaded.predict_proba(binary_logreg.X),
                               binary_logreg.model.predict_proba(binary_logreg.X))
    pkl = tmp_path / "model.joblib"
    joblib.dump(binary_logreg.model, pkl)
    with pytest.raises(UntrustedFileError):
        load_model(pkl)
    with pytest.warns(UserWarning, match="run arbitrary code"):
        assert load_model(pkl, trusted=True) is not None
    with pytest.raises(ExplainerError):
        load_model(tmp_path / "missing.skops")


def test_skops_random_forest_loads_without_trusted(tmp_path, binary_rf):
    """sklearn's own Tree type is not in skops' default safe set, but it is sklearn's."""
    path = tmp_path / "forest.skops"
    sio.dump(binary_rf.model, path)
    assert "sklearn.tree._tree.Tree" in sio.get_untrusted_types(file=path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict_proba(binary_rf.X),
                               binary_rf.model.predict_proba(binary_rf.X))


def test_skops_file_with_foreign_types_is_refused_with_their_names(tmp_path, binary_rf):
    import collections

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = Pipeline([("odd", FunctionTransformer(collections.OrderedDict)),
                      ("forest", binary_rf.model)])
    path = tmp_path / "odd.skops"
    sio.dump(model, path)
    with pytest.raises(UntrustedFileError) as info:
        load_model(path)
    assert info.value.types == ("collections.OrderedDict",)
    assert "collections.OrderedDict" in str(info.value)
    assert "sklearn" not in " ".join(info.value.types)
    assert isinstance(load_model(path, trusted=True), Pipeline)


def test_wrapping_an_sklearn_model_does_not_import_torch():
    """torch takes seconds to import; only torch models should pay for it."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from explainers.adapter import ModelAdapter\n"
        "X = pd.DataFrame({'a': np.arange(20.0), 'b': np.arange(20.0) % 3})\n"
        "model = LogisticRegression().fit(X, np.arange(20) % 2)\n"
        "assert ModelAdapter.wrap(model, X).kind == 'linear'\n"
        "print('torch' in sys.modules)\n")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
