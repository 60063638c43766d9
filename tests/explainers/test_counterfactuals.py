"""Counterfactuals are real flips, honour every constraint, and stay within their time budget."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from explainers.adapter import ModelAdapter
from explainers.counterfactuals import CounterfactualSearch, find_counterfactuals
from explainers.errors import EmptySelectionError, ExplainerError, UnknownFeatureError
from explainers.results import CounterfactualResult


def _rows_as_frame(result: CounterfactualResult, like: pd.DataFrame) -> pd.DataFrame:
    if not result.found:
        return like.iloc[:0]
    frame = pd.DataFrame([cf.values for cf in result.counterfactuals]).reset_index(drop=True)
    return frame[list(like.columns)].astype(like.dtypes.to_dict())


def _assert_flips(result: CounterfactualResult, case) -> None:
    """Re-predict every counterfactual with the user's own model object, not the adapter."""
    if not result.found:
        return
    frame = _rows_as_frame(result, case.X)
    predicted = case.model.predict(frame)
    for cf, label in zip(result.counterfactuals, predicted, strict=True):
        assert label != result.original_output
        assert label == cf.new_output


def _assert_changes_match(result: CounterfactualResult) -> None:
    for cf in result.counterfactuals:
        changed = {c.feature for c in cf.changes}
        for feature, before in result.original.items():
            after = cf.values[feature]
            if feature in changed:
                assert after != before
            else:
                assert after == before


def test_binary_counterfactuals_flip_the_model_and_honour_constraints(binary_gb):
    search = CounterfactualSearch(binary_gb.adapter, binary_gb.X, seed=0)
    ranges = {"score": (0.0, 0.5)}
    found_any = False
    for row_id in binary_gb.X.index[:6]:
        row = binary_gb.X.loc[[row_id]]
        result = search.search(row, immutable=["age", "colour"], no_decrease=["income"],
                               permitted_range=ranges, total=3, time_limit=2.0)
        assert result.original_output == binary_gb.model.predict(row)[0]
        assert len(result.counterfactuals) <= 3
        _assert_flips(result, binary_gb)
        _assert_changes_match(result)
        for cf in result.counterfactuals:
            assert cf.values["age"] == row["age"].iloc[0]
            assert cf.values["colour"] == row["colour"].iloc[0]
            assert cf.values["income"] >= row["income"].iloc[0]
            for change in cf.changes:
                if change.feature == "score":
                    assert 0.0 <= change.after <= 0.5
        found_any |= result.found
    assert found_any


def test_results_are_sorted_deduplicated_and_not_padded_with_supersets(binary_gb):
    search = CounterfactualSearch(binary_gb.adapter, binary_gb.X, seed=0)
    for row_id in binary_gb.X.index[:5]:
        result = search.search(binary_gb.X.loc[[row_id]], total=3)
        sizes = [len(cf.changes) for cf in result.counterfactuals]
        assert sizes == sorted(sizes)
        keys = [frozenset((c.feature, c.after) for c in cf.changes)
                for cf in result.counterfactuals]
        assert len(set(keys)) == len(keys)
        for a in keys:  # a result that only adds changes to another result is redundant
            assert not any(b < a for b in keys)


def test_search_is_reproducible(binary_rf):
    row = binary_rf.X.iloc[[3]]
    first = find_counterfactuals(binary_rf.adapter, binary_rf.X, row, seed=1)
    second = find_counterfactuals(binary_rf.adapter, binary_rf.X, row, seed=1)
    as_tuples = [[(c.feature, c.after) for c in cf.changes] for cf in first.counterfactuals]
    assert as_tuples == [[(c.feature, c.after) for c in cf.changes]
                         for cf in second.counterfactuals]


def test_multiclass_default_seeks_any_other_class(multiclass_gb):
    search = CounterfactualSearch(multiclass_gb.adapter, multiclass_gb.X)
    row = multiclass_gb.X.iloc[[0]]
    result = search.search(row)
    assert result.found
    _assert_flips(result, multiclass_gb)
    others = set(multiclass_gb.adapter.classes) - {result.original_output}
    assert set(np.atleast_1d(result.target)) == others


def test_multiclass_desired_class_is_reached(multiclass_gb):
    search = CounterfactualSearch(multiclass_gb.adapter, multiclass_gb.X)
    row = multiclass_gb.X.iloc[[0]]
    current = multiclass_gb.model.predict(row)[0]
    wanted = next(c for c in multiclass_gb.adapter.classes if c != current)
    result = search.search(row, desired=wanted, time_limit=3.0)
    assert result.target == wanted
    assert result.found
    assert all(label == wanted for label in multiclass_gb.model.predict(
        _rows_as_frame(result, multiclass_gb.X)))


