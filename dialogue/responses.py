"""Typed results -> Markdown prose, and programs -> plain words ("how I understood you").

Every number written here comes from a result object; this module only formats. Sentences are
aimed at a lay reader (a nurse, a loan officer), so method names stay in the background.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dialogue import results as r
from dialogue.numbers import fmt, fmt_pair, pct, points, value_text
from dialogue.workspace import Workspace
from grammar import describe
from grammar import program as p
from grammar.describe import METRIC_NAMES

METRIC_MEANING = {
    "accuracy": "the share of {noun} it classifies correctly",
    "f1": "a balance of precision and recall for {pos}, from 0 to 1",
    "roc": "how well its probabilities rank {pos} above the rest; 0.5 is guessing, 1 is perfect",
    "precision": "of the {noun} it predicts as {pos}, the share that truly are {pos}",
    "ppv": "of the {noun} it predicts as {pos}, the share that truly are {pos}",
    "recall": "of the {noun} whose true class is {pos}, the share it finds",
    "sensitivity": "of the {noun} whose true class is {pos}, the share it finds",
    "specificity": "of the {noun} who are not {pos}, the share it correctly clears",
    "npv": "of the {noun} it predicts as not {pos}, the share that really are not",
}


# ---------------------------------------------------------------------- number words
def with_unit(ws: Workspace, feature: str, text: str) -> str:
    """'136.5' -> '136.5 px' when the feature description file gives the feature a unit."""
    unit = (getattr(ws, "units", None) or {}).get(feature)
    return f"{text} {unit}" if unit else text


RATE_METRICS = {"accuracy", "precision", "recall", "sensitivity", "specificity", "ppv", "npv"}


def rate(share: float) -> str:
    """A metric that is a share, as a percentage with one decimal: 0.9775 -> '97.8%'.

    Scores are compared and checked against other tools, so they keep one more digit than the
    rounder shares of rows that :func:`pct` writes."""
    text = f"{float(share) * 100:.1f}"
    if text == "100.0" and share < 1:
        text = "99.9"
    if text == "0.0" and share > 0:
        text = "0.1"
    return text.removesuffix(".0") + "%"


def score(value: float) -> str:
    """A score between 0 and 1 (AUC, F1, R²) with 3 decimals: 0.9958 -> '0.996', never '1'.

    A value that only rounds to 1 (or 0) keeps more decimals, so an imperfect score never reads
    as perfect; only an exact 1 or 0 is written '1.000' / '0.000'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    value = float(value)
    text = f"{value:.3f}"
    for decimals in (3, 4, 5):
        text = f"{value:.{decimals}f}"
        if value in (0.0, 1.0) or float(text) not in (0.0, 1.0, -1.0):
            return text
    return text


def ids_text(ids: Sequence[Any], limit: int = 5) -> str:
    """'1, 2 and 3' / '1, 2, 3, 5, 7 and 116 more' (no trailing dots to clash with a period)."""
    shown = [str(i) for i in ids[:limit]]
    rest = len(ids) - len(shown)
    if rest > 0:
        return ", ".join(shown) + f" and {fmt(rest)} more"
    if len(shown) > 1:
        return ", ".join(shown[:-1]) + " and " + shown[-1]
    return "".join(shown)


def plural(ws: Workspace, n: int) -> str:
    return f"{fmt(n)} {ws.noun(n)}"


def outcome_word(ws: Workspace) -> str:
    """What a class is called in a sentence: the target's name ('diagnosis'), or 'outcome' when
    the class names already say it ('heart disease' / 'no heart disease' for heart_disease)."""
    words = str(ws.target).replace("_", " ").strip()
    if ws.task != "classification":
        return words
    labels = [str(ws.class_name(c)).lower() for c in ws.schema.raw_class_labels]
    if "_" in str(ws.target) or any(words.lower() in label for label in labels):
        return "outcome"
    return words


# ---------------------------------------------------------------------- plain words for programs
def feature_label(ws: Workspace, name: str) -> str:
    """The dataset's spelling of a feature written in a program."""
    try:
        return ws.schema.feature(name).name
    except KeyError:
        return name


class _WorkspaceNames:
    """The workspace's names for the shared describer: the user's class names, the row noun,
    and the answers' number format."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.target = ws.target

    def feature(self, name: str) -> str:
        return feature_label(self.ws, name)

    def class_label(self, label: str) -> str:
        try:
            return self.ws.class_name(self.ws.raw_class(label))
        except KeyError:
            return str(label)

    def outcome(self) -> str:
        return outcome_word(self.ws)

    def noun(self, count: int = 2) -> str:
        return self.ws.noun(count)

    def number(self, value: object) -> str:
        return fmt(value)

    def metric(self, token: str) -> str:
        return METRIC_NAMES.get(token, token)


def filter_words(ws: Workspace, clause: p.Clause) -> str:
    return describe.filter_words(_WorkspaceNames(ws), clause)


def change_words(ws: Workspace, clause: p.Clause) -> str:
    return describe.change_words(_WorkspaceNames(ws), clause)


def operation_words(ws: Workspace, op: p.Clause) -> str:
    return describe.operation_words(_WorkspaceNames(ws), op)


def reading(ws: Workspace, program: p.Program, *, followup_of: p.Program | None = None,
            previous_operations: Sequence[p.Clause] = ()) -> describe.Reading:
    """How a program was understood, in plain words (``previousoperation`` spelled out)."""
    return describe.reading(_WorkspaceNames(ws), program, followup_of=followup_of,
                            previous_operations=previous_operations)



def context_words(ws: Workspace, program: p.Program | None) -> str | None:
    """The rows a (resolved) program is about, with its what-ifs, as a phrase that follows
    "for": "patient 1", "patients with mean radius above 17.5", "patient 3 if mean radius is set
    to 20"; None when it is about every row and changes nothing."""
    if program is None:
        return None
    names = _WorkspaceNames(ws)
    who = describe.selection_words(names, program)
    changes = [describe.change_words(names, c) for c in program.changes]
    if who is None and not changes:
        return None
    phrase = who if who is not None else f"all {ws.noun()}"
    if phrase[:1].isupper() and phrase[1:2].islower():
        phrase = phrase[:1].lower() + phrase[1:]
    if changes:
        phrase += " if " + " and ".join(changes)
    return phrase


