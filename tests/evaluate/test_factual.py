"""F1-RadGraph (hand-computed) and NLI factual-consistency plumbing with a tiny random model."""

from __future__ import annotations

import hashlib
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from radlite.core.errors import ConfigError, InputError
from radlite.evaluate import f1radgraph as rg
from radlite.evaluate import nli

OP, OA, OU, AP = ("Observation::definitely present", "Observation::definitely absent",
                  "Observation::uncertain", "Anatomy::definitely present")


def ent(tokens: str, label: str, *relations: tuple[str, str]) -> dict:
    return {"tokens": tokens, "label": label, "start_ix": 0, "end_ix": 0,
            "relations": [list(r) for r in relations]}


REF = {"entities": {"1": ent("effusion", OP, ("located_at", "2")), "2": ent("pleural", AP),
                    "3": ent("pneumothorax", OA)}}
# no relation on effusion, wrong label on pneumothorax, one extra entity
HYP1 = {"entities": {"1": ent("effusion", OP), "2": ent("pleural", AP),
                     "3": ent("pneumothorax", OP), "4": ent("Cardiomegaly", OP)}}
# upper-case "Effusion" with the right relation, "lung" instead of pneumothorax
HYP2 = {"entities": {"a": ent("Effusion", OP, ("located_at", "b")), "b": ent("pleural", AP),
                     "c": ent("lung", AP)}}
REF3 = {"entities": {"1": ent("opacity", OP, ("located_at", "2"), ("suggestive_of", "3")),
                     "2": ent("lobe", AP), "3": ent("pneumonia", OU)}}
HYP3 = {"entities": {"1": ent("opacity", OP, ("located_at", "2")), "2": ent("lobe", AP),
                     "3": ent("pneumonia", OU)}}
EMPTY = {"entities": {}}


# ---------------------------------------------------------------- F1-RadGraph


@pytest.mark.parametrize(("hyp", "ref", "expected"), [
    # simple: H={effusion/OP, pleural/AP, pneumothorax/OP, Cardiomegaly/OP}, R has 3; 2 common
    # -> P=2/4, R=2/3, F1=4/7. partial: only pleural matches (effusion has a relation in R)
    # -> P=1/4, R=1/3, F1=2/7. complete: R items are (effusion,OP,located_at,pleural),
    # pleural, pneumothorax -> again only pleural -> 2/7.
    (HYP1, REF, {"simple": 4 / 7, "partial": 2 / 7, "complete": 2 / 7}),
    # simple/partial are case-sensitive: only pleural matches -> 1/3. complete lower-cases
    # relation items: (effusion,OP,located_at,pleural) and pleural match -> 2/3.
    (HYP2, REF, {"simple": 1 / 3, "partial": 1 / 3, "complete": 2 / 3}),
    # every entity matches (opacity has a relation on both sides); complete: the hypothesis
    # lacks (opacity,OP,suggestive_of,pneumonia) -> P=1, R=3/4, F1=6/7.
    (HYP3, REF3, {"simple": 1.0, "partial": 1.0, "complete": 6 / 7}),
    (REF, REF, {"simple": 1.0, "partial": 1.0, "complete": 1.0}),
    # either side without entities scores 0, both empty included (as radgraph.rewards)
    (EMPTY, REF, {"simple": 0.0, "partial": 0.0, "complete": 0.0}),
    (HYP1, EMPTY, {"simple": 0.0, "partial": 0.0, "complete": 0.0}),
    (EMPTY, EMPTY, {"simple": 0.0, "partial": 0.0, "complete": 0.0}),
])
def test_reward_levels_hand_computed(hyp, ref, expected):
    for level, value in expected.items():
        got = rg.reward(rg.normalise_annotation(hyp, "h"), rg.normalise_annotation(ref, "r"), level)
        assert got == pytest.approx(value), level


