"""Stage 2: find what a question names in the table: numbers and ids, features, values, classes.

The finder proposes; it never decides. A number is only a number (the model decides whether it
is an id, a threshold, an amount or a "top K"), a feature is only named (the model decides
whether it is filtered, changed or asked about), a class word is only a class word. Everything
here comes from the dataset's schema (column names, stored values, class labels) plus a little
general English that names a feature without its column words ("older" for age).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from grammar.parse.minilm import english_words
from grammar.parse.normalise import correct_typos, normalize
from grammar.parse.normalise import number_value as exact_number
from grammar.parse.text import TokenText
from grammar.parse.vocabulary import PRONOUN_SYNONYMS, SchemaVocabulary
from grammar.program import format_number
from grammar.schema import DatasetSchema, Feature, split_words

MentionKind = Literal["number", "id", "feature", "value", "class", "target"]

NUMBER = re.compile(r"-?(?:\d+(?:\.\d+)?|\.\d+)")
RANGE_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(-)(\d+(?:\.\d+)?)")

# Everyday words that name the age column without its name ("older than 70", "aged 40").
AGE_WORDS = r"older|younger|aged|ages?|years? old|yo|elderly"

# Verbs that name a quantity without its column words ("earns over 50000" -> income).
VERB_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"earn\w*|makes?|making|made|paid|salar\w*", ("income", "salary", "earnings", "wage",
                                                   "wages", "pay")),
    (r"borrow\w*|lent|lend\w*|asked for|applied for|requested", ("loan", "credit", "amount")),
    (r"weigh\w*|heavier|lighter", ("weight",)),
    (r"taller|shorter", ("height",)),
    (r"exercis\w*|work(?:s|ed)? out", ("exercise", "activity")),
    (r"sleep\w*|slept", ("sleep",)),
)

# Words for the rows themselves: a feature word that only matches one of these ("employees" for
# employee_age, "workers" for works_overtime) is the row noun, not the feature.
ROW_NOUNS = frozenset("""
    people person persons patient patients folks folk individuals individual cases case records
    record rows row applicants applicant customers customer borrowers borrower clients client
    users user members member employees employee workers worker staff students student
    subjects subject entries entry instances instance observations observation samples sample
    accounts account passengers passenger players player households household companies
    company homes houses properties loans applications claims orders guests visitors drivers
""".split())

# Units that survive normalisation and that a column name may carry ("length_of_stay_days").
UNIT_WORDS = frozenset({"days", "years", "hours", "weeks", "months", "minutes", "km", "miles",
                        "visits", "times"})

# A duration said in another unit than the column's ("longer than a week" for a column in
# days): (unit said, unit of the column) -> how many of the column's units it is. Not years:
# "10 years older" is about age, whose column rarely names its unit.
UNIT_CONVERSIONS: dict[tuple[str, str], int] = {
    ("weeks", "days"): 7, ("fortnights", "days"): 14, ("hours", "minutes"): 60,
}
# Words that say "none of" a count when they stand before a numeric feature ("no prior visits").
ZERO_WORDS = frozenset({"no", "none", "zero", "never", "not"})

# Generic words for the two classes of a binary target.
POSITIVE_WORDS = r"positives?|positive class|class positive"
NEGATIVE_WORDS = r"negatives?|negative class|class negative"


@dataclass(frozen=True)
class Mention:
    """One thing the question names, covering tokens ``start`` to ``end`` (exclusive)."""

    kind: MentionKind
    start: int
    end: int
    feature: str | None = None  # canonical feature name (features and values)
    feature_kind: str | None = None  # numeric / boolean / categorical
    value: str | None = None  # a categorical value, an id, or a number as written
    number: int | float | None = None
    is_id: bool = False  # a number that is also a row id
    class_label: str | None = None  # the class this names (a class word, or a number)
    implied: bool = False  # a feature named by an everyday word ("older"), not its name
    opposite: bool = False  # a word for the false side of a boolean feature ("renters")


@dataclass(frozen=True)
class Mentions:
    """The normalised tokens of a question and what they name."""

    tokens: tuple[str, ...]
    items: tuple[Mention, ...]
    age_feature: str | None = None  # the table's age column, the default for "people over 60"
    _by_token: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def at(self, token: int) -> Mention | None:
        """The mention covering ``token``, if any."""
        index = self._by_token[token] if token < len(self._by_token) else -1
        return self.items[index] if index >= 0 else None

    def index_at(self, token: int) -> int:
        return self._by_token[token] if token < len(self._by_token) else -1

    @property
    def features(self) -> tuple[Mention, ...]:
        return tuple(m for m in self.items if m.kind == "feature")


def number_value(token: str) -> int | float | None:
    """A token's number, exact for whole numbers of any size (None for a word)."""
    if NUMBER.fullmatch(token):
        return exact_number(token)
    return None