def offer_question(ws: Workspace, offer: p.Program) -> str:
    """'Would you like to know why the model predicts this?'"""
    op = offer.operations[-1]
    match op:
        case p.Explain("cfe"):
            return "Would you like to see what would have to change to flip this prediction?"
        case p.Explain():
            lead = "know why the model predicts this"
            if offer.changes:
                lead = "know why the model predicts this after the change"
            return f"Would you like to {lead}?"
        case p.Likelihood():
            return "Would you like to see how sure the model is?"
        case p.Predict():
            return "Would you like to see the model's prediction here?"
        case p.Interact():
            return "Would you like to see which features work together most strongly here?"
        case p.Dependence(name):
            return (f"Would you like to see how the prediction moves as {feature_label(ws, name)}"
                    " changes?")
        case p.Statistic(name) if name is not None:
            return f"Would you like to see how {feature_label(ws, name)} is spread here?"
        case p.ImportantFeature(name):
            return f"Would you like to know how much the model relies on {feature_label(ws, name)}?"
        case p.ImportantAll():
            return "Would you like to see all features ranked by importance?"
        case p.ImportantTopK(k):
            return f"Would you like to see the {fmt(k)} features that matter most to the model?"
        case p.Mistake("sample") if ws.task != "classification":
            return "Would you like to see the model's biggest misses here?"
        case p.Mistake("sample"):
            return f"Would you like to see a few of these misclassified {ws.noun()}?"
        case p.Mistake("typical"):
            return "Would you like to see what the model's mistakes have in common?"
        case p.Score("f1"):
            return "Would you also like to see the F1 score?"
        case p.Score():
            return "Would you like to see how well the model does overall?"
        case p.Function():
            return "Would you like to hear what I can do?"
        case p.DataSummary():
            return "Would you like a short tour of the data?"
    return f"Would you like to see {operation_words(ws, op)}?"


# ---------------------------------------------------------------------- empty selections
def describe_no_match(ws: Workspace, log: Sequence[tuple[p.Clause, int]], data: pd.DataFrame) -> str:
    """Why nothing was selected: the filter that matches nothing, with the feature's range."""
    nouns = ws.noun()
    for clause, count in log:
        if count:
            continue
        sentence = f"No {nouns} have {_filter_sentence(ws, clause)}."
        if isinstance(clause, p.SplitFilter):
            sentence = f"None of the {nouns} here are {_filter_sentence(ws, clause)}."
        name = getattr(clause, "feature", None)
        if name and ws.schema.has_feature(name):
            feature = ws.schema.feature(name)
            if feature.kind == "numeric":
                column = pd.to_numeric(data[feature.name], errors="coerce")
                sentence += (f" In the data, {feature.name} ranges from "
                             f"{fmt(float(column.min()))} to {fmt(float(column.max()))}.")
            elif feature.kind == "categorical":
                sentence += f" Its values are {', '.join(feature.values)}."
        if isinstance(clause, p.PreviousFilter):
            sentence = f"The previous selection was empty, so there are no {nouns} to use."
        return sentence + " Try a different value."
    parts = [f"{_filter_sentence(ws, c)} ({plural(ws, n)})" for c, n in log
             if not isinstance(c, p.PreviousFilter)]
    if any(isinstance(c, p.PreviousFilter) for c, _ in log):
        parts.insert(0, f"the previous selection ({plural(ws, _count_prev(log))})")
    return (f"No {nouns} match all of these together: " + "; ".join(parts)
            + ". Each matches some on its own, but none match every condition. "
            "Try loosening one of them.")


def _count_prev(log: Sequence[tuple[p.Clause, int]]) -> int:
    return next((n for c, n in log if isinstance(c, p.PreviousFilter)), 0)


def _filter_sentence(ws: Workspace, clause: p.Clause) -> str:
    """A filter inside a sentence: comparisons in words ("greater than"), the rest as listed."""
    if isinstance(clause, p.NumericFilter):
        return (f"{feature_label(ws, clause.feature)} {p.COMPARISON_KINDS[clause.comparison].sentence} "
                f"{fmt(clause.value)}")
    if isinstance(clause, p.SplitFilter):
        return f"{ws.noun()} {describe.SPLIT_WORDS[clause.kind]}"
    return filter_words(ws, clause)


# ---------------------------------------------------------------------- results -> prose
def who(ws: Workspace, selection: r.Selection, *, capital: bool = True) -> str:
    """'Patient 12' / 'These 57 patients' / 'All 400 patients'."""
    if selection.single:
        text = f"{ws.noun(1)} {selection.row_ids[0]}"
    elif selection.filtered and selection.n < selection.total:
        text = f"these {plural(ws, selection.n)}"
    else:
        text = f"all {plural(ws, selection.n)}"
    return text[:1].upper() + text[1:] if capital else text


UNKNOWN_SPLIT_CAVEAT = (
    "These rows may include the ones the model was trained on, so this may overstate how it does "
    "on new cases (load a split column or a test file to measure it on held-out rows).")


def evaluation_words(ws: Workspace, selection: r.Selection, scope: r.Scope | None) -> str:
    """The rows a score was measured on, honestly: 'the 285 patients it was not trained on',
    'the 284 patients it was trained on', 'all 569 patients (284 of them used to train it)'."""
    if scope is None or scope.kind == "unknown":
        return who(ws, selection, capital=False)
    n = selection.n
    if selection.single:
        row = f"{ws.noun(1)} {selection.row_ids[0]}"
        if scope.kind == "heldout":
            return f"{row} (not in its training data)"
        if scope.kind == "training-only":
            return (f"{row} (used to train it, so this overstates how it does on new "
                    f"{ws.noun()})")
        return f"{row} ({'one it was trained on' if scope.n_trained else 'not in its training data'})"
    if scope.kind == "heldout":
        if not scope.filtered:
            return f"the {plural(ws, n)} it was not trained on"
        if scope.n_selected > n:
            return f"the {fmt(n)} of these {plural(ws, scope.n_selected)} that it was not trained on"
        return f"these {plural(ws, n)} (none of them used to train it)"
    if scope.kind == "training":
        if not scope.filtered:
            return f"the {plural(ws, n)} it was trained on"
        return f"these {plural(ws, n)} (all of them used to train it)"
    if scope.kind == "all":
        return f"{who(ws, selection, capital=False)} ({fmt(scope.n_trained)} of them used to train it)"
    return (f"{who(ws, selection, capital=False)} (all of them used to train it, so this "
            f"overstates how it does on new {ws.noun()})")


def evaluation_note(ws: Workspace, scope: r.Scope | None, *, hint: bool = False) -> str:
    """What a reader must know about the rows a score was measured on ('' when nothing)."""
    if scope is None:
        return ""
    if scope.kind == "unknown":
        return " " + UNKNOWN_SPLIT_CAVEAT
    if scope.kind == "heldout" and hint and not scope.asked and scope.n_selected > 1:
        return " (Ask about “all rows” or “the training data” to include the others.)"
    return ""


