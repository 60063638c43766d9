"""Word-level decoding constrained by the dataset-specialised lark grammar.

The specialised grammar's terminals are finite sets of literal words (keywords, feature names,
values, labels, ids) plus numbers, separated by single spaces. At each step lark's interactive
LALR parser says which terminals may come next; they are expanded to the words that may come
next, and a language model picks one by walking a trie of the words' token sequences (all other
tokens are masked). Whatever the model prefers, the text is a sentence of the grammar; when the
word budget runs out, the shortest grammatical completion closes the program.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from lark import Lark, Token
from lark.lexer import PatternStr

END_WORD = "[E]"
_SPACE_TYPES = {" "}
_OPEN_PROBE_WORD = "zqxjv"
_MANY_NUMBERS = 20
_NUMERIC = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_OPEN_PROBE_NUMBER = "987654321"


class LMState(Protocol):
    """A language model's state after some tokens: log-probabilities of the next token."""

    def next_logprobs(self) -> Sequence[float]: ...


class TokenLM(Protocol):
    """What the decoder needs from a causal language model (see backends.TransformersLM)."""

    def start(self, prompt: str) -> LMState: ...

    def advance(self, state: LMState, token_id: int) -> LMState: ...

    def word_tokens(self, word: str) -> tuple[int, ...]: ...

    def word_start_ids(self) -> Sequence[int]: ...


def _strip_group(text: str) -> str:
    """``(?:x)`` -> ``x`` while the outer parentheses enclose the whole text."""
    while text.startswith("(?:") and text.endswith(")"):
        depth = 0
        for index, char in enumerate(text):
            depth += char == "(" and (index == 0 or text[index - 1] != "\\")
            depth -= char == ")" and text[index - 1] != "\\"
            if depth == 0 and index < len(text) - 1:
                return text
        text = text[3:-1]
    return text


def _split_alternatives(text: str) -> list[str]:
    pieces, depth, current = [], 0, ""
    for index, char in enumerate(text):
        escaped = index > 0 and text[index - 1] == "\\"
        if char == "(" and not escaped:
            depth += 1
        elif char == ")" and not escaped:
            depth -= 1
        if char == "|" and depth == 0 and not escaped:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    return pieces


def _regex_literals(regex: str) -> tuple[str, ...]:
    """The words of a regex that is only an alternation of literals (``(?:and|or)``), else ()."""
    body = _strip_group(re.sub(r"\(\?[aiLmsux]+:", "(?:", regex))
    words = []
    for piece in _split_alternatives(body):
        piece = _strip_group(piece)
        if re.search(r"(?<!\\)[.^$*+?{}\[\]()|]", piece):
            return ()
        words.append(re.sub(r"\\(.)", r"\1", piece).lower())
    return tuple(words)


@dataclass
class _TrieNode:
    children: dict[int, _TrieNode] = field(default_factory=dict)
    word: str | None = None


def _build_trie(words: Iterable[str], lm: TokenLM) -> _TrieNode:
    root = _TrieNode()
    for word in words:
        node = root
        for token in lm.word_tokens(word):
            node = node.children.setdefault(token, _TrieNode())
        if node is root:  # a word the tokenizer cannot spell: unreachable by the model
            continue
        node.word = word
    return root


@dataclass(frozen=True)
class Decoded:
    """A grammatical program text with the model's log-probability of its tokens."""

    text: str
    logprob: float
    tokens: int
    forced_close: bool = False


