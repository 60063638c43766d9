"""One uniform view of any user model: raw-feature DataFrame in, labels / probabilities out.

``ModelAdapter.wrap`` accepts fitted scikit-learn estimators and Pipelines (a ColumnTransformer
that one-hot encodes raw categorical columns is fine), XGBoost / LightGBM sklearn-API models, a
torch ``nn.Module`` over numeric features, objects with ``predict`` / ``predict_proba``, and plain
prediction functions. Every engine talks to the model only through the adapter, so every engine
sees the same raw features and the same output space.

Internals other engines may rely on (documented, stable):

* ``prepare(X)`` - DataFrame (or array) -> DataFrame with exactly ``feature_names`` in order.
* ``frame(array)`` - a numpy array of raw rows (as LIME/SHAP pass them) -> typed DataFrame.
* ``output_matrix(X)`` - ``[n, K]``: class probabilities (classification) or ``[n, 1]`` values.
* ``explained_class_index(X)`` / ``output_for_attribution(X, k)`` / ``output_name(k)`` - the
  single output an attribution explains: probability of the predicted class for one row, of the
  positive class (``classes[-1]``) for several rows; the predicted value for regression.
* ``split()`` - ``(preprocessor | None, final_estimator)`` of a Pipeline.
* ``transformed_to_raw`` - for each column the preprocessor outputs, the raw feature index it
  came from (``None`` when a column mixes raw features); ``transform(X)`` gives that matrix.
* ``torch_module`` / ``torch_output_fn()`` - the module and a differentiable tensor function in
  the same output space as ``output_matrix`` (softmax / sigmoid applied to logits).
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from explainers import safe_skops
from explainers.errors import (
    ExplainerError,
    ModelError,
    UnknownFeatureError,
    UnsupportedModelError,
    UntrustedFileError,
    exception_detail,
)

Task = Literal["classification", "regression"]
Kind = Literal["tree", "linear", "torch", "other"]

_TREE_SKLEARN = (
    "RandomForest", "ExtraTrees", "GradientBoosting", "HistGradientBoosting", "DecisionTree",
    "ExtraTree",
)
_PLACEHOLDER = "__raw{:05d}__"
_PLACEHOLDER_RE = re.compile(r"^__raw(\d{5})__")


def _is_torch_module(model: object) -> bool:
    """True for a torch ``nn.Module``; never imports torch (slow) for other models.

    A torch module can only exist if torch is already imported, so ``sys.modules`` is checked
    first and sklearn users never pay torch's import time.
    """
    if "torch" not in sys.modules:
        return False
    torch = sys.modules["torch"]
    return isinstance(model, torch.nn.Module)


def _is_categorical_dtype(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _library(obj: object) -> str:
    module = type(obj).__module__.split(".")[0]
    return {"sklearn": "scikit-learn", "xgboost": "XGBoost", "lightgbm": "LightGBM",
            "catboost": "CatBoost", "torch": "PyTorch"}.get(module, module)


def _kind_of(estimator: object) -> Kind:
    if _is_torch_module(estimator):
        return "torch"
    module = type(estimator).__module__
    name = type(estimator).__name__
    if module.startswith(("xgboost", "lightgbm", "catboost")):
        return "tree"
    if module.startswith("sklearn") and name.startswith(_TREE_SKLEARN):
        return "tree"
    if module.startswith("sklearn.linear_model") or name in ("LinearSVC", "LinearSVR"):
        return "linear"
    return "other"


def _noun(estimator: object) -> str:
    name = type(estimator).__name__
    if _is_torch_module(estimator):
        return "a PyTorch neural network"
    table = (
        (("HistGradientBoosting", "GradientBoosting", "XGB", "LGBM", "CatBoost"),
         "a gradient-boosted tree ensemble"),
        (("RandomForest",), "a random forest"),
        (("ExtraTrees",), "an extra-trees ensemble"),
        (("DecisionTree", "ExtraTree"), "a decision tree"),
        (("LogisticRegression",), "a logistic regression"),
        (("LinearRegression", "Ridge", "Lasso", "ElasticNet"), "a linear regression"),
        (("MLP",), "a neural network (multi-layer perceptron)"),
        (("SVC", "SVR", "LinearSVC"), "a support-vector machine"),
        (("KNeighbors",), "a nearest-neighbours model"),
    )
    for prefixes, noun in table:
        if name.startswith(prefixes):
            return noun
    return f"a {name} model"


# ----------------------------------------------------------------------------- feature maps
def _ohe_counts(ohe: Any) -> list[int] | None:
    """Output columns per input column of a fitted OneHotEncoder."""
    try:
        counts = []
        infrequent = getattr(ohe, "infrequent_categories_", None)
        drop_idx = getattr(ohe, "drop_idx_", None)
        for i, cats in enumerate(ohe.categories_):
            n = len(cats)
            if infrequent is not None and infrequent[i] is not None:
                n = n - len(infrequent[i]) + 1
            if drop_idx is not None and drop_idx[i] is not None:
                n -= 1
            counts.append(n)
        return counts
    except (AttributeError, TypeError):
        return None


def _map_by_names(step: Any, n_inputs: int) -> list[list[int]] | None:
    """Map output columns to inputs through ``get_feature_names_out``."""
    try:
        names = step.get_feature_names_out([_PLACEHOLDER.format(i) for i in range(n_inputs)])
        out = []
        for name in names:
            match = _PLACEHOLDER_RE.match(str(name))
            if match is None:
                return None
            out.append([int(match.group(1))])
        return out
    except Exception:  # noqa: BLE001 - fitted with real names; try them below
        pass
    try:
        inputs = [str(n) for n in step.feature_names_in_]
        names = [str(n) for n in step.get_feature_names_out()]
    except Exception:  # noqa: BLE001 - transformer cannot name its outputs
        return None
    if len(inputs) != n_inputs:
        return None
    out = []
    for name in names:
        cands = [i for i, raw in enumerate(inputs) if name == raw or name.startswith(raw + "_")]
        if not cands:
            return None
        out.append([max(cands, key=lambda i: len(inputs[i]))])
    return out


def _feature_map(step: Any, n_inputs: int) -> list[list[int]] | None:
    """For each output column of fitted ``step``, the input columns it depends on (or None)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    if step is None or (isinstance(step, str) and step == "passthrough"):
        return [[i] for i in range(n_inputs)]
    if isinstance(step, str) and step == "drop":
        return []
    if isinstance(step, Pipeline):
        current = [[i] for i in range(n_inputs)]
        for _, sub in step.steps:
            sub_map = _feature_map(sub, len(current))
            if sub_map is None:
                return None
            current = [sorted({r for j in cols for r in current[j]}) for cols in sub_map]
        return current
    if isinstance(step, ColumnTransformer):
        indices = getattr(step, "_transformer_to_input_indices", None)
        slices = getattr(step, "output_indices_", None)
        if indices is None or slices is None:
            return None
        total = max((s.stop for s in slices.values()), default=0)
        out: list[list[int] | None] = [None] * total
        for name, trans, _ in step.transformers_:
            sl = slices.get(name)
            if sl is None or sl.stop == sl.start:
                continue
            idx = list(indices[name])
            sub_map = _feature_map(trans, len(idx))
            if sub_map is None or len(sub_map) != sl.stop - sl.start:
                return None
            for k, cols in enumerate(sub_map):
                out[sl.start + k] = [idx[j] for j in cols]
        if any(o is None for o in out):
            return None
        return [o for o in out if o is not None]
    if isinstance(step, OneHotEncoder):
        counts = _ohe_counts(step)
        if counts is not None and len(counts) == n_inputs:
            return [[i] for i, c in enumerate(counts) for _ in range(c)]
    return _map_by_names(step, n_inputs)


