"""Parse-language text -> typed ``Program``, with lark grammars specialised per dataset.

Two grammars come from ``parse_language.lark``:

* the generic grammar, with FEATURE/VALUE/LABEL/ROWID/METRIC terminals. ``parse_program`` always
  parses with it and then checks the program against the dataset's schema, because a separate
  check can say *why* a program is wrong ("'glucose' is not a feature ...") where a specialised
  grammar could only say "unexpected token".
* ``dataset_grammar(schema)``, where features, values, class labels, metrics and ids are literal
  alternatives, so that every string it accepts is a valid program for the dataset. It is meant
  for grammar-constrained decoding with lark's interactive LALR parser.

Input is read leniently (runs of whitespace, any letter case, a missing ``[E]``); the result is
always the canonical ``Program``, whose text (``grammar.program.to_text``) is canonical too.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from rapidfuzz import process

from grammar import program as p
from grammar.errors import (
    FeatureKindError,
    ProgramError,
    ProgramSyntaxError,
    UnknownFeatureError,
    UnknownValueError,
)
from grammar.schema import DatasetSchema, Feature, canonical_name

__all__ = [
    "FeatureKindError",
    "ProgramError",
    "ProgramGrammar",
    "ProgramSyntaxError",
    "UnknownFeatureError",
    "UnknownValueError",
    "dataset_grammar",
    "parse_program",
]

GRAMMAR_PATH = Path(__file__).with_name("parse_language.lark")
_SECTION_MARKER = "// ---- DATASET SECTION"

# Id sets up to this size become one literal alternation; a contiguous range of non-negative
# integers (the usual row numbers) becomes an exact range regex at any size. Anything else larger
# is written as a generic word regex and checked after parsing (see ``dataset_grammar``).
MAX_LITERAL_IDS = 5000

# Human names for the generic terminals, used in syntax-error messages.
_TERMINAL_NAMES = {
    "_SP": "a space",
    "FEATURE": "a feature name",
    "METRIC": "a metric name",
    "VALUE": "a value",
    "CLASSLABEL": "a class label",
    "ROWID": "a row id",
    "NUMBER": "a number",
    "INT": "a whole number (1 or more)",
    "JOIN": "'and', 'or'",
    "_END": "'[E]'",
    "$END": "the end of the program",
}


# ----------------------------------------------------------------------------- grammar text
def _grammar_parts() -> tuple[str, str]:
    text = GRAMMAR_PATH.read_text(encoding="utf-8")
    common, marker, rest = text.partition(_SECTION_MARKER)
    if not marker:
        raise RuntimeError(f"{GRAMMAR_PATH} has no dataset section marker")
    return common, marker + rest


def generic_grammar() -> str:
    """The grammar text with generic terminals (any feature name, value, label, id)."""
    common, section = _grammar_parts()
    return common + section


def _literal(word: str) -> str:
    """A case-insensitive lark string literal for ``word``."""
    escaped = word.lower().replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"i'


def _alternatives(words: list[str] | tuple[str, ...]) -> str:
    unique = list(dict.fromkeys(w.lower() for w in words if w))
    return " | ".join(_literal(w) for w in unique)


def _range_chunks(lo: int, hi: int) -> list[tuple[int, int, int]]:
    """Split [lo, hi] (lo >= 1) into (start, end, k): same leading digits, then k free digits."""
    chunks = []
    start = lo
    while start <= hi:
        k = 0
        while start % 10 ** (k + 1) == 0 and start + 10 ** (k + 1) - 1 <= hi:
            k += 1
        step = 10**k
        end = start + step - 1
        while end + step <= hi and (end + 1) % (step * 10) != 0:
            end += step
        chunks.append((start, end, k))
        start = end + 1
    return chunks


def integer_range_regex(lo: int, hi: int) -> str:
    """A regex matching exactly the decimal integers lo..hi (no leading zeros), longest first."""
    if lo < 0 or hi < lo:
        raise ValueError("integer_range_regex needs 0 <= lo <= hi")
    parts: list[tuple[int, str]] = []
    if lo == 0:
        parts.append((1, "0"))
        lo = 1
    if lo <= hi:
        for start, end, k in _range_chunks(lo, hi):
            prefix = str(start // 10 ** (k + 1)) if start >= 10 ** (k + 1) else ""
            first, last = (start // 10**k) % 10, (end // 10**k) % 10
            digit = str(first) if first == last else f"[{first}-{last}]"
            tail = "" if k == 0 else ("[0-9]" if k == 1 else f"[0-9]{{{k}}}")
            parts.append((len(prefix) + 1 + k, prefix + digit + tail))
    parts.sort(key=lambda item: -item[0])  # longer numbers first: "400" before "40"
    return "(?:" + "|".join(regex for _, regex in parts) + ")"


def _id_terminal(ids: tuple[str, ...]) -> tuple[str, bool]:
    """The ROWID regex for these ids, and whether it is exact (False: parse must post-check)."""
    unique = list(dict.fromkeys(ids))
    if unique and all(re.fullmatch(r"0|[1-9][0-9]*", i) for i in unique):
        numbers = sorted(int(i) for i in unique)
        if numbers[-1] - numbers[0] + 1 == len(numbers):
            return integer_range_regex(numbers[0], numbers[-1]), True
    if unique and len(unique) <= MAX_LITERAL_IDS and all(" " not in i for i in unique):
        ordered = sorted({i.lower() for i in unique}, key=lambda i: (-len(i), i))
        return "(?:" + "|".join(re.escape(i) for i in ordered) + ")", True
    return r"(?!\[e\](?: |$))[^ ]+", False


def _lark_regex(regex: str) -> str:
    return "/" + regex.replace("/", "\\/") + "/i"


# Keywords that share a position with feature names: a feature spelled like one of them cannot be
# named in that position (the generic parser reads the keyword there too).
_RESERVED_AFTER_FILTER = frozenset({"id", "labelfilter", "predictionfilter"})
_RESERVED_AFTER_IMPORTANT = frozenset({"topk", "all"})
_RESERVED_AFTER_STATISTIC = frozenset({"target"})


def dataset_grammar(schema: DatasetSchema) -> str:
    """The lark grammar text specialised to ``schema`` (LALR, contextual lexer).

    Feature names, each categorical feature's values, class labels and metrics are literal
    alternatives, and numeric / boolean / categorical features have their own rules, so a string
    the grammar accepts names only real features with values of the right kind. Ids are one
    ROWID regex terminal: an exact integer-range regex for contiguous numeric ids (row numbers),
    else a literal alternation up to ``MAX_LITERAL_IDS`` ids. Only for larger, irregular id sets
    is ROWID a generic word, and then ``ProgramGrammar`` checks the id after parsing.
    A feature spelled like a keyword (``id``, ``labelfilter``, ``predictionfilter`` after
    ``filter``; ``topk``/``all`` after ``important``; ``target`` after ``statistic``) is left
    out in that position, as the generic parser reads the keyword there.
    """
    common, _ = _grammar_parts()
    by_kind = {
        kind: [f for f in schema.features if f.kind == kind and (kind != "categorical" or f.values)]
        for kind in ("numeric", "boolean", "categorical")
    }
    id_regex, _ = _id_terminal(schema.ids)
    rules: list[str] = [
        'idfilter: "filter"i _SP "id"i _SP rowid',
        "rowid: ROWID",
        f"ROWID: {_lark_regex(id_regex)}",
    ]
    filters, changes = ["idfilter"], []

    def add(rule: str, names: list[str]) -> bool:
        if names:
            rules.append(f"!{rule}: {_alternatives(names)}")
        return bool(names)

    for kind, short in (("numeric", "num"), ("boolean", "bool")):
        names = [f.canonical for f in by_kind[kind]]
        tail = "_SP comparison _SP number" if kind == "numeric" else "_SP boolean"
        change_tail = "_SP change_kind _SP number" if kind == "numeric" else "_SP boolean"
        if add(f"{short}feat", names):
            changes.append(f"{short}change")
            rules.append(f'{short}change: "change"i _SP {short}feat {change_tail}')
        if add(f"filter_{short}feat", [n for n in names if n not in _RESERVED_AFTER_FILTER]):
            filters.append(f"{short}filter")
            rules.append(f'{short}filter: "filter"i _SP filter_{short}feat {tail}')
    categorical = by_kind["categorical"]
    for feature in categorical:
        name = feature.canonical
        rules += [
            f"_cat_{name}: catfeat_{name} _SP catval_{name}",
            f"!catfeat_{name}: {_literal(name)}",
            f"!catval_{name}: {_alternatives(feature.values)}",
        ]
    if categorical:
        changes.append("catchange")
        choice = " | ".join(f"_cat_{f.canonical}" for f in categorical)
        rules.append(f'catchange: "change"i _SP ({choice})')
    filterable = [f for f in categorical if f.canonical not in _RESERVED_AFTER_FILTER]
    if filterable:
        filters.append("catfilter")
        choice = " | ".join(f"_cat_{f.canonical}" for f in filterable)
        rules.append(f'catfilter: "filter"i _SP ({choice})')
    if schema.task == "classification" and schema.class_labels:
        filters += ["labelfilter", "predictionfilter"]
        rules += [
            'labelfilter: "filter"i _SP "labelfilter"i _SP classlabel',
            'predictionfilter: "filter"i _SP "predictionfilter"i _SP classlabel',
            f"!classlabel: {_alternatives(schema.class_labels)}",
        ]
    filters += ["previousfilter", "splitfilter"]
    names = list(schema.canonical_names)
    if not add("feature", names):
        raise ValueError("a dataset grammar needs at least one feature")
    if not add("important_name", [n for n in names if n not in _RESERVED_AFTER_IMPORTANT]):
        rules.append("?important_name: feature")
    if not add("statistic_name", [n for n in names if n not in _RESERVED_AFTER_STATISTIC]):
        rules.append("?statistic_name: feature")
    rules.append(f"!metric: {_alternatives(p.METRICS)}")
    header = [
        "// ---- DATASET SECTION (generated by grammar.language.dataset_grammar) ----",
        "?filter: " + " | ".join(filters),
    ]
    if changes:
        header.append("?change: " + " | ".join(changes))
    else:
        common = common.replace(
            "?clause: filter | change | operation", "?clause: filter | operation"
        )
    return common + "\n".join(header + rules) + "\n"


# ----------------------------------------------------------------------------- tree -> Program
def _row_id(text: str) -> p.Number | str:
    """Integer-looking ids become ints (``filter id 12`` -> ``IdFilter(12)``); others stay text."""
    return int(text) if re.fullmatch(r"-?[0-9]+", text) else text


def _number(text: str) -> p.Number:
    """Exact: whole numbers are ints of any size; a fraction too large for a float keeps its
    whole part (``float`` would make it infinity)."""
    if "." not in text:
        return int(text)
    value = float(text)
    return value if math.isfinite(value) else int(Decimal(text))


# Grammar rules whose children are a clause's fields in order, and the clause they build (rules
# of the dataset grammar share these names). The transformer is made from this table.
RULE_CLAUSES: dict[str, type] = {
    "numfilter": p.NumericFilter, "boolfilter": p.BoolFilter, "catfilter": p.CategoryFilter,
    "labelfilter": p.LabelFilter, "predictionfilter": p.PredictionFilter,
    "previousfilter": p.PreviousFilter, "splitfilter": p.SplitFilter,
    "numchange": p.NumericChange, "boolchange": p.BoolChange, "catchange": p.CategoryChange,
    "predict": p.Predict, "likelihood": p.Likelihood, "explain": p.Explain,
    "important_all": p.ImportantAll, "important_feature": p.ImportantFeature,
    "interact": p.Interact, "dependence": p.Dependence, "show": p.Show,
    "show_label": p.ShowLabel, "countdata": p.CountData, "data_summary": p.DataSummary,
    "statistic": p.Statistic, "define": p.Define, "mistake": p.Mistake, "score": p.Score,
    "model_info": p.ModelInfo, "function": p.Function, "self_info": p.SelfInfo,
    "followup": p.FollowUp, "previousoperation": p.PreviousOperation,
}
# Rules that are a few keywords, read as those words in lower case ("greater equal than").
WORD_RULES = ("comparison", "change_kind", "explain_method", "mistake_kind", "split_kind")


class _ToProgram(Transformer):
    """Builds a Program from either grammar's tree, with words exactly as written: clauses from
    ``RULE_CLAUSES``, keyword rules from ``WORD_RULES``; the methods below are the exceptions."""

    def __default__(self, data, children, meta):
        clause = RULE_CLAUSES.get(data)
        if clause is not None:
            return clause(*children)
        if data in WORD_RULES:
            return " ".join(str(c).lower() for c in children if str(c).strip())
        if len(children) == 1 and isinstance(children[0], Token):  # feature, value, label, ...
            return str(children[0])
        raise ValueError(f"unexpected grammar rule {data!r}")

    def start(self, children):
        clauses = tuple(c for c in children if not isinstance(c, Token))
        joins = tuple(str(c).lower() for c in children if isinstance(c, Token))
        return p.Program(clauses, joins)

    def boolean(self, children):
        return str(children[0]).lower() == "true"

    def number(self, children):
        return _number(str(children[0]))

    def idfilter(self, c):
        return p.IdFilter(_row_id(c[0]))

    def important_topk(self, c):
        return p.ImportantTopK(int(c[0]))

    def statistic_target(self, _):
        return p.Statistic(None)


# ----------------------------------------------------------------------------- checking
def _listing(words: tuple[str, ...] | list[str], limit: int = 30) -> str:
    words = list(words)
    if len(words) > limit:
        return ", ".join(words[:limit]) + f", ... ({len(words)} in all)"
    return ", ".join(words)


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    match = process.extractOne(word.lower(), [c.lower() for c in choices], score_cutoff=75)
    if match is None:
        return ""
    return f" Did you mean '{list(choices)[match[2]]}'?"


class _Checker:
    """Checks a generically parsed program against one schema and returns its canonical form."""

    def __init__(self, schema: DatasetSchema | None) -> None:
        self.schema = schema

    def program(self, program: p.Program) -> p.Program:
        if not program.clauses:
            raise ProgramSyntaxError("The program is empty; it needs at least one clause.")
        return replace(program, clauses=tuple(self.clause(c) for c in program.clauses))

    def feature(self, name: str) -> Feature | None:
        schema = self.schema
        if schema is None:
            return None
        if schema.has_feature(name):
            return schema.feature(name)
        if canonical_name(name) == canonical_name(schema.target):
            raise UnknownFeatureError(
                f"'{name}' is what the model predicts, not a feature; use 'filter labelfilter C',"
                " 'filter predictionfilter C' or 'statistic target' instead."
            )
        names = schema.canonical_names
        raise UnknownFeatureError(
            f"'{name}' is not a feature of this dataset; features are: {_listing(names)}."
            + _suggest(name, names)
        )

    def name(self, name: str) -> str:
        feature = self.feature(name)
        return feature.canonical if feature is not None else canonical_name(name)

    @staticmethod
    def kind_hint(feature: Feature, verb: str) -> str:
        name = feature.canonical
        if feature.kind == "numeric":
            if verb == "change":
                return (
                    f"'{name}' is a numeric feature; write 'change {name} set X' "
                    f"(or increase / decrease X)."
                )
            return f"'{name}' is a numeric feature; compare it, e.g. 'filter {name} equal to X'."
        if feature.kind == "boolean":
            return f"'{name}' is a yes/no feature; write '{verb} {name} true' or '{verb} {name} false'."
        return f"'{name}' is a categorical feature; its values are: {_listing(feature.values)}."

    def category_value(self, feature: Feature, value: str) -> str:
        for known in feature.values:
            if known.lower() == value.lower():
                return known
        raise UnknownValueError(
            f"'{value}' is not a value of '{feature.canonical}'; its values are: "
            f"{_listing(feature.values)}." + _suggest(value, feature.values)
        )

    def numeric(self, name: str, verb: str) -> str:
        feature = self.feature(name)
        if feature is None:
            return canonical_name(name)
        if feature.kind != "numeric":
            raise FeatureKindError(
                f"'{feature.canonical}' cannot be used with numbers. "
                + self.kind_hint(feature, verb)
            )
        return feature.canonical

    def setting(self, name: str, value: str | bool, verb: str) -> tuple[str, str | bool]:
        """(feature, value) for ``filter|change F true|false|V``: a bool or a category value."""
        feature = self.feature(name)
        if feature is None:
            return canonical_name(name), value
        if feature.kind == "categorical":
            word = value if isinstance(value, str) else ("true" if value else "false")
            return feature.canonical, self.category_value(feature, word)
        if feature.kind == "boolean" and isinstance(value, bool):
            return feature.canonical, value
        if isinstance(value, bool):
            raise FeatureKindError(
                f"'{feature.canonical}' is not a yes/no feature. " + self.kind_hint(feature, verb)
            )
        raise FeatureKindError(
            f"'{value}' is not a value of '{feature.canonical}'. " + self.kind_hint(feature, verb)
        )

    def label(self, label: str) -> str:
        schema = self.schema
        if schema is None:
            return label
        if not schema.class_labels:
            raise UnknownValueError(
                "This dataset's target is a number, not a class, so there are no class labels."
            )
        for known in schema.class_labels:
            if known.lower() == label.lower():
                return known
        raise UnknownValueError(
            f"'{label}' is not a class label; the classes are: {_listing(schema.class_labels)}."
        )

    def row_id(self, row_id: p.Number | str) -> p.Number | str:
        schema = self.schema
        if schema is None:
            return row_id
        text = str(row_id)
        if schema.has_id(text):
            return _row_id(text)
        for known in schema.ids:  # case-insensitive fallback for text ids
            if known.lower() == text.lower():
                return _row_id(known)
        numbers = [int(i) for i in schema.ids if re.fullmatch(r"-?[0-9]+", i)]
        if schema.ids and len(numbers) == len(schema.ids):
            hint = f"ids are whole numbers from {min(numbers)} to {max(numbers)} (not all in use)"
            if max(numbers) - min(numbers) + 1 == len(set(numbers)):
                hint = f"ids are whole numbers from {min(numbers)} to {max(numbers)}"
        else:
            hint = "ids look like: " + _listing(schema.ids, limit=5)
        raise UnknownValueError(f"There is no row with id '{text}'; {hint}.")

    def clause(self, clause: p.Clause) -> p.Clause:
        match clause:
            case p.IdFilter(row_id):
                return p.IdFilter(self.row_id(row_id))
            case p.NumericFilter(name, comparison, value):
                return p.NumericFilter(self.numeric(name, "filter"), comparison, value)
            case p.BoolFilter(name, value) | p.CategoryFilter(name, value):
                feature, setting = self.setting(name, value, "filter")
                if isinstance(setting, bool):
                    return p.BoolFilter(feature, setting)
                return p.CategoryFilter(feature, setting)
            case p.LabelFilter(label):
                return p.LabelFilter(self.label(label))
            case p.PredictionFilter(label):
                return p.PredictionFilter(self.label(label))
            case p.NumericChange(name, kind, value):
                return p.NumericChange(self.numeric(name, "change"), kind, value)
            case p.BoolChange(name, value) | p.CategoryChange(name, value):
                feature, setting = self.setting(name, value, "change")
                if isinstance(setting, bool):
                    return p.BoolChange(feature, setting)
                return p.CategoryChange(feature, setting)
            case p.ImportantFeature(name):
                return p.ImportantFeature(self.name(name))
            case p.Define(name):
                return p.Define(self.name(name))
            case p.Statistic(name):
                return p.Statistic(None if name is None else self.name(name))
            case p.Dependence(name, low, high):
                if low is not None and high is not None and not low < high:
                    raise ProgramSyntaxError(
                        f"'dependence {name} from {low} to {high}' needs a range from a lower "
                        f"number to a higher one, e.g. 'from {min(low, high)} to "
                        f"{max(low, high)}'.")
                return p.Dependence(self.name(name), low, high)
            case p.Score(metric):
                if metric.lower() not in p.METRICS:
                    raise UnknownValueError(
                        f"'{metric}' is not a metric I know; metrics are: "
                        f"{_listing(p.METRICS)}." + _suggest(metric, p.METRICS)
                    )
                return p.Score(metric.lower())
        return clause


# ----------------------------------------------------------------------------- parsing
def normalise(text: str) -> str:
    """Collapse whitespace and make sure a trailing ``[E]`` is a separate word."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    return re.sub(r" ?\[e\]$", " [E]", text, flags=re.IGNORECASE).strip()


