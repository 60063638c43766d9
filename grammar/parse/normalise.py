"""Text normalisation: lower case, contractions, numbers written as words, units, typos.

The result is a list of tokens; everything downstream works on token positions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation

from rapidfuzz.distance import DamerauLevenshtein
from text_to_num import alpha2digit

CONTRACTIONS = {
    "what's": "what is", "whats": "what is", "who's": "who is", "it's": "it is",
    "that's": "that is", "there's": "there is", "here's": "here is", "how's": "how is",
    "where's": "where is", "don't": "do not", "dont": "do not", "doesn't": "does not",
    "doesnt": "does not", "didn't": "did not", "didnt": "did not", "isn't": "is not",
    "aren't": "are not", "wasn't": "was not", "weren't": "were not", "won't": "will not",
    "wouldn't": "would not", "couldn't": "could not", "shouldn't": "should not",
    "can't": "can not", "cannot": "can not", "haven't": "have not", "hasn't": "has not",
    "hadn't": "had not", "i'm": "i am", "im": "i am", "you're": "you are", "they're": "they are",
    "we're": "we are", "i'd": "i would", "i've": "i have", "you've": "you have",
    "let's": "let us", "why'd": "why did", "how'd": "how did", "what'd": "what did",
    "y'all": "you all", "gonna": "going to", "wanna": "want to", "pls": "please",
    "plz": "please", "thx": "thanks", "u": "you", "ur": "your", "r": "are", "w/": "with",
    "w/o": "without", "vs": "versus", "abt": "about", "approx": "approximately",
}

FRACTIONS = [
    (r"\ba decade\b", "10 years"),
    (r"\bhalf a dozen\b", "6"),
    (r"\ba dozen\b", "12"),
    (r"\bdozen\b", "12"),
    (r"\ba couple of\b", "2"),
    (r"\ba couple\b", "2"),
    (r"\ba hundred\b", "one hundred"),
    (r"\ba thousand\b", "one thousand"),
    (r"\bhalf an hour\b", "0.5 hour"),
    (r"\ba half\b", "0.5"),
    (r"\bzero\b", "0"),
    (r"\b(than|least|most|to|under|over|above|below|about|around) an? (hour|year|day|week|month|"
     r"point|unit)\b", r"\1 1 \2"),
    (r"\bnone at all\b", "0"),
]

DECADES = {
    "twenties": "20s", "thirties": "30s", "forties": "40s", "fifties": "50s", "sixties": "60s",
    "seventies": "70s", "eighties": "80s", "nineties": "90s",
}

UNIT_WORDS = {
    "kg/m2", "kg/m^2", "kg/m²", "mg/dl", "mmhg", "mm/hg", "bpm", "kg", "lbs", "lb", "cm", "mm",
    "mg", "ml", "dl", "usd", "eur", "dollars", "euros", "$", "€", "£", "percent", "%",
}


@dataclass(frozen=True)
class Normalized:
    """A normalised utterance: the tokens, and the text they join to."""

    tokens: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _expand_contractions(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        word = match.group(0)
        return CONTRACTIONS.get(word, word)

    return re.sub(r"[a-z]+(?:'[a-z]+)?/?[a-z]*", lambda m: CONTRACTIONS.get(m.group(0), None)
                  or re.sub(r"[a-z]+(?:'[a-z]+)?", repl, m.group(0)), text)


def normalize(text: str) -> Normalized:
    """Lower-case, expand contractions, write numbers as digits and split off punctuation."""
    text = text.strip().lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = text.replace("\u201d", '"').replace("\u2013", "-").replace("\u2014", " - ")
    text = text.replace("≥", " >= ").replace("≤", " <= ")
    text = re.sub(r"\s+", " ", text)
    text = expand_scientific_notation(text)
    text = re.sub(r"\br(?:\^?2|²|[ -]squared?)(?![a-z0-9])", "rsquared", text)  # not "are 2"
    text = _expand_contractions(text)
    # possessives: "patient 56's" -> "patient 56", "everyone's" -> "everyone"
    text = re.sub(r"(\w)'s\b", r"\1", text)
    text = re.sub(r"(\w)s'(\s|$)", r"\1s\2", text)
    for pattern, repl in FRACTIONS:
        text = re.sub(pattern, repl, text)
    # "fifties" -> "50s"; "no. 5" -> "number 5"; "ones" is a pronoun, never the number 1
    text = re.sub(r"\b(" + "|".join(DECADES) + r")\b", lambda m: DECADES[m.group(1)], text)
    text = re.sub(r"\bno\.\s*(?=#?\d)", "number ", text)
    text = re.sub(r"\bones\b", "qqonesqq", text)
    text = text.replace("_", " ")
    text = re.sub(r"(?<![a-z])(kg/m\^?2|kg/m²|mg/dl|mm/?hg|bpm|lbs?|kgs?)(?![a-z])", " ", text)
    # hyphenated number words first ("seventy-five"), then other hyphens between letters
    try:
        text = alpha2digit(text, "en", threshold=0)
        text = re.sub(r"\b(that|this|the|which|each|no|any|every|some|a single|single) 1\b"
                      r"(?![.,]\d)", r"\1 one", text)
        text = re.sub(r"(?<![\d.,])\b1 (of|more|another|by 1)\b", r"one \1", text)
    except Exception:  # text2num is strict about some inputs; numbers stay as words then
        pass
    text = text.replace("qqonesqq", "ones")
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
    text = expand_thousands_suffix(text)
    text = drop_digit_group_commas(text)
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    # split numbers glued to units or letters: "35kg" -> "35 kg", "#17" -> "# 17"; a digit
    # inside a word stays in it ("hba1c", "f1score")
    text = re.sub(r"(?<![a-z\d.])(\d+(?:\.\d+)?)(?=[a-z%$€£])", r"\1 ", text)
    text = re.sub(r"([#$€£])(\d)", r"\1 \2", text)
    text = re.sub(r"(>=|<=|!=|==|[<>=])", r" \1 ", text)
    text = re.sub(r"([?!,;:()\[\]\"#&*+])", r" \1 ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " . ", text)
    text = re.sub(r"(?<![\w])'|'(?![\w])", " ", text)
    tokens = [t for t in text.split() if t]
    tokens = ["and" if t == "&" else t for t in tokens]
    tokens = [t for t in tokens if t not in UNIT_WORDS]
    return Normalized(tuple(tokens))


# ----------------------------------------------------------------------------- numbers
# Numbers are read exactly as written (decimal arithmetic, no float rounding). Anything of 400
# or more digits is beyond every column there is, so longer numbers are written as 10**400: still
# beyond, and the executor answers that such a number is beyond the data.
MAX_WRITTEN_DIGITS = 400
_EXACT = Context(prec=2 * MAX_WRITTEN_DIGITS + 10)
_SCIENTIFIC = re.compile(
    r"(?<![\w.])(?P<mantissa>\d+(?:\.\d*)?|\.\d+)e(?P<exponent>[+-]?\d+)(?!\w)(?!\.\d)", re.I)
_THOUSANDS_SUFFIX = re.compile(r"\b(\d+(?:\.\d+)?) ?k\b")
_DIGIT_GROUP_COMMA = re.compile(r"(?<=\d),(?=\d{3}\b)")


def plain_decimal(value: Decimal) -> str:
    """A decimal as plain digits: ``Decimal('2.5E+4')`` -> ``'25000'``, ``'1.50'`` -> ``'1.5'``.

    Magnitudes of ``10**400`` and more become ``10**400`` (sign kept); below ``10**-400``, 0."""
    if not value.is_finite() or value.is_zero():
        return "0"
    if value.adjusted() >= MAX_WRITTEN_DIGITS:
        return ("-" if value < 0 else "") + "1" + "0" * MAX_WRITTEN_DIGITS
    if value.adjusted() < -MAX_WRITTEN_DIGITS:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _scaled(digits: str, exponent: int) -> str:
    """``digits`` times ten to ``exponent``, written plainly (exponent clamped so it stays cheap)."""
    exponent = max(-2 * MAX_WRITTEN_DIGITS, min(2 * MAX_WRITTEN_DIGITS, exponent))
    return plain_decimal(Decimal(digits).scaleb(exponent, _EXACT))


def expand_scientific_notation(text: str) -> str:
    """``1e5`` -> ``100000``, ``2.5e4`` -> ``25000``, ``1.5e-3`` -> ``0.0015``."""
    def repl(match: re.Match[str]) -> str:
        return _scaled(match.group("mantissa"), int(match.group("exponent")))

    return _SCIENTIFIC.sub(repl, text)


def expand_thousands_suffix(text: str) -> str:
    """``90k`` -> ``90000``, ``2.5k`` -> ``2500`` (thousands written the way people type money)."""
    return _THOUSANDS_SUFFIX.sub(lambda match: _scaled(match.group(1), 3), text)


def drop_digit_group_commas(text: str) -> str:
    """``1,000`` -> ``1000``, ``1,000,000.5`` -> ``1000000.5`` (commas before three digits)."""
    return _DIGIT_GROUP_COMMA.sub("", text)


def number_value(text: str) -> int | float:
    """The value of a plain decimal token: ``'30'`` -> 30, ``'2.5'`` -> 2.5, ``'-1'`` -> -1.

    Whole numbers are exact ints at any size (a float would round them or overflow to
    infinity); a fraction too large for a float keeps its whole part."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if math.isfinite(as_float) else int(value)


