"""Train the learned parser from a seed: generate the corpus, fit the model, calibrate, save.

    python -m grammar.training.train [--seed 0] [--size 40000] [--epochs 4] [--design a|b]
                                     [--members 1] [--out grammar/data/parser]
    python -m grammar.training.train --join DIR [DIR ...] [--int8] --out DIR

``--members N`` trains N tops from seeds ``seed .. seed+N-1`` on one domain split (an
ensemble, averaged at run time); ``--join`` makes one ensemble of models trained apart with the
same ``--split-seed`` and calibrates it again.

Domains are split by the seed: most train the model; the held-out ones (tables the model never
sees) give a calibration slice (fits the confidence) and a test slice (the figures reported
in ``report.json``). Nothing is downloaded: the base encoder is the offline MiniLM package.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from grammar.language import parse_program
from grammar.parse.context import last_operation, previous_numeric_feature
from grammar.parse.decisions import OPERATIONS
from grammar.parse.encoding import (
    MAX_OPERATION_STEPS,
    Encoded,
    Targets,
    context_kind,
    encode,
    targets,
)
from grammar.parse.model import MODEL_DIR, DecisionModel, ModelConfig, dequantised, quantised
from grammar.parse.parser import LearnedParser, as_read
from grammar.training.corpus import CorpusStats, Example, generate_chunked
from grammar.training.domain_bank import DOMAINS
from grammar.training.domains import EXAMPLES, DomainSpec
from grammar.training.network import Bottom, Top

DESIGNS = {"a": (4, 0), "b": (6, 1)}  # (trainable_from, extra_layers)


@dataclass
class Item:
    """One encoded training question."""

    example: Example
    encoded: Encoded
    targets: Targets
    hidden: np.ndarray | None = None  # the frozen layers' output (float16)


def all_domains() -> list[DomainSpec]:
    return [*EXAMPLES, *DOMAINS]


def split_domains(domains: Sequence[DomainSpec], seed: int,
                  held_out: float = 0.15) -> tuple[list[DomainSpec], list[DomainSpec]]:
    rng = random.Random(seed)
    shuffled = list(domains)
    rng.shuffle(shuffled)
    cut = max(2, int(len(shuffled) * held_out))
    return shuffled[cut:], shuffled[:cut]


def cache_hidden(items: list[Item], bottom: Bottom, batch_size: int = 128,
                 device: torch.device | None = None) -> None:
    """Run the frozen layers once for every question."""
    order = sorted(range(len(items)), key=lambda i: len(items[i].encoded.piece_ids))
    for start in range(0, len(order), batch_size):
        chunk = [items[i] for i in order[start:start + batch_size]]
        width = max(len(it.encoded.piece_ids) for it in chunk)
        ids = torch.zeros(len(chunk), width, dtype=torch.long)
        mask = torch.zeros(len(chunk), width, dtype=torch.bool)
        for row, it in enumerate(chunk):
            n = len(it.encoded.piece_ids)
            ids[row, :n] = torch.from_numpy(it.encoded.piece_ids)
            mask[row, :n] = True
        if device is not None:
            ids, mask = ids.to(device), mask.to(device)
        hidden = bottom(ids, mask).float().cpu().numpy().astype(np.float16)
        for row, it in enumerate(chunk):
            it.hidden = hidden[row, :len(it.encoded.piece_ids)]


def collate(items: Sequence[Item]) -> dict[str, torch.Tensor]:
    width = max(len(it.encoded.piece_ids) for it in items)
    words = max(len(it.encoded.words) for it in items)
    b = len(items)
    n_links = words + 3
    batch = {
        "hidden": torch.zeros(b, width, items[0].hidden.shape[-1], dtype=torch.float16),
        "mask": torch.zeros(b, width, dtype=torch.bool),
        "kinds": torch.zeros(b, width, dtype=torch.long),
        "number_class": torch.zeros(b, width, dtype=torch.long),
        "positions": torch.zeros(b, width, dtype=torch.long),
        "word_piece": torch.full((b, words), -1, dtype=torch.long),
        "tag_mask": torch.zeros(b, words, items[0].encoded.tag_mask.shape[1], dtype=torch.bool),
        "link_mask": torch.zeros(b, n_links, dtype=torch.bool),
        "tags": torch.full((b, words), -100, dtype=torch.long),
        "links": torch.full((b, words), -100, dtype=torch.long),
        "joins": torch.full((b, words), -100, dtype=torch.long),
        "segments": torch.full((b, words), -100, dtype=torch.long),
        "operations": torch.full((b, MAX_OPERATION_STEPS), -100, dtype=torch.long),
        "flags": torch.zeros(b, 3, dtype=torch.long),
        "previous_operation": torch.tensor([it.encoded.previous_operation for it in items],
                                           dtype=torch.long),
    }
    for row, it in enumerate(items):
        e, t = it.encoded, it.targets
        n, w = len(e.piece_ids), len(e.words)
        batch["hidden"][row, :n] = torch.from_numpy(it.hidden)
        batch["mask"][row, :n] = True
        batch["kinds"][row, :n] = torch.from_numpy(e.kinds)
        batch["number_class"][row, :n] = torch.from_numpy(e.number_class)
        batch["positions"][row, :n] = torch.from_numpy(e.positions)
        batch["word_piece"][row, :w] = torch.from_numpy(e.word_piece)
        batch["tag_mask"][row, :w] = torch.from_numpy(e.tag_mask)
        batch["tag_mask"][row, w:, 0] = True
        # link targets: words first, then the three specials (moved to the padded width)
        batch["link_mask"][row, :w] = torch.from_numpy(e.link_mask[:w])
        batch["link_mask"][row, words:] = torch.from_numpy(e.link_mask[w:])
        links = t.links.copy()
        links[links >= w] += words - w
        batch["tags"][row, :w] = torch.from_numpy(t.tags)
        batch["links"][row, :w] = torch.from_numpy(links)
        batch["joins"][row, :w] = torch.from_numpy(t.joins)
        batch["segments"][row, :w] = torch.from_numpy(t.segments)
        ops = t.operations.copy()
        ended = False
        for step in range(len(ops)):  # train on the first END, ignore the steps after it
            if ended:
                ops[step] = -100
            elif ops[step] in (len(_operations()), -100):
                ended = True
        batch["operations"][row] = torch.from_numpy(ops)
        batch["flags"][row] = torch.from_numpy(t.flags)
    return batch


def _operations():
    return OPERATIONS


def loss_of(out: dict[str, torch.Tensor], batch: dict[str, torch.Tensor]) -> torch.Tensor:
    ce = torch.nn.functional.cross_entropy
    # Most words are "O": averaged over every word, the loss would be ruled by them and the
    # few decisions that matter (a number's comparison, a class word) would barely train. So
    # the words that do something and the words that do not count half each.
    tags, gold = out["tags"].flatten(0, 1), batch["tags"].flatten()
    active = gold > 0
    idle = gold == 0
    loss = ce(tags[idle], gold[idle]) if idle.any() else tags.sum() * 0
    if active.any():
        loss = loss + ce(tags[active], gold[active])
    if (batch["links"] >= 0).any():
        loss = loss + ce(out["links"].flatten(0, 1), batch["links"].flatten(), ignore_index=-100)
    if (batch["joins"] >= 0).any():
        loss = loss + 0.5 * ce(out["joins"].flatten(0, 1), batch["joins"].flatten(),
                               ignore_index=-100)
        loss = loss + 0.5 * ce(out["segments"].flatten(0, 1), batch["segments"].flatten(),
                               ignore_index=-100)
    loss = loss + ce(out["flags"].flatten(0, 1), batch["flags"].flatten())
    loss = loss + ce(out["operations"].flatten(0, 1), batch["operations"].flatten(),
                     ignore_index=-100)
    return loss


def fit(items: list[Item], design: str, epochs: int, seed: int, batch_size: int = 32,
        lr: float = 1e-4, log=print, device: torch.device | None = None) -> Top:
    torch.manual_seed(seed)
    trainable_from, extra = DESIGNS[design]
    device = device or torch.device("cpu")
    top = Top(trainable_from, extra).to(device)
    pretrained = [p for n, p in top.named_parameters() if n.startswith("layers.")]
    fresh = [p for n, p in top.named_parameters() if not n.startswith("layers.")]
    optimiser = torch.optim.AdamW([{"params": pretrained, "lr": lr},
                                   {"params": fresh, "lr": lr * 10}], weight_decay=0.01)
    steps_per_epoch = math.ceil(len(items) / batch_size)
    total = steps_per_epoch * epochs
    warmup = max(1, total // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.05, 1 - s / total))
    rng = random.Random(seed)
    step = 0
    for epoch in range(epochs):
        top.train()
        # batches of similar length, in random order
        order = sorted(range(len(items)), key=lambda i: (len(items[i].encoded.piece_ids),
                                                         rng.random()))
        batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
        rng.shuffle(batches)
        started, running = time.perf_counter(), 0.0
        for number, indexes in enumerate(batches, start=1):
            batch = collate([items[i] for i in indexes])
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            loss = loss_of(top(batch), batch)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            running += float(loss.detach())
            if number % 200 == 0 or number == len(batches):
                log(f"epoch {epoch + 1} step {number}/{len(batches)} loss "
                    f"{running / number:.4f} ({time.perf_counter() - started:.0f} s)")
    top.eval()
    return top


def export(top: Top, path: Path) -> None:
    """Save a trained top (float16: the committed file stays small)."""
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    weights = {k: np.ascontiguousarray(v.astype(np.float16)) for k, v in top.export().items()}
    save_file(weights, str(path))


def evaluate(model: DecisionModel, examples: Sequence[Example]) -> dict:
    """Exact match of the whole program on generated questions (through the real parser)."""
    parsers: dict[int, LearnedParser] = {}
    rows = []
    for example in examples:
        if not example.text.strip():  # noise can empty a short non-question; parse answers
            continue                  # an empty message before the model sees it
        schema = example.schema
        parser = parsers.get(id(schema))
        if parser is None:
            parser = parsers[id(schema)] = LearnedParser(schema, model)
        previous = parse_program(example.previous, schema) if example.previous else None
        analysis = parser.analyse(example.text, previous, example.context.offered)
        result = parser.result_of(analysis)
        got = analysis.readings[0] if analysis.readings else None
        if example.kind == "missing":
            correct = bool(result.unknown_features)
        elif example.kind == "courtesy":
            correct = result.courtesy
        elif example.kind == "unsupported":
            correct = result.unsupported
        elif example.kind == "nonsense":
            correct = result.program is None and not result.courtesy
        else:
            # "previousfilter and X" after a turn about every row is the same question as "X"
            correct = result.program == as_read(parse_program(example.program, schema),
                                                previous)
        # the last field: answered with a program, the one path where confidence is used (a
        # courtesy, a missing feature or a question not understood is answered otherwise)
        rows.append((got.probability if got else 0.0, correct, example.kind,
                     result.program is not None))
    return {"rows": rows, "exact": sum(r[1] for r in rows) / max(len(rows), 1)}


def fit_calibration(rows: list[tuple[float, bool, str, bool]]
                    ) -> tuple[tuple[float, float], ...]:
    """Isotonic regression of exact match on log(probability), as at most 40 knots: the
    joint probability ranks readings well but is far from a probability itself. Fitted on the
    questions answered with a program only: the others never show a confidence, and they sit
    at probability 0 (no reading) while mostly right (a courtesy, a feature the table lacks),
    which would flatten the low end of the curve."""
    from sklearn.isotonic import IsotonicRegression

    rows = [r for r in rows if r[3]] or rows

    x = np.log(np.maximum(np.asarray([r[0] for r in rows]), 1e-12))
    y = np.asarray([r[1] for r in rows], dtype=float)
    if len(set(y.tolist())) < 2:
        return ((float(x.min()), float(y.mean())), (float(x.max()), float(y.mean())))
    fitted = IsotonicRegression(out_of_bounds="clip", y_min=0.01, y_max=0.995).fit(x, y)
    knots = np.quantile(x, np.linspace(0, 1, 40))
    return tuple((float(k), float(fitted.predict([k])[0])) for k in np.unique(knots))


def ece(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    total = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if low <= c < high or (c == 1.0 and
                                                                                b == bins - 1)]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            confidence = sum(confidences[i] for i in members) / len(members)
            total += len(members) * abs(accuracy - confidence)
    return total / max(len(confidences), 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split-seed", type=int, default=None,
                        help="seed of the held-out domains and their questions (default: "
                             "--seed); members of an ensemble share it, so that one held-out "
                             "slice is unseen by all of them")
    parser.add_argument("--members", type=int, default=1,
                        help="train this many tops (seeds --seed, --seed+1, ...) on one domain "
                             "split and save them as one averaged model")
    parser.add_argument("--join", nargs="+", metavar="DIR",
                        help="instead of training, join models already trained into these "
                             "directories (on the same split) as one ensemble in --out")
    parser.add_argument("--int8", action="store_true",
                        help="save the joined members' large matrices as int8 rows (a quarter "
                             "of float32, half of float16), so that more members fit")
    parser.add_argument("--size", type=int, default=40000)
    parser.add_argument("--held-out-size", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--design", choices=sorted(DESIGNS), default="a")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--out", default=str(MODEL_DIR))
    parser.add_argument("--device", default="cpu", help="torch device for training (cpu, cuda)")
    parser.add_argument("--workers", type=int, default=1, help="processes generating the corpus")
    parser.add_argument("--calibrate-only", action="store_true",
                        help="calibrate and report the model already in --out")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    started = time.perf_counter()
    split_seed = args.seed if args.split_seed is None else args.split_seed
    train_domains, held_domains = split_domains(all_domains(), split_seed)
    out = Path(args.out)
    if args.calibrate_only or args.join:
        if args.join:  # models trained already: their tops become one model's members
            trained, size = join_members([Path(d) for d in args.join], out, args.int8)
        else:
            earlier = out / "report.json"  # keep what the training run measured
            before = json.loads(earlier.read_text()) if earlier.exists() else {}
            trained = float(before.get("train_seconds", 0.0))
            size = int(before.get("training_questions", 0))
        held = generate_chunked(split_seed + 1, args.held_out_size, held_domains, args.workers)
        return calibrate_and_report(out, held, held_domains, args,
                                    ModelConfig.from_json((out / "config.json").read_text()),
                                    trained, size)
    held = generate_chunked(split_seed + 1, args.held_out_size, held_domains, args.workers)
    trained, config, size = 0.0, ModelConfig(), 0
    member_files = []
    for number in range(args.members):
        name = member_file(number)
        config, size = train_member(args, args.seed + number, train_domains, held_domains,
                                    out / name)
        member_files.append(name)
        trained = time.perf_counter() - started
    config = dataclasses.replace(config, member_files=tuple(member_files))
    (out / "config.json").write_text(config.to_json())
    return calibrate_and_report(out, held, held_domains, args, config, trained, size)


def member_file(number: int) -> str:
    """Where the ``number``-th member's top is saved in a model directory."""
    return "weights.safetensors" if number == 0 else f"weights.{number}.safetensors"