def _changed_clause(ws: Workspace, selection: r.Selection) -> str:
    return " and ".join(change_words(ws, change) for change in selection.changed)


def render(ws: Workspace, result: r.Result) -> str:
    """Markdown prose for one result."""
    renderer = _RENDERERS.get(type(result))
    if renderer is None:
        return str(result)
    return renderer(ws, result)


def _count(ws: Workspace, res: r.CountResult) -> str:
    s = res.selection
    if not s.filtered:
        return f"There are {plural(ws, s.n)} in the data."
    if s.single:
        return f"That is 1 {ws.noun(1)} ({ws.noun(1)} {s.row_ids[0]}), out of {fmt(s.total)}."
    return (f"{fmt(s.n)} of the {plural(ws, s.total)} match ({pct(s.n / s.total)}): "
            f"{ws.noun(2)} {ids_text(s.row_ids, 5)}.")


def _counts_sentence(ws: Workspace, counts: Sequence[r.ClassCount], total: int,
                     with_examples: bool = True) -> str:
    parts = []
    for c in counts:
        if not c.count:
            continue
        text = f"**{ws.class_name(c.label)}** for {fmt(c.count)} ({pct(c.count / total)})"
        if with_examples and c.examples:
            text += f", e.g. {ws.noun(2 if c.count > 1 else 1)} {ids_text(c.examples, 3)}"
        parts.append(text)
    return "; ".join(parts)


def _predict(ws: Workspace, res: r.PredictionResult) -> str:
    s = res.selection
    if ws.task != "classification":
        if s.single:
            text = (f"The model predicts a {ws.target} of **{fmt(res.single_value)}** for "
                    f"{who(ws, s, capital=False)}.")
            if res.before_single_value is not None:
                text = (f"For {who(ws, s, capital=False)}, the model predicts a {ws.target} of "
                        f"**{fmt(res.before_single_value)}** now; with {_changed_clause(ws, s)} it "
                        f"would predict **{fmt(res.single_value)}**.")
            return text
        text = (f"For {who(ws, s, capital=False)}, the model predicts {ws.target} between "
                f"{fmt(res.value_min)} and {fmt(res.value_max)}, {fmt(res.value_mean)} on average.")
        if res.before_value_mean is not None:
            text += (f" Without the change ({_changed_clause(ws, s)}) the average prediction is "
                     f"{fmt(res.before_value_mean)}.")
        return text
    if s.single:
        label = ws.class_name(res.single_value)
        if res.before_single_value is not None:
            before = ws.class_name(res.before_single_value)
            if before == label:
                return (f"For {who(ws, s, capital=False)}, the model predicts **{before}**. With "
                        f"{_changed_clause(ws, s)}, the prediction stays **{label}**.")
            return (f"For {who(ws, s, capital=False)}, the model predicts **{before}**. With "
                    f"{_changed_clause(ws, s)}, it would predict **{label}** instead.")
        return f"The model predicts **{label}** for {who(ws, s, capital=False)}."
    text = f"For {who(ws, s, capital=False)}, the model predicts " + _counts_sentence(
        ws, res.counts, s.n) + "."
    only = [c for c in res.counts if c.count]
    if len(only) == 1:
        text = (f"For {who(ws, s, capital=False)}, the model predicts "
                f"**{ws.class_name(only[0].label)}** for all {fmt(s.n)}"
                + (f" (e.g. {ws.noun(2)} {ids_text(only[0].examples, 3)})."
                   if only[0].examples else "."))
    if res.before_counts is not None:
        text = (f"For {who(ws, s, capital=False)}, the model currently predicts "
                + _counts_sentence(ws, res.before_counts, s.n, with_examples=False) + ". "
                f"With {_changed_clause(ws, s)}, it would predict "
                + _counts_sentence(ws, res.counts, s.n, with_examples=False) + ". "
                f"That changes the prediction for {fmt(res.n_flipped)} of them.")
    return text


def _likelihood(ws: Workspace, res: r.LikelihoodResult) -> str:
    s = res.selection
    order = np.argsort(-np.asarray(res.probabilities), kind="stable")
    parts = [f"**{pct(res.probabilities[i])}** {ws.class_name(res.classes[i])}" for i in order]
    if s.single:
        text = f"For {who(ws, s, capital=False)}, the model gives " + ", ".join(parts) + "."
    else:
        text = (f"Averaged over {who(ws, s, capital=False)}, the model gives "
                + ", ".join(parts) + ".")
    if res.before is not None:
        before = ", ".join(f"{pct(res.before[i])} {ws.class_name(res.classes[i])}" for i in order)
        text = text.replace("the model gives",
                            f"with {_changed_clause(ws, s)} the model would give")
        text += f" Without the change it gives {before}."
    return text


def _effect_value(ws: Workspace, feature: str, value: Any, *, article: bool = False) -> str:
    """'a bmi of 34.1' / 'smoker = yes' / 'chest_pain_type = typical'."""
    if ws.schema.has_feature(feature):
        f = ws.schema.feature(feature)
        if f.kind == "boolean":
            same = str(value) == str(f.true_value)
            return f"{feature} ({'yes' if same else 'no'})"
        if f.kind == "categorical":
            return f"{feature} ({value})"
    shown = with_unit(ws, feature, value_text(value))
    if not article:
        return f"{feature} of {shown}"
    return f"{'an' if feature[:1].lower() in 'aeiou' else 'a'} {feature} of {shown}"


def _direction(ws: Workspace, e: r.FeatureEffect) -> str:
    """'higher values raise it' / 'smoker = yes raises it' for a group effect."""
    if e.correlation is not None and abs(e.correlation) >= 0.3:
        return f"higher values {'raise' if e.correlation > 0 else 'lower'} it"
    if e.raising_value is not None:
        return f"{_effect_value(ws, e.feature, e.raising_value)} raises it most"
    return "its effect goes both ways, depending on the patient".replace(
        "patient", ws.noun(1))


def _output_phrase(ws: Workspace, res: r.AttributionResult) -> str:
    if res.class_label is None:
        return f"predicted {ws.target}"
    return f"predicted chance of {ws.class_name(res.class_label)}"