def test_reward_uses_sets_and_rejects_unknown_level():
    dup = {"entities": {**REF["entities"], "9": ent("pleural", AP)}}  # duplicate item
    assert rg.reward(rg.normalise_annotation(dup, "h"), rg.normalise_annotation(REF, "r"),
                     "simple") == 1.0
    with pytest.raises(ValueError, match="reward level"):
        rg.reward(REF, REF, "all")


def test_f1radgraph_corpus_is_mean_over_reports():
    out = rg.f1radgraph([HYP1, HYP2, HYP3, None], [REF, REF, REF3, REF], note="file x")
    assert set(out) == {"f1radgraph_simple", "f1radgraph_partial", "f1radgraph_complete"}
    simple = out["f1radgraph_simple"]
    np.testing.assert_allclose(simple.per_item, [4 / 7, 1 / 3, 1.0, 0.0])
    assert simple.corpus == pytest.approx((4 / 7 + 1 / 3 + 1.0) / 4)
    assert simple.counts.shape == (4, 2) and simple.fn(simple.counts.sum(0)) == simple.corpus
    assert "file x" in simple.note
    assert out["f1radgraph_complete"].corpus == pytest.approx((2 / 7 + 2 / 3 + 6 / 7) / 4)


def test_normalise_annotation_formats_and_errors():
    wrapped = {"0": {"text": "x", "entities": REF["entities"], "data_split": "inference"}}
    assert rg.normalise_annotation(wrapped, "w") == rg.normalise_annotation(REF, "r")
    assert rg.normalise_annotation(None, "n") == EMPTY
    bad = {"entities": {"1": ent("a", OP, ("located_at", "7"))}}
    with pytest.raises(InputError, match="unknown entity ids"):
        rg.normalise_annotation(bad, "b")
    with pytest.raises(InputError, match="tokens"):
        rg.normalise_annotation({"entities": {"1": {"label": OP}}}, "b")


def test_read_annotations_and_lookup(tmp_path):
    path = tmp_path / "rg.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "reference": REF, "systems": {"m1": HYP1}},
        {"id": "b", "reference": REF3, "m1": HYP3},  # system at top level
    ]) + "\n")
    ann = rg.read_annotations(path)
    hyps, refs = rg.from_file(ann, ["a", "b"], "m1", ["some text", "more"])
    assert [rg.reward(h, r, "simple") for h, r in zip(hyps, refs, strict=True)] == \
        pytest.approx([4 / 7, 1.0])
    hyps, _ = rg.from_file(ann, ["a", "b"], "m2", ["", ""])  # empty outputs need no annotation
    assert hyps == [rg.EMPTY, rg.EMPTY]
    with pytest.raises(InputError, match="system 'm2'"):
        rg.from_file(ann, ["a", "b"], "m2", ["text", ""])
    with pytest.raises(InputError, match="lack a reference"):
        rg.from_file(ann, ["a", "zz"], "m1", ["x", "y"])


def _radgraph_folder(tmp_path: Path, name: str = "modern-radgraph-xl") -> Path:
    folder = tmp_path / name
    (folder / "vocabulary").mkdir(parents=True)
    cfg = {"model": {"embedder": {"token_embedders": {"bert": {"model_name": "some/bert"}}}}}
    (folder / "config.json").write_text(json.dumps(cfg))
    (folder / "weights.th").write_bytes(b"0")
    return folder


def _fake_radgraph(monkeypatch, init) -> None:
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", constants.HF_HUB_OFFLINE)
    module = types.ModuleType("radgraph")
    module.RadGraph = type("RadGraph", (), {"__init__": init, "__call__": _fake_call})
    monkeypatch.setitem(sys.modules, "radgraph", module)


def _fake_call(self, texts):
    return {str(i): {"text": t, "entities": {str(j): ent(w, OP) for j, w in enumerate(t.split())}}
            for i, t in enumerate(texts)}


