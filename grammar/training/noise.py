"""Noise people add to questions: typos, clumsy synonyms, text-speak, casing and punctuation.

Words between the class marks of ``grammar.training.render`` are left alone (the trainer must
find them again); everything else may be touched.
"""

from __future__ import annotations

import random
import re

from grammar.training.render import MARK_CLOSE, MARK_OPEN, SPLIT_CLOSE, SPLIT_OPEN

KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}

# Clumsy thesaurus-style substitutions for common question words (as paid crowd workers and
# non-native speakers reword): each key may become any of its values.
THESAURUS: dict[str, tuple[str, ...]] = {
    "predict": ("forecast", "foresee", "project", "anticipate", "prognosticate", "estimate"),
    "predicts": ("forecasts", "foresees", "projects", "anticipates", "estimates"),
    "predicted": ("forecasted", "foreseen", "projected", "anticipated", "estimated"),
    "prediction": ("forecast", "projection", "estimate", "prognosis", "output", "verdict"),
    "predictions": ("forecasts", "projections", "estimates", "outputs", "verdicts"),
    "model": ("algorithm", "system", "machine", "classifier", "program", "engine"),
    "show": ("display", "exhibit", "present", "reveal", "demonstrate", "depict"),
    "why": ("for what reason", "how come", "on what grounds"),
    "important": ("significant", "crucial", "vital", "key", "essential", "relevant", "critical"),
    "features": ("attributes", "variables", "characteristics", "factors", "traits",
                 "properties", "columns", "inputs"),
    "feature": ("attribute", "variable", "characteristic", "factor", "trait", "property",
                "column", "input"),
    "likely": ("probable", "apt", "prone"),
    "people": ("folks", "individuals", "persons", "humans", "ones"),
    "many": ("numerous", "much"),
    "explain": ("clarify", "elucidate", "justify", "account for", "describe", "interpret"),
    "reason": ("cause", "rationale", "motive", "grounds", "basis"),
    "reasons": ("causes", "grounds", "motives", "bases"),
    "change": ("alter", "modify", "adjust", "shift", "vary", "amend"),
    "changed": ("altered", "modified", "adjusted", "shifted", "amended"),
    "increase": ("raise", "boost", "augment", "elevate", "heighten"),
    "decrease": ("lower", "reduce", "diminish", "cut", "lessen"),
    "average": ("mean", "typical", "usual"),
    "mistakes": ("errors", "blunders", "slip-ups", "inaccuracies", "faults"),
    "wrong": ("incorrect", "mistaken", "erroneous", "inaccurate", "off"),
    "correct": ("right", "accurate", "proper"),
    "data": ("information", "records", "dataset"),
    "tell": ("inform", "let me know", "advise"),
    "give": ("provide", "supply", "offer", "hand"),
    "most": ("greatest", "foremost"),
    "good": ("decent", "solid", "fine"),
    "over": ("above", "in excess of", "beyond"),
    "under": ("below", "beneath"),
    "older": ("more aged", "elder", "senior"),
    "younger": ("less aged", "junior"),
    "help": ("assist", "aid"),
    "outcome": ("result", "consequence", "upshot"),
    "result": ("outcome", "consequence"),
    "chance": ("possibility", "prospect", "odds"),
    "probability": ("likelihood", "odds", "chances"),
    "patients": ("individuals", "cases", "persons"),
    "different": ("distinct", "alternative", "other", "altered"),
    "number": ("amount", "quantity", "total", "figure"),
    "how": ("in what way",),
    "find": ("discover", "determine", "locate", "uncover"),
    "think": ("believe", "reckon", "suppose", "consider"),
    "see": ("view", "observe", "look at"),
    "top": ("leading", "highest", "foremost", "premier"),
    "matter": ("count", "be significant"),
    "accuracy": ("correctness", "exactness"),
}
TEXT_SPEAK = {"you": "u", "your": "ur", "please": "pls", "what is": "whats", "are": "r",
              "thanks": "thx", "because": "cuz", "with": "w/", "people": "ppl",
              "about": "abt", "probability": "prob", "information": "info"}


def add_noise(text: str, rng: random.Random, level: float | None = None) -> str:
    """A noisier version of ``text``; ``level`` in [0, 1] (drawn when None)."""
    if level is None:
        level = rng.choices([0.0, 0.3, 0.6, 1.0], [55, 25, 13, 7])[0]
    if level == 0.0 and rng.random() < 0.5:
        return _punctuation(text, rng)
    parts = re.split(f"({MARK_OPEN}.*?{MARK_CLOSE}|{SPLIT_OPEN}.*?{SPLIT_CLOSE})", text)
    out = []
    for part in parts:
        if part.startswith((MARK_OPEN, SPLIT_OPEN)):
            out.append(part)
            continue
        if rng.random() < 0.35 * level + 0.08:
            part = _thesaurus(part, rng)
        if rng.random() < 0.2 * level:
            part = _text_speak(part, rng)
        if level > 0:
            part = _typos(part, rng, level)
        out.append(part)
    text = "".join(out)
    text = _punctuation(text, rng)
    if rng.random() < 0.03:
        text = text.upper()
    elif rng.random() < 0.2:
        text = text.lower()
    return text


def _thesaurus(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for index, word in enumerate(words):
        key = word.lower()
        if key in THESAURUS and rng.random() < 0.35:
            words[index] = rng.choice(THESAURUS[key])
    return " ".join(words)


def _text_speak(text: str, rng: random.Random) -> str:
    for long, short in TEXT_SPEAK.items():
        if rng.random() < 0.5:
            text = re.sub(rf"\b{re.escape(long)}\b", short, text)
    return text


def _typos(text: str, rng: random.Random, level: float) -> str:
    words = text.split(" ")
    budget = rng.choices([0, 1, 2, 3], [1.0 - level * 0.5, level, level * 0.6, level * 0.3])[0]
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    rng.shuffle(candidates)
    for index in candidates[:budget]:
        words[index] = typo(words[index], rng)
    return " ".join(words)


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: a swap, a drop, a double, a neighbour key or an extra letter."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.25:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind < 0.5:
        return word[:i] + word[i + 1:]
    if kind < 0.65:
        return word[:i] + word[i] + word[i:]
    if kind < 0.9:
        near = KEYBOARD.get(word[i].lower())
        return word[:i] + (rng.choice(near) if near else word[i]) + word[i + 1:]
    return word[:i] + rng.choice("aeiou") + word[i:]


def _punctuation(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        text = text.rstrip("?.! ")
    elif roll < 0.35:
        text = text.rstrip("?") + "??"
    elif roll < 0.4:
        text = text.replace(",", "")
    return text
