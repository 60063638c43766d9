"""Scripted dialogue tests: YAML files that pin what a conversation about a model must say.

A script names a dataset (a CSV next to it, or the built-in demo) and a model (a saved file, or
``train: gradient_boosting`` for a deterministic one; see ``TRAINABLE``, which includes
regressors), then lists dialogues. Each turn gives the
user's message, optionally the program it must parse to, and *facts*: things the answer must
state, computed independently of the assistant with pandas / scikit-learn::

    dataset:
      csv: clinic.csv            # relative to this YAML file (or: demo: true)
      target: heart_disease
      index_col: patient_id      # a column name or a 0-based position
      train: gradient_boosting   # or model: model.skops (trusted: true for pickle/joblib);
      train_fraction: 0.7        # with neither, the default model is trained as in the app
      drop: [sex]                # optional: columns removed before anything else
      class_names: {0: healthy, 1: heart disease}       # optional, as in from_frame
      feature_descriptions: {bmi: body-mass index}     # optional, as in from_frame
    dialogues:
      - name: older-patients
        turns:
          - user: how many patients are older than 50?
            parse: filter age greater than 50 and countdata [E]
            facts:
              - count: (data.age > 50).sum()
              - contains: "50"

Fact expressions are Python, evaluated with ``data`` (the DataFrame indexed by id), ``X`` (the
features), ``y`` (the target), ``model`` (the fitted model), ``pred`` (its predictions, a Series
indexed like ``data``), ``proba`` (class probabilities, one column per class), ``wrong``
(``pred != y``; for a regressor ``abs_error``, ``|pred - y|``, instead), ``heldout`` (True for the
rows the model was not trained on, where scores are measured by default; all True when that is
not known), ``np``, ``pd`` and ``metrics`` (``sklearn.metrics``). Scripts are test code written by the user, so they are trusted like any
test file. Fact kinds:

* ``count: expr`` - an integer the answer states exactly (digits or a word like "three").
* ``number: expr`` - a number (or each of a list of numbers) the answer states, format-tolerant:
  0.8312 matches "0.83", "83%" and "83.1%", never a coarser rounding than about 1%.
* ``contains: text`` / ``contains_any: [texts]`` / ``not_contains: text`` - case-insensitive.
* ``contains_value: expr`` - the text of a computed value (e.g. a class name) appears.
* ``table_rows: expr`` - the reply has a table with that many rows.
* ``has_figure: true|false``, ``ok: true|false``, ``has_options: true|false``,
  ``has_followup: true|false``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dialogue.conversation import Conversation, Reply
from dialogue.demo import demo_workspace
from dialogue.workspace import Workspace
from explainers import load_model
from grammar import ParseContext
from grammar.language import parse_program

FACT_KINDS = (
    "count", "number", "contains", "contains_any", "not_contains", "contains_value",
    "table_rows", "has_figure",
    "ok", "has_options", "has_followup",
)
TRAINABLE = ("gradient_boosting", "random_forest", "logistic_regression",
             "plain_logistic_regression", "gradient_boosting_regressor",
             "random_forest_regressor", "linear_regression", "hist_gradient_boosting",
             "xgboost")

# Stating a number more coarsely than this (relative to its size) does not count as stating it,
# unless it is shown to two decimals / a whole percent (0.143 as "14%").
RELATIVE_PRECISION = 0.05
ABSOLUTE_PRECISION = 0.005

_NUMBER_WORDS = {
    "zero": 0, "none": 0, "nobody": 0, "no one": 0, "one": 1, "a single": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
_NUMBER_RE = re.compile(
    r"(?P<sign>[-\u2212])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<pct>\s?%)?"
)


class ScriptError(ValueError):
    """The YAML file is not a valid dialogue script (says where and why)."""


class ScriptSkipped(Exception):
    """The script cannot run here (e.g. its dataset file is absent); not a failure."""


# ------------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class Fact:
    """One thing a reply must state; ``value`` is an expression, text or flag per ``kind``."""

    kind: str
    value: Any

    def describe(self) -> str:
        return f"{self.kind}: {self.value!r}"


@dataclass(frozen=True)
class TurnSpec:
    user: str
    parse: str | None = None
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class DialogueSpec:
    name: str
    turns: tuple[TurnSpec, ...]


@dataclass(frozen=True)
class DatasetSpec:
    """Where the data and the model come from; paths are already resolved."""

    demo: bool = False
    csv: Path | None = None
    target: str | None = None
    index_col: str | int | None = None
    model: Path | None = None
    train: str | None = None
    train_fraction: float = 1.0
    trusted: bool = False
    drop: tuple[str, ...] = ()
    class_names: tuple[tuple[Any, str], ...] | None = None
    feature_descriptions: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class ScriptSpec:
    path: Path
    dataset: DatasetSpec
    dialogues: tuple[DialogueSpec, ...]


def _require(condition: bool, path: Path, message: str) -> None:
    if not condition:
        raise ScriptError(f"{path}: {message}")


def _parse_fact(raw: object, path: Path, where: str) -> Fact:
    _require(isinstance(raw, Mapping) and len(raw) == 1, path,
             f"{where}: each fact is a one-key mapping such as '- count: expr'")
    assert isinstance(raw, Mapping)
    ((kind, value),) = raw.items()
    _require(kind in FACT_KINDS, path,
             f"{where}: unknown fact {kind!r}; known facts are {', '.join(FACT_KINDS)}")
    if kind in ("count", "number", "table_rows", "contains_value"):
        _require(isinstance(value, (str, int, float, list)), path,
                 f"{where}: {kind} needs an expression")
    if kind in ("has_figure", "ok", "has_options", "has_followup"):
        _require(isinstance(value, bool), path, f"{where}: {kind} needs true or false")
    if kind in ("contains", "contains_any", "not_contains"):
        _require(isinstance(value, (str, int, float, list)), path, f"{where}: {kind} needs text")
    return Fact(str(kind), value)


def _parse_dataset(raw: object, path: Path) -> DatasetSpec:
    _require(isinstance(raw, Mapping), path, "'dataset' must be a mapping")
    assert isinstance(raw, Mapping)
    known = {"demo", "csv", "target", "index_col", "model", "train", "train_fraction", "trusted",
             "drop", "class_names", "feature_descriptions"}
    unknown = set(raw) - known
    _require(not unknown, path, f"unknown dataset keys: {', '.join(sorted(map(str, unknown)))}")
    base = path.parent
    if raw.get("demo"):
        return DatasetSpec(demo=True)
    _require("csv" in raw and "target" in raw, path,
             "the dataset needs 'csv' and 'target' (or 'demo: true')")
    train = raw.get("train")
    _require(train is None or train in TRAINABLE, path,
             f"'train' must be one of {', '.join(TRAINABLE)}")
    _require(not (train and raw.get("model")), path, "give either 'model' or 'train', not both")
    index_col = raw.get("index_col")
    drop = raw.get("drop") or []
    _require(isinstance(drop, list), path, "'drop' must be a list of column names")
    names = raw.get("class_names")
    _require(names is None or isinstance(names, Mapping), path,
             "'class_names' must map each class label to its name")
    descriptions = raw.get("feature_descriptions")
    _require(descriptions is None or isinstance(descriptions, Mapping), path,
             "'feature_descriptions' must map feature names to descriptions")
    return DatasetSpec(
        csv=(base / str(raw["csv"])).resolve(),
        target=str(raw["target"]),
        index_col=index_col if isinstance(index_col, int) or index_col is None
        else str(index_col),
        model=(base / str(raw["model"])).resolve() if raw.get("model") else None,
        train=train,
        train_fraction=float(raw.get("train_fraction", 1.0)),
        trusted=bool(raw.get("trusted", False)),
        drop=tuple(str(c) for c in drop),
        class_names=None if names is None else tuple((k, str(v)) for k, v in names.items()),
        feature_descriptions=None if descriptions is None
        else tuple((str(k), str(v)) for k, v in descriptions.items()),
    )


def parse_script(data: object, path: Path) -> ScriptSpec:
    """Validate a loaded YAML document as a script (``ScriptError`` says what is wrong)."""
    _require(isinstance(data, Mapping), path, "a script is a mapping with 'dataset' and "
             "'dialogues'")
    assert isinstance(data, Mapping)
    _require("dataset" in data and "dialogues" in data, path,
             "a script needs 'dataset' and 'dialogues'")
    dataset = _parse_dataset(data["dataset"], path)
    dialogues = parse_dialogues(data["dialogues"], path)
    return ScriptSpec(path=path, dataset=dataset, dialogues=dialogues)


def parse_dialogues(raw: object, path: Path) -> tuple[DialogueSpec, ...]:
    """A list of ``{name, turns: [{user, parse?, facts?}]}`` (also the dev-set format)."""
    _require(isinstance(raw, list) and raw, path, "'dialogues' must be a non-empty list")
    assert isinstance(raw, list)
    dialogues: list[DialogueSpec] = []
    names: set[str] = set()
    for number, item in enumerate(raw, start=1):
        _require(isinstance(item, Mapping) and isinstance(item.get("turns"), list), path,
                 f"dialogue {number} needs 'turns' (a list)")
        name = str(item.get("name") or f"dialogue-{number}")
        _require(name not in names, path, f"two dialogues are called {name!r}")
        names.add(name)
        turns: list[TurnSpec] = []
        for turn_number, turn in enumerate(item["turns"], start=1):
            where = f"{name}, turn {turn_number}"
            _require(isinstance(turn, Mapping) and "user" in turn, path,
                     f"{where}: each turn needs 'user' (the message)")
            _require(isinstance(turn["user"], str), path,
                     f"{where}: 'user' must be text; quote it (YAML reads yes/no/on/off and "
                     "numbers as other types)")
            facts_raw = turn.get("facts") or []
            _require(isinstance(facts_raw, list), path, f"{where}: 'facts' must be a list")
            parse = turn.get("parse")
            turns.append(TurnSpec(
                user=turn["user"],
                parse=None if parse is None else str(parse),
                facts=tuple(_parse_fact(f, path, where) for f in facts_raw),
            ))
        dialogues.append(DialogueSpec(name=name, turns=tuple(turns)))
    return tuple(dialogues)


def load_script(path: str | Path) -> ScriptSpec:
    """Read and validate a script file (does not load data or models)."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{file}: cannot read the script: {exc}") from exc
    return parse_script(data, file)