def test_regression_crosses_the_median_by_default(regression_gb):
    search = CounterfactualSearch(regression_gb.adapter, regression_gb.X)
    median = float(np.median(regression_gb.model.predict(regression_gb.X)))
    row = regression_gb.X.iloc[[0]]
    result = search.search(row)
    assert result.found
    before = regression_gb.model.predict(row)[0]
    after = regression_gb.model.predict(_rows_as_frame(result, regression_gb.X))
    assert np.all(after < median) if before >= median else np.all(after >= median)
    assert np.allclose(after, [cf.new_output for cf in result.counterfactuals])


def test_regression_desired_range(regression_gb):
    search = CounterfactualSearch(regression_gb.adapter, regression_gb.X)
    row = regression_gb.X.iloc[[1]]
    value = float(regression_gb.model.predict(row)[0])
    result = search.search(row, desired=(value + 10.0, None))
    assert result.found
    after = regression_gb.model.predict(_rows_as_frame(result, regression_gb.X))
    assert np.all(after >= value + 10.0)
    with pytest.raises(ExplainerError):
        search.search(row, desired=(value - 1.0, value + 1.0))


def test_time_limit_is_respected_for_a_slow_model(numeric_X):
    def slow_proba(frame: pd.DataFrame) -> np.ndarray:
        time.sleep(0.05)  # a slow model: 50 ms per call whatever the batch size
        p = 1.0 / (1.0 + np.exp(-4.0 * (frame["a"].to_numpy() * frame["b"].to_numpy() - 3.0)))
        return np.column_stack([1 - p, p])

    adapter = ModelAdapter.wrap(slow_proba, numeric_X)
    search = CounterfactualSearch(adapter, numeric_X, max_batch=50)
    row = numeric_X.iloc[[0]]
    started = time.perf_counter()
    result = search.search(row, time_limit=0.5)
    wall = time.perf_counter() - started
    assert result.elapsed <= 0.5 + 0.3
    assert wall <= 0.5 + 0.5


def test_none_found_when_only_the_deciding_feature_is_mutable_elsewhere(plain_callable):
    # the model depends on a and b only; freezing both leaves nothing that can flip it
    result = find_counterfactuals(plain_callable.adapter, plain_callable.X,
                                  plain_callable.X.iloc[[0]], immutable=["a", "b"],
                                  time_limit=1.0)
    assert not result.found
    assert result.counterfactuals == ()
    assert result.elapsed <= 1.5


def test_bad_requests_give_typed_errors(binary_gb):
    search = CounterfactualSearch(binary_gb.adapter, binary_gb.X)
    row = binary_gb.X.iloc[[0]]
    with pytest.raises(UnknownFeatureError):
        search.search(row, immutable=["shoe_size"])
    with pytest.raises(UnknownFeatureError):
        search.search(row, permitted_range={"shoe_size": (1, 2)})
    with pytest.raises(ExplainerError):
        search.search(binary_gb.X.iloc[:2])
    with pytest.raises(EmptySelectionError):
        search.search(binary_gb.X.iloc[:0])
    with pytest.raises(ExplainerError):
        search.search(row, desired=binary_gb.model.predict(row)[0])
    with pytest.raises(ExplainerError):
        search.search(row, desired="no-such-class")
    with pytest.raises(ExplainerError):
        search.search(row, no_decrease=["colour"])
    with pytest.raises(ExplainerError):
        search.search(row, permitted_range={"income": (10, 5)})


def test_one_counterfactual_is_fast(binary_gb):
    search = CounterfactualSearch(binary_gb.adapter, binary_gb.X)
    result = search.search(binary_gb.X.iloc[[4]], total=1, time_limit=2.0)
    assert result.found
    assert result.elapsed < 2.0


def test_torch_network_counterfactuals_are_verified(torch_mlp):
    import torch

    search = CounterfactualSearch(torch_mlp.adapter, torch_mlp.X)
    row = torch_mlp.X.iloc[[0]]
    result = search.search(row, immutable=["d"])
    assert result.found
    frame = _rows_as_frame(result, torch_mlp.X)
    with torch.no_grad():
        logits = torch_mlp.model(torch.tensor(frame.to_numpy(np.float32)))
    assert np.all(logits.argmax(1).numpy() != result.original_output)
    assert np.all(frame["d"] == row["d"].iloc[0])