def train_member(args: argparse.Namespace, seed: int, train_domains: Sequence[DomainSpec],
                 held_domains: Sequence[DomainSpec], weights: Path) -> tuple[ModelConfig, int]:
    """Generate one seed's corpus, fit one top on it and save it to ``weights``."""
    started = time.perf_counter()
    stats = CorpusStats()
    train = generate_chunked(seed, args.size, train_domains, args.workers, stats)
    print(f"corpus (seed {seed}): {len(train)} training questions from {len(train_domains)} "
          f"domains; {len(held_domains)} domains held out "
          f"({time.perf_counter() - started:.0f} s)\n{stats.report()}", flush=True)
    trainable_from, extra = DESIGNS[args.design]
    items = [_item(e) for e in train]
    device = torch.device(args.device)
    bottom = Bottom(trainable_from).to(device)
    cache_hidden(items, bottom, device=device)
    print(f"frozen layers cached ({time.perf_counter() - started:.0f} s)", flush=True)
    top = fit(items, args.design, args.epochs, seed, args.batch_size, args.lr,
              device=device).cpu()
    export(top, weights)
    return ModelConfig(trainable_from=trainable_from, extra_layers=extra), len(train)


def join_members(directories: Sequence[Path], out: Path,
                 int8: bool = False) -> tuple[float, int]:
    """Copy each directory's top(s) into ``out`` as members of one model (``int8``: their large
    matrices quantised); returns the summed training time and the questions one member was
    trained on (from their reports)."""
    from safetensors.numpy import load_file, save_file

    out.mkdir(parents=True, exist_ok=True)
    sources = []
    configs = []
    trained, size = 0.0, 0
    for directory in directories:
        config = ModelConfig.from_json((directory / "config.json").read_text())
        configs.append(config)
        sources += [load_file(str(directory / name)) for name in config.member_files]
        report = directory / "report.json"
        if report.exists():
            data = json.loads(report.read_text())
            trained += float(data.get("train_seconds", 0.0))
            size = size or int(data.get("training_questions", 0))
    first = configs[0]
    if any((c.trainable_from, c.extra_layers, c.tags, c.operations, c.kinds) !=
           (first.trainable_from, first.extra_layers, first.tags, first.operations, first.kinds)
           for c in configs):
        raise SystemExit("the models to join were trained as different designs or label spaces")
    names = [member_file(number) for number in range(len(sources))]
    for name, weights in zip(names, sources, strict=True):
        save_file(quantised(dequantised(weights)) if int8 else weights, str(out / name))
    (out / "config.json").write_text(dataclasses.replace(first, member_files=tuple(names))
                                     .to_json())
    return trained, size