# ------------------------------------------------------------------------- comparison
def normalize_program(text: str) -> str:
    """Programs compare as token sequences: whitespace and the optional ``[E]`` do not matter."""
    tokens = text.strip().split()
    if tokens and tokens[-1] == "[E]":
        tokens = tokens[:-1]
    return " ".join(token.lower() for token in tokens) + " [E]" if tokens else ""


def _stated_numbers(text: str) -> list[tuple[float, float]]:
    """Every number in ``text`` as (value, half a unit in its last shown digit)."""
    found: list[tuple[float, float]] = []
    for match in _NUMBER_RE.finditer(text):
        raw = match.group("num").replace(",", "")
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        value = float(raw)
        start = match.start()
        signed = match.group("sign") is not None and not (
            start > 0 and text[start - 1].isalnum())  # "50-60" is a range, not -60
        if signed:
            value = -value
        half_unit = 0.5 * 10.0 ** -decimals
        found.append((value, half_unit))
        if match.group("pct"):
            found.append((value / 100.0, half_unit / 100.0))
    lowered = text.lower()
    for word, number in _NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            found.append((float(number), 0.0))
    return found


def states_number(text: str, expected: float) -> bool:
    """Does ``text`` state ``expected``, up to rounding to the digits it shows?"""
    if isinstance(expected, bool):
        expected = float(expected)
    expected = float(expected)
    if math.isnan(expected):
        return "nan" in text.lower() or "undefined" in text.lower()
    scale = max(abs(expected), 1e-12)
    for value, half_unit in _stated_numbers(text):
        if abs(value - expected) <= 1e-9 * max(1.0, abs(expected)):
            return True
        coarse_enough = half_unit <= max(RELATIVE_PRECISION * scale, ABSOLUTE_PRECISION)
        if coarse_enough and abs(value - expected) <= half_unit * (1 + 1e-9):
            return True
    return False


