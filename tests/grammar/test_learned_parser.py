"""The learned parser's pieces: decisions round-trip, the numpy model equals the torch one, and
training runs end to end on a small generated corpus."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from grammar import program as p
from grammar.language import parse_program
from grammar.parse.assemble import assemble
from grammar.parse.derive import derive
from grammar.parse.encoding import context_kind, encode
from grammar.parse.mentions import MentionFinder
from grammar.schema import DatasetSchema
from grammar.training.templates import expand, slots_of
from tests.grammar.tables import DEV


@pytest.fixture(scope="module")
def clinic() -> DatasetSchema:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "patient_id": range(1, 101),
        "age": rng.integers(20, 90, 100),
        "sex": rng.choice(["female", "male"], 100),
        "smoker": rng.integers(0, 2, 100),
        "bmi": rng.uniform(18, 40, 100).round(1),
        "systolic_bp": rng.integers(90, 180, 100),
        "chest_pain_type": rng.choice(["typical", "atypical", "non-anginal"], 100),
        "heart_disease": rng.integers(0, 2, 100),
    })
    return DatasetSchema.from_frame(frame, "heart_disease", index_col="patient_id")


@pytest.mark.parametrize("question, program", [
    ("why did the model predict patient 12?", "filter id 12 and explain features"),
    ("how many women over 60 smoke?",
     "filter sex female and filter age greater than 60 and filter smoker true and countdata"),
    ("what if patient 5 had a bmi 3 lower?", "filter id 5 and change bmi decrease 3 and predict"),
    ("top 3 features for smokers or people with bmi over 30",
     "filter smoker true or filter bmi greater than 30 and important topk 3"),
    ("patients in their 50s: how likely is heart disease?",
     "filter age greater equal than 50 and filter age less than 60 and likelihood"),
    ("how important is systolic blood pressure and what does bmi mean?",
     "important systolicbp and define bmi"),
    ("how many does the model predict have heart disease?",
     "filter predictionfilter 1 and countdata"),
])
def test_a_program_is_derived_from_its_question_and_assembled_back(clinic, question, program):
    finder = MentionFinder(clinic)
    gold = parse_program(program, clinic)
    mentions = finder.find(question)
    decisions = derive(gold, mentions, clinic)
    assert decisions is not None
    assert assemble(decisions, mentions, clinic) == gold


def test_a_correction_replaces_the_filter_it_corrects(clinic):
    finder = MentionFinder(clinic)
    previous = parse_program("filter sex male and filter age greater than 70 and countdata", clinic)
    gold = parse_program("filter sex female and filter age greater than 70 and countdata", clinic)
    mentions = finder.find("no, I meant women")
    decisions = derive(gold, mentions, clinic, previous)
    assert decisions is not None and decisions.correction
    assert assemble(decisions, mentions, clinic, previous) == gold


def test_numbers_are_only_numbers_until_the_model_decides(clinic):
    mentions = MentionFinder(clinic).find("top 3 features for patient 12 with bmi over 30.5")
    numbers = [m for m in mentions.items if m.kind == "number"]
    assert [m.number for m in numbers] == [3, 12, 30.5]
    assert [m.is_id for m in numbers] == [True, True, False]


def test_a_duration_in_another_unit_is_counted_in_the_columns_unit():
    """"a week" on a column in days is 7 of them; a unit the column has stays as it is."""
    frame = pd.DataFrame({"stay_days": [1, 5, 9, 12], "km_driven": [3, 8, 1, 2],
                          "y": [0, 1, 0, 1]})
    finder = MentionFinder(DatasetSchema.from_frame(frame, "y"))
    per_week = pd.DataFrame({"exercise_days_per_week": [1, 3], "y": [0, 1]})
    rate = MentionFinder(DatasetSchema.from_frame(per_week, "y")).find("3 days a week")
    assert 7 not in [m.number for m in rate.items if m.kind == "number"]  # a rate, not 7 days
    for question, number in (("patients who stayed longer than a week", 7),
                             ("a stay of two weeks or more", 14), ("over 10 days", 10),
                             ("at least 1 day", 1), ("more than 5 km", 5)):
        mentions = finder.find(question)
        numbers = [m.number for m in mentions.items if m.kind == "number"]
        features = [m.feature for m in mentions.items if m.kind == "feature"]
        assert numbers == [number], (question, numbers)
        assert set(features) == {"kmdriven" if "km" in question else "staydays"}, question


@pytest.mark.skipif(not DEV.exists(), reason="the development set (../shared/dev) is absent")
def test_the_mentions_account_for_almost_every_development_question():
    schema = DatasetSchema.from_frame(pd.read_csv(DEV / "clinic.csv"), "heart_disease",
                                      index_col="patient_id")
    finder = MentionFinder(schema)
    blocks = [b.strip().splitlines() for b in (DEV / "clinic_parses.txt").read_text()
              .split("\n\n") if b.strip()]
    derived = sum(derive(parse_program(g, schema), finder.find(q), schema) is not None
                  for q, g in blocks)
    assert derived / len(blocks) >= 0.95


def test_templates_expand_alternatives_options_and_slots():
    rng = random.Random(0)
    seen = {expand("{why|how come} [exactly] <who>?", rng, {"who": "them"}) for _ in range(40)}
    assert seen == {"why them?", "why exactly them?", "how come them?", "how come exactly them?"}
    assert expand("age < 30", rng) == "age < 30"  # a "<" that opens no slot is literal
    assert slots_of("<a> {b|<c>}") == {"a", "c"}


def test_the_corpus_is_determined_by_its_seed_and_every_example_is_derivable():
    from grammar.training.corpus import generate
    from grammar.training.domains import EXAMPLES

    first = generate(7, 150, EXAMPLES)
    second = generate(7, 150, EXAMPLES)
    assert [e.text for e in first] == [e.text for e in second]
    for example in first:
        if example.kind in {"missing", "unsupported"}:  # no program: the words that say why
            assert {"MISSING", "UNSUPPORTED"} & set(example.decisions.tags)
            continue
        if example.kind in {"courtesy", "nonsense"}:  # no program: a reply or a refusal
            assert example.decisions.operations == (example.kind,)
            continue
        program = parse_program(example.program, example.schema)
        previous = parse_program(example.previous, example.schema) if example.previous else None
        assert assemble(example.decisions, example.mentions, example.schema, previous) == program


def test_the_numpy_model_computes_what_the_torch_model_computes(clinic):
    torch = pytest.importorskip("torch")
    from grammar.parse.decisions import OPERATIONS
    from grammar.parse.model import DecisionModel, ModelConfig, softmax
    from grammar.training.network import Bottom, Top
    from grammar.training.train import Item, cache_hidden, collate

    torch.manual_seed(0)
    top = Top(4, 0, dropout=0.0).eval()
    model = DecisionModel(top.export(), ModelConfig(trainable_from=4))
    finder = MentionFinder(clinic)
    mentions = finder.find("what if patient 12 were 10 years older, and why?")
    encoded = encode(mentions, clinic.class_labels, context_kind(False, False, False), False)
    outputs = model.predict(encoded)
    item = Item(None, encoded, _no_targets(encoded))  # type: ignore[arg-type]
    cache_hidden([item], Bottom(4))
    with torch.no_grad():
        got = top(collate([item]))
    tags = torch.softmax(got["tags"][0], -1).numpy()
    assert np.allclose(tags, outputs.tags, atol=2e-3)
    links = torch.softmax(got["links"][0], -1).numpy()
    assert np.allclose(links[:, :encoded.link_mask.shape[0]], outputs.links, atol=2e-3)
    # the first operation step: both start from nothing
    first = torch.softmax(got["operations"][0, 0], -1).numpy()
    words = model.hidden(encoded)[np.maximum(encoded.word_piece, 0)]
    logits, _ = model.operation_logits(model.hidden(encoded)[0], words, 0,
                                       len(OPERATIONS) + 1, np.zeros(384, dtype=np.float32))
    assert np.allclose(first, softmax(logits), atol=2e-3)


def _no_targets(encoded):
    from grammar.parse.decisions import Decisions
    from grammar.parse.encoding import targets

    n = max(w.end for w in encoded.words)
    blank = Decisions(("predict",), ("O",) * n, (-1,) * n, ("and",) * n, (0,) * n)
    return targets(blank, encoded)


@pytest.mark.skipif(pytest.importorskip("torch") is None, reason="torch is not installed")
def test_training_runs_end_to_end_on_a_small_corpus(tmp_path, clinic):
    from grammar.parse.model import DecisionModel
    from grammar.parse.parser import LearnedParser
    from grammar.training.train import main

    assert main(["--size", "120", "--held-out-size", "40", "--epochs", "1", "--members", "2",
                 "--out", str(tmp_path)]) == 0
    for name in ("weights.safetensors", "weights.1.safetensors", "config.json", "report.json"):
        assert (tmp_path / name).is_file()
    model = DecisionModel.load(tmp_path)
    assert len(model.members) == 2
    parser = LearnedParser(clinic, model)
    result = parser.parse("why did the model predict patient 12?")
    assert result.program is None or isinstance(result.program, p.Program)
    assert 0.0 <= result.confidence <= 1.0
    # models trained apart join into one ensemble, calibrated again (int8: half the size)
    joined = tmp_path / "joined"
    assert main(["--join", str(tmp_path), str(tmp_path), "--int8", "--held-out-size", "40",
                 "--out", str(joined)]) == 0
    assert len(DecisionModel.load(joined).members) == 4
    assert (joined / "weights.safetensors").stat().st_size < 0.6 * (
        tmp_path / "weights.safetensors").stat().st_size


def test_int8_weights_read_as_nearly_the_same_numbers():
    from grammar.parse.model import dequantised, quantised

    rng = np.random.default_rng(0)
    weights = {"big": rng.normal(size=(384, 64)).astype(np.float32),
               "bias": rng.normal(size=384).astype(np.float32)}
    stored = quantised(weights)
    assert stored["big#int8"].dtype == np.int8 and stored["bias"].dtype == np.float16
    back = dequantised(stored)
    assert set(back) == {"big", "bias"}
    # each row loses at most half a step of its own scale
    step = np.abs(weights["big"]).max(axis=1, keepdims=True) / 127
    assert (np.abs(back["big"] - weights["big"]) <= step / 2 + 1e-6).all()


def test_an_ensemble_averages_what_its_members_predict(clinic):
    """Each distribution of an ensemble is its members' mean, and so is the probability of
    every operation sequence it proposes (scored by each member, not only by its own beam)."""
    pytest.importorskip("torch")
    import torch

    from grammar.parse.model import DecisionModel, ModelConfig
    from grammar.training.network import Top

    config = ModelConfig(trainable_from=4)
    tops = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        tops.append(Top(4, 0, dropout=0.0).eval().export())
    ensemble = DecisionModel(tops, config)
    alone = [DecisionModel(top, config) for top in tops]
    encoded = encode(MentionFinder(clinic).find("what if patient 12 were 10 years older?"),
                     clinic.class_labels, context_kind(False, False, False), False)
    together, each = ensemble.predict(encoded), [m.predict(encoded) for m in alone]
    for name in ("tags", "links", "joins", "segments", "flags"):
        assert np.allclose(getattr(together, name),
                           np.mean([getattr(out, name) for out in each], axis=0))
    for member, out in zip(ensemble.members, each, strict=True):
        h = member.hidden(ensemble.frozen(encoded), encoded)
        words = h[np.maximum(encoded.word_piece, 0)]
        for ops, probability in out.operations:  # the member's own beam, rescored exactly
            assert member.sequence_probability(h[0], words, ops) == pytest.approx(probability)
    for ops, probability in together.operations:
        scores = []
        for member in ensemble.members:
            h = member.hidden(ensemble.frozen(encoded), encoded)
            scores.append(member.sequence_probability(
                h[0], h[np.maximum(encoded.word_piece, 0)], ops))
        assert probability == pytest.approx(np.mean(scores))


def test_a_model_trained_before_a_label_existed_still_reads_and_never_predicts_it(clinic):
    """Adding an operation or a tag to the language must not break the committed model: it is
    mapped onto today's label spaces by name, and the labels it never learned get no
    probability."""
    from safetensors.numpy import load_file

    from grammar.parse.decisions import OPERATIONS, TAGS
    from grammar.parse.model import MODEL_DIR, DecisionModel, ModelConfig

    weights = load_file(str(MODEL_DIR / "weights.safetensors"))
    config = ModelConfig.from_json((MODEL_DIR / "config.json").read_text())
    full = DecisionModel(weights, config)
    # the same model as if "interact" and the "TOPK" tag had been added after it was trained
    ops, tags = list(full.config.operations), list(full.config.tags)
    drop_op, drop_tag = ops.index("interact"), tags.index("TOPK")
    w = {k: v.copy() for k, v in full.p.items() if not k.startswith(("layer", "emb."))
         or k.startswith(tuple(f"layer{i}" for i in range(full.config.trainable_from, 6)))}
    w["op.out.w2"] = np.delete(w["op.out.w2"], drop_op, axis=0)
    w["op.out.b2"] = np.delete(w["op.out.b2"], drop_op, axis=0)
    w["op.embed"] = np.delete(w["op.embed"], drop_op, axis=0)
    w["context.operation"] = np.delete(w["context.operation"], drop_op, axis=0)
    w["tag.w2"] = np.delete(w["tag.w2"], drop_tag, axis=0)
    w["tag.b2"] = np.delete(w["tag.b2"], drop_tag, axis=0)
    older = DecisionModel(w, ModelConfig(**{**full.config.__dict__,
                                            "operations": tuple(o for o in OPERATIONS
                                                                if o != "interact"),
                                            "tags": tuple(t for t in TAGS if t != "TOPK")}))
    finder = MentionFinder(clinic)
    for question in ("why did the model predict patient 12?", "which features interact?",
                     "top 3 features for smokers"):
        encoded = encode(finder.find(question), clinic.class_labels, context_kind(False, False,
                                                                                  False),
                         False, None)
        then, now = older.predict(encoded), full.predict(encoded)
        assert all("interact" not in ops for ops, _ in then.operations)
        assert float(then.tags[:, TAGS.index("TOPK")].max()) == 0.0
        if question.startswith("why"):  # a question the older model knew: read the same way
            assert then.operations[0][0] == now.operations[0][0]
            assert (then.tags.argmax(-1) == now.tags.argmax(-1)).all()