def calibrate_and_report(out: Path, held: list[Example], held_domains: Sequence[DomainSpec],
                         args: argparse.Namespace, config: ModelConfig,
                         trained: float, size: int) -> int:
    """Fit the confidence on half the held-out questions, report on the other half."""
    from safetensors.numpy import load_file

    calibration, test = held[: len(held) // 2], held[len(held) // 2:]
    weights = [load_file(str(out / name)) for name in config.member_files]
    model = DecisionModel(weights, config)
    cal = evaluate(model, calibration)
    knots = fit_calibration(cal["rows"])
    config = dataclasses.replace(
        config, calibration=knots,
        notes={"seed": args.seed, "size": size or config.notes.get("size"),
               "epochs": args.epochs, "design": args.design,
               "members": len(config.member_files)})
    (out / "config.json").write_text(config.to_json())
    model = DecisionModel(weights, config)
    result = evaluate(model, test)
    answered = [r for r in result["rows"] if r[3]]  # with a program: a confidence is shown
    confidences = [model.confidence(r[0]) for r in answered]
    report = {
        "design": args.design, "seed": args.seed, "members": len(config.member_files),
        "training_questions": size,
        "epochs": args.epochs, "train_seconds": round(trained, 1),
        "held_out_exact": round(result["exact"], 4),
        "held_out_ece": round(ece(confidences, [r[1] for r in answered]), 4),
        "held_out_asked": round(sum(c < config.ask_below for c in confidences)
                                / max(len(result["rows"]), 1), 4),
        "held_out_answered_accuracy": round(
            sum(r[1] for r, c in zip(answered, confidences, strict=True)
                if c >= config.ask_below)
            / max(sum(c >= config.ask_below for c in confidences), 1), 4),
        "calibration_knots": len(knots), "held_out_domains": [d.name for d in held_domains],
    }
    (out / "report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


def _item(example: Example) -> Item:
    previous = parse_program(example.previous, example.schema) if example.previous else None
    ctx = example.context
    context = context_kind(ctx.has_previous, ctx.previous_changes, ctx.offered)
    encoded = encode(example.mentions, example.schema.class_labels, context,
                     previous_numeric_feature(previous) is not None, last_operation(previous))
    return Item(example, encoded, targets(example.decisions, encoded))


if __name__ == "__main__":
    raise SystemExit(main())