def states_count(text: str, expected: int) -> bool:
    """An integer stated exactly (``1,234``, ``1234`` or a small number word)."""
    return any(abs(value - expected) < 1e-9 for value, _ in _stated_numbers(text))


# ------------------------------------------------------------------------ environment
@dataclass(frozen=True, eq=False)
class ScriptEnvironment:
    """The data and model a script runs against, plus the workspace conversations share."""

    workspace: Workspace
    data: pd.DataFrame  # indexed by id
    X: pd.DataFrame
    y: pd.Series
    model: Any

    def conversation(self) -> Conversation:
        return Conversation(self.workspace)

    def namespace(self) -> dict[str, Any]:
        """What fact expressions can use (predictions computed here, straight from the model)."""
        import numpy as np
        import pandas as pd
        from sklearn import metrics

        pred = pd.Series(np.asarray(self.model.predict(self.X)), index=self.X.index)
        proba = None
        classifier = hasattr(self.model, "predict_proba")
        if classifier:
            proba = pd.DataFrame(np.asarray(self.model.predict_proba(self.X)),
                                 index=self.X.index,
                                 columns=list(getattr(self.model, "classes_", [])) or None)
        training = getattr(self.workspace, "training", None)
        if training is not None and len(training.trained) == len(self.X):
            heldout = pd.Series(~training.trained, index=self.X.index)
        else:
            heldout = pd.Series(True, index=self.X.index)
        return {"data": self.data, "X": self.X, "y": self.y, "model": self.model, "np": np,
                "pd": pd, "metrics": metrics, "pred": pred, "proba": proba, "heldout": heldout,
                "wrong": pred != self.y if classifier else None,
                "abs_error": None if classifier else (pred - self.y).abs()}