def _expected_names(expected: set[str] | frozenset[str], parser: Lark) -> list[str]:
    names: list[str] = []
    for terminal in sorted(expected):
        if terminal in ("_SP", "_END", "$END"):
            names.append(_TERMINAL_NAMES[terminal])
            continue
        try:
            pattern = parser.get_terminal(terminal).pattern
        except KeyError:
            names.append(_TERMINAL_NAMES.get(terminal, terminal.lower()))
            continue
        if pattern.type == "str":
            names.append(f"'{pattern.value}'")
        else:
            names.append(_TERMINAL_NAMES.get(terminal, f"a {terminal.lower()}"))
    return list(dict.fromkeys(names))


def _accepts_after(parser: Lark, prefix: str) -> set[str] | None:
    """The terminals the grammar accepts after ``prefix``, or None if the prefix is invalid."""
    try:
        interactive = parser.parse_interactive(prefix)
        interactive.exhaust_lexer()
        return set(interactive.accepts())
    except UnexpectedInput:
        return None


def _syntax_error(error: UnexpectedInput, text: str, parser: Lark) -> ProgramSyntaxError:
    """Report the first unreadable *word*, and what the grammar would accept in its place."""
    if isinstance(error, UnexpectedCharacters):
        position, expected = error.pos_in_stream, set(error.allowed or ())
    elif isinstance(error, UnexpectedToken):
        token = error.token
        position = len(text) if token.type == "$END" else (token.start_pos or 0)
        expected = set(error.accepts or error.expected or ())
    elif isinstance(error, UnexpectedEOF):
        position, expected = len(text), set(error.expected or ())
    else:
        position, expected = 0, set()
    if position >= len(text):
        found, before = "the end of the program", text
        if expected <= {"_SP"}:
            expected = _accepts_after(parser, text + " ") or expected
    elif text[position] == " ":  # a space where the program should have ended
        found, before = f"'{text[position + 1 :].split(' ')[0]}'", text[:position]
    else:
        start = text.rfind(" ", 0, position) + 1
        found, before = f"'{text[start:].split(' ')[0]}'", text[:start].rstrip()
        if start != position or expected <= {"_SP"}:  # the word itself is wrong, not its end
            expected = _accepts_after(parser, text[:start]) or expected
    where = f"after '{before}'" if before else "at the start"
    names = _expected_names(expected - {"$END"} if before else expected, parser)
    if "$END" in expected and before:
        names.append(_TERMINAL_NAMES["$END"])
    wanted = f"; expected {_listing(names, limit=25)}" if names else ""
    return ProgramSyntaxError(
        f"I could not read the program '{text}': {where} I found {found}{wanted}."
    )