class GrammarWalker:
    """Knows, for any prefix of words, which words the grammar allows next.

    ``vocabulary`` lists every closed-class word the dataset may use (features, values, ids,
    labels, metrics); grammar keywords come from the grammar itself. Open terminals (numbers) are
    expanded to ``numbers`` given per utterance.
    """

    def __init__(self, parser: Lark, vocabulary: Iterable[str],
                 default_numbers: Sequence[str] = ("1", "2", "3", "5", "10")) -> None:
        self.parser = parser
        self.default_numbers = tuple(default_numbers)
        self._space = self._find_space_terminal()
        self._skip: set[str] = {"$END"} | ({self._space} if self._space else set())
        words = set(vocabulary)
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._open: dict[str, str] = {}  # terminal -> "number" | "any"
        for terminal in parser.terminals:
            if terminal.name == self._space:
                continue
            flags = re.IGNORECASE if "i" in terminal.pattern.flags else 0
            regex = re.compile(terminal.pattern.to_regexp(), flags)
            self._patterns[terminal.name] = regex
            if regex.fullmatch(END_WORD):  # the end marker is written by the decoder itself
                self._skip.add(terminal.name)
                continue
            if isinstance(terminal.pattern, PatternStr):
                words.add(terminal.pattern.value.lower())
                continue
            words.update(_regex_literals(terminal.pattern.value))
            if regex.fullmatch(_OPEN_PROBE_WORD):
                self._open[terminal.name] = "any"
            elif regex.fullmatch(_OPEN_PROBE_NUMBER):
                self._open[terminal.name] = "number"
        self._words = sorted(words)
        self._closed_cache: dict[str, tuple[str, ...]] = {}
        self._completion_cache: dict[tuple, tuple[tuple[str, str], ...] | None] = {}

    def _find_space_terminal(self) -> str | None:
        for terminal in self.parser.terminals:
            if isinstance(terminal.pattern, PatternStr) and terminal.pattern.value in _SPACE_TYPES:
                return terminal.name
        return None

    # ---------------------------------------------------------------- parser states
    def initial(self):
        return self.parser.parse_interactive("")

    @staticmethod
    def _key(state) -> tuple:
        return tuple(state.parser_state.state_stack)

    def _space_then(self, state):
        """The state where the next word may start, or None if no further word is allowed."""
        if self._space is None:
            return state
        if self._space in state.accepts():
            new = state.copy()
            new.feed_token(Token(self._space, " "))
            return new
        return None

    def terminal_words(self, terminal: str, numbers: Sequence[str]) -> tuple[str, ...]:
        """Every word the terminal may be here."""
        kind = self._open.get(terminal)
        regex = self._patterns[terminal]
        if kind == "number":
            pool = dict.fromkeys([*numbers, *self.default_numbers])
            return tuple(n for n in pool if regex.fullmatch(n))
        if kind == "any":
            pool = list(dict.fromkeys([*self._words, *numbers, *self.default_numbers]))
            return tuple(w for w in pool if w != END_WORD.lower() and regex.fullmatch(w))
        if terminal not in self._closed_cache:
            self._closed_cache[terminal] = tuple(w for w in self._words if regex.fullmatch(w))
        words = self._closed_cache[terminal]
        if len(words) > _MANY_NUMBERS and all(_NUMERIC.fullmatch(w) for w in words):
            # Row ids: the ones the user wrote (not the defaults), when any is a real id; the
            # model would otherwise have to spell one of hundreds digit by digit.
            mentioned = tuple(n for n in numbers if regex.fullmatch(n) and n in set(words))
            return mentioned or words
        return words

    def options(self, state, numbers: Sequence[str]) -> dict[str, list[tuple[str, object]]]:
        """Allowed next words -> [(terminal, state after the word)], only words that can finish.

        ``state`` is positioned where a word may start (after a space, or at the beginning).
        """
        result: dict[str, list[tuple[str, object]]] = {}
        for terminal in sorted(state.accepts()):
            if terminal in self._skip:
                continue
            words = self.terminal_words(terminal, numbers)
            if not words:
                continue
            after = state.copy()
            after.feed_token(Token(terminal, words[0]))
            if self.completion(after, numbers) is None:
                continue
            for word in words:
                result.setdefault(word, []).append((terminal, after))
        return result

    def can_end(self, state) -> bool:
        """True if the program may stop right after the last word."""
        return "$END" in state.accepts()

    def completion(
        self,
        state,
        numbers: Sequence[str],
        prefix: Sequence[str] = (),
        accept_end: Callable[[Sequence[str]], bool] | None = None,
    ) -> tuple[tuple[str, str], ...] | None:
        """The shortest list of (terminal, word) that ends the program from ``state``.

        ``state`` is right after a word (before the space). Breadth-first over parser states,
        one representative word per terminal, memoised by the LALR state stack (and, with
        ``accept_end``, by whether the words so far would be accepted as a whole program).
        """
        def accepted(path: tuple[tuple[str, str], ...]) -> bool:
            return accept_end is None or accept_end([*prefix, *(w for _, w in path)])

        key = (self._key(state), tuple(numbers[:1]), bool(prefix))
        if accept_end is None and key in self._completion_cache:
            return self._completion_cache[key]
        start = state
        queue: deque[tuple[object, tuple[tuple[str, str], ...]]] = deque([(start, ())])
        seen = {(self._key(start), accepted(()))}
        found: tuple[tuple[str, str], ...] | None = None
        while queue and len(seen) < 5000:
            current, path = queue.popleft()
            if self.can_end(current) and (path or prefix) and accepted(path):
                found = path
                break
            spaced = self._space_then(current)
            if spaced is None:
                continue
            for terminal in sorted(spaced.accepts()):
                if terminal in self._skip:
                    continue
                words = self.terminal_words(terminal, numbers)
                if not words:
                    continue
                nxt = spaced.copy()
                try:
                    nxt.feed_token(Token(terminal, words[0]))
                except Exception:  # noqa: BLE001 - an unexpected token just prunes this branch
                    continue
                longer = (*path, (terminal, words[0]))
                k = (self._key(nxt), accepted(longer))
                if k not in seen:
                    seen.add(k)
                    queue.append((nxt, longer))
        if accept_end is None:
            self._completion_cache[key] = found
        return found


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    if top == -math.inf:
        return top
    return top + math.log(sum(math.exp(v - top) for v in values))


