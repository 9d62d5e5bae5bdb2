"""The LoRA learner (LI-RADS): what it hands to SFT, and which adapter a run loads.

Training itself is covered by tests/train (real SFT/GRPO steps); here ``train_sft`` is
replaced by a stand-in that records its settings (a unit test)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from radlite.adapters import default_adapter
from radlite.core.errors import InputError
from radlite.learn.data import LearnSet
from radlite.learn.learners import learner_for
from radlite.learn.lora import LoraLearner
from radlite.learn.registry import AdapterRegistry
from radlite.learn.resolve import site_task_options


def _reviews(n: int) -> LearnSet:
    columns = learner_for("lirads").columns()
    gold = [{c: None for c in columns} | {"size": 20 + i, "aphe": 1} for i in range(n)]
    return LearnSet([f"r{i}" for i in range(n)],
                    [f"Segment 8: {20 + i} mm nodule with arterial hyperenhancement."
                     for i in range(n)], gold, columns)


def test_lirads_gets_the_lora_learner_with_sft_settings() -> None:
    learner = learner_for("lirads", {}, {"epochs": 1, "model": "/models/llama-8b",
                                         "device": "cuda"})
    assert isinstance(learner, LoraLearner) and learner.kind == "lora"
    assert learner.train["epochs"] == 1 and learner.train["batch_size"] == 4
    assert learner.backend_options(Path("/a")) == {"model": "/models/llama-8b",
                                                    "device": "cuda", "adapter": "/a"}
    assert learner_for("lirads").backend_options(None) == {}  # builtin: the shipped adapter
    with pytest.raises(InputError, match="does not train task 'summarize'"):
        learner_for("summarize")


def test_fit_continues_the_current_adapter_on_the_reviews(tmp_path: Path, monkeypatch) -> None:
    seen: dict[str, Any] = {}

    def fake_train(settings: Any) -> dict[str, Any]:
        seen["settings"] = settings
        with open(settings.train_file, encoding="utf-8", newline="") as handle:
            seen["rows"] = list(csv.DictReader(handle))
        adapter = Path(settings.output_dir) / "adapter"
        adapter.mkdir(parents=True)
        (adapter / "adapter_config.json").write_text("{}", encoding="utf-8")
        return {"train_seconds": 1.0, "metrics": {"eval_loss": 0.5}}

    monkeypatch.setattr("radlite.train.sft.train_sft", fake_train)
    learner = learner_for("lirads", {}, {"epochs": 2})
    card = learner.fit(_reviews(12), None, tmp_path / "out", lambda s, f: None)
    settings = seen["settings"]
    assert settings.task == "lirads" and settings.epochs == 2
    assert settings.init_adapter == str(default_adapter("lirads"))  # the shipped adapter
    assert [r["size"] for r in seen["rows"]][:2] == ["20", "21"] and seen["rows"][0]["aphe"] == "1"
    assert (tmp_path / "out" / "adapter_config.json").is_file()
    assert card["metrics"] == {"eval_loss": 0.5} and card["n_reports"] == 12
    learner.fit(_reviews(12), tmp_path / "out", tmp_path / "out2", lambda s, f: None)
    assert seen["settings"].init_adapter == str(tmp_path / "out")  # the site's adapter


def test_a_promoted_site_adapter_is_what_extract_loads(tmp_path: Path) -> None:
    source = tmp_path / "adapter"
    source.mkdir()
    (source / "adapter_config.json").write_text(json.dumps({"r": 8}), encoding="utf-8")
    registry = AdapterRegistry(tmp_path / "registry")
    entry = registry.add(task="lirads", site="s1", reader=None, kind="lora", source=source,
                         data_hash="x", metrics={})
    registry.promote("lirads", "s1", None, entry.version)
    options, used = site_task_options("lirads", {"template": "compact-v1"}, "s1", None,
                                      tmp_path / "registry")
    assert used is not None and used.kind == "lora" and options == {"template": "compact-v1"}


def test_optional_grpo_stage_starts_from_the_sft_adapter(tmp_path: Path, monkeypatch) -> None:
    calls: list[Any] = []

    def fake(settings: Any) -> dict[str, Any]:
        calls.append(settings)
        adapter = Path(settings.output_dir) / "adapter"
        adapter.mkdir(parents=True)
        (adapter / "adapter_config.json").write_text(settings.kind, encoding="utf-8")
        return {"train_seconds": 1.0, "metrics": {"reward": 0.5}}

    monkeypatch.setattr("radlite.train.sft.train_sft", fake)
    monkeypatch.setattr("radlite.train.grpo.train_grpo", fake)
    learner = learner_for("lirads", {}, {"grpo_steps": 3})
    card = learner.fit(_reviews(12), None, tmp_path / "out", lambda s, f: None)
    sft, grpo = calls
    assert (sft.kind, grpo.kind) == ("sft", "grpo") and grpo.max_steps == 3
    assert grpo.init_adapter == str(Path(sft.output_dir) / "adapter")
    assert (tmp_path / "out" / "adapter_config.json").read_text() == "grpo"
    assert card["grpo"]["steps"] == 3
    with pytest.raises(InputError, match="grpo_steps"):
        learner_for("lirads", {}, {"grpo_steps": -1})
