"""Integrated gradients: complete (attributions add up), correct output, torch models only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explainers.adapter import ModelAdapter
from explainers.errors import UnsupportedModelError
from explainers.gradients import IntegratedGradientsEngine, integrated_gradients


def test_attributions_add_up_to_the_change_from_the_mean_row(torch_mlp):
    rows = torch_mlp.X.iloc[:20]
    att = IntegratedGradientsEngine(torch_mlp.adapter, torch_mlp.X).explain(rows)
    assert att.method == "integrated-gradients"
    assert att.values.shape == (20, 4)
    np.testing.assert_allclose(att.values.sum(axis=1) + att.base_value, att.output, atol=1e-2)


def test_explains_the_predicted_class_probability_for_one_row(torch_mlp):
    import torch

    row = torch_mlp.X.iloc[[7]]
    att = integrated_gradients(torch_mlp.adapter, torch_mlp.X, row)
    with torch.no_grad():
        proba = torch.softmax(torch_mlp.model(torch.tensor(row.to_numpy(np.float32))), 1)[0]
    predicted = int(proba.argmax())
    assert att.class_label == torch_mlp.adapter.classes[predicted]
    assert att.output[0] == pytest.approx(float(proba[predicted]), abs=1e-5)


def test_a_feature_the_network_ignores_gets_no_credit(numeric_X):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        net[0].weight[:, 3] = 0.0  # feature "d" cannot influence the output
    adapter = ModelAdapter.wrap(net, numeric_X, task="regression")
    rows = numeric_X.iloc[:10]
    att = IntegratedGradientsEngine(adapter, numeric_X).explain(rows)
    assert att.class_label is None
    assert np.allclose(att.values[:, 3], 0.0)
    assert np.abs(att.values[:, :3]).sum() > 0
    np.testing.assert_allclose(att.values.sum(axis=1) + att.base_value, att.output, atol=1e-3)


def test_non_differentiable_models_are_refused(binary_gb, plain_callable):
    for case in (binary_gb, plain_callable):
        with pytest.raises(UnsupportedModelError):
            IntegratedGradientsEngine(case.adapter, case.X)


def test_baseline_is_the_feature_means(torch_mlp):
    engine = IntegratedGradientsEngine(torch_mlp.adapter, torch_mlp.X)
    np.testing.assert_allclose(engine.baseline, torch_mlp.X.mean().to_numpy(), rtol=1e-5)
    assert isinstance(torch_mlp.X, pd.DataFrame)