class ConstrainedDecoder:
    """Greedy word-by-word decoding inside the grammar, with a word budget."""

    def __init__(self, walker: GrammarWalker, lm: TokenLM, *, max_words: int = 40,
                 accept_end: Callable[[Sequence[str]], bool] | None = None) -> None:
        self.walker = walker
        self.lm = lm
        self.max_words = max_words
        self.accept_end = accept_end or (lambda words: True)

    def decode(self, prompt: str, numbers: Sequence[str]) -> Decoded:
        """The model's program for ``prompt`` (which ends where the program starts)."""
        lm_state = self.lm.start(prompt)
        parse_state = self.walker.initial()
        words: list[str] = []
        total = 0.0
        tokens = 0
        word_starts = list(self.lm.word_start_ids())
        while True:
            spaced = parse_state if not words else self.walker._space_then(parse_state)
            may_end = (bool(words) and self.walker.can_end(parse_state)
                       and self.accept_end(words))
            options = self.walker.options(spaced, numbers) if spaced is not None else {}
            if len(words) >= self.max_words or (not options and may_end):
                break
            if not options:  # cannot happen with a grammar whose terminals all have words
                break
            allowed = dict(options)
            if may_end:
                allowed[END_WORD] = []
            word, lm_state, logprob, used = self._choose(allowed, lm_state, word_starts)
            total += logprob
            tokens += used
            if word == END_WORD:
                return Decoded(" ".join(words) + " " + END_WORD, total, tokens)
            terminal, after = allowed[word][0]
            parse_state = spaced.copy()
            parse_state.feed_token(Token(terminal, word))
            words.append(word)
        closing = self.walker.completion(parse_state, numbers, words, self.accept_end)
        if closing is None:  # nothing the predicate likes: any grammatical end
            closing = self.walker.completion(parse_state, numbers, words) or ()
        words.extend(word for _, word in closing)
        return Decoded(" ".join(words) + " " + END_WORD, total, tokens, forced_close=True)

    def _choose(self, allowed: dict[str, list], lm_state: LMState, word_starts: list[int]):
        """Walk the token trie of the allowed words greedily; return the word the model chose."""
        if len(allowed) == 1:
            word = next(iter(allowed))
            return self._force(word, lm_state)
        root = _build_trie(allowed, self.lm)
        node = root
        logprob = 0.0
        used = 0
        while True:
            scores = self.lm_logprobs(lm_state)
            choices: list[tuple[float, int | None]] = [
                (scores[token], token) for token in node.children
            ]
            if node.word is not None and node is not root:
                choices.append((self._end_score(lm_state, scores, word_starts), None))
            if not choices:  # no word is spellable: take the first allowed word as is
                word = next(iter(allowed))
                return self._force(word, lm_state)
            best_score, best_token = max(choices, key=lambda c: (float(c[0]), c[1] is not None))
            if best_token is None:
                return node.word, lm_state, logprob, used
            logprob += float(best_score)
            used += 1
            lm_state = self.lm.advance(lm_state, best_token)
            node = node.children[best_token]
            if not node.children and node.word is not None:
                return node.word, lm_state, logprob, used

    def _force(self, word: str, lm_state: LMState):
        logprob = 0.0
        used = 0
        for token in self.lm.word_tokens(word):
            logprob += float(self.lm_logprobs(lm_state)[token])
            lm_state = self.lm.advance(lm_state, token)
            used += 1
        return word, lm_state, logprob, used

    @staticmethod
    def lm_logprobs(state: LMState) -> Sequence[float]:
        return state.next_logprobs()

    def _end_score(self, state: LMState, scores: Sequence[float], word_starts: list[int]) -> float:
        end_logprob = getattr(self.lm, "end_logprob", None)
        if end_logprob is not None:
            return float(end_logprob(state))
        return _logsumexp([float(scores[t]) for t in word_starts]) if word_starts else 0.0

    def score(self, prompt: str, text: str) -> tuple[float, int]:
        """Log-probability of a given program text (word by word, as decoding spells it)."""
        sequence_logprob = getattr(self.lm, "sequence_logprob", None)
        if sequence_logprob is not None:
            tokens = [t for word in text.split() for t in self.lm.word_tokens(word)]
            return float(sequence_logprob(prompt, tokens)), len(tokens)
        lm_state = self.lm.start(prompt)
        total = 0.0
        count = 0
        for word in text.split():
            _, lm_state, logprob, used = self._force(word, lm_state)
            total += logprob
            count += used
        return total, count


