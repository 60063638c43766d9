"""Programs -> questions: word a program about one table the many ways people would ask it.

The renderer knows the table (its features' names and phrases, its row nouns, how its outcome
is talked about) and the phrase banks in ``grammar.training.phrasing``. Each call draws a new
wording. Class filters said in words the table does not know ("predicted to come back") are
returned as ``class_phrases`` so that the trainer knows which words say them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import inflect

from grammar import program as p
from grammar.parse.decisions import operation_name
from grammar.parse.vocabulary import VALUE_SYNONYMS
from grammar.schema import GENERIC_WORDS, OPPOSITES, derive_aliases, split_words
from grammar.training import phrasing as ph
from grammar.training.domains import BooleanSpec, CategoricalSpec, NumericSpec, Outcome
from grammar.training.tables import Table
from grammar.training.templates import expand, slots_of

_INFLECT = inflect.engine()
# Words of column names too common to name a feature on their own ("over" of "OverTime").
COMMON_WORDS = frozenset("""over under above below after before between about total first last
    time times days years months hours weeks score index rate count amount value level class
    group type number made make home work works high low long short""".split())
MARK_OPEN, MARK_CLOSE = "\u27e6", "\u27e7"  # around words that say a class filter
SPLIT_OPEN, SPLIT_CLOSE = "\u2983", "\u2984"  # around words that say a split filter


class RenderError(ValueError):
    """This program cannot be worded for this table (e.g. no phrase for an operation)."""


@dataclass
class Selection:
    """How the rows a question is about are said."""

    np: str  # "patients over 60"
    pp: str  # "for patients over 60" (may be empty)
    subj: str  # "patients over 60" / "they"
    plural: bool
    kind: str  # "none", "id", "group", "previous"


@dataclass
class Rendered:
    text: str  # with class phrases between MARK_OPEN and MARK_CLOSE (see ``strip_marks``)


def domain_template(phrase: str) -> str:
    """Domain phrases write slots as ``{rows}`` / ``{value}``; templates write ``<rows>``."""
    return phrase.replace("{rows}", "<rows>").replace("{value}", "<value>")


def marked(text: str) -> str:
    return f"{MARK_OPEN}{text}{MARK_CLOSE}"


def strip_marks(text: str, opening: str = MARK_OPEN, closing: str = MARK_CLOSE
                ) -> tuple[str, list[str]]:
    """The text without one kind of marks, and the phrases they marked, in order."""
    phrases = re.findall(f"{opening}(.*?){closing}", text)
    return text.replace(opening, "").replace(closing, ""), phrases


class Renderer:
    """Words programs about one table."""

    def __init__(self, table: Table, rng: random.Random) -> None:
        self.table = table
        self.rng = rng
        domain = table.domain
        self.positive: Outcome | None = domain.positive
        self.negative: Outcome | None = domain.negative
        self.labels = table.schema.class_labels
        self.binary = table.schema.task == "classification" and len(self.labels) == 2
        self.named_classes = self.binary and not set(self.labels) <= {"0", "1"}

    # ------------------------------------------------------------------ small pieces
    def pick(self, options):
        return self.rng.choice(options)

    def model(self) -> str:
        return self.pick(ph.MODEL)

    def feature_phrase(self, canonical: str) -> str:
        """A way to name a feature: an alias of its column name, the name itself, or part."""
        feature = self.table.schema.feature(canonical)
        column = self.table.feature(canonical).column
        roll = self.rng.random()
        aliases = list(feature.aliases) or list(derive_aliases(column))
        if roll < 0.12:
            return column
        if roll < 0.2:
            words = [w for w in aliases[0].split() if w not in GENERIC_WORDS and len(w) >= 4
                     and w not in COMMON_WORDS and self._unique_word(w, canonical)]
            if words:
                return max(words, key=len)
        alias = self.pick(aliases[:3])
        words = alias.split()
        if len(words) >= 2 and roll > 0.94:  # "length of the stay": words between the parts
            cut = self.rng.randrange(1, len(words))
            filler = self.pick(("the", "their", "recorded", "total", "the patient's", "its"))
            alias = " ".join([*words[:cut], filler, *words[cut:]])
        return alias

    def _unique_word(self, word: str, canonical: str) -> bool:
        """Whether ``word`` names no other feature (so it can stand for this one alone)."""
        for other in self.table.schema.features:
            if other.canonical != canonical and any(word in a.split() for a in other.aliases):
                return False
        return word not in self.table.schema.target_words[0].split()

    def number_text(self, value: p.Number, spec: NumericSpec | None = None) -> str:
        rng = self.rng
        if isinstance(value, float) and not value.is_integer():
            text = f"{value:g}"
        else:
            number = int(value)
            roll = rng.random()
            if 0 <= number < 100 and roll < 0.12:
                text = _INFLECT.number_to_words(number, andword="", comma="")
            elif number >= 10000 and roll < 0.25:
                text = f"{number:,}"
            elif number >= 1000 and number % 1000 == 0 and roll < 0.35:
                text = f"{number // 1000}k"
            else:
                text = str(number)
        if spec is not None and spec.unit and rng.random() < 0.3:
            if spec.unit == "$":
                return "$" + text
            if spec.unit == "%":
                return text + "%"
            return f"{text} {spec.unit}"
        return text

    def spec(self, canonical: str):
        return self.table.feature(canonical).spec

    def is_age(self, canonical: str) -> bool:
        spec = self.spec(canonical)
        return isinstance(spec, NumericSpec) and "older" in spec.more

    def row(self, plural: bool = False) -> str:
        domain = self.table.domain
        if plural:
            return self.pick((self.table.row_plural,) * 3 + domain.row_plural)
        return self.pick((self.table.row_singular,) * 3 + domain.row_singular)

    # ------------------------------------------------------------------ classes
    def outcome_of(self, label: str) -> Outcome | None:
        if self.binary:
            return self.positive if label == self.labels[-1] else self.negative
        for name, outcome in self.table.domain.classes:
            if name == label:
                return outcome
        return None

    def class_word(self, label: str) -> str:
        """A word for a class that the table itself knows: a class name, a number, or the
        target's name ("heart disease" / "no heart disease")."""
        if self.named_classes or not self.binary:
            return label
        positive = label == self.labels[-1]
        target = self.table.target
        words = [w for w in target.replace("_", " ").lower().split()]
        if words and not set(words) <= {"y", "target", "label", "class", "outcome"} and (
                self.rng.random() < 0.5):
            name = " ".join(words)
            return name if positive else self.pick(("no ", "not ", "non ", "no ")) + name
        words = ph.POSITIVE_WORDS if positive else ph.NEGATIVE_WORDS
        return self.pick((label, label) + words[:5])

    def class_filter_phrase(self, clause: p.LabelFilter | p.PredictionFilter) -> str:
        prediction = isinstance(clause, p.PredictionFilter)
        outcome = self.outcome_of(clause.label)
        bank = ph.PREDICTION_FILTER if prediction else ph.LABEL_FILTER
        in_words = outcome is not None and not self.named_classes and self.rng.random() < 0.6
        for _ in range(20):
            template = self.pick(bank)
            slots = slots_of(template)
            if in_words and not ({"verb", "past", "adj"} & slots):
                continue
            if not in_words and "cls" not in slots:
                continue
            if ("adj" in slots and not (outcome and outcome.adjective)):
                continue
            values: dict[str, str] = {"model": self.model(), "rows": self.row(plural=True)}
            if "flag" in slots:  # "the smokers the model flags": flagged means positive
                if not (prediction and self.binary and clause.label == self.labels[-1]):
                    continue
                values["flag"] = marked(self.pick(("flags", "flagged", "flags up", "marks")))
                return expand(template, self.rng, values)
            if in_words and outcome is not None:
                values.update(verb=marked(self.pick(outcome.verb)),
                              past=marked(self.pick(outcome.past)))
                if outcome.adjective:
                    values["adj"] = marked(self.pick(outcome.adjective))
            else:
                word = self.class_word(clause.label)
                values.update(cls=word, adj=word)
            return expand(template, self.rng, values)
        word = self.class_word(clause.label)
        return f"{'predicted' if prediction else 'labelled'} {word}"

    # ------------------------------------------------------------------ filters
    def numeric_condition(self, clause: p.NumericFilter) -> str:
        spec = self.spec(clause.feature)
        assert isinstance(spec, NumericSpec)
        number = self.number_text(clause.value, spec)
        rng = self.rng
        if self.is_age(clause.feature) and rng.random() < 0.6:
            return expand(self.pick(ph.AGE_CONDITION[clause.comparison]), rng, {"n": number})
        if (spec.more and clause.comparison in ph.COMPARATIVE_FORMS and rng.random() < 0.3):
            template = self.pick(ph.COMPARATIVE_FORMS[clause.comparison])
            return expand(template, rng, {"n": number, "more": self.pick(spec.more),
                                          "less": self.pick(spec.less or spec.more)})
        if clause.comparison == "equal to" and clause.value == 0 and rng.random() < 0.6:
            return expand(self.pick(ph.ZERO_CONDITION), rng,
                          {"f": self.feature_phrase(clause.feature)})
        words = set(self.table.feature(clause.feature).column.lower().replace("_", " ").split())
        rates = [w for w in ph.RATE_WORDS if w in words or any(x.startswith(w) for x in words)]
        if rates and rng.random() < 0.35:  # "over 100000 a year": time words, no feature
            number = f"{number} {self.pick(ph.RATE_WORDS[rates[0]])}"
        if rng.random() < 0.12:  # "with 220 cholesterol", "with more than 3 visits"
            comparison = expand(self.pick(ph.NUMBER_FIRST[clause.comparison]), rng,
                                {"n": number})
            return expand(self.pick(ph.NUMBER_FIRST_CONDITION), rng,
                          {"f": self.feature_phrase(clause.feature), "c": comparison})
        comparison = expand(self.pick(ph.COMPARISON_WORDS[clause.comparison]), rng,
                            {"n": number})
        return expand(self.pick(ph.NUMERIC_CONDITION), rng,
                      {"f": self.feature_phrase(clause.feature), "c": comparison})

    def range_condition(self, low: p.NumericFilter, high: p.NumericFilter) -> str:
        spec = self.spec(low.feature)
        assert isinstance(spec, NumericSpec)
        a, b = self.number_text(low.value, spec), self.number_text(high.value, spec)
        if low.comparison == "greater than":
            bank = ph.AGE_RANGE_EXCLUSIVE if self.is_age(low.feature) and self.rng.random() < 0.5 \
                else ph.RANGE_EXCLUSIVE
        else:
            bank = ph.RANGE_INCLUSIVE
        interval = expand(self.pick(bank), self.rng, {"a": a, "b": b})
        if self.is_age(low.feature) and self.rng.random() < 0.5:
            if interval.startswith(("older", "over", "aged")):
                return interval
            if interval.startswith("between ") and self.rng.random() < 0.5:
                return "between the ages of " + interval.removeprefix("between ")
            return self.pick(("aged ", "ages ", "aged ")) + interval
        return expand(self.pick(("with <f> <i>", "whose <f> is <i>", "<f> <i>", "where <f> is <i>",
                                 "having <f> <i>")), self.rng,
                      {"f": self.feature_phrase(low.feature), "i": interval})

    def decade_condition(self, low: p.NumericFilter) -> str:
        decade = int(low.value)
        words = {20: "twenties", 30: "thirties", 40: "forties", 50: "fifties", 60: "sixties",
                 70: "seventies", 80: "eighties", 90: "nineties"}
        return expand(self.pick(ph.DECADE), self.rng,
                      {"d": str(decade), "dw": words.get(decade, f"{decade}s")})

    def bool_phrase(self, clause: p.BoolFilter) -> str:
        spec = self.spec(clause.feature)
        assert isinstance(spec, BooleanSpec)
        if not clause.value:  # "renters" for homeowner false
            words = split_words(self.table.feature(clause.feature).column)
            opposites = [o for w in words for o in OPPOSITES.get(w, ())]
            if opposites and self.rng.random() < 0.5:
                return self.pick(opposites)
        own = spec.true_phrases if clause.value else spec.false_phrases
        if own and self.rng.random() < 0.55:
            return expand(domain_template(self.pick(own)), self.rng,
                          {"rows": self.row(plural=True)})
        bank = ph.BOOL_TRUE if clause.value else ph.BOOL_FALSE
        return expand(self.pick(bank), self.rng, {"f": self.feature_phrase(clause.feature)})

    def category_phrase(self, clause: p.CategoryFilter) -> str:
        spec = self.spec(clause.feature)
        assert isinstance(spec, CategoricalSpec)
        value = self.value_text(clause.feature, clause.value)
        if spec.templates and self.rng.random() < 0.4:
            return expand(domain_template(self.pick(spec.templates)), self.rng,
                          {"value": value, "rows": self.row(plural=True)})
        return expand(self.pick(ph.CATEGORY), self.rng,
                      {"f": self.feature_phrase(clause.feature), "v": value})

    def value_text(self, canonical: str, value: str) -> str:
        feature = self.table.schema.feature(canonical)
        raw = str(feature.raw_value(value))
        synonyms = VALUE_SYNONYMS.get(raw.lower(), ())
        if synonyms and self.rng.random() < 0.6:
            return self.pick([s for s in synonyms if s not in {"she", "her", "he", "him", "his"}]
                             or [raw])
        return raw.lower() if self.rng.random() < 0.8 else raw

    def filter_phrases(self, filters: list[p.Clause]) -> list[str]:
        """One phrase per filter (a range or decade pair becomes one phrase)."""
        out: list[str] = []
        index = 0
        while index < len(filters):
            clause = filters[index]
            nxt = filters[index + 1] if index + 1 < len(filters) else None
            if (isinstance(clause, p.NumericFilter) and isinstance(nxt, p.NumericFilter)
                    and nxt.feature == clause.feature):
                if (clause.comparison == "greater equal than" and nxt.comparison == "less than"
                        and nxt.value == clause.value + 10 and self.is_age(clause.feature)):
                    out.append(self.decade_condition(clause))
                else:
                    out.append(self.range_condition(clause, nxt))
                index += 2
                continue
            if isinstance(clause, p.NumericFilter):
                out.append(self.numeric_condition(clause))
            elif isinstance(clause, p.BoolFilter):
                out.append(self.bool_phrase(clause))
            elif isinstance(clause, p.CategoryFilter):
                out.append(self.category_phrase(clause))
            elif isinstance(clause, (p.LabelFilter, p.PredictionFilter)):
                out.append(self.class_filter_phrase(clause))
            else:
                raise RenderError(f"no phrase for {clause}")
            index += 1
        return out

    def group(self, filters: list[p.Clause], joins: list[str]) -> str:
        """Rows selected by ``filters`` as a noun phrase: "female patients over 60"."""
        phrases = self.filter_phrases(filters)
        rows = self.row(plural=True)
        rng = self.rng
        use_or = "or" in joins
        joiner = (self.pick((" or ", " or ", ", or ", " or those ", " or who are ",
                             " or else ", " or alternatively ")) if use_or
                  else self.pick((" and ", " and ", " ", ", ", " who are also ", " and also ",
                                  " as well as ", " that are ")))
        if rng.random() < 0.08 and not use_or:  # "data where bmi is above 30"
            lead = self.pick(("data", "rows", "instances", "records", "entries", "the data",
                              "cases", "points"))
            body = " and ".join(phrases)
            if body.split()[0] not in {"where", "whose", "with", "for", "that", "who"}:
                body = self.pick(("where ", "with ", "for which ")) + body
            return f"{lead} {body}"
        if len(phrases) == 1 and rng.random() < 0.3:
            return phrases[0] if _is_noun_like(phrases[0]) else f"{rows} {phrases[0]}"
        body = joiner.join(phrases)
        if rng.random() < 0.07 and not _is_noun_like(phrases[0]):
            # "those with a bmi over 30": a group named here, not the previous turn's rows
            return self.pick(("those ", "the ones ", "anyone ", "everybody ", "those people ")) + body
        if use_or and rng.random() < 0.3:
            body = "either " + body
        if rng.random() < 0.15:
            return self.pick(("the ", "those ", "all ", "any ", ""))[:] + f"{rows} {body}"
        return f"{rows} {body}" if not _is_noun_like(phrases[0]) or rng.random() < 0.5 else body

    # ------------------------------------------------------------------ selections
    def selection(self, filters: list[p.Clause], joins: list[str], previous_filter: bool,
                  previous: p.Program | None) -> Selection:
        rng = self.rng
        ids = [c for c in filters if isinstance(c, p.IdFilter)]
        others = [c for c in filters if not isinstance(c, p.IdFilter)]
        if previous_filter:
            prev_row = previous is not None and any(isinstance(c, p.IdFilter)
                                                    for c in previous.clauses)
            if others:
                group = self.group(others, joins)
                np_ = expand(self.pick(ph.PREVIOUS_NARROW), rng,
                             {"g": group, "post": self.filter_phrases(others)[0]})
                return Selection(np_, self.pick(("for ", "among ", "")) + np_, np_, True,
                                 "previous")
            if prev_row:
                np_ = expand(self.pick(ph.PREVIOUS_ROW_NP), rng, {"row": self.row()})
                pp = expand(self.pick(ph.PREVIOUS_ROW_PP), rng, {"row": self.row()})
                subj = {"her": "she", "him": "he", "them": "they"}.get(np_, np_)
                return Selection(np_, pp, subj, subj == "they", "previous")
            np_ = expand(self.pick(ph.PREVIOUS_NP), rng, {"rows": self.row(plural=True)})
            pp = expand(self.pick(ph.PREVIOUS_PP), rng, {"rows": self.row(plural=True)})
            return Selection(np_, pp, "they" if np_ == "them" else np_, True, "previous")
        if ids:
            texts = [self.id_phrase(c, first=i == 0) for i, c in enumerate(ids)]
            np_ = texts[0] if len(texts) == 1 else (
                texts[0] + self.pick((" and ", " or ", ", ")) + texts[1])
            if others:
                np_ += " " + " and ".join(self.filter_phrases(others))
            pp = self.pick(("for ", "for ", "of ", "on ", "about ", "regarding ")) + np_
            return Selection(np_, pp, np_, len(ids) > 1, "id")
        kinds = {type(c) for c in others}
        if len(others) == 2 and kinds == {p.LabelFilter, p.PredictionFilter} and (
                rng.random() < 0.7) and self.binary and "or" not in joins:
            predicted = next(c for c in others if isinstance(c, p.PredictionFilter)).label
            actual = next(c for c in others if isinstance(c, p.LabelFilter)).label
            template = self.pick(ph.MISMATCH)
            predicted_first = template.index("<p>") < template.index("<l>")
            if predicted_first != isinstance(others[0], p.PredictionFilter):
                template = None  # the words must come in the program's order
            if template is not None:
                group = expand(template, rng, {"rows": self.row(plural=True),
                                               "model": self.model(),
                                               "p": self.class_word(predicted),
                                               "l": self.class_word(actual)})
                pp = self.pick(("for ", "on ", "among ", "")) + group
                return Selection(group, pp, group, True, "group")
        if others:
            group = self.group(others, joins)
            pp = expand(self.pick(ph.GROUP_PP), rng, {"g": group})
            return Selection(group, pp, group, True, "group")
        rows = self.row(plural=True)
        np_ = expand(self.pick(ph.WHOLE_DATA_NP), rng, {"rows": rows, "row": self.row()})
        pp = expand(self.pick(ph.WHOLE_DATA_PP), rng, {"rows": rows})
        return Selection(np_, pp, np_ if rng.random() < 0.6 else self.pick(
            ("people", "someone", "a " + self.row(), "the " + self.row(plural=True))), True, "none")

    def id_phrase(self, clause: p.IdFilter, first: bool = True) -> str:
        row_id = str(clause.row_id)
        idcol = self.table.index_col or "id"
        if not first and self.rng.random() < 0.6:
            return row_id
        if row_id.isdigit() and int(row_id) < 100 and self.rng.random() < 0.08:
            row_id = _INFLECT.number_to_words(int(row_id), andword="", comma="")
        return expand(self.pick(ph.ID_FORMS), self.rng,
                      {"row": self.row(), "id": row_id, "idcol": idcol.replace("_", " ")
                       if self.rng.random() < 0.5 else idcol})

    # ------------------------------------------------------------------ changes
    def change_phrase(self, clause: p.Clause) -> str:
        rng = self.rng
        if isinstance(clause, p.NumericChange):
            spec = self.spec(clause.feature)
            assert isinstance(spec, NumericSpec)
            number = self.number_text(clause.value, spec)
            if self.is_age(clause.feature) and rng.random() < 0.5:
                bank = {"increase": ph.AGE_INCREASE, "decrease": ph.AGE_DECREASE,
                        "set": ph.AGE_SET}[clause.kind]
                return expand(self.pick(bank), rng, {"n": number})
            bank = {"increase": ph.INCREASE, "decrease": ph.DECREASE, "set": ph.SET}[clause.kind]
            feature = self.feature_phrase(clause.feature)
            return expand(self.pick(bank), rng, {"f": feature, "n": number, "unitf": feature})
        if isinstance(clause, p.BoolChange):
            spec = self.spec(clause.feature)
            assert isinstance(spec, BooleanSpec)
            own = spec.set_true if clause.value else spec.set_false
            if own and rng.random() < 0.6:
                lead = self.pick(("they ", "he ", "she ", "everyone ", "we "))
                return lead + domain_template(self.pick(own)).replace("<rows>", "they")
            bank = ph.BOOL_SET_TRUE if clause.value else ph.BOOL_SET_FALSE
            if rng.random() < 0.2:
                bank = ph.BOOL_SET_ALL_TRUE if clause.value else ph.BOOL_SET_ALL_FALSE
            return expand(self.pick(bank), rng, {"f": self.feature_phrase(clause.feature),
                                                 "rows": self.row(plural=True)})
        if isinstance(clause, p.CategoryChange):
            bank = ph.CATEGORY_SET if rng.random() < 0.75 else ph.CATEGORY_SET_MORE
            return expand(self.pick(bank), rng, {
                "f": self.feature_phrase(clause.feature),
                "v": self.value_text(clause.feature, clause.value)})
        raise RenderError(f"no phrase for {clause}")

    def changes_phrase(self, changes: list[p.Clause]) -> str:
        return self.pick((" and ", ", and ", " and also ", " while ", ", ")).join(
            self.change_phrase(c) for c in changes)

    # ------------------------------------------------------------------ operations
    def operation_text(self, clause: p.Clause, sel: Selection, forms: tuple[str, ...] = (
            "q", "q", "q", "np", "emb")) -> str:
        name = operation_name(clause) or ""
        key = name
        if name.startswith("score "):
            key = "score default" if name == "score default" else "score"
            if name == "score default" and self.table.schema.task != "classification" and (
                    self.rng.random() < 0.6):
                key = "score"  # "what is the r2 on women?"
            if name == "score accuracy" and self.rng.random() < 0.5:
                key = "score accuracy"
        if isinstance(clause, p.Dependence) and clause.low is not None:
            key = "dependence range"  # the range's ends must be said
        templates = ph.OPERATION_TEMPLATES.get(key)
        if not templates:
            raise RenderError(f"no templates for {name}")
        slots = self.operation_slots(clause, sel)
        form = self.pick(forms)
        for _ in range(30):
            kind, template = self.pick(templates)
            if kind != form and self.rng.random() < 0.8:
                continue
            if not slots_of(template) <= set(slots):
                continue
            text = expand(template, self.rng, slots)
            if kind == "np":
                return expand(self.pick(ph.REQUEST), self.rng, {"np": text})
            if kind == "emb":
                return expand(self.pick(ph.INDIRECT), self.rng, {"emb": text})
            return text
        raise RenderError(f"no template for {name} fits the slots")

    def operation_slots(self, clause: p.Clause, sel: Selection) -> dict[str, str]:
        rng = self.rng
        plural = sel.plural
        slots: dict[str, str] = {
            "for_rows": sel.pp, "rows": sel.np, "subj": sel.subj, "model": self.model(),
            "model_poss": self.pick(ph.MODEL_POSSESSIVE),
            "be": "are" if plural else "is", "do": "do" if plural else "does",
            "have": "have" if plural else "has",
            "rowsn": self.row(plural=True), "thing": self.pick(("the data", "the dataset")),
        }
        target_words = self.table.target.replace("_", " ").lower().split()
        if not set(target_words) <= {"y", "target", "label", "class", "outcome"}:
            slots["target"] = " ".join(target_words)  # "average length of stay" (the target)
        if self.binary:
            slots["cls"] = self.class_word(self.rng.choice(self.labels))
        outcome = self.positive if self.binary else None
        if outcome is not None:
            horizon = " " + self.pick(ph.HORIZONS) if rng.random() < 0.12 else ""
            slots["pos"] = self.pick(outcome.verb) + horizon
            slots["pos_past"] = self.pick(outcome.past) + horizon
            verb = slots["pos"]
            slots["pos_present"] = _present(verb, plural)
            if outcome.noun:
                slots["posn"] = self.pick(outcome.noun)
            if outcome.adjective:
                slots["posadj"] = self.pick(outcome.adjective)
        match clause:
            case p.ImportantTopK(k):
                slots["k"] = self.number_text(k) if rng.random() < 0.8 else str(k)
            case p.ImportantFeature(feature) | p.Statistic(feature) | p.Define(feature) if (
                    feature is not None):
                slots["feat"] = self.feature_phrase(feature)
            case p.Dependence(feature, low, high):
                slots["feat"] = self.feature_phrase(feature)
                if low is not None and high is not None:
                    spec = self.spec(feature)
                    numeric = spec if isinstance(spec, NumericSpec) else None
                    slots["lo"] = self.number_text(low, numeric)
                    slots["hi"] = self.number_text(high, numeric)
            case p.Score(metric) if metric != "default":
                slots["metric"] = self.pick(ph.METRIC_WORDS[metric])
            case p.Score("default") if not self.table.schema.task == "classification":
                slots["metric"] = self.pick(ph.REGRESSION_METRICS)
            case p.Interact() if len(self.table.features) >= 2:  # features named, not asked
                first, second = rng.sample(list(self.table.features), 2)
                slots["feat"] = self.feature_phrase(first.canonical)
                slots["feat2"] = self.feature_phrase(second.canonical)
        return slots

    # ------------------------------------------------------------------ questions
    def question(self, program: p.Program, previous: p.Program | None = None) -> Rendered:
        """One wording of ``program`` (read after ``previous`` when it refers to it)."""
        clauses = list(program.clauses)
        joins = list(program.joins)
        previous_filter = any(isinstance(c, p.PreviousFilter) for c in clauses)
        split = next((c for c in clauses if isinstance(c, p.SplitFilter)), None)
        listed = (p.PreviousFilter, p.SplitFilter)
        filters = [c for c in clauses if p.is_filter(c) and not isinstance(c, listed)]
        filter_joins = [j for c, j in zip(clauses[1:], joins, strict=True)
                        if p.is_filter(c) and not isinstance(c, listed)]
        if split is not None:
            question = self.question(p.Program(
                tuple(c for c in clauses if c is not split),
                tuple(j for c, j in zip(clauses[1:], joins, strict=True) if c is not split)
                if clauses[0] is not split else tuple(joins[1:])), previous)
            phrase = SPLIT_OPEN + expand(self.pick(ph.SPLIT_WORDS[split.kind]), self.rng,
                                         {"rows": self.row(plural=True)}) + SPLIT_CLOSE
            if clauses[0] is split or (previous_filter and clauses[1] is split):
                return Rendered(phrase[:1] + phrase[1:2].upper() + phrase[2:] + ", "
                                + question.text[:1].lower() + question.text[1:])
            text = question.text.rstrip()
            end = len(text.rstrip("?.!"))
            return Rendered(text[:end] + " " + phrase + text[end:])
        sel = self.selection(filters, filter_joins, previous_filter, previous)
        segments: list[tuple[list[p.Clause], p.Clause]] = []
        pending: list[p.Clause] = []
        for clause in clauses:
            if p.is_change(clause):
                pending.append(clause)
            elif p.is_operation(clause):
                segments.append((pending, clause))
                pending = []
        if not segments:
            raise RenderError("a program needs an operation")
        compact = self.compact_pair(segments, sel)
        if compact is not None:
            return self.finish(compact)
        texts: list[str] = []
        later = Selection("", "", "it" if not sel.plural else "they", sel.plural, sel.kind)
        for number, (changes, operation) in enumerate(segments):
            current = sel if number == 0 else self._later_selection(sel, later)
            text = self.operation_text(operation, current)
            if changes:
                text = self.with_changes(text, changes, operation, current)
            texts.append(text)
        text = texts[0]
        for extra in texts[1:]:
            text = expand(self.pick(ph.PAIR_JOINERS), self.rng,
                          {"a": text.rstrip("?.!"), "b": extra})
        if self.rng.random() < 0.25 and sel.kind in {"group", "id"} and len(segments) == 1 \
                and sel.pp and sel.pp in text and not segments[0][0]:
            # front the group: "for women over 60, what is ..."
            text = sel.pp + ", " + text.replace(" " + sel.pp, "").replace(sel.pp, "").strip()
        return self.finish(text)

    def compact_pair(self, segments: list[tuple[list[p.Clause], p.Clause]],
                     sel: Selection) -> str | None:
        """Two operations of one kind said at once: "how important are age and bmi?"; the same
        operation before and after a change, asked as one comparison ("how would the
        predictions change if ...?")."""
        if len(segments) == 2 and not segments[0][0] and segments[1][0] and (
                segments[0][1] == segments[1][1]) and self.rng.random() < 0.8:
            operation = segments[0][1]
            if isinstance(operation, (p.Predict, p.Likelihood)):
                kind = "predict" if isinstance(operation, p.Predict) else "likelihood"
                slots = {"ch": self.changes_phrase(segments[1][0]), "for_rows": sel.pp,
                         "rows": sel.np, "model": self.model(),
                         "outputs": self.outputs(kind)}
                if kind == "likelihood" and sel.kind != "none" and self.rng.random() < 0.5:
                    # "would they be more likely to quit if ...?"
                    slots.update({k: v for k, v in self.operation_slots(operation, sel).items()
                                  if k in {"pos", "cls", "posn"}})
                    had = self.had_change(segments[1][0])
                    if had is not None:
                        slots["had"] = had
                    fitting = [t for t in ph.COMPARE_LIKELIHOOD if slots_of(t) <= set(slots)]
                    if fitting:
                        return expand(self.pick(fitting), self.rng, slots)
                return expand(self.pick(ph.COMPARE_WHATIF), self.rng, slots)
        if len(segments) != 2 or segments[0][0] or segments[1][0] or self.rng.random() < 0.5:
            return None
        (_, a), (_, b) = segments
        slots = {"for_rows": sel.pp, "rows": sel.np, "model": self.model(),
                 "model_poss": self.pick(ph.MODEL_POSSESSIVE)}
        if {type(a), type(b)} == {p.DataSummary, p.ModelInfo}:
            first, second = ("data", "model") if isinstance(a, p.DataSummary) else (
                "model", "data")
            return expand(self.pick(ph.COMPACT_DATA_MODEL), self.rng,
                          {"x": first, "y": second})
        if isinstance(a, p.ImportantFeature) and isinstance(b, p.ImportantFeature):
            slots.update(f1=self.feature_phrase(a.feature), f2=self.feature_phrase(b.feature))
            return expand(self.pick(ph.COMPACT_IMPORTANCE), self.rng, slots)
        if isinstance(a, p.Statistic) and isinstance(b, p.Statistic) and a.feature and b.feature:
            slots.update(f1=self.feature_phrase(a.feature), f2=self.feature_phrase(b.feature))
            return expand(self.pick(ph.COMPACT_STATISTIC), self.rng, slots)
        if isinstance(a, p.Score) and isinstance(b, p.Score) and "default" not in (
                a.metric, b.metric):
            slots.update(m1=self.pick(ph.METRIC_WORDS[a.metric]),
                         m2=self.pick(ph.METRIC_WORDS[b.metric]))
            return expand(self.pick(ph.COMPACT_SCORE), self.rng, slots)
        if isinstance(a, p.Explain) and isinstance(b, p.Explain) and {a.method, b.method} <= {
                "lime", "shap"}:
            slots.update(e1=a.method, e2=b.method)
            return expand(self.pick(ph.COMPACT_EXPLAIN), self.rng, slots)
        return None

    def outputs(self, kind: str) -> str:
        """The model's outputs as a noun phrase ("the predictions", "the model's odds")."""
        return expand(self.pick(ph.COMPARED_OUTPUTS[kind]), self.rng, {"model": self.model()})

    def _later_selection(self, first: Selection, later: Selection) -> Selection:
        """How a second operation in the same question refers to the same rows."""
        if first.kind == "none":
            return first
        pronoun = self.pick(("", "", "for them" if first.plural else "for it",
                             "for " + first.np, "for the same " + ("ones" if first.plural
                                                                   else "one"),
                             "on this data", "for these", "for those", "on these",
                             "for this group" if first.plural else "for this one"))
        return Selection(first.np, pronoun, later.subj, first.plural, first.kind)

    def had_change(self, changes: list[p.Clause]) -> str | None:
        """Changes as what the rows had ("a bmi of 25"), when every change can be said so."""
        parts = []
        for clause in changes:
            if isinstance(clause, p.NumericChange):
                spec = self.spec(clause.feature)
                parts.append(expand(self.pick(ph.HAD_CHANGE[clause.kind]), self.rng, {
                    "f": self.feature_phrase(clause.feature),
                    "n": self.number_text(clause.value, spec if isinstance(spec, NumericSpec)
                                          else None)}))
            elif isinstance(clause, p.BoolChange):
                feature = self.feature_phrase(clause.feature)
                parts.append(feature if clause.value else "no " + feature)
            else:
                return None
        return " and ".join(parts)

    def with_changes(self, question: str, changes: list[p.Clause], operation: p.Clause,
                     sel: Selection) -> str:
        change_text = self.changes_phrase(changes)
        if sel.kind == "group" and isinstance(operation, p.Predict) and self.rng.random() < 0.3:
            had = self.had_change(changes)
            if had is not None:
                return expand(self.pick(ph.HAD_WRAPPERS), self.rng,
                              {"rows": sel.np, "ch": had, "model": self.model()})
        if isinstance(operation, (p.Predict, p.Likelihood)) and self.rng.random() < 0.25:
            # "how would the predictions change if ...?": the output after the change
            kind = "predict" if isinstance(operation, p.Predict) else "likelihood"
            return expand(self.pick(ph.CHANGE_OF_OUTPUT), self.rng, {
                "ch": change_text, "for_rows": sel.pp, "rows": sel.np, "model": self.model(),
                "outputs": self.outputs(kind)})
        if isinstance(operation, p.Predict) and self.rng.random() < 0.35:
            bare = ("what if <ch>?", "what would happen if <ch>?", "and if <ch>?",
                    "what would <model> {predict|say} if <ch>?")
            with_rows = ("what if <ch> <for_rows>?", "<for_rows>, what if <ch>?",
                         "suppose <ch> <for_rows>: what then?",
                         "what would the prediction be <for_rows> if <ch>?",
                         "if <ch>, what would <model> predict <for_rows>?",
                         "<for_rows>: what would happen if <ch>?")
            template = self.pick(bare if not sel.pp or sel.kind in {"none", "previous"}
                                 and self.rng.random() < 0.5 else with_rows)
            return expand(template, self.rng, {"ch": change_text, "for_rows": sel.pp,
                                                "subj": sel.subj, "model": self.model()})
        return expand(self.pick(ph.WHATIF_WRAPPERS), self.rng,
                      {"ch": change_text, "q": question.rstrip("?") + "?",
                       "model": self.model()})

    def finish(self, text: str) -> Rendered:
        rng = self.rng
        text = self.pick(ph.PREFIXES) + text + self.pick(ph.SUFFIXES)
        if rng.random() < 0.5:
            text = text[:1].upper() + text[1:]
        return Rendered(clean_spaces(text))

    # ------------------------------------------------------------------ conversation turns
    def followup_turn(self) -> str:
        return self.pick(ph.FOLLOWUP_TURNS)

    def previous_operation_turn(self, filters: list[p.Clause], joins: list[str]) -> str:
        if not filters:
            return expand(self.pick(ph.WHOLE_DATA_TURNS), self.rng,
                          {"rows": self.row(plural=True)})
        sel = self.selection(filters, joins, False, None)
        return expand(self.pick(ph.PREVIOUS_OPERATION_TURNS), self.rng, {"g": sel.np})

    def correction_turn(self, filters: list[p.Clause], joins: list[str]) -> str:
        only = filters[0] if len(filters) == 1 else None
        if isinstance(only, p.NumericFilter) and self.rng.random() < 0.4:
            # "make that over 280": the feature is the one the previous turn was about
            spec = self.spec(only.feature)
            condition = expand(self.pick(ph.COMPARISON_WORDS[only.comparison]), self.rng, {
                "n": self.number_text(only.value, spec if isinstance(spec, NumericSpec) else None)})
            return expand(self.pick(ph.CORRECTION_TURNS), self.rng,
                          {"g": condition, "c": condition})
        sel = self.selection(filters, joins, False, None)
        condition = " and ".join(self.filter_phrases(
            [c for c in filters if not isinstance(c, p.IdFilter)])) or sel.np
        return expand(self.pick(ph.CORRECTION_TURNS), self.rng, {"g": sel.np, "c": condition})


def clean_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _is_noun_like(phrase: str) -> bool:
    """A filter phrase that can stand for the rows on its own ("smokers", "women")."""
    first = phrase.split()[0] if phrase.split() else ""
    return first not in {"with", "whose", "where", "having", "that", "who", "over", "under",
                         "above", "below", "aged", "in", "of", "at", "between", "from",
                         "older", "younger", "not", "without", "predicted", "the", "which",
                         "for", "classed", "listed", "labelled", "flagged", "marked", "free",
                         "lacking", "more", "less", "no", "truly", "actually", "known", "whom"}


def _present(verb: str, plural: bool) -> str:
    """ "be readmitted" -> "are readmitted" / "is readmitted"; "quit" -> "quit"/"quits"."""
    words = verb.split()
    if not words:
        return verb
    head = words[0]
    if head == "be":
        head = "are" if plural else "is"
    elif head == "have":
        head = "have" if plural else "has"
    elif not plural:
        head = _INFLECT.plural_noun(head) if head.isalpha() else head
    return " ".join([head, *words[1:]])