# ----------------------------------------------------------------------------- adapter
@dataclass(frozen=True, eq=False)
class ModelAdapter:
    """A fitted model seen through raw feature columns; build it with ``ModelAdapter.wrap``."""

    feature_names: tuple[str, ...]
    categorical_features: tuple[str, ...]
    task: Task
    classes: tuple | None
    kind: Kind
    description: str
    model: Any = field(repr=False, default=None)
    dtypes: dict[str, Any] = field(repr=False, default_factory=dict)
    transformed_to_raw: tuple[int, ...] | None = field(repr=False, default=None)
    _predict_fn: Callable[[pd.DataFrame], np.ndarray] | None = field(repr=False, default=None)
    _proba_fn: Callable[[pd.DataFrame], np.ndarray] | None = field(repr=False, default=None)
    _torch_activation: str | None = field(repr=False, default=None)

    # ------------------------------------------------------------------ construction
    @classmethod
    def wrap(
        cls,
        model: Any,
        X_sample: pd.DataFrame,
        *,
        task: Task | None = None,
        class_names: Sequence | None = None,
    ) -> ModelAdapter:
        """Inspect ``model`` against raw rows ``X_sample`` and return a validated adapter.

        Raises ``UnsupportedModelError`` (unfitted / unknown model), ``UnknownFeatureError``
        (``X_sample`` has a column the model never saw), ``ModelError`` (the model raised).
        """
        if task not in (None, "classification", "regression"):
            raise ExplainerError(f"Unknown task {task!r}; use 'classification' or 'regression'.")
        if not isinstance(X_sample, pd.DataFrame):
            raise ExplainerError("The sample data must be a table (pandas DataFrame) of features.")
        if len(X_sample) == 0:
            raise ExplainerError("The sample data is empty, so the model cannot be checked.")
        if isinstance(model, (str, Path)):
            raise UnsupportedModelError(
                "Got a file path instead of a model; load it first with load_model().")
        if _is_torch_module(model):
            return cls._wrap_torch(model, X_sample, task, class_names)
        if hasattr(model, "predict") or hasattr(model, "predict_proba"):
            return cls._wrap_estimator(model, X_sample, task, class_names)
        if callable(model):
            return cls._wrap_callable(model, X_sample, task, class_names)
        raise UnsupportedModelError(
            f"Cannot explain an object of type {type(model).__name__}: it has no predict or "
            "predict_proba method and is not a function.")

    @staticmethod
    def _features(model: Any, X_sample: pd.DataFrame) -> tuple[tuple[str, ...], bool]:
        """Raw feature names in model order, and whether the model wants numpy input."""
        columns = [str(c) for c in X_sample.columns]
        known = getattr(model, "feature_names_in_", None)
        if known is not None:
            known = [str(c) for c in known]
            for col in columns:
                if col not in known:
                    raise UnknownFeatureError(col, known)
            missing = [c for c in known if c not in columns]
            if missing:
                raise ExplainerError(
                    f"The data lacks feature(s) the model needs: {', '.join(missing)}.")
            return tuple(known), False
        n_in = getattr(model, "n_features_in_", None)
        if n_in is not None and int(n_in) != len(columns):
            raise ExplainerError(
                f"The model expects {n_in} features but the data has {len(columns)} columns.")
        return tuple(columns), n_in is not None

    @classmethod
    def _wrap_estimator(cls, model: Any, X_sample: pd.DataFrame, task: Task | None,
                        class_names: Sequence | None) -> ModelAdapter:
        from sklearn.exceptions import NotFittedError
        from sklearn.pipeline import Pipeline
        from sklearn.utils.validation import check_is_fitted

        is_sklearn = type(model).__module__.startswith(("sklearn", "xgboost", "lightgbm"))
        if is_sklearn:
            try:
                check_is_fitted(model)
            except NotFittedError as exc:
                raise UnsupportedModelError(
                    "The model has not been fitted yet; train it before asking for "
                    "explanations.") from exc
            except TypeError:
                pass
        names, numpy_input = cls._features(model, X_sample)
        X = X_sample[list(names)]
        dtypes = {c: X[c].dtype for c in names}

        def to_input(frame: pd.DataFrame) -> Any:
            return frame.to_numpy() if numpy_input else frame

        has_proba = hasattr(model, "predict_proba")
        model_classes = getattr(model, "classes_", None)
        if task is None:
            try:
                from sklearn.base import is_classifier
                classifier = is_classifier(model)
            except Exception:  # noqa: BLE001 - not an sklearn object
                classifier = False
            task = "classification" if (classifier or (has_proba and model_classes is not None)
                                        or (has_proba and not hasattr(model, "predict"))) \
                else "regression"
        predict_fn: Callable | None = None
        proba_fn: Callable | None = None
        classes: tuple | None = None
        if task == "classification":
            if has_proba:
                proba_fn = lambda f: np.asarray(model.predict_proba(to_input(f)))  # noqa: E731
                probe = _call(proba_fn, X.head(5))
                if probe.ndim != 2:
                    raise UnsupportedModelError(
                        "predict_proba must return one column of probabilities per class.")
                k = probe.shape[1]
                if class_names is not None:
                    classes = tuple(class_names)
                elif model_classes is not None:
                    classes = tuple(np.asarray(model_classes).tolist())
                else:
                    classes = tuple(range(k))
                if len(classes) != k:
                    raise UnsupportedModelError(
                        f"The model gives {k} class probabilities but {len(classes)} class "
                        "names were given.")
            else:
                predict_labels = lambda f: np.asarray(model.predict(to_input(f)))  # noqa: E731
                labels = _call(predict_labels, X)
                if class_names is not None:
                    classes = tuple(class_names)
                elif model_classes is not None:
                    classes = tuple(np.asarray(model_classes).tolist())
                else:
                    classes = tuple(np.unique(labels).tolist())
                proba_fn = _one_hot_fn(predict_labels, classes)
            if hasattr(model, "predict") and model_classes is not None and has_proba:
                predict_fn = lambda f: np.asarray(model.predict(to_input(f)))  # noqa: E731
        else:
            if not hasattr(model, "predict"):
                raise UnsupportedModelError("A regression model needs a predict method.")
            predict_fn = lambda f: np.asarray(model.predict(to_input(f)), dtype=float)  # noqa: E731
        final = model[-1] if isinstance(model, Pipeline) else model
        kind = _kind_of(final)
        description = f"{_noun(final)} ({_library(final)} {type(final).__name__})"
        transformed_to_raw = None
        categorical = {c for c in names if _is_categorical_dtype(X[c])}
        if isinstance(model, Pipeline) and len(model.steps) > 1:
            pre = model[:-1]
            fmap = _feature_map(pre, len(names))
            if fmap is not None:
                try:
                    n_out = _dense(pre.transform(to_input(X.head(5)))).shape[1]
                except Exception:  # noqa: BLE001 - preprocessing fails on the sample
                    n_out = -1
                if n_out == len(fmap) and all(len(cols) == 1 for cols in fmap):
                    transformed_to_raw = tuple(cols[0] for cols in fmap)
                    counts = np.bincount(transformed_to_raw, minlength=len(names))
                    categorical |= {names[i] for i in range(len(names)) if counts[i] > 1}
            encodes = " with one-hot encoding" if _has_one_hot(pre) else ""
            description += f" inside a Pipeline{encodes}"
        adapter = cls(
            feature_names=names,
            categorical_features=tuple(c for c in names if c in categorical),
            task=task, classes=classes, kind=kind, description=description, model=model,
            dtypes=dtypes, transformed_to_raw=transformed_to_raw, _predict_fn=predict_fn,
            _proba_fn=proba_fn)
        adapter._validate(X)
        return adapter

    @classmethod
    def _wrap_callable(cls, fn: Callable, X_sample: pd.DataFrame, task: Task | None,
                       class_names: Sequence | None) -> ModelAdapter:
        names = tuple(str(c) for c in X_sample.columns)
        X = X_sample.copy()
        X.columns = list(names)
        try:
            out = np.asarray(fn(X.head(5)))
            call = lambda f: np.asarray(fn(f))  # noqa: E731
        except Exception:  # noqa: BLE001 - maybe it wants a numpy array
            call = lambda f: np.asarray(fn(f.to_numpy()))  # noqa: E731
            out = _call(call, X.head(5))
        dtypes = {c: X[c].dtype for c in names}
        categorical = tuple(c for c in names if _is_categorical_dtype(X[c]))
        predict_fn = proba_fn = None
        classes = None
        if out.ndim == 2 and out.shape[1] > 1:
            if task == "regression":
                raise UnsupportedModelError(
                    "The function returns several columns; a regression function must return "
                    "one value per row.")
            task = "classification"
            classes = tuple(class_names) if class_names is not None else tuple(
                range(out.shape[1]))
            if len(classes) != out.shape[1]:
                raise UnsupportedModelError("The number of class names does not match the "
                                            "number of probability columns.")
            proba_fn = call
        else:
            flat = lambda f: np.asarray(call(f)).reshape(len(f))  # noqa: E731
            if task is None:
                task = "regression" if np.issubdtype(out.dtype, np.floating) else "classification"
            if task == "classification":
                labels = _call(flat, X)
                classes = tuple(class_names) if class_names is not None else tuple(
                    np.unique(labels).tolist())
                proba_fn = _one_hot_fn(flat, classes)
            else:
                predict_fn = lambda f: np.asarray(flat(f), dtype=float)  # noqa: E731
        adapter = cls(feature_names=names, categorical_features=categorical, task=task,
                      classes=classes, kind="other",
                      description="a prediction function", model=fn, dtypes=dtypes,
                      _predict_fn=predict_fn, _proba_fn=proba_fn)
        adapter._validate(X)
        return adapter

    @classmethod
    def _wrap_torch(cls, module: Any, X_sample: pd.DataFrame, task: Task | None,
                    class_names: Sequence | None) -> ModelAdapter:
        import torch

        names = tuple(str(c) for c in X_sample.columns)
        X = X_sample.copy()
        X.columns = list(names)
        bad = [c for c in names if _is_categorical_dtype(X[c])]
        if bad:
            raise UnsupportedModelError(
                "A PyTorch model needs numeric features; these columns are not numeric: "
                + ", ".join(bad) + ".")
        module.eval()  # explanations need deterministic outputs (no dropout)
        try:
            with torch.no_grad():
                raw = module(torch.as_tensor(X.to_numpy(dtype=np.float32)))
        except Exception as exc:  # noqa: BLE001 - any failure of the user's module
            raise ModelError("The PyTorch model raised an error when asked for a prediction.",
                             detail=exception_detail(exc)) from exc
        raw = raw.detach().cpu().numpy()
        width = 1 if raw.ndim == 1 else raw.shape[1]
        if task is None:
            task = "classification" if width > 1 else "regression"
        if task == "classification":
            if width == 1:
                activation = "sigmoid"
                k = 2
            else:
                k = width
                looks_prob = (np.all(raw >= 0) and np.all(raw <= 1)
                              and np.allclose(raw.sum(axis=1), 1.0, atol=1e-4))
                activation = "identity" if looks_prob else "softmax"
            classes = tuple(class_names) if class_names is not None else tuple(range(k))
            if len(classes) != k:
                raise UnsupportedModelError("The number of class names does not match the "
                                            "model's outputs.")
        else:
            if width != 1:
                raise UnsupportedModelError("A regression network must output one value per row.")
            activation, classes = "identity", None
        adapter = cls(
            feature_names=names, categorical_features=(), task=task, classes=classes,
            kind="torch", description=f"{_noun(module)} ({type(module).__name__})",
            model=module, dtypes={c: X[c].dtype for c in names}, _torch_activation=activation)
        adapter._validate(X)
        return adapter

    def _validate(self, X: pd.DataFrame) -> None:
        """Call the model once on a few rows so broken models fail at wrap time."""
        head = X.head(5)
        out = self.output_matrix(head)
        if out.shape[0] != len(head):
            raise ModelError("The model returned a different number of predictions than rows.")
        if not np.all(np.isfinite(out.astype(float))):
            raise ModelError("The model returned missing or infinite predictions.")
        self.predict(head)

    # ------------------------------------------------------------------ data helpers
    def prepare(self, X: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        """Rows as a DataFrame of exactly ``feature_names`` in model order."""
        if isinstance(X, pd.Series):
            X = X.to_frame().T
        if not isinstance(X, pd.DataFrame):
            return self.frame(X)
        missing = [c for c in self.feature_names if c not in X.columns]
        if missing:
            raise ExplainerError(
                f"The rows lack feature(s) the model needs: {', '.join(missing)}.")
        return X[list(self.feature_names)]

    def frame(self, array: np.ndarray) -> pd.DataFrame:
        """Rebuild a typed DataFrame from raw rows given as a numpy array (as SHAP/LIME pass)."""
        arr = np.asarray(array)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.shape[1] != len(self.feature_names):
            raise ExplainerError(f"Expected {len(self.feature_names)} feature columns, "
                                 f"got {arr.shape[1]}.")
        frame = pd.DataFrame(arr, columns=list(self.feature_names))
        for col, dtype in self.dtypes.items():
            try:
                frame[col] = frame[col].astype(dtype)
            except (TypeError, ValueError):
                pass
        return frame

    # ------------------------------------------------------------------ predictions
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted labels (values of ``classes``) or regression values."""
        X = self.prepare(X)
        if self.task == "classification":
            if self._predict_fn is not None:
                return _call(self._predict_fn, X)
            proba = self.predict_proba(X)
            labels = np.asarray(self.classes, dtype=object)[np.argmax(proba, axis=1)]
            try:
                return labels.astype(np.asarray(self.classes).dtype)
            except (TypeError, ValueError):
                return labels
        if self._torch_activation is not None:
            return self._torch_forward_numpy(X)[:, 0]
        return _call(self._predict_fn, X).reshape(len(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities ``[n, n_classes]`` (classification only)."""
        if self.task != "classification":
            raise UnsupportedModelError("Probabilities exist only for classification models.")
        X = self.prepare(X)
        if self._torch_activation is not None:
            return self._torch_forward_numpy(X)
        out = _call(self._proba_fn, X).astype(float)
        return out.reshape(len(X), -1)

    def output_matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Outputs explained by attributions: probabilities ``[n, K]`` or values ``[n, 1]``."""
        if self.task == "classification":
            return self.predict_proba(X)
        return np.asarray(self.predict(X), dtype=float).reshape(-1, 1)

    @property
    def n_outputs(self) -> int:
        return len(self.classes) if self.task == "classification" and self.classes else 1

    def class_index(self, label: object) -> int:
        """Position of a class label in ``classes`` (matches ``'1'`` to ``1`` too)."""
        if self.classes is None:
            raise UnsupportedModelError("A regression model has no classes.")
        for i, c in enumerate(self.classes):
            if c == label or str(c) == str(label):
                return i
        raise ExplainerError(f"The model has no class {label!r}; classes are "
                             f"{', '.join(map(str, self.classes))}.")

    def explained_class_index(self, X: pd.DataFrame) -> int | None:
        """Class an attribution explains: predicted class for one row, else ``classes[-1]``."""
        if self.task != "classification":
            return None
        if len(X) == 1:
            return int(np.argmax(self.predict_proba(X)[0]))
        return self.n_outputs - 1

    def output_for_attribution(self, X: pd.DataFrame, class_index: int | None = None
                               ) -> np.ndarray:
        """The 1-D output explained: probability of class ``class_index`` or the value."""
        out = self.output_matrix(X)
        if self.task != "classification":
            return out[:, 0]
        k = self.explained_class_index(X) if class_index is None else class_index
        return out[:, k]

    def output_name(self, class_index: int | None = None) -> str:
        """Plain name of the explained output, e.g. ``'probability of class 1'``."""
        if self.task != "classification":
            return "predicted value"
        k = self.n_outputs - 1 if class_index is None else class_index
        return f"probability of class {self.classes[k]}"

    # ------------------------------------------------------------------ internals for engines
    def split(self) -> tuple[Any | None, Any]:
        """``(preprocessor, final_estimator)``: a Pipeline's ``[:-1]`` and ``[-1]``."""
        from sklearn.pipeline import Pipeline

        if isinstance(self.model, Pipeline) and len(self.model.steps) > 1:
            return self.model[:-1], self.model[-1]
        return None, self.model

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Raw rows through the preprocessor, as a dense float matrix (identity without one)."""
        pre, _ = self.split()
        X = self.prepare(X)
        if pre is None:
            return X.to_numpy(dtype=float)
        data = X.to_numpy() if not hasattr(self.model, "feature_names_in_") else X
        try:
            return _dense(pre.transform(data)).astype(float)
        except Exception as exc:  # noqa: BLE001 - user's preprocessing failed
            raise ModelError("The model's preprocessing raised an error on these rows.",
                             detail=exception_detail(exc)) from exc

    @property
    def torch_module(self) -> Any | None:
        return self.model if self._torch_activation is not None else None

    def torch_output_fn(self) -> Callable[[Any], Any]:
        """Differentiable tensor function ``[n, d] -> [n, K]`` in ``output_matrix`` space."""
        import torch

        if self._torch_activation is None:
            raise UnsupportedModelError("This model is not a PyTorch network, so it has no "
                                        "gradients to attribute.")
        module, activation = self.model, self._torch_activation

        def forward(x: Any) -> Any:
            out = module(x)
            if out.ndim == 1:
                out = out.reshape(-1, 1)
            if activation == "sigmoid":
                p = torch.sigmoid(out[:, :1])
                return torch.cat([1 - p, p], dim=1)
            if activation == "softmax":
                return torch.softmax(out, dim=1)
            return out

        return forward

    def _torch_forward_numpy(self, X: pd.DataFrame) -> np.ndarray:
        import torch

        fn = self.torch_output_fn()
        try:
            with torch.no_grad():
                out = fn(torch.as_tensor(X.to_numpy(dtype=np.float32)))
        except Exception as exc:  # noqa: BLE001 - user's module failed
            raise ModelError("The PyTorch model raised an error when asked for a prediction.",
                             detail=exception_detail(exc)) from exc
        return out.detach().cpu().numpy().astype(float)


def _has_one_hot(pre: Any) -> bool:
    from sklearn.preprocessing import OneHotEncoder

    seen = []

    def walk(obj: Any) -> None:
        seen.append(obj)
        for attr in ("steps", "transformers_"):
            for item in getattr(obj, attr, None) or []:
                walk(item[1])

    walk(pre)
    return any(isinstance(o, OneHotEncoder) for o in seen)


def _dense(matrix: Any) -> np.ndarray:
    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    return np.asarray(matrix)


def _call(fn: Callable[[pd.DataFrame], Any] | None, X: pd.DataFrame) -> np.ndarray:
    """Call the user's model, turning any exception into ``ModelError``."""
    if fn is None:
        raise UnsupportedModelError("The model cannot produce this kind of output.")
    try:
        return np.asarray(fn(X))
    except ExplainerError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure inside the user's model
        raise ModelError("The model raised an error when asked for a prediction.",
                         detail=exception_detail(exc)) from exc


def _one_hot_fn(label_fn: Callable, classes: tuple) -> Callable[[pd.DataFrame], np.ndarray]:
    """Hard 0/1 'probabilities' for label-only classifiers."""
    lookup = {c: i for i, c in enumerate(classes)}
    lookup.update({str(c): i for i, c in enumerate(classes)})

    def proba(frame: pd.DataFrame) -> np.ndarray:
        labels = np.asarray(label_fn(frame)).reshape(len(frame))
        out = np.zeros((len(frame), len(classes)))
        for row, label in enumerate(labels.tolist()):
            idx = lookup.get(label, lookup.get(str(label)))
            if idx is None:
                raise ModelError(f"The model predicted {label!r}, which is not a known class.")
            out[row, idx] = 1.0
        return out

    return proba


# ----------------------------------------------------------------------------- loading
def load_model(path: str | Path, *, trusted: bool = False) -> object:
    """Load a saved model: ``.skops`` safely; ``.joblib``/``.pkl`` only with ``trusted=True``.

    A skops file loads without ``trusted=True`` only when every type it names is one of skops'
    own safe types or on AskModel's reviewed list of model classes
    (``explainers.safe_skops.REVIEWED_SKOPS_TYPES``), in the role genuine models give it, and
    its trees pass a bounds check after loading. Anything else raises ``UntrustedFileError``
    naming the types, before any object in the file is constructed.
    """
    p = Path(path)
    if not p.exists():
        raise ExplainerError(f"There is no model file at {str(p)!r}.")
    suffix = p.suffix.lower()
    if suffix == ".skops":
        import skops.io as sio

        untrusted = safe_skops.untrusted_types(p)
        refused = safe_skops.refused_types(p, untrusted)
        if refused and not trusted:
            raise safe_skops.untrusted_message(p, refused)
        try:
            model = sio.load(p, trusted=list(untrusted) or None)
        except Exception as exc:  # noqa: BLE001 - skops refused or the file is corrupt
            raise ExplainerError(f"Could not load the model file {p.name!r}.") from exc
        if not trusted:
            safe_skops.check_loaded_model(model, p)
        return model
    if suffix in (".joblib", ".pkl", ".pickle", ".jbl"):
        if not trusted:
            raise UntrustedFileError(p)
        warnings.warn(
            f"Loading {str(p)!r} with joblib/pickle: such files can run arbitrary code. "
            "Only do this for files you trust; prefer skops.", UserWarning, stacklevel=2)
        import joblib

        try:
            return joblib.load(p)
        except Exception as exc:  # noqa: BLE001
            raise ExplainerError(f"Could not load the model file {p.name!r}.") from exc
    raise UnsupportedModelError(
        f"Unsupported model file type {suffix or '(none)'!r}; use .skops (preferred) or "
        ".joblib/.pkl with trusted=True.")