def test_radgraph_model_hook_errors(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="not an extracted RadGraph model"):
        rg.RadGraphAnnotator(tmp_path)
    folder = _radgraph_folder(tmp_path)
    monkeypatch.setitem(sys.modules, "radgraph", None)  # not installed
    with pytest.raises(ConfigError, match="needs the radgraph package"):
        rg.RadGraphAnnotator(folder)

    def old_init(self, batch_size=1, cuda=None, model_type=None):
        raise AssertionError("must not be called")

    _fake_radgraph(monkeypatch, old_init)
    with pytest.raises(ConfigError, match="cannot load a model from a local folder"):
        rg.RadGraphAnnotator(folder)
    with pytest.raises(ConfigError, match="model type 'other'"):
        rg.RadGraphAnnotator(_radgraph_folder(tmp_path / "x", "other"))

    def failing_init(self, batch_size=1, cuda=None, model_type=None, model_cache_dir=None):
        raise OSError("offline and not cached")

    _fake_radgraph(monkeypatch, failing_init)
    with pytest.raises(ConfigError, match="'some/bert'.*never downloads"):
        rg.RadGraphAnnotator(folder)


def test_radgraph_model_hook_loads_local_folder_offline(tmp_path, monkeypatch):
    import os

    folder = _radgraph_folder(tmp_path)
    seen = {}

    def init(self, batch_size=1, cuda=None, model_type=None, model_cache_dir=None,
             tokenizer_cache_dir=None):
        seen.update(model_type=model_type, cuda=cuda,
                    target=(Path(model_cache_dir) / model_type).resolve(),
                    offline=os.environ["HF_HUB_OFFLINE"])

    _fake_radgraph(monkeypatch, init)
    annotator = rg.RadGraphAnnotator(folder)
    assert seen == {"model_type": "modern-radgraph-xl", "cuda": -1, "target": folder.resolve(),
                    "offline": "1"}
    assert annotator.info["config_sha256"] == hashlib.sha256(
        (folder / "config.json").read_bytes()).hexdigest()
    hyps, refs = annotator(["left effusion", ""]), annotator(["left effusion", "x"])
    assert hyps[1] == rg.EMPTY
    scores = rg.f1radgraph(hyps, refs)
    np.testing.assert_allclose(scores["f1radgraph_simple"].per_item, [1.0, 0.0])


# ---------------------------------------------------------------- NLI

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "no", "small", "left", "right", "pleural",
         "effusion", "pneumothorax", "is", "seen", "stable", "heart", "normal", "size", "."]
LABELS = {0: "CONTRADICTION", 1: "Neutral", 2: "ENTAILMENT"}