def train_model(kind: str, X: Any, y: Any, train_fraction: float = 1.0) -> Any:
    """A deterministic model: one-hot encoding of text columns plus the named estimator.

    With ``train_fraction`` < 1 it is fitted on a fixed random share of the rows (seed 0), so
    that the held-back rows show honest mistakes.
    """
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = [c for c in X.columns if not _is_numeric(X[c])]
    numeric = [c for c in X.columns if c not in categorical]
    scale = kind in ("logistic_regression", "linear_regression")
    preprocess = ColumnTransformer(
        [("categories", OneHotEncoder(handle_unknown="ignore"), categorical),
         ("numbers", make_pipeline(StandardScaler()) if scale else "passthrough", numeric)],
        remainder="drop",
    )
    estimators = {
        "gradient_boosting": lambda: GradientBoostingClassifier(random_state=0),
        "random_forest": lambda: RandomForestClassifier(n_estimators=200, random_state=0),
        "logistic_regression": lambda: LogisticRegression(max_iter=2000),
        "gradient_boosting_regressor": lambda: GradientBoostingRegressor(random_state=0),
        "random_forest_regressor": lambda: RandomForestRegressor(n_estimators=200,
                                                                 random_state=0),
        "linear_regression": LinearRegression,
        "hist_gradient_boosting": lambda: HistGradientBoostingClassifier(random_state=0),
        "xgboost": _xgboost_classifier,
    }
    if kind == "plain_logistic_regression":  # numbers only, as a user would fit it by hand
        model: Any = LogisticRegression(max_iter=5000)
    else:
        model = Pipeline([("preprocess", preprocess), ("model", estimators[kind]())])
    if train_fraction < 1.0:
        order = np.random.default_rng(0).permutation(len(X))
        rows = np.sort(order[: max(2, int(round(len(X) * train_fraction)))])
        return model.fit(X.iloc[rows], y.iloc[rows])
    return model.fit(X, y)


def _xgboost_classifier() -> Any:
    """XGBoost as users fit it: small, single-threaded and seeded so that tests repeat."""
    from xgboost import XGBClassifier

    return XGBClassifier(n_estimators=100, max_depth=3, learning_rate=0.1, n_jobs=1,
                         random_state=0)