@lru_cache(maxsize=1)
def _generic_parser() -> Lark:
    """The generic LALR parser. Built once: it depends only on the packaged grammar file."""
    return Lark(generic_grammar(), parser="lalr", lexer="contextual")


def _parse_tree(parser: Lark, text: str) -> p.Program:
    if not text:
        raise ProgramSyntaxError("The program is empty; it needs at least one clause.")
    try:
        tree = parser.parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text, parser) from None
    return _transform(tree)


def _transform(tree: Tree) -> p.Program:
    try:
        return _ToProgram().transform(tree)
    except VisitError as error:  # a clause the Program types refuse
        raise ProgramSyntaxError(f"I could not read the program: {error.orig_exc}") from None


class ProgramGrammar:
    """The parse language for one dataset (or any dataset when ``schema`` is None).

    Parsers are built once per instance; ``parse`` and ``lark_parser().parse`` are safe to call
    from several threads (lark's LALR parser keeps per-call state only).
    """

    def __init__(self, schema: DatasetSchema | None = None) -> None:
        self.schema = schema
        self.lark_text: str = dataset_grammar(schema) if schema is not None else generic_grammar()
        self._checker = _Checker(schema)
        self._lark: Lark | None = None
        self._lock = threading.Lock()

    def parse(self, text: str) -> p.Program:
        """Read program text; raise a ``ProgramError`` subclass with a user-facing message."""
        return self._checker.program(_parse_tree(_generic_parser(), normalise(text)))

    def lark_parser(self) -> Lark:
        """The LALR parser of ``lark_text`` (for interactive, grammar-constrained decoding)."""
        with self._lock:
            if self._lark is None:
                self._lark = Lark(self.lark_text, parser="lalr", lexer="contextual")
            return self._lark

    def parse_strict(self, text: str) -> p.Program:
        """Parse with the dataset grammar itself (no generic fallback), then canonicalise.

        Useful to check text produced under grammar constraints; error messages are less
        specific than ``parse``'s.
        """
        return self.program_from_tree(self._parse_with(self.lark_parser(), normalise(text)))

    def program_from_tree(self, tree: Tree) -> p.Program:
        """The canonical Program of a tree from ``lark_parser()`` (ids checked if needed)."""
        return self._checker.program(_transform(tree))

    @staticmethod
    def _parse_with(parser: Lark, text: str) -> Tree:
        if not text:
            raise ProgramSyntaxError("The program is empty; it needs at least one clause.")
        try:
            return parser.parse(text)
        except UnexpectedInput as error:
            raise _syntax_error(error, text, parser) from None


def parse_program(text: str, schema: DatasetSchema | None = None) -> p.Program:
    """Parse ``text`` into the canonical Program, checked against ``schema`` when given."""
    return _Checker(schema).program(_parse_tree(_generic_parser(), normalise(text)))