def _attribution(ws: Workspace, res: r.AttributionResult) -> str:
    s = res.selection
    target = _output_phrase(ws, res)
    top = [e for e in res.effects if abs(e.effect) > 1e-12 or (e.mean_abs or 0) > 1e-12][:3]
    if not top:
        return f"No feature moved the {target} for {who(ws, s, capital=False)}."
    lines: list[str] = []
    # effects in the output's own units: percentage points of a probability, else the target's
    size = points if _in_probability(ws, res) else (lambda v: fmt(abs(v)))
    if s.single:
        pred = ws.class_name(res.prediction) if ws.task == "classification" else fmt(
            res.prediction)
        lines.append(f"The model predicts **{pred}** for {who(ws, s, capital=False)}"
                     + (f" (with {_changed_clause(ws, s)})" if s.changed else "") + ".")
        first = top[0]
        lines[-1] += (
            f" Here, {_effect_value(ws, first.feature, first.value, article=True)} "
            f"{'raised' if first.effect > 0 else 'lowered'} the {target} the most, by "
            f"{size(first.effect)}.")
        if len(top) > 1:
            lines.append("Next:")
        for e in top[1:]:
            lines.append(f"- {_effect_value(ws, e.feature, e.value)}: "
                         f"{'raised' if e.effect > 0 else 'lowered'} it by {size(e.effect)}")
        if (ws.task == "classification" and res.method.startswith("shap")
                and 0 <= res.base_value <= 1 and 0 <= res.output <= 1):
            lines.append(
                f"\nStarting from the average of {pct(res.base_value)}, the features together "
                f"bring the {target} to {pct(res.output)}.")
        elif ws.task != "classification" and res.method.startswith("shap"):
            lines.append(
                f"\nStarting from the average prediction of {fmt(res.base_value)}, the features "
                f"together bring the {target} to {fmt(res.output)}.")
    else:
        sample = ""
        if res.n_explained < s.n:
            sample = (f" (explained on a random sample of {fmt(res.n_explained)} of the "
                      f"{fmt(s.n)}, to keep it quick)")
        if s.changed:
            sample += f", with {_changed_clause(ws, s)}"
        lines.append(f"Across {who(ws, s, capital=False)}{sample}, the features that move the "
                     f"{target} most:")
        for e in res.effects[:3]:
            lines.append(f"- **{e.feature}** (typical effect ±{size(e.mean_abs or 0.0)}): "
                         + _direction(ws, e))
    method = {"shap-tree": "SHAP (exact for tree models)", "shap-kernel": "SHAP (sampled)",
              "lime": "LIME", "integrated-gradients": "integrated gradients"}.get(
        res.method, res.method)
    note = f"\n\n_Method: {method}._"
    if res.stability is not None:
        note = (f"\n\n_Method: {method}; the top features agree across reruns "
                f"{pct(res.stability)} of the time._")
    return "\n".join(lines) + note


def _in_probability(ws: Workspace, res: r.AttributionResult) -> bool:
    """Whether the attributions are in probability (so effects read as percentage points)."""
    return (ws.task == "classification" and res.class_label is not None
            and 0 <= res.base_value <= 1 and 0 <= res.output <= 1
            and all(abs(e.effect) <= 1 for e in res.effects))


def _feature_value_text(ws: Workspace, feature: str, value: Any) -> str:
    """A stored value as a reader says it: 'yes'/'no' for a yes/no feature stored as 0/1."""
    if ws.schema.has_feature(feature) and ws.schema.feature(feature).kind == "boolean":
        return "yes" if str(value) == str(ws.schema.feature(feature).true_value) else "no"
    return value_text(value)


def _from_to(before: Any, after: Any) -> str:
    """'0.1431 to 0.1426': as many digits as it takes for a real change not to read as none."""
    if isinstance(before, (int, float, np.generic)) and isinstance(after, (int, float, np.generic)):
        for digits in (3, 4, 5, 6):
            old, new = fmt_pair(before, after, digits)
            if old != new or float(before) == float(after):
                return f"{old} to {new}"
        return f"{before} to {after}"
    return f"{value_text(before)} to {value_text(after)}"


def _counterfactuals(ws: Workspace, res: r.CounterfactualsResult) -> str:
    s = res.selection
    name = f"{ws.noun(1)} {res.row_id}"
    now = ws.class_name(res.prediction) if ws.task == "classification" else fmt(res.prediction)
    lead = ""
    if not s.single:
        lead = (f"Counterfactuals are about one {ws.noun(1)} at a time, so here is the first of "
                f"the {plural(ws, s.n)}: {name}.\n\n")
    if not res.options:
        fixed = f" (keeping {', '.join(res.kept_fixed)} fixed)" if res.kept_fixed else ""
        return (lead + f"The model predicts **{now}** for {name}. I could not find a small "
                f"change{fixed} that flips this prediction within {fmt(res.elapsed, 2)} seconds; "
                "it looks robust to small changes.")
    outcome = (f"**{ws.class_name(res.options[0].new_prediction)}**" if ws.task ==
               "classification" else "a clearly different value")
    if len(res.options) == 1:
        intro = f"This would make it predict {outcome}" + (
            " (all of these changes together):" if len(res.options[0].changes) > 1 else ":")
    else:
        intro = (f"Each of these {len(res.options)} options would make it predict {outcome}; "
                 "an option is all of its changes together:")
    lines = [lead + f"The model predicts **{now}** for {name}. " + intro]
    for number, option in enumerate(res.options, 1):
        parts = [
            f"{c.feature} from {_feature_value_text(ws, c.feature, c.before)} to "
            f"{_feature_value_text(ws, c.feature, c.after)}"
            if ws.schema.has_feature(c.feature) and ws.schema.feature(c.feature).kind == "boolean"
            else f"{c.feature} from {with_unit(ws, c.feature, _from_to(c.before, c.after))}"
            for c in option.changes]
        changes = (parts[0] if len(parts) == 1 else
                   ", ".join(parts[:-1]) + " and " + parts[-1])
        if len(res.options) > 1:
            changes = f"**Option {number}:** " + changes
        if ws.task != "classification" and isinstance(option.new_prediction,
                                                      (int, float, np.generic)):
            changes += f" (predicted {ws.target} {fmt(option.new_prediction)})"
        lines.append(f"- {changes}")
    if res.kept_fixed:
        verb = "was" if len(res.kept_fixed) == 1 else "were"
        fixed_names = (", ".join(res.kept_fixed[:-1]) + " and " + res.kept_fixed[-1]
                       if len(res.kept_fixed) > 1 else res.kept_fixed[0])
        lines.append(f"\n_{fixed_names} {verb} kept fixed; every change was "
                     "checked with the model._")
    else:
        lines.append("\n_Every change was checked with the model._")
    return "\n".join(lines)