def snap_to_grammar(walker: GrammarWalker, reply: str, numbers: Sequence[str],
                    *, max_words: int = 40,
                    accept_end: Callable[[Sequence[str]], bool] | None = None) -> str:
    """The grammatical program closest to a model's free-text reply, word by word.

    Used for backends that cannot be constrained token by token (HTTP endpoints): at each step
    the allowed word most similar to the reply's next word is taken; words of the reply that fit
    nowhere are skipped; the shortest completion closes the program.
    """
    from rapidfuzz import fuzz

    line = reply.strip().splitlines()[0] if reply.strip() else ""
    line = re.sub(r"^\s*program\s*:\s*", "", line, flags=re.IGNORECASE)
    said = [w for w in line.lower().split() if w]
    pool = list(dict.fromkeys([*numbers, *(w for w in said if re.fullmatch(r"-?[\d.]+", w))]))
    state = walker.initial()
    words: list[str] = []
    position = 0
    while len(words) < max_words:
        spaced = state if not words else walker._space_then(state)
        options = walker.options(spaced, pool) if spaced is not None else {}
        may_end = bool(words) and walker.can_end(state)
        if position >= len(said) or said[position] == END_WORD.lower() or not options:
            break
        best: tuple[float, int, str] | None = None
        for skip in range(0, 3):
            if position + skip >= len(said):
                break
            target = said[position + skip]
            for word in options:
                score = fuzz.ratio(word, target) - 15 * skip
                if best is None or score > best[0]:
                    best = (score, skip, word)
        if best is None or best[0] < 60:
            if may_end:
                break
            position += 1
            continue
        _, skip, word = best
        terminal, _ = options[word][0]
        state = spaced.copy()
        state.feed_token(Token(terminal, word))
        words.append(word)
        position += skip + 1
    if not words:
        return ""
    closing = walker.completion(state, pool, words, accept_end)
    if closing is None:
        closing = walker.completion(state, pool, words) or ()
    words.extend(word for _, word in closing)
    return " ".join(words) + " " + END_WORD
