"""Scores of the model on a selection of rows, by ``sklearn.metrics``; a score that is undefined
on the rows (one class only, no positive prediction) comes back as None with the reason.

``sklearn.metrics`` is imported where a score is computed: importing it takes a second, and
the command line and the parse path never score."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dialogue import results as r
from dialogue.errors import DialogueError
from dialogue.values import equal_values, same_value


def regression_metrics(truth: np.ndarray, preds: np.ndarray) -> tuple[r.MetricValue, ...]:
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    truth = truth.astype(float)
    preds = preds.astype(float)
    mae = float(mean_absolute_error(truth, preds))
    rmse = float(root_mean_squared_error(truth, preds))
    if len(truth) < 2 or float(np.ptp(truth)) == 0:
        r2 = r.MetricValue("r2", None, "the true values do not vary in this selection")
    else:
        r2 = r.MetricValue("r2", float(r2_score(truth, preds)))
    return (r.MetricValue("mae", mae), r.MetricValue("rmse", rmse), r2)


def classification_metric(name: str, truth: np.ndarray, preds: np.ndarray, proba: np.ndarray,
                          classes: Sequence[Any]) -> r.MetricValue:
    """One metric; binary metrics use the last class as the positive one, else macro averages."""
    if name == "accuracy":
        return r.MetricValue(name, float(equal_values(preds, truth, elementwise=True).mean()))
    k = len(classes)
    if name == "roc":
        present = [i for i, c in enumerate(classes) if equal_values(truth, c).any()]
        if len(present) < 2:
            return r.MetricValue(name, None, "only one class occurs in this selection")
        from sklearn.metrics import roc_auc_score

        index = np.array([next(i for i, c in enumerate(classes) if same_value(t, c))
                          for t in truth])
        if k == 2:
            return r.MetricValue(name, float(roc_auc_score(index == 1, proba[:, 1])))
        try:
            return r.MetricValue(name, float(roc_auc_score(
                index, proba, multi_class="ovr", labels=list(range(k)))))
        except ValueError:  # sklearn's reason is jargon; this is what it means here
            return r.MetricValue(name, None, "not every class occurs in this selection")
    targets = [classes[-1]] if k == 2 else list(classes)
    values = []
    reasons = []
    for positive in targets:
        value, reason = _one_vs_rest_metric(name, equal_values(truth, positive),
                                            equal_values(preds, positive))
        if value is None:
            reasons.append(reason)
        else:
            values.append(value)
    if not values:
        return r.MetricValue(name, None, reasons[0] if reasons else "undefined")
    return r.MetricValue(name, float(np.mean(values)))


# metric -> (sklearn function, whether it is taken on the negative class, why it can be undefined)
_CONFUSION_METRICS = {
    "recall": ("recall", False, "no row in this selection truly belongs to the positive class"),
    "sensitivity": ("recall", False,
                    "no row in this selection truly belongs to the positive class"),
    "precision": ("precision", False,
                  "the model predicts the positive class for none of these rows"),
    "ppv": ("precision", False, "the model predicts the positive class for none of these rows"),
    "specificity": ("recall", True,
                    "every row in this selection truly belongs to the positive class"),
    "npv": ("precision", True, "the model predicts the positive class for all of these rows"),
    "f1": ("f1", False, "there are no positive cases, predicted or true"),
}


def _one_vs_rest_metric(name: str, truth: np.ndarray, predicted: np.ndarray,
                        ) -> tuple[float | None, str]:
    """A metric of one class against the rest, by ``sklearn.metrics``; None with the reason
    when it is undefined on these rows (sklearn's zero division)."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    if name not in _CONFUSION_METRICS:
        raise DialogueError(f"I do not know the metric {name!r}. I can report accuracy, f1, roc "
                            "(AUC), precision, recall, sensitivity, specificity, ppv and npv.")
    kind, negative, why = _CONFUSION_METRICS[name]
    if negative:
        truth, predicted = ~truth, ~predicted
    score = {"recall": recall_score, "precision": precision_score, "f1": f1_score}[kind]
    value = float(score(truth, predicted, labels=[True], average="binary", pos_label=True,
                        zero_division=np.nan))
    return (None, why) if np.isnan(value) else (value, "")