def _importance(ws: Workspace, res: r.ImportanceResult) -> str:
    s = res.selection
    scope = f" for {who(ws, s, capital=False)}" if s.filtered else ""
    sample = (f" (measured on a random sample of {res.n_explained:,} {ws.noun()})"
              if res.n_explained < s.n else "")
    note = _sample_note(ws, res.n_explained, s.n, res.top_stability, "features")
    if res.feature is not None:
        rank = res.rank(res.feature)
        entry = res.entries[rank - 1]
        n = len(res.entries)
        level = "the most important feature" if rank == 1 else (
            f"number {rank} of {n} features")
        total = sum(e.mean_abs for e in res.entries) or 1.0
        low, high = fmt_pair(100 * entry.ci_low / total, 100 * entry.ci_high / total, 2)
        return (f"**{entry.feature}** is {level}{scope}{sample}: it accounts for "
                f"{pct(entry.share)} of the model's total reliance on features (95% interval "
                f"{low}% to {high}%).{note}")
    entries = res.entries if res.k is None else res.entries[: res.k]
    if res.k == 1:
        e = entries[0]
        return (f"The most important feature{scope} is **{e.feature}**{sample}, with "
                f"{pct(e.share)} of the model's total reliance on features.{note}")
    shown = entries[:TOP_SHOWN] if res.k is None else entries
    if res.k is None and len(entries) > len(shown):
        head = f"The {len(shown)} most important of the {len(entries)} features"
    elif res.k is None:
        head = "All features ranked by importance"
    else:
        head = f"The {len(entries)} most important features"
    lines = [head + scope + sample + " (each one's share of the model's reliance on features):"]
    for i, e in enumerate(shown, 1):
        lines.append(f"{i}. **{e.feature}** — {pct(e.share)}")
    rest = entries[len(shown):]
    if rest:
        lines.append("")
        lines.append(_rest_line(rest))
    together = correlated_line(ws, [e.feature for e in shown])
    if together:
        lines += ["", together]
    return "\n".join(lines) + (f"\n\n{note.strip()}" if note else "")


TOP_SHOWN = 10  # a ranking shows this many features, then the rest in one line
CORRELATED = 0.9  # |correlation| from which two features "measure nearly the same thing"


def _rest_line(rest: Sequence[r.ImportanceEntry]) -> str:
    """The features after the top ten, in one line: their shares, and the ones with none."""
    used = [e for e in rest if e.mean_abs > 0]
    unused = [e.feature for e in rest if e.mean_abs <= 0]
    share = sum(e.share for e in rest)
    text = f"The other {len(rest)} features share {pct(share)}"
    if used:
        text += ": " + ", ".join(f"{e.feature} {pct(e.share)}" for e in used)
    if unused:
        names = (", ".join(unused[:-1]) + " and " + unused[-1]) if len(unused) > 1 else unused[0]
        verb = "has" if len(unused) == 1 else "have"
        text += ("; " if used else ": ") + f"{names} {verb} no effect on this model"
    return text + "."


def correlated_line(ws: Workspace, features: Sequence[str]) -> str:
    """One line when some ranked features are strongly correlated: the model may credit one of
    them where another would do as well, so their shares are best read together."""
    frame = getattr(ws, "X", None)
    if frame is None:
        return ""
    numeric = [f for f in features if f in frame.columns and frame[f].dtype.kind in "biuf"]
    if len(numeric) < 2:
        return ""
    data = frame[numeric]
    if len(data) > 5000:
        data = data.sample(5000, random_state=0)
    corr = data.corr().abs().to_numpy()
    groups: list[set[int]] = []
    for i in range(len(numeric)):
        for j in range(i + 1, len(numeric)):
            if corr[i, j] >= CORRELATED:
                joined = [g for g in groups if i in g or j in g]
                merged = {i, j}.union(*joined) if joined else {i, j}
                groups = [g for g in groups if g not in joined] + [merged]
    if not groups:
        return ""
    described = []
    for group in sorted(groups, key=min):
        names = [numeric[k] for k in sorted(group)]
        low = min(corr[a, b] for a in group for b in group if a < b)
        described.append(", ".join(names[:-1]) + " and " + names[-1]
                         + f" (correlation {fmt(float(low), 2)} or more)")
    return ("_Strongly correlated, so best read together: " + "; ".join(described)
            + ". The model may rely on one of them where another would do as well._")


def _interactions(ws: Workspace, res: r.InteractionsResult) -> str:
    s = res.selection
    if not res.pairs:
        return "I found no noticeable interactions between features."
    scope = f" for {who(ws, s, capital=False)}" if s.filtered else ""
    sample = (f" (measured on a random sample of {res.n_explained:,} {ws.noun()})"
              if res.n_explained < s.n else "")
    lines = [f"The strongest feature interactions{scope}{sample} — where the effect of one "
             "feature depends on the other:"]
    sampled = res.n_explained < s.n
    for pair in res.pairs[:5]:
        interval = (f", 95% interval {fmt(pair.ci_low)} to {fmt(pair.ci_high)}"
                    if sampled and pair.ci_low is not None and pair.ci_high is not None else "")
        lines.append(f"- **{pair.first}** × **{pair.second}** (strength {fmt(pair.strength)}"
                     f"{interval})")
    note = _sample_note(ws, res.n_explained, s.n, res.top_stability, "pairs")
    return "\n".join(lines) + (f"\n\n{note.strip()}" if note else "")


def _dependence(ws: Workspace, res: r.DependenceResult) -> str:
    s = res.selection
    feature = f"**{res.feature}**"
    kept = (f"For {who(ws, s, capital=False)}, with its other features as they are"
            if s.single else f"Averaged over {who(ws, s, capital=False)}, each with its other "
            "features as they are")
    if res.n_rows < s.n:
        kept += f" (a seeded random sample of {res.n_rows:,} of them)"
    lines: list[str] = []
    for series in res.series:
        what = (f"the chance of **{ws.class_name(series.label)}**" if series.label is not None
                else f"the predicted {ws.target}")
        if res.numeric:
            lines.append(f"{kept}, {what} {_curve_words(ws, res, series)}")
        else:
            order = sorted(range(len(res.grid)), key=lambda i: -series.mean[i])
            shown = [f"- {res.feature} = {value_text(res.grid[i])}: "
                     f"{_output_text(series, series.mean[i])}" for i in order]
            lines.append(f"{kept}, {what} with each value of {feature}:\n" + "\n".join(shown))
        kept = "Likewise"
    if res.numeric and not s.single and res.series and len(res.grid) > 1:
        first = res.series[0]
        low, high = first.low[-1] - first.mean[0], first.high[-1] - first.mean[0]

        def change(delta: float) -> str:
            sign = "+" if delta > 0 else "−" if delta < 0 else ""
            return sign + (points(delta) if first.label is not None else fmt(abs(delta)))

        noticeable = 0.01 if first.label is not None else 0.01 * max(abs(v) for v in first.mean)
        if max(abs(low), abs(high)) >= noticeable and high - low >= noticeable:
            lines.append(f"{ws.noun().capitalize()} respond differently: going from "
                         f"{value_text(res.grid[0])} to {value_text(res.grid[-1])} changes it "
                         f"by between {change(low)} and {change(high)} for the middle 80% of "
                         "them.")
    if res.numeric and res.data_range is not None and res.grid:
        low, high = res.data_range
        if res.grid[0] < low or res.grid[-1] > high:
            lines.append(f"_{res.feature} runs from {value_text(low)} to {value_text(high)} "
                         "in the data; beyond that the model is extrapolating._")
    return "\n\n".join(lines)


