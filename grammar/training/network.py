"""The decision model in torch, for training (``grammar.parse.model`` is the same in numpy).

Training caches the frozen lower MiniLM layers' output once per question, so each step runs
only the trainable top: the mention embeddings, the top layers and the heads.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from grammar.parse.decisions import OPERATIONS, TAGS
from grammar.parse.encoding import KINDS, MAX_OPERATION_STEPS, NUMBER_CLASS, POSITIONS
from grammar.parse.model import HEADS, HIDDEN, LAYERS, minilm_weights

OPERATION_VOCAB = len(OPERATIONS) + 2  # operations, END, START


class Layer(nn.Module):
    """One BERT layer (post-norm), parameter names as in ``grammar.parse.model``."""

    def __init__(self, dropout: float = 0.1) -> None:
        super().__init__()
        self.q = nn.Linear(HIDDEN, HIDDEN)
        self.k = nn.Linear(HIDDEN, HIDDEN)
        self.v = nn.Linear(HIDDEN, HIDDEN)
        self.o = nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.f1 = nn.Linear(HIDDEN, 4 * HIDDEN)
        self.f2 = nn.Linear(4 * HIDDEN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, _ = h.shape
        head = HIDDEN // HEADS

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(b, n, HEADS, head).transpose(1, 2)

        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head)
        scores = scores.masked_fill(~mask[:, None, None, :], -1e9)
        attention = self.dropout(torch.softmax(scores, dim=-1))
        context = (attention @ v).transpose(1, 2).reshape(b, n, HIDDEN)
        h = self.ln1(h + self.dropout(self.o(context)))
        ff = self.f2(nn.functional.gelu(self.f1(h)))
        return self.ln2(h + self.dropout(ff))

    def load_numpy(self, p: dict[str, np.ndarray], prefix: str) -> None:
        names = {"q": "q", "k": "k", "v": "v", "o": "o", "f1": "f1", "f2": "f2",
                 "ln1": "ln1", "ln2": "ln2"}
        with torch.no_grad():
            for attr, short in names.items():
                module = getattr(self, attr)
                module.weight.copy_(torch.from_numpy(p[f"{prefix}.{short}_w"]))
                module.bias.copy_(torch.from_numpy(p[f"{prefix}.{short}_b"]))

    def export(self, prefix: str) -> dict[str, np.ndarray]:
        out = {}
        for attr in ("q", "k", "v", "o", "f1", "f2", "ln1", "ln2"):
            module = getattr(self, attr)
            out[f"{prefix}.{attr}_w"] = module.weight.detach().cpu().numpy()
            out[f"{prefix}.{attr}_b"] = module.bias.detach().cpu().numpy()
        return out


class MLP(nn.Module):
    def __init__(self, inputs: int, hidden: int, outputs: int) -> None:
        super().__init__()
        self.l1 = nn.Linear(inputs, hidden)
        self.l2 = nn.Linear(hidden, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.l2(nn.functional.gelu(self.l1(x)))

    def export(self, name: str) -> dict[str, np.ndarray]:
        return {f"{name}.w1": self.l1.weight.detach().cpu().numpy(),
                f"{name}.b1": self.l1.bias.detach().cpu().numpy(),
                f"{name}.w2": self.l2.weight.detach().cpu().numpy(),
                f"{name}.b2": self.l2.bias.detach().cpu().numpy()}


class Bottom(nn.Module):
    """The frozen lower MiniLM layers (run once per question to cache their output)."""

    def __init__(self, trainable_from: int) -> None:
        super().__init__()
        p = minilm_weights()
        self.word = nn.Embedding.from_pretrained(torch.from_numpy(p["emb.word"]))
        self.position = nn.Embedding.from_pretrained(torch.from_numpy(p["emb.position"]))
        self.token_type = nn.Parameter(torch.from_numpy(p["emb.type"][0].copy()), requires_grad=False)
        self.ln = nn.LayerNorm(HIDDEN, eps=1e-12)
        with torch.no_grad():
            self.ln.weight.copy_(torch.from_numpy(p["emb.ln_w"]))
            self.ln.bias.copy_(torch.from_numpy(p["emb.ln_b"]))
        self.layers = nn.ModuleList(Layer(0.0) for _ in range(trainable_from))
        for index, layer in enumerate(self.layers):
            layer.load_numpy(p, f"layer{index}")
        for parameter in self.parameters():
            parameter.requires_grad_(False)
        self.eval()

    @torch.no_grad()
    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1])
        h = self.ln(self.word(ids) + self.position(positions)[None] + self.token_type)
        for layer in self.layers:
            h = layer(h, mask)
        return h


class Top(nn.Module):
    """Everything that is trained: mention embeddings, top layers, heads."""

    def __init__(self, trainable_from: int, extra_layers: int = 0, dropout: float = 0.1) -> None:
        super().__init__()
        self.trainable_from = trainable_from
        self.extra_layers = extra_layers
        p = minilm_weights()
        self.kind = nn.Embedding(len(KINDS), HIDDEN)
        self.number_class = nn.Embedding(len(NUMBER_CLASS), HIDDEN)
        self.position = nn.Embedding(len(POSITIONS), HIDDEN)
        self.previous_operation = nn.Embedding(len(OPERATIONS) + 1, HIDDEN)
        for embedding in (self.kind, self.number_class, self.position, self.previous_operation):
            nn.init.normal_(embedding.weight, std=0.02)
        self.layers = nn.ModuleList(Layer(dropout) for _ in range(trainable_from, LAYERS))
        for offset, layer in enumerate(self.layers):
            layer.load_numpy(p, f"layer{trainable_from + offset}")
        self.extra = nn.ModuleList(Layer(dropout) for _ in range(extra_layers))
        self.tag = MLP(HIDDEN, HIDDEN, len(TAGS))
        self.link_q = nn.Linear(HIDDEN, 128)
        self.link_k = nn.Linear(HIDDEN, 128)
        self.link_special = nn.Parameter(torch.randn(3, 128) * 0.02)
        self.join = nn.Linear(HIDDEN, 2)
        self.segment = nn.Linear(HIDDEN, MAX_OPERATION_STEPS)
        self.flags = MLP(HIDDEN, HIDDEN, 6)
        self.op_step = nn.Parameter(torch.randn(MAX_OPERATION_STEPS, HIDDEN) * 0.02)
        self.op_embed = nn.Embedding(OPERATION_VOCAB, HIDDEN)
        nn.init.normal_(self.op_embed.weight, std=0.02)
        self.op_q = nn.Linear(HIDDEN, HIDDEN)
        self.op_ctx = nn.Linear(HIDDEN, HIDDEN)
        self.op_out = MLP(2 * HIDDEN, HIDDEN, len(OPERATIONS) + 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        mask = batch["mask"]
        h = batch["hidden"].float() + self.kind(batch["kinds"]) + \
            self.number_class(batch["number_class"]) + self.position(batch["positions"])
        first = torch.zeros_like(h)
        first[:, 0] = self.previous_operation(batch["previous_operation"])
        h = h + first
        for layer in self.layers:
            h = layer(h, mask)
        for layer in self.extra:
            h = layer(h, mask)
        word_piece = batch["word_piece"].clamp(min=0)  # (B, W)
        words = torch.gather(h, 1, word_piece[..., None].expand(-1, -1, HIDDEN))
        words = self.dropout(words)
        cls = h[:, 0]
        tags = self.tag(words).masked_fill(~batch["tag_mask"], -1e4)
        query = self.link_q(words)
        keys = torch.cat([self.link_k(words),
                          self.link_special[None].expand(words.shape[0], -1, -1)], dim=1)
        links = (query @ keys.transpose(1, 2) / math.sqrt(query.shape[-1]))
        links = links.masked_fill(~batch["link_mask"][:, None, :], -1e4)
        out = {
            "tags": tags, "links": links, "joins": self.join(words),
            "segments": self.segment(words), "flags": self.flags(cls).view(-1, 3, 2),
        }
        # operations with teacher forcing: step t sees the gold operation of step t - 1
        # Each step also sees where the step before looked (its attention context), so the
        # decoder moves along the question: "precision and recall" reads precision, then recall.
        gold = batch["operations"]  # (B, 3)
        start = torch.full_like(gold[:, :1], OPERATION_VOCAB - 1)
        previous = torch.cat([start, gold[:, :-1].clamp(min=0)], dim=1)
        word_mask = batch["word_piece"] >= 0
        context = torch.zeros_like(cls)
        logits = []
        for step in range(MAX_OPERATION_STEPS):
            state = (cls + self.op_step[step] + self.op_embed(previous[:, step])
                     + self.op_ctx(context))
            scores = (words @ self.op_q(state)[:, :, None])[..., 0] / math.sqrt(HIDDEN)
            scores = scores.masked_fill(~word_mask, -1e4)
            context = (torch.softmax(scores, dim=-1)[:, None, :] @ words)[:, 0]
            logits.append(self.op_out(torch.cat([state, context], dim=-1)))
        out["operations"] = torch.stack(logits, dim=1)
        return out

    def export(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            "mention.kind": self.kind.weight.detach().numpy(),
            "mention.number_class": self.number_class.weight.detach().numpy(),
            "mention.position": self.position.weight.detach().numpy(),
            "context.operation": self.previous_operation.weight.detach().numpy(),
            "link.q_w": self.link_q.weight.detach().numpy(),
            "link.q_b": self.link_q.bias.detach().numpy(),
            "link.k_w": self.link_k.weight.detach().numpy(),
            "link.k_b": self.link_k.bias.detach().numpy(),
            "link.special": self.link_special.detach().numpy(),
            "join.w": self.join.weight.detach().numpy(), "join.b": self.join.bias.detach().numpy(),
            "segment.w": self.segment.weight.detach().numpy(),
            "segment.b": self.segment.bias.detach().numpy(),
            "op.step": self.op_step.detach().numpy(), "op.embed": self.op_embed.weight.detach().numpy(),
            "op.q_w": self.op_q.weight.detach().numpy(), "op.q_b": self.op_q.bias.detach().numpy(),
            "op.ctx_w": self.op_ctx.weight.detach().numpy(),
            "op.ctx_b": self.op_ctx.bias.detach().numpy(),
        }
        out.update(self.tag.export("tag"))
        out.update(self.flags.export("flags"))
        out.update(self.op_out.export("op.out"))
        for offset, layer in enumerate(self.layers):
            out.update(layer.export(f"layer{self.trainable_from + offset}"))
        for index, layer in enumerate(self.extra):
            out.update(layer.export(f"extra{index}"))
        return out