def correct_typos(tokens: Iterable[str], vocabulary: frozenset[str],
                  known: frozenset[str]) -> tuple[str, ...]:
    """Replace misspelt tokens by the closest vocabulary word (Damerau-Levenshtein).

    A token is left alone when it is a known word, a number, short, or has no unique close match.
    """
    vocab_by_len: dict[int, list[str]] = {}
    for word in vocabulary:
        vocab_by_len.setdefault(len(word), []).append(word)
    result = []
    for token in tokens:
        if token in known or token in vocabulary or not token.isalpha() or len(token) < 3:
            result.append(token)
            continue
        limit = 1 if len(token) <= 5 else 2
        best: list[tuple[int, str]] = []
        for length in range(len(token) - limit, len(token) + limit + 1):
            for word in vocab_by_len.get(length, ()):
                if len(token) <= 4 and word[0] != token[0]:
                    continue
                distance = DamerauLevenshtein.distance(token, word, score_cutoff=limit)
                if distance <= limit:
                    best.append((distance, word))
        if not best:
            result.append(token)
            continue
        best.sort()
        top = [w for d, w in best if d == best[0][0]]
        if len(top) > 1 and len({w[:4] for w in top}) == 1:
            # "featurs" is nearer in spirit to "features" than to "feature": keep the ending
            top.sort(key=lambda w: w[-1] != token[-1])
        if len(top) == 1 or len({w[:4] for w in top}) == 1:
            result.append(top[0])
        else:
            result.append(token)
    return tuple(result)
