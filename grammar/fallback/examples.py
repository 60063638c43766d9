"""Few-shot examples written for this project and instantiated with the current dataset.

The language-model fallback shows the model a handful of (question, program) pairs. They are made
here from templates, filled with the schema's own features, values, ids and labels, so the
examples always speak the dataset's vocabulary (never copied from any evaluation set).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from grammar import program as p
from grammar.program import format_number, to_text
from grammar.schema import DatasetSchema, Feature, derive_aliases


@dataclass(frozen=True)
class Example:
    """One question with its program, as canonical text."""

    question: str
    program: str


@dataclass(frozen=True)
class _Selection:
    """A filter (or none) with the words that say it."""

    clauses: tuple[p.Clause, ...]
    phrase: str  # e.g. "patient 12", "people with age over 40"
    single: bool = False  # one row (reads "this patient")


def _alias(feature: Feature, rng: random.Random) -> str:
    return rng.choice(feature.aliases or (feature.canonical,))


def _row_noun(schema: DatasetSchema) -> str:
    if schema.id_column:
        words = [w for w in derive_aliases(schema.id_column)[0].split() if w not in {"id", "no"}]
        if words:
            return words[0]
    return "row"


def _number(feature: Feature, rng: random.Random) -> p.Number:
    low = feature.minimum if feature.minimum is not None else 0.0
    high = feature.maximum if feature.maximum is not None else 100.0
    value = low + (high - low) * rng.uniform(0.2, 0.8)
    if feature.is_integer or high - low > 20:
        return int(round(value))
    return round(value, 1)


_COMPARISON_WORDS: dict[str, tuple[str, ...]] = {
    "greater than": ("over", "above", "more than", "greater than", "higher than"),
    "less than": ("under", "below", "less than", "lower than"),
    "greater equal than": ("at least", "{x} or more"),
    "less equal than": ("at most", "no more than", "{x} or less"),
    "equal to": ("equal to", "exactly"),
    "not equal to": ("not equal to", "other than"),
}


def _comparison_phrase(comparison: str, x: str, rng: random.Random) -> str:
    words = rng.choice(_COMPARISON_WORDS[comparison])
    return words.format(x=x) if "{x}" in words else f"{words} {x}"


def _selections(schema: DatasetSchema, rng: random.Random, plural: str) -> list[_Selection]:
    noun = _row_noun(schema)
    out: list[_Selection] = []
    for row_id in rng.sample(list(schema.ids), min(6, len(schema.ids))):
        word = rng.choice((noun, "id", noun, "record", "case", "instance"))
        out.append(_Selection((p.IdFilter(row_id),), f"{word} {row_id}", single=True))
    for feature in schema.features:
        alias = _alias(feature, rng)
        if feature.kind == "numeric":
            comparison = rng.choice(("greater than", "less than", "greater than", "less than",
                                     "greater equal than", "less equal than"))
            x = _number(feature, rng)
            phrase = _comparison_phrase(comparison, format_number(x), rng)
            out.append(_Selection((p.NumericFilter(feature.canonical, comparison, x),),
                                  f"{plural} with {alias} {phrase}"))
        elif feature.kind == "boolean":
            value = rng.random() < 0.6
            phrase = (f"{plural} with {alias}" if value else f"{plural} without {alias}")
            if rng.random() < 0.4:
                phrase = f"{plural} where {alias} is {'yes' if value else 'no'}"
            out.append(_Selection((p.BoolFilter(feature.canonical, value),), phrase))
        elif feature.values:
            value = rng.choice(feature.values)
            shown = value.replace("-", " ")
            phrase = rng.choice((f"{plural} whose {alias} is {shown}", f"{shown} {plural}",
                                 f"{plural} with {alias} {shown}"))
            out.append(_Selection((p.CategoryFilter(feature.canonical, value),), phrase))
    for label in schema.class_labels:
        out.append(_Selection((p.LabelFilter(label),), f"{plural} whose true label is {label}"))
        out.append(_Selection((p.PredictionFilter(label),), f"{plural} predicted {label}"))
    out.append(_Selection((p.PreviousFilter(),), rng.choice(("them", "those", "that group"))))
    return out


def _two_filters(a: _Selection, b: _Selection, plural: str) -> _Selection:
    tail = b.phrase.removeprefix(f"{plural} ")
    return _Selection(a.clauses + b.clauses, f"{a.phrase} and {tail}")


Template = Callable[[_Selection, random.Random], tuple[str, tuple[p.Clause, ...]] | None]


def _operation_templates(schema: DatasetSchema) -> list[Template]:
    """Each template phrases one operation on a selection."""
    numeric = schema.features_of_kind("numeric")
    target = derive_aliases(schema.target)[0]

    def predict(s: _Selection, rng: random.Random):
        q = rng.choice((f"what does the model predict for {s.phrase}?",
                        f"prediction for {s.phrase}", f"what is the predicted {target} of {s.phrase}"))
        return q, (p.Predict(),)

    def likelihood(s: _Selection, rng: random.Random):
        label = rng.choice(schema.class_labels) if schema.class_labels else "1"
        q = rng.choice((f"how likely is {s.phrase} to be {label}?",
                        f"what is the probability for {s.phrase}",
                        f"how confident is the model about {s.phrase}?"))
        return q, (p.Likelihood(),)

    def explain(s: _Selection, rng: random.Random):
        q = rng.choice((f"why did the model predict that for {s.phrase}?",
                        f"explain the prediction for {s.phrase}",
                        f"which features drove the prediction for {s.phrase}?"))
        return q, (p.Explain("features"),)

    def cfe(s: _Selection, rng: random.Random):
        q = rng.choice((f"what would have to change to flip the prediction for {s.phrase}?",
                        f"how could {s.phrase} get a different outcome?"))
        return q, (p.Explain("cfe"),)

    def engine(s: _Selection, rng: random.Random):
        method = rng.choice(("lime", "shap"))
        return f"explain {s.phrase} using {method}", (p.Explain(method),)

    def count(s: _Selection, rng: random.Random):
        if s.single:
            return None
        return rng.choice((f"how many {s.phrase} are there?", f"count {s.phrase}")), (p.CountData(),)

    def show(s: _Selection, rng: random.Random):
        return rng.choice((f"show me the data for {s.phrase}", f"list {s.phrase}")), (p.Show(),)

    def label(s: _Selection, rng: random.Random):
        return f"what are the true labels of {s.phrase}?", (p.ShowLabel(),)

    def statistic(s: _Selection, rng: random.Random):
        if s.single or not numeric:
            return None
        f = rng.choice(numeric)
        q = rng.choice((f"what is the average {_alias(f, rng)} of {s.phrase}?",
                        f"summary statistics of {_alias(f, rng)} for {s.phrase}"))
        return q, (p.Statistic(f.canonical),)

    def mistakes(s: _Selection, rng: random.Random):
        if s.single:
            return None
        kind = rng.choice(("count", "sample", "typical"))
        q = {
            "count": f"how many {s.phrase} does the model get wrong?",
            "sample": f"show me some mistakes the model makes on {s.phrase}",
            "typical": f"what do the errors on {s.phrase} have in common?",
        }[kind]
        return q, (p.Mistake(kind),)

    def score(s: _Selection, rng: random.Random):
        if s.single:
            return None
        metric = rng.choice(("accuracy", "f1", "precision", "recall", "roc"))
        word = "AUC" if metric == "roc" else metric
        return f"what is the {word} on {s.phrase}?", (p.Score(metric),)

    def important(s: _Selection, rng: random.Random):
        if s.single:
            return None
        k = rng.choice((2, 3, 4, 5))
        return f"top {k} most important features for {s.phrase}", (p.ImportantTopK(k),)

    def whatif(s: _Selection, rng: random.Random):
        if not numeric:
            return None
        f = rng.choice(numeric)
        kind = rng.choice(("increase", "decrease", "set"))
        x = _number(f, rng) if kind == "set" else rng.choice((1, 2, 5, 10))
        alias, x_text = _alias(f, rng), format_number(x)
        words = {"increase": f"{alias} raised by {x_text}",
                 "decrease": f"{alias} lowered by {x_text}",
                 "set": f"{alias} set to {x_text}"}[kind]
        return (f"what if {s.phrase} had {words}?",
                (p.NumericChange(f.canonical, kind, x), p.Predict()))

    def same_again(s: _Selection, rng: random.Random):
        if s.clauses[0] == p.PreviousFilter():
            return None
        q = rng.choice((f"and for {s.phrase}?", f"same for {s.phrase}",
                        f"what about {s.phrase}?", f"now do that for {s.phrase}"))
        return q, (p.PreviousOperation(),)

    return [predict, likelihood, explain, cfe, engine, count, show, label, statistic, mistakes,
            score, important, whatif, same_again]


def _global_examples(schema: DatasetSchema, rng: random.Random) -> list[tuple[str, p.Program]]:
    """Questions about the whole model or conversation, without a selection."""
    out: list[tuple[str, p.Program]] = []
    one = p.Program.of
    for feature in schema.features:
        alias = _alias(feature, rng)
        out.append((f"what does {alias} mean?", one(p.Define(feature.canonical))))
        out.append((f"how important is {alias} for the model?",
                    one(p.ImportantFeature(feature.canonical))))
        if feature.kind == "numeric":
            out.append((f"what is the average {alias}?", one(p.Statistic(feature.canonical))))
            out.append((f"how does the prediction change as {alias} goes up?",
                        one(p.Dependence(feature.canonical))))
    target = derive_aliases(schema.target)[0]
    for q, clause in [
        ("what are the most important features?", p.ImportantTopK(3)),
        ("top 5 features", p.ImportantTopK(5)),
        ("rank every feature by importance", p.ImportantAll()),
        ("which features interact with each other?", p.Interact()),
        ("tell me about the data", p.DataSummary()),
        ("how many rows are in the dataset?", p.CountData()),
        (f"how is {target} distributed?", p.Statistic(None)),
        ("how accurate is the model?", p.Score("accuracy")),
        ("how good is the model overall?", p.Score("default")),
        ("how many mistakes does the model make?", p.Mistake("count")),
        ("what kind of model is this?", p.ModelInfo()),
        ("what can you do?", p.Function()),
        ("who are you?", p.SelfInfo()),
        ("yes please", p.FollowUp()),
        ("sure, do that", p.FollowUp()),
        ("what does the model predict for everyone?", p.Predict()),
    ]:
        out.append((q, one(clause)))
    return out


def generate_examples(schema: DatasetSchema, *, seed: int = 0, rounds: int = 3) -> tuple[Example, ...]:
    """A few hundred (question, program) pairs in the dataset's vocabulary, deterministic by seed."""
    rng = random.Random(seed)
    plural = rng.choice(("people", "rows")) if not schema.id_column else "people"
    pairs: list[tuple[str, p.Program]] = _global_examples(schema, rng)
    templates = _operation_templates(schema)
    for _ in range(rounds):
        selections = _selections(schema, rng, plural)
        for template in templates:
            for selection in rng.sample(selections, min(4, len(selections))):
                made = template(selection, rng)
                if made is not None:
                    question, clauses = made
                    pairs.append((question, p.Program.of(*selection.clauses, *clauses)))
        for _ in range(6):
            multi = [s for s in selections if not s.single and s.clauses[0] != p.PreviousFilter()]
            if len(multi) < 2:
                break
            a, b = rng.sample(multi, 2)
            template = rng.choice(templates)
            made = template(_two_filters(a, b, plural), rng)
            if made is not None:
                question, clauses = made
                pairs.append((question, p.Program.of(*a.clauses, *b.clauses, *clauses)))
    seen: set[str] = set()
    examples: list[Example] = []
    for question, program in pairs:
        if question not in seen:
            seen.add(question)
            examples.append(Example(question, to_text(program)))
    return tuple(examples)
