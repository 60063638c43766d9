"""Stage 3: a question's tokens and mentions as the model's input (and its labels as targets).

The model reads words, not tables. A feature or value that the question names by its column
words is replaced by a placeholder word for its kind, so that the model never learns a
particular table's names (and "risk_score" does not read as a question about risk); what the
mention is comes in as a learned *mention embedding* added to each word piece. Numbers, class
words and everyday words for a feature ("older") keep their words: they carry meaning.
The question's context (is there a previous turn, did it have what-if changes, was a
follow-up offered) is a mention embedding on the first position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grammar.parse.decisions import (
    ALLOWED_TAGS,
    LINK_AGE,
    LINK_NONE,
    LINK_PREVIOUS,
    OPERATION_INDEX,
    TAG_INDEX,
    TAGS,
    Decisions,
    token_kind,
)
from grammar.parse.mentions import Mention, Mentions
from grammar.parse.minilm import tokenizer

MAX_PIECES = 64

# Mention kinds as embedding ids (0: padding and special pieces).
KINDS: tuple[str, ...] = (
    "pad", "word", "number", "number:id", "id", "feature:numeric", "feature:boolean",
    "feature:boolean:opposite", "feature:categorical", "feature:implied", "value",
    "class:positive", "class:negative", "class:other", "target",
    # contexts, on the first position: previous turn / its changes / an offer
    "context:none", "context:previous", "context:previous+offer", "context:changes",
    "context:changes+offer",
)
KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
# A number that is also a class label carries the class as a second embedding.
NUMBER_CLASS = ("none", "positive", "negative", "other")
POSITIONS = ("outside", "begin", "inside")  # where a piece sits in its mention
PLACEHOLDERS = {"feature:numeric": "level", "feature:boolean": "condition",
                "feature:boolean:opposite": "condition", "feature:categorical": "category",
                "value": "kind", "target": "target"}

# Link targets: a feature mention's word, or one of these (after the words).
SPECIAL_LINKS = (LINK_NONE, LINK_AGE, LINK_PREVIOUS)
MAX_OPERATION_STEPS = 3
END_OPERATION = len(OPERATION_INDEX)  # "no more operations"
NO_PREVIOUS_OPERATION = len(OPERATION_INDEX)  # no previous turn (or it had no operation)


@dataclass(frozen=True)
class Word:
    """One word the model reads: a token, or a whole mention."""

    text: str
    start: int  # token span
    end: int
    mention: Mention | None


@dataclass(frozen=True)
class Encoded:
    """Model input for one question."""

    words: tuple[Word, ...]
    piece_ids: np.ndarray  # (P,) word-piece ids with [CLS] ... [SEP]
    kinds: np.ndarray  # (P,) KINDS index per piece
    number_class: np.ndarray  # (P,)
    positions: np.ndarray  # (P,)
    word_piece: np.ndarray  # (W,) index of each word's first piece
    tag_mask: np.ndarray  # (W, len(TAGS)) allowed tags per word
    link_mask: np.ndarray  # (W + 3,) which link targets exist (feature words, then specials)
    previous_operation: int = -1  # OPERATIONS index of the previous turn's last operation


def context_kind(has_previous: bool, previous_changes: bool, offered: bool) -> str:
    if not has_previous:
        return "context:none"
    base = "context:changes" if previous_changes else "context:previous"
    return base + ("+offer" if offered else "")


def mention_kind(m: Mention | None) -> str:
    if m is None:
        return "word"
    if m.kind == "number":
        return "number:id" if m.is_id else "number"
    if m.kind == "feature":
        if m.implied:
            return "feature:implied"
        if m.feature_kind == "boolean" and m.opposite:
            return "feature:boolean:opposite"
        return f"feature:{m.feature_kind}"
    if m.kind == "class":
        return "class:other"  # refined with the schema's class order by the caller
    return m.kind


def words_of(mentions: Mentions) -> tuple[Word, ...]:
    words: list[Word] = []
    index = 0
    tokens = mentions.tokens
    while index < len(tokens):
        m = mentions.at(index)
        if m is not None and m.end - m.start >= 1 and mention_kind(m) in PLACEHOLDERS:
            words.append(Word(PLACEHOLDERS[mention_kind(m)], m.start, m.end, m))
            index = m.end
        elif m is not None:
            for t in range(m.start, m.end):
                text = tokens[t]
                if m.kind == "number" and len(text) > 12:  # 400 digits would fill the input
                    text = text[0] + "0" * 6
                words.append(Word(text, t, t + 1, m))
            index = m.end
        else:
            words.append(Word(tokens[index], index, index + 1, None))
            index += 1
    return tuple(words)


def encode(mentions: Mentions, class_labels: tuple[str, ...], context: str,
           previous_numeric: bool, previous_operation: str | None = None) -> Encoded:
    """The model input for a question's mentions (``context`` is a ``context:*`` kind;
    ``previous_operation`` the last operation of the previous turn, if any)."""
    words = words_of(mentions)
    encoding = tokenizer().encode([w.text for w in words], is_pretokenized=True)
    ids = list(encoding.ids)
    word_ids = list(encoding.word_ids)
    if len(ids) > MAX_PIECES:  # keep [CLS] and [SEP]
        ids = ids[:MAX_PIECES - 1] + [ids[-1]]
        word_ids = word_ids[:MAX_PIECES - 1] + [None]
    binary = len(class_labels) == 2
    kinds = np.zeros(len(ids), dtype=np.int64)
    number_class = np.zeros(len(ids), dtype=np.int64)
    positions = np.zeros(len(ids), dtype=np.int64)
    kinds[0] = KIND_INDEX[context]
    word_piece = np.full(len(words), -1, dtype=np.int64)
    previous_word = None
    for piece, word in enumerate(word_ids):
        if word is None:
            continue
        w = words[word]
        kind = mention_kind(w.mention)
        if kind == "class:other" and binary and w.mention is not None:
            kind = ("class:positive" if w.mention.class_label == class_labels[-1]
                    else "class:negative")
        kinds[piece] = KIND_INDEX[kind]
        if w.mention is not None and w.mention.kind == "number" and w.mention.class_label:
            label = w.mention.class_label
            number_class[piece] = (1 if binary and label == class_labels[-1] else
                                   2 if binary and label == class_labels[0] else 3)
        if w.mention is not None:
            first = w.start == w.mention.start and previous_word != word
            positions[piece] = 1 if first else 2
        if word_piece[word] < 0:
            word_piece[word] = piece
        previous_word = word
    tag_mask = np.zeros((len(words), len(TAGS)), dtype=bool)
    link_mask = np.zeros(len(words) + len(SPECIAL_LINKS), dtype=bool)
    for index, w in enumerate(words):
        if word_piece[index] < 0:  # cut off by the length limit
            tag_mask[index, TAG_INDEX["O"]] = True
            continue
        for tag in ALLOWED_TAGS[token_kind(w.mention)]:
            tag_mask[index, TAG_INDEX[tag]] = True
        m = w.mention
        if m is not None and m.kind == "feature" and m.feature_kind == "numeric" and (
                w.start == m.start):
            link_mask[index] = True
    link_mask[len(words) + SPECIAL_LINKS.index(LINK_NONE)] = True
    link_mask[len(words) + SPECIAL_LINKS.index(LINK_AGE)] = mentions.age_feature is not None
    link_mask[len(words) + SPECIAL_LINKS.index(LINK_PREVIOUS)] = previous_numeric
    previous = OPERATION_INDEX.get(previous_operation or "", NO_PREVIOUS_OPERATION)
    return Encoded(words, np.asarray(ids, dtype=np.int64), kinds, number_class, positions,
                   word_piece, tag_mask, link_mask, previous)


@dataclass(frozen=True)
class Targets:
    """Training targets for one question, per model word (-100: not trained on)."""

    operations: np.ndarray  # (MAX_OPERATION_STEPS,) operation index or END_OPERATION
    tags: np.ndarray  # (W,)
    links: np.ndarray  # (W,) link target index into [words..., specials...], or -100
    joins: np.ndarray  # (W,) 0 and / 1 or, or -100
    segments: np.ndarray  # (W,) or -100
    flags: np.ndarray  # (3,) previous_filter, carry_changes, correction


def targets(decisions: Decisions, encoded: Encoded) -> Targets:
    words = encoded.words
    n = len(words)
    tags = np.full(n, -100, dtype=np.int64)
    links = np.full(n, -100, dtype=np.int64)
    joins = np.full(n, -100, dtype=np.int64)
    segments = np.full(n, -100, dtype=np.int64)
    word_of_token = {}
    for index, w in enumerate(words):
        for t in range(w.start, w.end):
            word_of_token.setdefault(t, index)
    for index, w in enumerate(words):
        if encoded.word_piece[index] < 0:
            continue
        tag = decisions.tags[w.start]
        tags[index] = TAG_INDEX[tag]
        if tag in {"GT", "LT", "GE", "LE", "EQ", "NE", "INC", "DEC", "SET", "DECADE"}:
            link = decisions.links[w.start]
            if link >= 0:
                links[index] = word_of_token[link]
            else:
                links[index] = n + SPECIAL_LINKS.index(link)
        if tag != "O" and _starts_unit(decisions, w, index, words):
            joins[index] = 1 if decisions.joins[w.start] == "or" else 0
            segments[index] = min(decisions.segments[w.start], MAX_OPERATION_STEPS - 1)
    operations = np.full(MAX_OPERATION_STEPS, END_OPERATION, dtype=np.int64)
    for step, name in enumerate(decisions.operations[:MAX_OPERATION_STEPS]):
        operations[step] = OPERATION_INDEX[name]
    if not decisions.operations:  # nothing to learn about operations from this question
        operations[:] = -100
    flags = np.asarray([decisions.previous_filter, decisions.carry_changes,
                        decisions.correction], dtype=np.int64)
    return Targets(operations, tags, links, joins, segments, flags)


def _starts_unit(decisions: Decisions, w: Word, index: int, words: tuple[Word, ...]) -> bool:
    if w.mention is not None:
        return w.start == w.mention.start
    if index == 0:
        return True
    before = words[index - 1]
    return before.mention is not None or decisions.tags[before.start] != decisions.tags[w.start]


def decisions_from_words(encoded: Encoded, mentions: Mentions, operations: list[str],
                         word_tags: list[str], word_links: list[int], word_joins: list[int],
                         word_segments: list[int], flags: tuple[bool, bool, bool]) -> Decisions:
    """Per-word model outputs as per-token ``Decisions``."""
    n_tokens = len(mentions.tokens)
    tags = ["O"] * n_tokens
    links = [LINK_NONE] * n_tokens
    joins = ["and"] * n_tokens
    segments = [0] * n_tokens
    words = encoded.words
    for index, w in enumerate(words):
        for t in range(w.start, w.end):
            tags[t] = word_tags[index]
        link = word_links[index]
        if link >= len(words):
            links[w.start] = SPECIAL_LINKS[link - len(words)]
        elif link >= 0:
            links[w.start] = words[link].start
        joins[w.start] = "or" if word_joins[index] == 1 else "and"
        segments[w.start] = word_segments[index]
    return Decisions(tuple(operations), tuple(tags), tuple(links), tuple(joins),
                     tuple(segments), *flags)
