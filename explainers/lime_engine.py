"""LIME explanations for tabular models, seeded, category-aware and with a measured stability.

LIME fits a small weighted linear model around one row from random perturbations, so two runs can
disagree; users complained about exactly that. We therefore (1) seed every row's run so answers are
reproducible and independent of which other rows are explained with it, and (2) report how stable
the top features are: the same rows are re-explained with several other seeds and the mean overlap
of their top-3 feature sets is returned as ``Attribution.stability``.

``lime`` works on numeric arrays, so raw categorical columns (strings, booleans, and numeric 0/1
flags) are label-encoded for it and declared as ``categorical_features`` with their
``categorical_names``; perturbed samples are decoded back to a raw DataFrame with the original
dtypes before the model adapter sees them, so pipelines with their own encoders work unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from explainers.adapter import ModelAdapter
from explainers.errors import (
    EmptySelectionError,
    ExplainerError,
    UnknownFeatureError,
    UnsupportedModelError,
)
from explainers.results import Attribution

if TYPE_CHECKING:  # pragma: no cover
    from lime.lime_tabular import LimeTabularExplainer

METHOD = "lime"


@dataclass(frozen=True)
class _Column:
    """How one raw column is represented for LIME: category codes or plain numbers."""

    name: str
    dtype: object
    categories: tuple | None  # None for numeric columns
    integer: bool
    fill: object  # value used for missing entries in the reference data


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _column(name: str, series: pd.Series, categorical: bool) -> _Column:
    observed = series.dropna()
    if len(observed) == 0:  # empty in every row: nothing to perturb, rows keep it missing
        return _Column(name, series.dtype, (np.nan,), False, np.nan)
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if numeric and not categorical and observed.nunique() > 2:
        fill = float(observed.median()) if len(observed) else 0.0
        return _Column(name, series.dtype, None, pd.api.types.is_integer_dtype(series), fill)
    values = pd.unique(observed)
    try:
        values = np.sort(values)
    except TypeError:
        pass
    fill = observed.mode().iloc[0] if len(observed) else (values[0] if len(values) else 0)
    return _Column(name, series.dtype, tuple(values), False, fill)


class _Drawn(Exception):
    """Raised inside LIME's predict hook once the perturbed samples have been captured."""


# lime 0.2 draws samples in the private LimeTabularExplainer.__data_inverse; shadowing it on the
# instance lets one draw be predicted in a batch and then reused instead of drawn again.
_DRAW_ATTR = "_LimeTabularExplainer__data_inverse"


@contextmanager
def _record_draw(explainer: LimeTabularExplainer, sink: list) -> Iterator[None]:
    original = getattr(explainer, _DRAW_ATTR)

    def record(row: np.ndarray, num_samples: int) -> tuple[np.ndarray, np.ndarray]:
        result = original(row, num_samples)
        sink.append(result)
        return result

    setattr(explainer, _DRAW_ATTR, record)
    try:
        yield
    finally:
        delattr(explainer, _DRAW_ATTR)


@contextmanager
def _reuse_draw(explainer: LimeTabularExplainer,
                draw: tuple[np.ndarray, np.ndarray]) -> Iterator[None]:
    setattr(explainer, _DRAW_ATTR, lambda row, num_samples: (draw[0].copy(), draw[1].copy()))
    try:
        yield
    finally:
        delattr(explainer, _DRAW_ATTR)


def _overlap(a: set, b: set, k: int) -> float:
    return len(a & b) / k if k else 1.0