def _output_text(series: r.DependenceSeries, value: float) -> str:
    return pct(value) if series.label is not None else fmt(value)


def _curve_words(ws: Workspace, res: r.DependenceResult, series: r.DependenceSeries) -> str:
    """'rises from 12% at 9.5 to 91.2% at 21.2, most steeply between 13 and 14.7'."""
    values, grid = series.mean, res.grid
    first, last = values[0], values[-1]
    top, bottom = max(values), min(values)

    def at(i: int) -> str:
        return f"**{_output_text(series, values[i])}** at {value_text(grid[i])}"

    def amount(delta: float) -> str:
        return points(delta) if series.label is not None else fmt(abs(delta))

    if len(values) < 2:
        return f"is {at(0)}."
    span = top - bottom
    if span < (0.01 if series.label is not None else 1e-9 + 0.01 * max(abs(top), 1e-9)):
        low, high = _output_text(series, bottom), _output_text(series, top)
        stays = f"at {low}" if low == high else f"between {low} and {high}"
        return (f"hardly moves with {res.feature}: it stays {stays} from "
                f"{value_text(grid[0])} to {value_text(grid[-1])}.")
    steps = [values[i + 1] - values[i] for i in range(len(values) - 1)]
    steepest = max(range(len(steps)), key=lambda i: abs(steps[i]))
    rising = last >= first
    turns = top - max(first, last) > 0.25 * span or min(first, last) - bottom > 0.25 * span
    if turns:
        peak = values.index(top) if top - max(first, last) > 0.25 * span else values.index(bottom)
        text = (f"goes from {at(0)} to {at(peak)} and back to {at(len(values) - 1)}: it is "
                f"{'highest' if values[peak] == top else 'lowest'} near "
                f"{res.feature} = {value_text(grid[peak])}.")
    else:
        text = (f"{'rises' if rising else 'falls'} from {at(0)} to {at(len(values) - 1)} as "
                f"{res.feature} goes up.")
    return (text + f" The steepest change is between {value_text(grid[steepest])} and "
            f"{value_text(grid[steepest + 1])} ({'+' if steps[steepest] > 0 else '−'}"
            f"{amount(steps[steepest])}).")


def _sample_note(ws: Workspace, used: int, total: int, stability: float | None, things: str) -> str:
    """For a sampled dataset-wide answer: which rows, and how sure the ranking is."""
    if used >= total:
        return ""
    note = (f" _Computed exactly for a seeded random sample of {used:,} of the {total:,} "
            f"{ws.noun()} to keep the answer fast; the intervals include the sampling "
            "uncertainty")
    if stability is not None:
        note += (f", and {pct(stability)} of 200 bootstrap resamples rank the same top three "
                 f"{things}")
    return note + "._"


def _table_markdown(table: pd.DataFrame, limit: int = 10) -> str:
    shown = table.head(limit)
    header = "| id | " + " | ".join(map(str, shown.columns)) + " |"
    rule = "|" + "---|" * (len(shown.columns) + 1)
    rows = ["| " + " | ".join([str(i)] + [value_text(v) for v in row]) + " |"
            for i, row in zip(shown.index, shown.itertuples(index=False), strict=True)]
    return "\n".join([header, rule, *rows])


def _show(ws: Workspace, res: r.ShowResult) -> str:
    s = res.selection
    if s.single:
        row = res.table.iloc[0]
        values = "; ".join(f"{k}: {_feature_value_text(ws, k, v)}" for k, v in row.items())
        suffix = f" (with {_changed_clause(ws, s)})" if s.changed else ""
        return f"{who(ws, s)}{suffix}: {values}."
    text = _table_markdown(res.table)
    if s.n > 10:
        text = f"Showing 10 of {plural(ws, s.n)} (the full table is attached):\n\n" + text
    else:
        text = f"{who(ws, s)}:\n\n" + text
    return text


def _label(ws: Workspace, res: r.LabelResult) -> str:
    s = res.selection
    scope = who(ws, s, capital=False)
    if ws.task != "classification":
        if s.single:
            return f"The true {ws.target} for {scope} is {fmt(res.single_value)}."
        return f"The true {ws.target} averages {fmt(res.value_mean)} for {scope}."
    if s.single:
        return (f"The true {outcome_word(ws)} for {scope} is "
                f"**{ws.class_name(res.single_value)}**.")
    return (f"The true {outcome_word(ws)} for {who(ws, s, capital=False)}: "
            + _counts_sentence(ws, res.counts, s.n) + ".")


def feature_sentence(ws: Workspace, f: r.FeatureSummary) -> str:
    """A generated definition from the schema: kind and range or values."""
    if f.kind == "numeric":
        kind = "a whole number" if f.is_integer else "a number"
        return f"{f.name} is {kind} ranging from {fmt(f.minimum)} to {fmt(f.maximum)} in the data."
    if f.kind == "boolean":
        return f"{f.name} is a yes/no feature."
    values = ", ".join(map(str, f.values[:12])) + (", ..." if len(f.values) > 12 else "")
    return f"{f.name} is a category with {len(f.values)} values: {values}."


def _define(ws: Workspace, res: r.DefineResult) -> str:
    f = res.feature
    if res.given and f.description:
        return f"**{f.name}**: {f.description}\n\n{feature_sentence(ws, f)}"
    return (f"I have no description of **{f.name}**, but from the data: "
            f"{feature_sentence(ws, f)}")


def _data(ws: Workspace, res: r.DataSummaryResult) -> str:
    s = res.selection
    lines = [f"The data has {plural(ws, s.n)}"
             + (f" (in this selection, out of {fmt(s.total)})" if s.filtered else "")
             + f" and {res.n_features} features. The model predicts **{res.target}**"
             + (" (a class)." if res.task == "classification" else " (a number).")]
    if res.class_counts:
        lines.append("Outcomes in the data: " + "; ".join(
            f"{ws.class_name(c.label)} {fmt(c.count)} ({pct(c.count / s.n)})"
            for c in res.class_counts) + ".")
    lines.append("")
    for f in res.features[:40]:
        lines.append(f"- {feature_sentence(ws, f)}")
    if len(res.features) > 40:
        lines.append(f"- ... and {len(res.features) - 40} more.")
    return "\n".join(lines)


