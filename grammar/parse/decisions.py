"""Stage 4a: the decisions a model makes about a question (the label spaces).

A question is not classified into one of thousands of program shapes. Its program is decomposed
into small decisions that combine freely:

* the operations, in order (``OPERATIONS``: each with its closed arguments, e.g. ``score recall``);
* a tag for every token (``TAGS``): what a mention does (a number is an id, a threshold with its
  comparison, a change amount with its direction, a "top K", an end of the range a partial
  dependence is drawn over; a feature is an operation's
  argument, or filtered/changed to true/false; a value is filtered or changed to), and which
  words select rows by their true or predicted class, or by their part in training;
* for each threshold or change number, the feature it is about (a pointer to a feature mention,
  or the table's age column, or the feature of the previous turn);
* for each filter, the join before it (``and`` / ``or``); for each change, the operation it
  comes before;
* whether the question refers to the previous turn: its selection (``previousfilter``), its
  what-if changes (carried over), or corrects it (its program with one filter replaced).

``grammar.parse.assemble`` turns decisions into a ``Program``; ``grammar.parse.derive`` finds
the decisions of a question whose program is known (the training corpus).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grammar import program as p
from grammar.parse.mentions import Mention

# ----------------------------------------------------------------------------- label spaces
COMPARISON_TAGS: dict[str, str] = {
    "GT": "greater than", "LT": "less than", "GE": "greater equal than",
    "LE": "less equal than", "EQ": "equal to", "NE": "not equal to",
}
CHANGE_TAGS: dict[str, str] = {"INC": "increase", "DEC": "decrease", "SET": "set"}
# The two ends of the range a partial dependence is drawn over ("as age goes from 30 to 70").
RANGE_TAGS = ("RANGEFROM", "RANGETO")
CLASS_TAGS = ("LABELPOS", "LABELNEG", "PREDPOS", "PREDNEG", "LABELTHIS", "PREDTHIS")
# Words that choose the rows by how the model was trained on them ("on the training data").
SPLIT_TAGS: dict[str, str] = {"SPLITHELDOUT": "heldout", "SPLITTRAINING": "training",
                              "SPLITALL": "all"}
TAGS: tuple[str, ...] = (
    "O", "ID", *COMPARISON_TAGS, *CHANGE_TAGS, "TOPK", "DECADE", *RANGE_TAGS,
    "ARG", "FTRUE", "FFALSE", "CTRUE", "CFALSE", "FVALUE", "CVALUE", *CLASS_TAGS,
    *SPLIT_TAGS, "MISSING",
    "UNSUPPORTED",  # rows chosen by what no filter can say (a regression's predicted values)  # words of a condition the table cannot answer (a feature or value it lacks)
)
TAG_INDEX = {tag: i for i, tag in enumerate(TAGS)}
FILTER_TAGS = frozenset({"ID", *COMPARISON_TAGS, "DECADE", "FTRUE", "FFALSE", "FVALUE",
                         *CLASS_TAGS, *SPLIT_TAGS})
CHANGE_TAG_SET = frozenset({*CHANGE_TAGS, "CTRUE", "CFALSE", "CVALUE"})
LINKED_TAGS = frozenset({*COMPARISON_TAGS, *CHANGE_TAGS, "DECADE"})

# Which tags each kind of token may take (a plain word only selects by class, or nothing).
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "word": frozenset({"O", *CLASS_TAGS, *SPLIT_TAGS, "MISSING", "UNSUPPORTED"}),
    "number": frozenset({"O", "ID", *COMPARISON_TAGS, *CHANGE_TAGS, "TOPK", "DECADE", *RANGE_TAGS,
                         *CLASS_TAGS, "UNSUPPORTED"}),
    "id": frozenset({"O", "ID"}),
    "feature:numeric": frozenset({"O", "ARG"}),
    "feature:boolean": frozenset({"O", "ARG", "FTRUE", "FFALSE", "CTRUE", "CFALSE"}),
    "feature:categorical": frozenset({"O", "ARG"}),
    "value": frozenset({"O", "FVALUE", "CVALUE"}),
    "class": frozenset({"O", *CLASS_TAGS}),
    "target": frozenset({"O"}),
}

def _constant(clause: p.Clause) -> Callable[[str | int | None], p.Clause]:
    return lambda _argument: clause


# The operation labels the model predicts, in the model's order, each with the clause it stands
# for: built from the operation's feature (``ARGUMENT_OPERATIONS``), its top K, or nothing. This
# table is the one place a label meets its clause (``operation_clause``, ``operation_name``).
LABEL_CLAUSES: dict[str, Callable[[str | int | None], p.Clause]] = {
    "predict": _constant(p.Predict()), "likelihood": _constant(p.Likelihood()),
    **{f"explain {m}": _constant(p.Explain(m))
       for m in ("features", "shap", "lime", "ig", "cfe")},
    "important topk": lambda k: p.ImportantTopK(int(k)),  # type: ignore[arg-type]
    "important top1": _constant(p.ImportantTopK(1)), "important all": _constant(p.ImportantAll()),
    "important feature": lambda f: p.ImportantFeature(str(f)), "interact": _constant(p.Interact()),
    "dependence": lambda f: p.Dependence(str(f)), "show": _constant(p.Show()),
    "label": _constant(p.ShowLabel()), "countdata": _constant(p.CountData()),
    "data": _constant(p.DataSummary()), "statistic feature": lambda f: p.Statistic(str(f)),
    "statistic target": _constant(p.Statistic(None)), "define": lambda f: p.Define(str(f)),
    **{f"mistake {k}": _constant(p.Mistake(k))
       for k in ("count", "sample", "typical")},
    **{f"score {m}": _constant(p.Score(m)) for m in p.METRICS},
    "model": _constant(p.ModelInfo()), "function": _constant(p.Function()),
    "self": _constant(p.SelfInfo()), "followup": _constant(p.FollowUp()),
    "previousoperation": _constant(p.PreviousOperation()),
}
METRIC_OPERATIONS = tuple(f"score {m}" for m in p.METRICS)
OPERATIONS: tuple[str, ...] = (
    *LABEL_CLAUSES,
    "courtesy",  # a thank-you with no question: no program, a friendly reply
    "nonsense",  # no question about the data or the model at all: decline
)
OPERATION_INDEX = {op: i for i, op in enumerate(OPERATIONS)}
ARGUMENT_OPERATIONS = frozenset({"important feature", "statistic feature", "define",
                                 "dependence"})
# labels found by the clause's type alone: those built from an argument
_LABEL_BY_TYPE: dict[type, str] = {p.ImportantTopK: "important topk",
                                   p.ImportantFeature: "important feature",
                                   p.Statistic: "statistic feature", p.Define: "define",
                                   p.Dependence: "dependence"}
# labels of the clauses that take no argument; "important top1" is read as top K, with K = 1
_LABEL_OF_CLAUSE: dict[p.Clause, str] = {
    build(None): name for name, build in LABEL_CLAUSES.items()
    if name not in ARGUMENT_OPERATIONS and name not in {"important topk", "important top1"}}
MAX_OPERATIONS = 3

LINK_NONE = -1  # no feature: the number is not about a feature
LINK_AGE = -2  # the table's age column ("people over 60")
LINK_PREVIOUS = -3  # the feature of the previous turn's last numeric clause ("make that 280")
SPECIAL_LINKS = (LINK_NONE, LINK_AGE, LINK_PREVIOUS)


class AssemblyError(ValueError):
    """The decisions do not make a program (a threshold with no feature, a missing argument)."""


@dataclass(frozen=True)
class Decisions:
    """Everything the model decides about one question (per-token lists align with tokens)."""

    operations: tuple[str, ...]
    tags: tuple[str, ...]
    links: tuple[int, ...]  # per token: a feature mention's first token, or a LINK_* value
    joins: tuple[str, ...]  # per token: the join before the filter starting here
    segments: tuple[int, ...]  # per token: the operation a change starting here comes before
    previous_filter: bool = False
    carry_changes: bool = False
    correction: bool = False


def token_kind(mention: Mention | None) -> str:
    """The kind of a token for ``ALLOWED_TAGS``."""
    if mention is None:
        return "word"
    if mention.kind == "feature":
        return f"feature:{mention.feature_kind}"
    return mention.kind


def operation_name(clause: p.Clause) -> str | None:
    """The operation label of an operation clause (None for filters and changes)."""
    return _LABEL_OF_CLAUSE.get(clause) or _LABEL_BY_TYPE.get(type(clause))