def _is_numeric(series: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _id_column(frame: Any, index_col: str | int | None) -> str | None:
    if index_col is None:
        return None
    if isinstance(index_col, int):
        if not 0 <= index_col < len(frame.columns):
            raise ScriptError(f"there is no column at position {index_col}")
        return str(frame.columns[index_col])
    if index_col not in frame.columns:
        raise ScriptError(f"the id column {index_col!r} is not in the data")
    return index_col


def build_environment(spec: DatasetSpec) -> ScriptEnvironment:
    """Load the data, obtain the model and build the shared workspace (slow: do it once)."""
    if spec.demo:
        workspace = demo_workspace()
        return ScriptEnvironment(workspace, workspace.frame, workspace.X, workspace.y,
                                 workspace.model)
    import pandas as pd

    assert spec.csv is not None and spec.target is not None
    if not spec.csv.is_file():
        raise ScriptSkipped(f"the dataset {spec.csv} is not here")
    raw = pd.read_csv(spec.csv)
    missing = [c for c in spec.drop if c not in raw.columns]
    if missing:
        raise ScriptError(f"cannot drop {', '.join(missing)}: not in {spec.csv}")
    raw = raw.drop(columns=list(spec.drop))
    id_column = _id_column(raw, spec.index_col)
    data = raw.set_index(id_column) if id_column is not None else raw
    if spec.target not in data.columns:
        raise ScriptError(f"the target column {spec.target!r} is not in {spec.csv}")
    X = data.drop(columns=[spec.target])
    y = data[spec.target]
    extras = {"class_names": dict(spec.class_names) if spec.class_names else None,
              "feature_descriptions": dict(spec.feature_descriptions)
              if spec.feature_descriptions else None}
    if spec.model is None and spec.train is None:
        if spec.drop or spec.class_names or spec.feature_descriptions:
            raise ScriptError("'drop', 'class_names' and 'feature_descriptions' need a "
                              "'model' or 'train'")
        workspace = Workspace.from_files(spec.csv, spec.target, index_col=id_column)
        return ScriptEnvironment(workspace, data, X, y, workspace.model)
    if spec.train:
        model = train_model(spec.train, X, y, spec.train_fraction)
    else:
        assert spec.model is not None
        if not spec.model.is_file():
            raise ScriptSkipped(f"the model file {spec.model} is not here")
        model = load_model(spec.model, trusted=spec.trusted)
    workspace = Workspace(raw, spec.target, model, index_col=id_column, **extras)
    return ScriptEnvironment(workspace, data, X, y, model)


# ---------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class FactOutcome:
    fact: Fact
    passed: bool
    detail: str


@dataclass(frozen=True)
class TurnOutcome:
    """What happened on one scripted turn, and whether it matched the script."""

    script: str
    dialogue: str
    turn: int  # 1-based
    user: str
    expected_parse: str | None
    parse: str
    text: str
    facts: tuple[FactOutcome, ...] = ()
    error: str | None = None  # the conversation raised instead of replying

    @property
    def parse_matches(self) -> bool:
        if self.expected_parse is None:
            return True
        return normalize_program(self.parse) == normalize_program(self.expected_parse)

    @property
    def answer_passed(self) -> bool:
        """The reply stated every fact (whatever the parser read)."""
        return self.error is None and all(f.passed for f in self.facts)

    @property
    def passed(self) -> bool:
        return self.answer_passed and self.parse_matches

    def problems(self) -> list[str]:
        found: list[str] = []
        if self.error is not None:
            found.append(f"error: {self.error}")
        if not self.parse_matches:
            found.append(f"parse: expected {normalize_program(self.expected_parse or '')!r}, "
                         f"got {normalize_program(self.parse)!r}")
        found.extend(f"fact {f.fact.describe()} failed: {f.detail}"
                     for f in self.facts if not f.passed)
        return found


def format_outcome(outcome: TurnOutcome) -> str:
    status = "PASS" if outcome.passed else "FAIL"
    lines = [f"{status} {outcome.script} / {outcome.dialogue} / turn {outcome.turn}: "
             f"{outcome.user!r}"]
    lines.extend(f"    {problem}" for problem in outcome.problems())
    if not outcome.passed:
        answer = " ".join(outcome.text.split())
        lines.append(f"    answer: {answer[:400]}")
    return "\n".join(lines)


def _evaluate(expression: Any, namespace: Mapping[str, Any]) -> Any:
    if isinstance(expression, str):
        return eval(expression, {"__builtins__": __builtins__}, dict(namespace))  # noqa: S307
    return expression


def _as_numbers(value: Any) -> list[float]:
    import numpy as np

    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [float(np.asarray(v).item()) for v in value]
    return [float(value)]


def check_fact(fact: Fact, reply: Reply, namespace: Mapping[str, Any]) -> FactOutcome:
    """Check one fact against a ``Reply``; an expression that fails is reported, not raised."""
    text = reply.text or ""
    try:
        if fact.kind in ("count", "table_rows"):
            expected = int(round(float(_as_numbers(_evaluate(fact.value, namespace))[0])))
            if fact.kind == "count":
                ok = states_count(text, expected)
                return FactOutcome(fact, ok, f"expected the answer to state {expected}")
            rows = None if reply.table is None else len(reply.table)
            return FactOutcome(fact, rows == expected,
                               f"expected a table of {expected} rows, got {rows}")
        if fact.kind == "number":
            values = [_as_numbers(_evaluate(item, namespace)) for item in
                      (fact.value if isinstance(fact.value, list) else [fact.value])]
            expected_all = [v for group in values for v in group]
            missing = [v for v in expected_all if not states_number(text, v)]
            return FactOutcome(fact, not missing,
                               f"the answer does not state {', '.join(f'{v:.4g}' for v in missing)}"
                               if missing else "stated")
        if fact.kind == "contains_value":
            wanted = str(_evaluate(fact.value, namespace))
            return FactOutcome(fact, wanted.lower() in text.lower(),
                               f"expected the answer to contain {wanted!r}")
        if fact.kind in ("contains", "contains_any", "not_contains"):
            needles = [str(v) for v in (fact.value if isinstance(fact.value, list)
                                        else [fact.value])]
            present = [n for n in needles if n.lower() in text.lower()]
            if fact.kind == "contains":
                ok = len(present) == len(needles)
            elif fact.kind == "contains_any":
                ok = bool(present)
            else:
                ok = not present
            return FactOutcome(fact, ok, f"found {present!r} of {needles!r}")
        flags = {
            "has_figure": bool(getattr(reply, "charts", None) or getattr(reply, "figures", None)),
            "ok": bool(reply.ok),
            "has_options": bool(reply.options),
            "has_followup": reply.followup is not None,
        }
        actual = flags[fact.kind]
        return FactOutcome(fact, actual == fact.value, f"{fact.kind} is {actual}")
    except Exception as exc:  # noqa: BLE001 - a broken fact expression is a reported failure
        return FactOutcome(fact, False, f"could not evaluate the fact: {type(exc).__name__}: {exc}")


# ------------------------------------------------------------------------------ runner
@dataclass
class ScriptRunner:
    """Runs scripts; environments (data + model + workspace) are built once per dataset."""

    _environments: dict[DatasetSpec, ScriptEnvironment] = field(default_factory=dict)

    def environment(self, spec: DatasetSpec) -> ScriptEnvironment:
        if spec not in self._environments:
            self._environments[spec] = build_environment(spec)
        return self._environments[spec]

    def run_dialogue(self, script: ScriptSpec, dialogue: DialogueSpec, *,
                     answer_from: str = "parser") -> list[TurnOutcome]:
        """One fresh conversation through every turn of ``dialogue``.

        ``answer_from="parser"`` answers each message as a user would get it (end to end).
        ``answer_from="script"`` still records what the parser reads, but answers a turn that
        states its program by running that program: the facts then pin the engines and the
        prose exactly, while the learned parser's reading is scored as a rate over all turns
        (one misread turn would otherwise also fail every fact after it)."""
        if answer_from not in ("parser", "script"):
            raise ValueError("answer_from is 'parser' or 'script'")
        environment = self.environment(script.dataset)
        conversation = environment.conversation()
        namespace = environment.namespace()
        outcomes: list[TurnOutcome] = []
        for number, turn in enumerate(dialogue.turns, start=1):
            try:
                if answer_from == "script" and _readable(conversation, turn.parse):
                    parse = _reading(conversation, turn.user)
                    reply = conversation.run_program(turn.parse)
                else:
                    reply = conversation.ask(turn.user)
                    parse = reply.parse or ""
            except Exception as exc:  # noqa: BLE001 - reported as the turn's outcome
                outcomes.append(TurnOutcome(
                    script.path.name, dialogue.name, number, turn.user, turn.parse, "", "",
                    error=f"{type(exc).__name__}: {exc}"))
                continue
            facts = tuple(check_fact(fact, reply, namespace) for fact in turn.facts)
            outcomes.append(TurnOutcome(
                script.path.name, dialogue.name, number, turn.user, turn.parse,
                parse, reply.text or "", facts))
        return outcomes

    def run_script(self, path: str | Path) -> list[TurnOutcome]:
        script = load_script(path)
        outcomes: list[TurnOutcome] = []
        for dialogue in script.dialogues:
            outcomes.extend(self.run_dialogue(script, dialogue))
        return outcomes


def _readable(conversation: Conversation, program: str | None) -> bool:
    """Whether a scripted program is one the table accepts (one naming, say, an id the table
    lacks is answered from the message, as the user would be answered)."""
    if program is None:
        return False

    try:
        parse_program(program, conversation.workspace.schema)
    except Exception:  # noqa: BLE001 - any rejection means: answer from the message
        return False
    return True


def _reading(conversation: Conversation, message: str) -> str:
    """What the conversation's parser reads ``message`` as, in the conversation's context."""
    parsed = conversation.parser.parse(message.strip(), ParseContext(
        previous=conversation.previous_program,
        offered_followup=conversation.offered is not None))
    return str(parsed.program) if parsed.program is not None else ""


def run_script(path: str | Path) -> list[TurnOutcome]:
    """Run every dialogue of one script; raises ``ScriptSkipped`` when its data is absent."""
    return ScriptRunner().run_script(path)


def failures(outcomes: Sequence[TurnOutcome]) -> list[str]:
    """Readable descriptions of every failed turn (empty when all passed)."""
    return [format_outcome(o) for o in outcomes if not o.passed]