def _statistic(ws: Workspace, res: r.StatisticResult) -> str:
    s = res.selection
    scope = who(ws, s, capital=False)
    name = res.feature or ws.target
    if res.kind == "numeric" and s.single:
        text = f"For {scope}, **{name}** is {fmt(res.mean)}."
    elif res.kind == "numeric":
        text = (f"For {scope}, **{name}** has mean {fmt(res.mean)}, median {fmt(res.median)}, "
                f"standard deviation {fmt(res.std)}, and ranges from {fmt(res.minimum)} to "
                f"{fmt(res.maximum)}.")
    else:
        label = (lambda v: ws.class_name(v)) if res.kind == "target" else (
            (lambda v: "yes" if str(v) == str(ws.schema.feature(name).true_value) else "no")
            if res.kind == "boolean" else str)
        parts = [f"{label(sh.value)} {fmt(sh.count)} ({pct(sh.share)})" for sh in res.shares]
        text = f"For {scope}, **{name}**: " + "; ".join(parts) + "."
    if res.n_missing:
        text += f" {fmt(res.n_missing)} values are missing."
    return text


def _mistake_count(ws: Workspace, res: r.MistakeCountResult) -> str:
    s = res.selection
    scope = evaluation_words(ws, s, res.scope)
    if not res.n_wrong:
        return f"The model gets all of {scope} right." + evaluation_note(ws, res.scope)
    return (f"The model gets {fmt(res.n_wrong)} of {scope} wrong "
            f"({pct(res.n_wrong / s.n)}); it is right about {fmt(s.n - res.n_wrong)}."
            + evaluation_note(ws, res.scope))


def _mistake_sample(ws: Workspace, res: r.MistakeSampleResult) -> str:
    s = res.selection
    if res.mae is not None and s.single and res.rows:
        row = res.rows[0]
        return (f"For {evaluation_words(ws, s, res.scope)} the model predicts a {ws.target} of "
                f"**{fmt(row.predicted)}**; the true value is **{fmt(row.true_label)}**, so it is "
                f"off by {fmt(res.mae)}.")
    if res.mae is not None:
        lines = [f"This model predicts a number, so here are its biggest misses among "
                 f"{evaluation_words(ws, s, res.scope)} (on average it is off by {fmt(res.mae)}):"]
        for row in res.rows:
            off = abs(float(row.predicted) - float(row.true_label))
            lines.append(f"- {ws.noun(1)} {row.row_id}: predicted **{fmt(row.predicted)}**, "
                         f"actually **{fmt(row.true_label)}** (off by {fmt(off)})")
        return "\n".join(lines)
    if not res.rows:
        return f"The model makes no mistakes on {evaluation_words(ws, s, res.scope)}."
    lines = [f"The model is wrong about {fmt(res.n_wrong)} of {evaluation_words(ws, s, res.scope)}"
             + (f"; here are {len(res.rows)}:" if res.n_wrong > len(res.rows) else ":")]
    for row in res.rows:
        lines.append(f"- {ws.noun(1)} {row.row_id}: predicted **{ws.class_name(row.predicted)}**"
                     f", actually **{ws.class_name(row.true_label)}**")
    return "\n".join(lines)


def conditions_words(ws: Workspace, conditions: Sequence[r.Condition]) -> str:
    """'bmi between 33.9 and 35 and smoker yes': a lower and upper bound on one feature read as
    one range."""
    parts: list[str] = []
    used: set[int] = set()
    for i, c in enumerate(conditions):
        if i in used:
            continue
        upper = next((j for j, d in enumerate(conditions) if j not in used and j != i
                      and c.op == ">" and d.op == "<=" and d.feature == c.feature), None)
        if upper is not None:
            used.add(upper)
            parts.append(f"{c.feature} between {fmt(c.value)} and {fmt(conditions[upper].value)}")
        else:
            parts.append(condition_words(ws, c))
    return " and ".join(parts)


def condition_words(ws: Workspace, c: r.Condition) -> str:
    feature = ws.schema.feature(c.feature)
    if c.op == ">":
        return f"{c.feature} above {fmt(c.value)}"
    if c.op == "<=":
        return f"{c.feature} at most {fmt(c.value)}"
    if feature.kind == "boolean":
        return f"{c.feature} {'yes' if c.value else 'no'}"
    return f"{c.feature} {'is not ' if c.op == '!=' else ''}{c.value}"


def _mistake_typical(ws: Workspace, res: r.MistakeTypicalResult) -> str:
    s = res.selection
    scope = evaluation_words(ws, s, res.scope)
    if res.miss_threshold is not None:
        return _large_misses(ws, res, scope)
    if not res.n_wrong:
        return f"The model makes no mistakes on {scope}, so there is nothing in common to find."
    head = (f"The model is wrong about {fmt(res.n_wrong)} of {scope} "
            f"({pct(res.base_error_rate)})." + evaluation_note(ws, res.scope))
    if not res.rules:
        return (head + f" The mistakes do not share a simple pattern I can describe "
                f"(wrong: {ws.noun(2)} {ids_text(res.wrong_ids)}).")
    lines = [head + " Where it errs most:"]
    for rule in res.rules:
        conditions = conditions_words(ws, rule.conditions)
        lines.append(f"- {ws.noun().capitalize()} with **{conditions}**: wrong for "
                     f"{fmt(rule.n_wrong)} of {fmt(rule.support)} ({pct(rule.error_rate)}, vs "
                     f"{pct(res.base_error_rate)} overall)")
    return "\n".join(lines)


def _large_misses(ws: Workspace, res: r.MistakeTypicalResult, scope: str) -> str:
    """Regression: where the worst quarter of misses concentrates."""
    head = (f"This model predicts a number, so I take its large misses: predictions off by more "
            f"than {fmt(res.miss_threshold)}, which holds for {fmt(res.n_wrong)} of {scope} "
            f"({pct(res.base_error_rate)}).")
    if not res.n_wrong:
        return head
    if not res.rules:
        return (head + f" They do not share a simple pattern I can describe (for example "
                f"{ws.noun(2)} {ids_text(res.wrong_ids)}).")
    lines = [head + " They concentrate among:"]
    for rule in res.rules:
        lines.append(f"- {ws.noun().capitalize()} with **{conditions_words(ws, rule.conditions)}"
                     f"**: large misses for {fmt(rule.n_wrong)} of {fmt(rule.support)} "
                     f"({pct(rule.error_rate)}, vs {pct(res.base_error_rate)} overall)")
    return "\n".join(lines)