def build_tiny_nli(folder: Path, id2label: dict[int, str]) -> Path:
    """A random 1-layer BERT sequence classifier with a WordLevel tokenizer, saved to folder."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(VOCAB)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=64)
    config = BertConfig(vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                        num_labels=len(id2label), id2label=id2label,
                        label2id={v: k for k, v in id2label.items()})
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def nli_dir(tmp_path_factory) -> Path:
    return build_tiny_nli(tmp_path_factory.mktemp("nli"), LABELS)


def test_split_sentences():
    assert nli.split_sentences("1. Small left effusion. 2. No pneumothorax!\nStable 2.5 cm node") \
        == ["Small left effusion.", "No pneumothorax!", "Stable 2.5 cm node"]
    assert nli.split_sentences("") == [] and nli.split_sentences("  ... ") == []


def test_label_indices():
    assert nli.nli_label_indices(LABELS) == {"contradiction": 0, "neutral": 1, "entailment": 2}
    assert nli.nli_label_indices({0: "entailment", 1: "contradiction"}) == \
        {"entailment": 0, "contradiction": 1}
    for bad in ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, {0: "positive", 1: "negative"},
                {0: "entailment", 1: "neutral"}, {0: "entailment", 1: "not_entailment"},
                {0: "entailment", 1: "entails", 2: "contradiction"}):
        with pytest.raises(ConfigError, match="NLI labels|twice"):
            nli.nli_label_indices(bad)


def test_non_nli_model_is_refused(tmp_path):
    folder = build_tiny_nli(tmp_path / "generic", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    with pytest.raises(ConfigError, match="not recognisable as NLI labels"):
        nli.load_nli(str(folder))
    with pytest.raises(ConfigError, match="config.json"):
        nli.load_nli(str(tmp_path))


HYPS = ["Small left effusion. No pneumothorax.", "", "Normal heart size."]
PREMISES = ["small left pleural effusion is seen . no pneumothorax .", "no effusion .",
            "heart size is normal ."]


def test_nli_scores_shapes_labels_and_determinism(nli_dir):
    model = nli.load_nli(str(nli_dir))
    assert model.labels == {"contradiction": 0, "neutral": 1, "entailment": 2}
    assert model.max_length == 64 and not model.model.training
    out = nli.nli_scores(HYPS, PREMISES, str(nli_dir), premise_name="findings", batch_size=2)
    assert set(out) == {"nli_entailed", "nli_contradicted", "nli_consistency"}
    for score in out.values():
        assert score.per_item.shape == (3,) and score.counts.shape == (3, 2)
        assert 0.0 <= score.corpus <= 1.0
        assert "findings" in score.note and str(nli_dir.resolve()) in score.note
    # recompute from raw probabilities with the config's label indices
    prem = [PREMISES[0], PREMISES[0], PREMISES[2]]
    sents = ["Small left effusion.", "No pneumothorax.", "Normal heart size."]
    probs = nli.classify(model, prem, sents, batch_size=1)
    assert probs.shape == (3, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    pred = probs.argmax(axis=1)
    ent = out["nli_entailed"].counts
    np.testing.assert_array_equal(ent[:, 1], [2, 0, 1])  # sentences per report
    np.testing.assert_array_equal(ent[:, 0], [(pred[:2] == 2).sum(), 0, int(pred[2] == 2)])
    con = out["nli_contradicted"].counts
    np.testing.assert_array_equal(con[:, 0], [(pred[:2] == 0).sum(), 0, int(pred[2] == 0)])
    sent_score = (1 + probs[:, 2] - probs[:, 0]) / 2
    np.testing.assert_allclose(out["nli_consistency"].per_item,
                               [sent_score[:2].mean(), 0.0, sent_score[2]], atol=1e-6)
    # same numbers with another batch size and after reloading the model from disk
    nli.load_nli.cache_clear()
    again = nli.nli_scores(HYPS, PREMISES, str(nli_dir), batch_size=16)
    for k in out:
        np.testing.assert_allclose(again[k].per_item, out[k].per_item, atol=1e-6)
        np.testing.assert_array_equal(again[k].counts, out[k].counts)


def _impression_files(tmp_path: Path) -> dict[str, Path]:
    from .conftest import write_csv

    gold = [{"id": "a", "findings": PREMISES[0], "impression": "Small left effusion."},
            {"id": "b", "findings": PREMISES[1], "impression": "No effusion."},
            {"id": "c", "findings": PREMISES[2], "impression": "Normal heart."}]
    m1 = [{"id": "a", "impression": HYPS[0]}, {"id": "c", "impression": HYPS[2]}]  # b missing
    m2 = [{"id": i, "impression": "No pneumothorax."} for i in "abc"]
    ann = [{"id": "a", "reference": REF, "systems": {"m1": HYP1, "m2": HYP2}},
           {"id": "b", "reference": REF3, "systems": {"m2": HYP3}},
           {"id": "c", "reference": REF3, "systems": {"m1": HYP3, "m2": EMPTY}}]
    (tmp_path / "rg.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ann))
    return {"gold": write_csv(tmp_path / "g.csv", gold, ["id", "findings", "impression"]),
            "m1": write_csv(tmp_path / "m1.csv", m1, ["id", "impression"]),
            "m2": write_csv(tmp_path / "m2.csv", m2, ["id", "impression"]),
            "rg": tmp_path / "rg.jsonl"}


def test_evaluate_impression_with_factual_metrics(tmp_path, nli_dir):
    from radlite.evaluate import evaluate_task
    from radlite.evaluate.text_tasks import FactualOptions

    f = _impression_files(tmp_path)
    opts = FactualOptions(nli_model=str(nli_dir), radgraph_annotations=str(f["rg"]))
    res = evaluate_task("impression", f["gold"], {"m1": f["m1"], "m2": f["m2"]}, n_boot=200,
                        plots=False, text_metrics=["rouge"], factual=opts)
    rows = {(r["model"], r["metric"]): r for r in res["metrics"]}
    assert rows[("m1", "f1radgraph_simple")]["value"] == pytest.approx((4 / 7 + 0 + 1) / 3)
    assert rows[("m2", "f1radgraph_complete")]["value"] == pytest.approx((2 / 3 + 6 / 7 + 0) / 3)
    for metric in ("nli_entailed", "nli_contradicted", "nli_consistency"):
        r = rows[("m1", metric)]
        assert r["ci_low"] <= r["value"] <= r["ci_high"]
    assert rows[("m1", "nli_consistency")]["headline"]
    assert any(c["metric"] == "nli_consistency" for c in res["comparisons"])
    info = res["text"]["factual_models"]
    assert info["nli"]["premise"] == "findings"
    assert info["nli"]["config_sha256"] == hashlib.sha256(
        (nli_dir / "config.json").read_bytes()).hexdigest()
    assert info["nli"]["path"] == str(nli_dir.resolve())
    assert info["radgraph"] == {"annotations": str(f["rg"])}
    # reference premise is recorded and changes nothing else
    res_ref = evaluate_task("impression", f["gold"], {"m1": f["m1"]}, n_boot=50, plots=False,
                            text_metrics=["rouge"],
                            factual=FactualOptions(nli_model=str(nli_dir),
                                                   nli_premise="reference"))
    assert res_ref["text"]["factual_models"]["nli"]["premise"] == "reference"
    assert "premise = reference" in res_ref["text"]["notes"]["nli_entailed"]


def test_factual_option_errors(tmp_path, nli_dir, lirads_files):
    from radlite.evaluate import evaluate_task
    from radlite.evaluate.text_tasks import FactualOptions

    f = _impression_files(tmp_path)
    with pytest.raises(ConfigError, match="impression task only"):
        evaluate_task("lirads", lirads_files["gold"], {"a": lirads_files["good"]}, n_boot=10,
                      plots=False, factual=FactualOptions(nli_model=str(nli_dir)))
    with pytest.raises(ConfigError, match="not both"):
        evaluate_task("impression", f["gold"], {"m1": f["m1"]}, n_boot=10, plots=False,
                      text_metrics=["rouge"],
                      factual=FactualOptions(radgraph_annotations=str(f["rg"]),
                                             radgraph_model=str(tmp_path)))
    bad = tmp_path / "g2.csv"
    bad.write_text("id,findings,impression\na,,x\n")
    with pytest.raises(InputError, match="empty findings"):
        evaluate_task("impression", bad, {"m1": f["m1"]}, n_boot=10, plots=False,
                      text_metrics=["rouge"], factual=FactualOptions(nli_model=str(nli_dir)))


def test_cli_factual_options(tmp_path, nli_dir):
    from click.testing import CliRunner

    from radlite.cli.eval import command

    f = _impression_files(tmp_path)
    out = tmp_path / "rep"
    res = CliRunner().invoke(command, [
        "impression", "--gold", str(f["gold"]), "--pred", f"m1={f['m1']}", "--pred",
        f"m2={f['m2']}", "-o", str(out), "--n-boot", "100", "--metrics", "rouge", "--no-plots",
        "--nli-model", str(nli_dir), "--nli-premise", "reference", "--nli-batch-size", "4",
        "--radgraph-annotations", str(f["rg"])])
    assert res.exit_code == 0, res.output
    assert "nli_consistency" in res.output and "f1radgraph_partial" in res.output
    saved = json.loads((out / "results.json").read_text())
    assert saved["text"]["factual_models"]["options"]["nli_batch_size"] == 4
    help_text = CliRunner().invoke(command, ["impression", "--help"]).output
    for opt in ("--nli-model", "--nli-premise", "--radgraph-annotations", "--radgraph-model"):
        assert opt in help_text