class LimeEngine:
    """LIME over one model and reference data; the reference encoding is computed once."""

    def __init__(self, adapter: ModelAdapter, data: pd.DataFrame, *, seed: int = 0,
                 max_background: int = 5000, jobs_per_batch: int = 32) -> None:
        missing = [f for f in adapter.feature_names if f not in data.columns]
        if missing:
            raise UnknownFeatureError(missing[0], tuple(data.columns))
        if len(data) == 0:
            raise EmptySelectionError("LIME needs reference data, but none was given.")
        self.adapter = adapter
        self.seed = seed
        self.jobs_per_batch = max(1, jobs_per_batch)
        names = list(adapter.feature_names)
        data = data[names]
        if len(data) > max_background:
            data = data.sample(max_background, random_state=seed)
        self.data = data
        categorical = set(adapter.categorical_features)
        self.columns = tuple(_column(n, data[n], n in categorical) for n in names)
        self._encoded_background = self._encode(data, self.columns)
        self._base_cache: dict[object, float] = {}

    # ----------------------------------------------------------------------------- encoding
    def _columns_for(self, rows: pd.DataFrame) -> tuple[_Column, ...]:
        """The reference encoding, extended with categories that only appear in ``rows``."""
        out = []
        for col in self.columns:
            if col.categories is None:
                out.append(col)
                continue
            extra = [v for v in pd.unique(rows[col.name])
                     if not _is_missing(v) and v not in col.categories]
            out.append(col if not extra else _Column(col.name, col.dtype,
                                                     col.categories + tuple(extra), False,
                                                     col.fill))
        return tuple(out)

    @staticmethod
    def _encode(frame: pd.DataFrame, columns: Sequence[_Column]) -> np.ndarray:
        out = np.empty((len(frame), len(columns)), dtype=float)
        for j, col in enumerate(columns):
            series = frame[col.name]
            if col.categories is None:
                out[:, j] = pd.to_numeric(series, errors="coerce").fillna(col.fill).to_numpy(float)
            else:
                lookup = {v: i for i, v in enumerate(col.categories)}
                fill_code = lookup.get(col.fill, 0)
                out[:, j] = [fill_code if _is_missing(v) else lookup.get(v, fill_code)
                             for v in series]
        return out

    @staticmethod
    def _decode(array: np.ndarray, columns: Sequence[_Column]) -> pd.DataFrame:
        data = {}
        for j, col in enumerate(columns):
            values = array[:, j]
            if col.categories is not None:
                codes = np.clip(np.rint(values).astype(int), 0, len(col.categories) - 1)
                raw = np.asarray(col.categories, dtype=object)[codes]
                series = pd.Series(raw)
            elif col.integer:
                series = pd.Series(np.rint(values))
            else:
                series = pd.Series(values)
            try:
                series = series.astype(col.dtype)
            except (TypeError, ValueError):
                pass
            data[col.name] = series
        return pd.DataFrame(data)

    # ----------------------------------------------------------------------------- model output
    def _output_fn(self, columns: Sequence[_Column]):
        classification = self.adapter.task == "classification"

        def predict(array: np.ndarray) -> np.ndarray:
            frame = self._decode(np.atleast_2d(array), columns)
            if classification:
                return np.asarray(self.adapter.predict_proba(frame), dtype=float)
            return np.asarray(self.adapter.predict(frame), dtype=float).reshape(-1)

        return predict

    def _base_value(self, label_index: int | None) -> float:
        """Mean explained output over the reference data (LIME's own intercepts vary by row)."""
        if label_index not in self._base_cache:
            sample = self.data.sample(min(len(self.data), 1000), random_state=self.seed)
            if label_index is None:
                value = float(np.mean(np.asarray(self.adapter.predict(sample), dtype=float)))
            else:
                proba = np.asarray(self.adapter.predict_proba(sample), dtype=float)
                value = float(proba[:, label_index].mean())
            self._base_cache[label_index] = value
        return self._base_cache[label_index]

    # ----------------------------------------------------------------------------- explain
    def explain(self, rows: pd.DataFrame, *, num_samples: int = 1000,
                num_features: int | None = None, stability_runs: int = 5,
                stability_rows: int = 3, top_k: int = 3,
                class_label: object = None) -> Attribution:
        """LIME attributions for ``rows`` (raw feature columns; index = row ids).

        Classification explains the predicted class for a single row and the positive class
        (``classes[-1]``) for several rows, unless ``class_label`` is given; regression explains the
        predicted value. ``stability`` is the mean pairwise top-``top_k`` overlap over
        ``stability_runs`` seeds, measured on the first ``stability_rows`` rows.
        """
        if not isinstance(rows, pd.DataFrame) or len(rows) == 0:
            raise EmptySelectionError()
        missing = [f for f in self.adapter.feature_names if f not in rows.columns]
        if missing:
            raise UnknownFeatureError(missing[0], tuple(rows.columns))
        if num_samples < 10:
            raise ExplainerError("LIME needs at least 10 samples per row.")
        rows = rows[list(self.adapter.feature_names)]
        n_features = len(self.columns)
        num_features = n_features if num_features is None else max(1, min(num_features,
                                                                            n_features))
        label_index, label = self._label(rows, class_label)
        columns = self._columns_for(rows)
        explainer = self._explainer(columns, num_features)
        predict = self._output_fn(columns)
        encoded = self._encode(rows, columns)

        jobs = [(i, self.seed) for i in range(len(rows))]
        if stability_runs > 1:
            jobs += [(i, self.seed + 1000 * r) for i in range(min(stability_rows, len(rows)))
                     for r in range(1, stability_runs)]
        runs: dict[tuple[int, int], tuple[np.ndarray, float]] = {}
        for start in range(0, len(jobs), self.jobs_per_batch):
            chunk = jobs[start:start + self.jobs_per_batch]
            runs.update(zip(chunk, self._run_batch(explainer, predict, encoded, chunk,
                                                   label_index, num_samples, num_features),
                            strict=True))
        values = np.vstack([runs[(i, self.seed)][0] for i in range(len(rows))])
        outputs = np.array([runs[(i, self.seed)][1] for i in range(len(rows))])

        stability = None
        if stability_runs > 1 and stability_rows > 0:
            k = min(top_k, n_features)
            scores = []
            for i in range(min(stability_rows, len(rows))):
                tops = [self._top(runs[(i, self.seed + 1000 * r)][0], k)
                        for r in range(stability_runs)]
                scores += [_overlap(a, b, k) for a, b in combinations(tops, 2)]
            stability = float(np.mean(scores))

        output_name = self.adapter.output_name(label_index)
        return Attribution(
            method=METHOD, feature_names=tuple(self.adapter.feature_names), values=values,
            base_value=self._base_value(label_index), output=outputs, output_name=output_name,
            class_label=label, row_ids=tuple(rows.index), stability=stability)

    def _label(self, rows: pd.DataFrame, class_label: object) -> tuple[int | None, object]:
        """Class explained: as the adapter defines it for SHAP too, unless one is asked for."""
        if self.adapter.task != "classification":
            return None, None
        if not self.adapter.classes:
            raise UnsupportedModelError("The model reports no classes to explain.")
        if class_label is None:
            index = self.adapter.explained_class_index(rows)
        else:
            index = self.adapter.class_index(class_label)
        return index, self.adapter.classes[index]

    def _explainer(self, columns: Sequence[_Column], num_features: int) -> LimeTabularExplainer:
        """A fresh explainer per call keeps concurrent calls from sharing random state."""
        categorical = [j for j, c in enumerate(columns) if c.categories is not None]
        names = {j: [str(v) for v in columns[j].categories] for j in categorical}
        # lime imports scikit-learn (most of a second): loaded with the first LIME answer
        from lime.lime_tabular import LimeTabularExplainer

        return LimeTabularExplainer(
            self._encoded_background,
            mode="classification" if self.adapter.task == "classification" else "regression",
            feature_names=list(self.adapter.feature_names),
            categorical_features=categorical, categorical_names=names,
            discretize_continuous=True, random_state=self.seed,
            # one ridge fit on every feature; lime's forward selection costs seconds per row
            feature_selection="none" if num_features >= len(columns) else "highest_weights")

    def _run_batch(self, explainer: LimeTabularExplainer, predict, encoded: np.ndarray,
                   jobs: Sequence[tuple[int, int]], label_index: int | None, num_samples: int,
                   num_features: int) -> list[tuple[np.ndarray, float]]:
        """Seeded LIME runs sharing one model call.

        Calling a pipeline costs far more per call than per row, so we first let LIME draw each
        run's perturbations (stopping it before it predicts), predict all of them at once, then
        let LIME fit each run on its stored samples and predictions.
        """
        draws = [self._draw(explainer, encoded[i], seed, label_index, num_samples,
                            num_features) for i, seed in jobs]
        outputs = predict(np.vstack([inverse for _, inverse in draws]))
        bounds = np.cumsum([0] + [len(inverse) for _, inverse in draws])
        results = []
        for k, (i, seed) in enumerate(jobs):
            stored = outputs[bounds[k]:bounds[k + 1]]
            expected = draws[k][1]

            def replay(array: np.ndarray, stored=stored, expected=expected) -> np.ndarray:
                if array.shape == expected.shape and np.array_equal(array, expected):
                    return stored
                return predict(array)  # never expected; stay correct regardless

            with _reuse_draw(explainer, draws[k]):
                results.append(self._run(explainer, replay, encoded[i], seed, label_index,
                                         num_samples, num_features))
        return results

    @staticmethod
    def _seed(explainer: LimeTabularExplainer, seed: int) -> None:
        state = np.random.RandomState(seed)
        explainer.random_state = state
        explainer.base.random_state = state
        if explainer.discretizer is not None:
            explainer.discretizer.random_state = state

    @classmethod
    def _draw(cls, explainer: LimeTabularExplainer, row: np.ndarray, seed: int,
              label_index: int | None, num_samples: int,
              num_features: int) -> tuple[np.ndarray, np.ndarray]:
        """The (binary, raw) perturbed samples LIME draws for this row and seed."""
        drawn: list[tuple[np.ndarray, np.ndarray]] = []

        def capture(array: np.ndarray) -> np.ndarray:
            raise _Drawn

        cls._seed(explainer, seed)
        with _record_draw(explainer, drawn):
            try:
                explainer.explain_instance(row, capture,
                                           labels=(cls._lime_label(label_index),),
                                           num_features=num_features, num_samples=num_samples)
            except _Drawn:
                pass
        return drawn[0]

    @staticmethod
    def _lime_label(label_index: int | None) -> int:
        return 1 if label_index is None else label_index  # lime files regression under 1

    @classmethod
    def _run(cls, explainer: LimeTabularExplainer, predict, row: np.ndarray, seed: int,
             label_index: int | None, num_samples: int,
             num_features: int) -> tuple[np.ndarray, float]:
        """One seeded LIME run: (weights for every feature, model output at the row)."""
        cls._seed(explainer, seed)
        label = cls._lime_label(label_index)
        exp = explainer.explain_instance(row, predict, labels=(label,),
                                         num_features=num_features, num_samples=num_samples)
        weights = np.zeros(row.shape[0])
        for j, w in exp.local_exp[label]:
            weights[j] = w
        if label_index is None:
            output = float(exp.predicted_value)
        else:
            output = float(exp.predict_proba[label_index])
        if not math.isfinite(output):
            raise ExplainerError("The model returned a missing value for this row.")
        return weights, output

    @staticmethod
    def _top(weights: np.ndarray, k: int) -> set[int]:
        return set(np.argsort(-np.abs(weights), kind="stable")[:k].tolist())


def lime_attribution(adapter: ModelAdapter, data: pd.DataFrame, rows: pd.DataFrame, *,
                     num_samples: int = 1000, seed: int = 0, **kwargs) -> Attribution:
    """One-off convenience wrapper around :class:`LimeEngine`."""
    return LimeEngine(adapter, data, seed=seed).explain(rows, num_samples=num_samples, **kwargs)