def _score(ws: Workspace, res: r.ScoreResult) -> str:
    s = res.selection
    scope = evaluation_words(ws, s, res.scope)
    note = evaluation_note(ws, res.scope, hint=True)
    if res.task == "regression":
        values = {m.name: m for m in res.metrics}
        text = (f"On {scope}, the model's predictions of {ws.target} are off by "
                f"{fmt(values['mae'].value)} on average (mean absolute error); the root mean "
                f"squared error, which weighs big misses more, is {fmt(values['rmse'].value)}.")
        r2 = values["r2"]
        if r2.value is not None:
            text += (f" R² is {score(r2.value)}: the model explains about "
                     f"{pct(max(r2.value, 0))} of the variation in {ws.target}.")
        if res.requested.startswith("mistake-"):
            text = ("This model predicts a number, so its answers are not simply right or wrong; "
                    "here is how far off they are. " + text)
        elif res.requested not in {"default", "mae", "rmse", "r2"}:
            text = (f"{METRIC_NAMES.get(res.requested, res.requested).capitalize()} applies to "
                    f"classes, but this model predicts a number. " + text)
        return text + note
    pos = ws.class_name(res.positive_class) if res.positive_class is not None else "each class"
    parts = []
    for m in res.metrics:
        name = METRIC_NAMES.get(m.name, m.name)
        if m.value is None:
            parts.append(f"The {name} cannot be computed on {scope}: {m.why_undefined}.")
            continue
        value = rate(m.value) if m.name in RATE_METRICS else score(m.value)
        tally = ""
        if m.name == "accuracy" and res.selection.n:
            tally = f", {fmt(round(m.value * res.selection.n))} of {fmt(res.selection.n)} right"
        meaning = METRIC_MEANING.get(m.name, "").format(noun=ws.noun(), pos=pos)
        if res.positive_class is None and m.name not in {"accuracy", "roc"}:
            meaning = (f"macro-averaged over the {fmt(len(ws.classes))} classes, "
                       "each class counting equally")
        elif res.positive_class is None and m.name == "roc":
            meaning = "one class against the rest, averaged; 0.5 is guessing, 1 is perfect"
        parts.append(f"The model's {name} on {scope} is **{value}**{tally}"
                     + (f" ({meaning})" if meaning else "") + ".")
    return " ".join(parts) + note


def _model(ws: Workspace, res: r.ModelInfoResult) -> str:
    text = (f"The model is {res.description}. It predicts **{res.target}** "
            f"({'a class' if res.task == 'classification' else 'a number'}) from "
            f"{res.n_features} features.")
    rows = f"the {fmt(res.n_rows)} {ws.noun()}"
    if res.scope is not None and res.scope.kind == "heldout":
        rows = f"the {plural(ws, res.n_rows)} it was not trained on"
    elif res.scope is not None and res.scope.kind == "training-only":
        rows = f"the {plural(ws, res.n_rows)} it was trained on (it has no held-out rows)"
    if res.accuracy is not None:
        text += f" It classifies {pct(res.accuracy)} of {rows} correctly."
    if res.r2 is not None:
        text += f" On {rows} its R² is {score(res.r2)}."
    if res.accuracy is not None or res.r2 is not None:
        text += evaluation_note(ws, res.scope)
    if res.note:
        text += " " + res.note
    return text


def _function(ws: Workspace, res: r.FunctionResult) -> str:
    noun, nouns = ws.noun(1), ws.noun()
    numeric = res.example_numeric or res.example_feature
    threshold = fmt(res.example_threshold) if res.example_threshold is not None else "..."
    return "\n".join([
        f"I answer questions about the model that predicts **{ws.target}** and the data it "
        "uses. For example:",
        f"- **Predictions**: “what does the model predict for {noun} {res.example_id}?”, "
        f"“how likely is {_example_class(ws)} for {noun} {res.example_id}?”",
        f"- **Why**: “why did it predict that for {noun} {res.example_id}?”, "
        f"“what would have to change to flip it?”",
        f"- **What if**: “what if their {numeric} were {threshold}?”",
        f"- **Importance**: “what are the top 3 features?”, “how important is {numeric}?”",
        f"- **Groups**: “how many {nouns} have {numeric} above {threshold}?”, "
        f"“show them”, “average {numeric} for them?”",
        "- **Performance**: “how accurate is the model?”, “where does it make mistakes?”",
        f"- **The data**: “what does {res.example_feature} mean?”, “tell me about the data”",
    ])


def _example_class(ws: Workspace) -> str:
    labels = ws.schema.raw_class_labels
    return ws.class_name(labels[-1]) if labels else "high"


def _self(ws: Workspace, res: r.SelfResult) -> str:
    kind = "classifies" if res.task == "classification" else "predicts"
    return (f"I'm {ws.assistant_name}, an assistant that explains a machine-learning model which "
            f"{kind} **{res.target}** for {plural(ws, res.n_rows)}. Ask me in plain words what it "
            "predicts, why, what would change its mind, and where it makes mistakes. I compute "
            "every number from the model and the data; I don't make them up.")


def _notice(ws: Workspace, res: r.NoticeResult) -> str:
    if res.kind == "no-followup":
        return ("I haven't suggested anything to follow up on yet. Ask me a question — for "
                f"example “how accurate is the model?” or “how many {ws.noun()} are there?”")
    return ""


_RENDERERS = {
    r.CountResult: _count,
    r.PredictionResult: _predict,
    r.LikelihoodResult: _likelihood,
    r.AttributionResult: _attribution,
    r.CounterfactualsResult: _counterfactuals,
    r.ImportanceResult: _importance,
    r.InteractionsResult: _interactions,
    r.DependenceResult: _dependence,
    r.ShowResult: _show,
    r.LabelResult: _label,
    r.DefineResult: _define,
    r.DataSummaryResult: _data,
    r.StatisticResult: _statistic,
    r.MistakeCountResult: _mistake_count,
    r.MistakeSampleResult: _mistake_sample,
    r.MistakeTypicalResult: _mistake_typical,
    r.ScoreResult: _score,
    r.ModelInfoResult: _model,
    r.FunctionResult: _function,
    r.SelfResult: _self,
    r.NoticeResult: _notice,
}


def suggestions(ws: Workspace) -> tuple[str, ...]:
    """A few questions that work on this dataset, for when I did not understand."""
    numeric = ws.schema.features_of_kind("numeric")
    example = numeric[0].name if numeric else ws.schema.features[0].name
    first_id = ws.frame.index[0]
    return (
        "how accurate is the model?",
        f"what does the model predict for {ws.noun(1)} {first_id}?",
        "what are the most important features?",
        f"what is the average {example}?",
    )