def plain_number(value: int | float) -> int | float:
    if isinstance(value, int):
        return value
    return int(value) if float(value).is_integer() else value


class MentionFinder:
    """Finds mentions for one schema (built once; thread-safe, holds no per-call state)."""

    def __init__(self, schema: DatasetSchema) -> None:
        self.schema = schema
        self.vocab = SchemaVocabulary(schema)
        self._known = english_words()
        self._typo_vocabulary = self.vocab.words
        age = self.vocab.age_feature
        self.age_feature: Feature | None = age
        binary = schema.task == "classification" and len(schema.class_labels) == 2
        self.binary = binary
        self._class_patterns = self._build_class_patterns()
        self._hinted = [(re.compile(verbs), _first_owner(schema, nouns))
                        for verbs, nouns in VERB_HINTS]
        self._numeric_ids = all(NUMBER.fullmatch(i) for i in schema.ids[:50])
        owners: dict[str, list[str]] = {}
        for feature in schema.features_of_kind("numeric"):
            for word in set(split_words(feature.name)) & UNIT_WORDS:
                owners.setdefault(word, []).append(feature.canonical)
        self._unit_features = {w: f[0] for w, f in owners.items() if len(f) == 1}
        # "a week" is a rate, not a duration, for a column per week ("exercise_days_per_week")
        self._rate_units = {f.canonical: {w if w.endswith("s") else w + "s"
                                          for w in split_words(f.name)}
                            for f in schema.features_of_kind("numeric")}

    # ------------------------------------------------------------------ tokens
    def tokens(self, utterance: str) -> tuple[str, ...]:
        """Normalised, typo-corrected tokens of ``utterance``."""
        normal = normalize(utterance[:2000])
        tokens: list[str] = []
        for token in normal.tokens:  # "40-50" is a range: "40 - 50"
            match = RANGE_TOKEN.fullmatch(token)
            tokens.extend(match.groups() if match else (token,))
        return correct_typos(tokens, self._typo_vocabulary, self._known)

    # ------------------------------------------------------------------ entry point
    def find(self, utterance: str) -> Mentions:
        return self.find_in_tokens(self.tokens(utterance))

    def find_in_tokens(self, tokens: Sequence[str]) -> Mentions:
        tokens = tuple(tokens)
        text = TokenText(tokens)
        taken = [False] * len(tokens)
        found: list[Mention] = []

        def free(start: int, end: int) -> bool:
            return not any(taken[start:end])

        def add(m: Mention) -> None:
            found.append(m)
            for i in range(m.start, m.end):
                taken[i] = True

        # a numeric target's own names ("the price" when price is the target) are the target
        if self.vocab.numeric_target_pattern is not None:
            for hit in text.finditer(self.vocab.numeric_target_pattern):
                if free(hit.start, hit.end):
                    add(Mention("target", hit.start, hit.end))
        # categorical values, unless they sit inside a feature's own words ("chest pain type")
        feature_spans = self._feature_spans(text)
        for start, end, value_words in self._value_spans(text):
            inside = [f for f in feature_spans if f[0] <= start and end <= f[1]]
            if inside or not free(start, end):
                continue
            feature_spans = [f for f in feature_spans if not (f[0] < end and start < f[1])]
            feature = value_words.feature
            add(Mention("value", start, end, feature=feature.canonical,
                        feature_kind=feature.kind, value=value_words.value))
        kept = [(start, end, words) for start, end, words in sorted(
            feature_spans, key=lambda span: span[0])
            if not (end - start == 1 and tokens[start] in ROW_NOUNS and not words.whole)]
        for start, end, words in _merge_parts(kept, tokens):
            if free(start, end):  # ("employees" is the rows, not employee_age: dropped above)
                add(Mention("feature", start, end, feature=words.feature.canonical,
                            feature_kind=words.feature.kind, opposite=words.opposite))
        # class words (class names, the target's words, "positive"/"negative")
        for rx, label in self._class_patterns:
            for hit in text.finditer(rx):
                if free(hit.start, hit.end):
                    add(Mention("class", hit.start, hit.end, class_label=label))
        # features named by everyday words: "older" (age), "earns" (income)
        if self.age_feature is not None:
            for hit in text.finditer(AGE_WORDS):
                if free(hit.start, hit.end):
                    add(Mention("feature", hit.start, hit.end,
                                feature=self.age_feature.canonical, feature_kind="numeric",
                                implied=True))
        for rx, owner in self._hinted:
            if owner is None:
                continue
            for hit in text.finditer(rx):
                if free(hit.start, hit.end):
                    add(Mention("feature", hit.start, hit.end, feature=owner.canonical,
                                feature_kind="numeric", implied=True))
        # abbreviations of a feature word that are no English word ("meds", "temp", "chol"),
        # and longer forms of a value ("rehabilitation" for "rehab")
        for index, token in enumerate(tokens):
            if taken[index] or len(token) < 3 or not token.isalpha():
                continue
            owner = self._abbreviation(token)
            if owner is not None:
                add(Mention("feature", index, index + 1, feature=owner.canonical,
                            feature_kind=owner.kind))
                continue
            value = self._longer_value(token)
            if value is not None:
                add(Mention("value", index, index + 1, feature=value[0].canonical,
                            feature_kind="categorical", value=value[1]))
        # a unit after a number that only one feature's name has ("for 7 days" -> stay_days)
        scale: dict[int, int] = {}  # number token -> factor to the column's unit
        for index in range(len(tokens) - 1):
            unit = tokens[index + 1]
            said = unit if unit.endswith("s") else unit + "s"  # "1 day" as "days"
            owner, factor = self._unit_features.get(unit) or self._unit_features.get(said), 1
            if owner is None:  # "a week" for a column in days: 7 of them
                owner, factor = next(((self._unit_features[column], n) for (spoken, column), n
                                      in UNIT_CONVERSIONS.items()
                                      if spoken == said and column in self._unit_features
                                      and said not in self._rate_units[
                                          self._unit_features[column]]),
                                     (None, 1))
            if owner is not None and number_value(tokens[index]) is not None and free(
                    index + 1, index + 2):
                add(Mention("feature", index + 1, index + 2, feature=owner,
                            feature_kind="numeric", implied=True))
                if factor != 1:
                    scale[index] = factor
        # numbers, and ids that are not numbers; "no" before a numeric feature is a zero
        # ("patients with no prior admissions")
        labels = set(self.schema.class_labels)
        for index, token in enumerate(tokens):
            if taken[index]:
                continue
            value = number_value(token)
            if value is not None and index in scale:
                value = plain_number(value * scale[index])
            if value is None and token in ZERO_WORDS and index + 1 < len(tokens):
                following = next((m for m in found if m.start == index + 1), None)
                if following is not None and following.kind == "feature" and (
                        following.feature_kind == "numeric"):
                    value = 0.0
            if value is not None:
                written = _written(value)
                add(Mention("number", index, index + 1, value=written, number=value,
                            is_id=self.schema.has_id(written),
                            class_label=written if written in labels else None))
            elif not self._numeric_ids and len(token) > 1 and token not in self._known and (
                    self.schema.has_id(token)):
                add(Mention("id", index, index + 1, value=token, is_id=True))
        found.sort(key=lambda m: m.start)
        by_token = [-1] * len(tokens)
        for position, m in enumerate(found):
            for i in range(m.start, m.end):
                by_token[i] = position
        return Mentions(tokens, tuple(found),
                        self.age_feature.canonical if self.age_feature else None,
                        tuple(by_token))

    # ------------------------------------------------------------------ helpers
    def _abbreviation(self, token: str) -> Feature | None:
        if token in self._known:
            return None
        stem = token[:-1] if token.endswith("s") and len(token) > 3 else token
        owners = {f.canonical: f for f in self.schema.features for alias in f.aliases
                  for word in alias.split() if len(word) >= len(stem) + 2
                  and word.startswith(stem)}
        return next(iter(owners.values())) if len(owners) == 1 else None

    def _longer_value(self, token: str) -> tuple[Feature, str] | None:
        matches = [(f, v) for f in self.schema.features_of_kind("categorical") for v in f.values
                   if len(v) >= 5 and v.isalpha() and token != v.lower()
                   and token.startswith(v.lower()) and len(token) <= len(v) + 10]
        return matches[0] if len(matches) == 1 else None

    def _feature_spans(self, text: TokenText) -> list[tuple[int, int, object]]:
        spans: list[tuple[int, int, object]] = []
        for words in self.vocab.features:  # most specific first
            for hit in text.finditer(words.pattern):
                if any(s < hit.end and hit.start < e for s, e, _ in spans):
                    continue
                spans.append((hit.start, hit.end, words))
        return spans

    def _value_spans(self, text: TokenText) -> list[tuple[int, int, object]]:
        spans: list[tuple[int, int, object]] = []
        for vw in sorted(self.vocab.values, key=lambda v: -len(v.pattern.pattern)):
            for hit in text.finditer(vw.pattern):
                if any(s < hit.end and hit.start < e for s, e, _ in spans):
                    continue
                if vw.via_synonym and text.tokens[hit.start] in PRONOUN_SYNONYMS:
                    continue  # "her", "his": a person, not a group
                spans.append((hit.start, hit.end, vw))
        return spans

    def _build_class_patterns(self) -> list[tuple[re.Pattern[str], str]]:
        schema = self.schema
        if schema.task != "classification":
            return []
        patterns: list[tuple[re.Pattern[str], str]] = []
        for label in schema.class_labels:
            words = [w for w in re.split(r"[^0-9a-z]+", label.lower()) if w]
            if words and not all(w.isdigit() for w in words) and label.lower() not in {
                    "yes", "no", "true", "false", "y", "n"}:
                patterns.append((re.compile(r"\s+".join(_class_word(w) for w in words)), label))
        if self.binary:
            positive, negative = schema.class_labels[-1], schema.class_labels[0]
            if self.vocab.target_pattern is not None and not set(self.vocab.target_words) <= {
                    "y", "target", "label", "class", "outcome"}:
                patterns.append((self.vocab.target_pattern, positive))
            patterns.append((re.compile(POSITIVE_WORDS), positive))
            patterns.append((re.compile(NEGATIVE_WORDS), negative))
        return patterns


