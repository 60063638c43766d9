"""The dataset's words: regexes that find features, categorical values and class labels.

Built once per schema from its column names, values and aliases; nothing here names a dataset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

from grammar.schema import (
    ABBREVIATIONS,
    GENERIC_WORDS,
    OPPOSITES,
    DatasetSchema,
    Feature,
    derive_aliases,
    split_words,
)

# General English synonyms for values that often appear in tables.
VALUE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "female": ("women", "woman", "females", "ladies", "lady", "girls", "girl", "feminine", "she", "her"),
    "male": ("men", "man", "males", "gentlemen", "gentleman", "guys", "boys", "boy", "he", "him", "his"),
    "f": ("women", "woman", "female", "females", "ladies"),
    "m": ("men", "man", "male", "males"),
    "yes": ("yes",),
    "no": ("no",),
}
PRONOUN_SYNONYMS = frozenset({"she", "her", "he", "him", "his"})

# Words that pick out a group by sex: on a table without such a column they name nothing.
SEX_WORDS = frozenset({"women", "woman", "men", "man", "females", "female", "males", "male",
                       "ladies", "lady", "gentlemen", "gentleman"})

AGE_WORDS = ("age", "years", "old", "aged")

# A verb that opens an alias ("own their home"): the phrase is a predicate, never split up.
PHRASE_VERBS = frozenset({"own", "owns", "has", "have", "is", "are"})


def word_pattern(word: str) -> str:
    """A regex for a word and its inflections: ``smoker`` also matches smokers, smoking, smoke."""
    word = re.escape(word)
    if word.isdigit():
        return word
    raw = word.replace("\\", "")
    if len(raw) >= 6:
        stem = raw[: len(raw) - 2] if not raw.endswith(("ic", "al")) else raw[: len(raw) - 2]
        return re.escape(stem) + r"[a-z]*"
    if len(raw) >= 5:
        return re.escape(raw[:-1]) + r"[a-z]{0,4}"
    return word + r"(?:s|es|d|ed|ing)?"


def phrase_pattern(words: list[str]) -> str:
    return r"\s+".join(word_pattern(w) for w in words)


@dataclass(frozen=True)
class FeatureWords:
    feature: Feature
    pattern: re.Pattern[str]
    specificity: int  # number of words: longer phrases win
    whole: bool = True  # the phrase is a whole name or alias, not a part of one
    opposite: bool = False  # the phrase names the false side of a boolean ("renters")


@dataclass(frozen=True)
class ValueWords:
    feature: Feature
    value: str  # as written in programs
    pattern: re.Pattern[str]
    via_synonym: bool


class SchemaVocabulary:
    """Regexes for every feature, categorical value and the target, for one schema."""

    def __init__(self, schema: DatasetSchema) -> None:
        self.schema = schema
        self.target_words = split_words(schema.target)
        phrases: dict[str, set[str]] = {}  # phrase -> feature canonicals
        for feature in schema.features:
            for alias in feature.aliases:
                words = alias.split()
                if words[0] in PHRASE_VERBS:  # "own their home": only the whole phrase names it
                    phrases.setdefault(alias, set()).add(feature.canonical)
                    continue
                for length in range(len(words), 0, -1):
                    for start in range(0, len(words) - length + 1):
                        sub = words[start:start + length]
                        if all(w in GENERIC_WORDS for w in sub):
                            continue
                        if length < len(words) and length == 1 and len(sub[0]) < 3 and (
                                ABBREVIATIONS.get(sub[0], ("of",))[0] in GENERIC_WORDS):
                            continue  # "bp" / "hr" stay: they name a quantity on their own
                        phrases.setdefault(" ".join(sub), set()).add(feature.canonical)
            phrases.setdefault(feature.canonical, set()).add(feature.canonical)
        target_phrases = {" ".join(self.target_words)}
        for length in range(1, len(self.target_words) + 1):
            for combo in combinations(self.target_words, length):
                target_phrases.add(" ".join(combo))
        features: list[FeatureWords] = []
        by_canonical = {f.canonical: f for f in schema.features}
        for phrase, owners in phrases.items():
            if len(owners) != 1:
                continue
            owner = next(iter(owners))
            feature = by_canonical[owner]
            whole = any(phrase == a for a in feature.aliases) or phrase == feature.canonical
            if phrase in target_phrases and not whole:
                continue
            words = phrase.split()
            pattern = re.compile(phrase_pattern(words))
            features.append(FeatureWords(feature, pattern, len(words) * 10 + len(phrase),
                                         whole))
        for feature in schema.features_of_kind("boolean"):
            for word in split_words(feature.name):
                for phrase in OPPOSITES.get(word, ()):
                    words = phrase.split()
                    features.append(FeatureWords(feature, re.compile(phrase_pattern(words)),
                                                 len(words) * 10 + len(phrase), True, True))
        features.sort(key=lambda fw: -fw.specificity)
        self.features = tuple(features)
        self.target_pattern = re.compile(phrase_pattern(self.target_words)) if self.target_words else None
        # A numeric target's names ("systolic blood pressure", "blood pressure"): the target,
        # never a feature the table lacks.
        self.numeric_target_pattern: re.Pattern[str] | None = None
        if schema.task == "regression":
            names: set[str] = set()
            for alias in derive_aliases(schema.target):
                words = alias.split()
                for length in range(len(words), 0, -1):
                    for start in range(0, len(words) - length + 1):
                        sub = " ".join(words[start:start + length])
                        if not all(w in GENERIC_WORDS for w in sub.split()) and sub not in phrases:
                            names.add(sub)
            if names:
                self.numeric_target_pattern = re.compile("|".join(
                    phrase_pattern(n.split()) for n in sorted(names, key=len, reverse=True)))

        values: list[ValueWords] = []
        for feature in schema.features_of_kind("categorical"):
            for value in feature.values:
                words = [w for w in re.split(r"[^0-9a-z]+", value.lower()) if w]
                if not words:
                    continue
                exact = r"\s+".join(re.escape(w) for w in words)
                if len(words) == 1 and len(words[0]) >= 4 and not words[0].isdigit():
                    exact = exact + r"s?"
                values.append(ValueWords(feature, value, re.compile(exact), False))
                for synonym in VALUE_SYNONYMS.get(value.lower(), ()):
                    if synonym == value.lower():
                        continue
                    values.append(
                        ValueWords(feature, value, re.compile(re.escape(synonym)), True)
                    )
        self.values = tuple(values)
        self.age_feature = next(
            (f for f in schema.features if f.kind == "numeric"
             and (f.canonical == "age" or "age" in split_words(f.name))), None
        )
        vocab: set[str] = set()
        for phrase in phrases:
            vocab.update(w for w in phrase.split() if len(w) >= 4)
        for feature in schema.features:
            for value in feature.values:
                vocab.update(w for w in re.split(r"[^0-9a-z]+", value.lower()) if len(w) >= 4)
        vocab.update(w for w in self.target_words if len(w) >= 4)
        vocab.update(w for w in (str(c).lower() for c in schema.class_labels) if w.isalpha()
                     and len(w) >= 4)
        self.words = frozenset(vocab)