def _first_owner(schema: DatasetSchema, nouns: Sequence[str]) -> Feature | None:
    """The numeric feature a verb points at: the first of its nouns that names exactly one
    ("borrowed" -> the loan amount before the credit score)."""
    for noun in nouns:
        owners = [f for f in schema.features_of_kind("numeric")
                  if any(noun in alias.split() for alias in f.aliases)]
        if len(owners) == 1:
            return owners[0]
        if owners:
            return None
    return None


def _merge_parts(spans: list[tuple[int, int, object]], tokens: tuple[str, ...],
                 gap: int = 3) -> list[tuple[int, int, object]]:
    """Parts of one feature's name with a few words between them are one mention: "length of
    the hospital stay" is length_of_stay_days once, not "length" and "stay" twice."""
    out: list[tuple[int, int, object]] = []
    for start, end, words in spans:
        if out:
            p_start, p_end, p_words = out[-1]
            between = tokens[p_end:start]
            if (p_words.feature.canonical == words.feature.canonical and 0 <= start - p_end <= gap
                    and not any(t in {",", "?", "and", "or", "."} or number_value(t) is not None
                                for t in between)):
                out[-1] = (p_start, end, p_words)
                continue
        out.append((start, end, words))
    return out


def _written(value: int | float) -> str:
    return format_number(plain_number(value))


def _class_word(word: str) -> str:
    """A class word and the forms people use: rejected/reject/rejection, malignant/malignancy."""
    if len(word) >= 7 and word.endswith("ed"):
        stem = word[:-2] if not word.endswith("ved") else word[:-1]
        if word.endswith("ved"):
            return re.escape(stem[:-1]) + r"(?:ed|e|es|al|ing)"
        return re.escape(stem) + r"(?:ed|e|es|s|ion|ions|al|ing)?"
    if len(word) >= 7 and word.endswith(("ant", "ent")):
        return re.escape(word[:-1]) + r"(?:t|ts|cy|cies)"
    return re.escape(word) + r"s?"
