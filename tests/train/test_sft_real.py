"""Two SFT steps on the real embedded model: the adapter changes, reloads, resumes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.train.helpers import assert_adapter_trained

pytestmark = pytest.mark.model


def test_two_sft_steps_change_and_reload_adapter(embedded_folder: Path, tiny_csv: Path,
                                                 tmp_path: Path) -> None:
    from radlite.train import SFTSettings, train_sft

    out = tmp_path / "run"
    config = SFTSettings(
        model=str(embedded_folder), train_file=str(tiny_csv), val_fraction=0.2, max_steps=2,
        batch_size=2, learning_rate=1e-3, eval_steps=1, save_steps=1, eval_generate_n=1,
        logging_steps=1, threads=1, device="cpu", output_dir=str(out), lora_r=4,
        lora_alpha=8, early_stopping_patience=0,
    )
    record = train_sft(config)
    assert record["metrics"]["steps"] == 2
    assert_adapter_trained(embedded_folder, out / "adapter")
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert any("loss" in r for r in rows) and any("eval_loss" in r for r in rows)
    assert any("eval_accuracy" in r for r in rows)
    assert (out / "log.csv").is_file() and (out / "training.json").is_file()
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-1", "checkpoint-2"]


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("RADLITE_SLOW"), reason="set RADLITE_SLOW=1")
def test_resume_continues_from_checkpoint(embedded_folder: Path, tiny_csv: Path,
                                          tmp_path: Path) -> None:
    from radlite.train import SFTSettings, train_sft

    config = SFTSettings(
        model=str(embedded_folder), train_file=str(tiny_csv), val_fraction=0.2, max_steps=2,
        batch_size=2, eval_steps=2, save_steps=2, eval_generate_n=0, threads=1, device="cpu",
        output_dir=str(tmp_path / "run"), lora_r=4, lora_alpha=8, early_stopping_patience=0,
    )
    train_sft(config)
    config.max_steps, config.resume = 3, True  # an "interrupted" run asked to go on
    record = train_sft(config)
    assert record["metrics"]["steps"] == 3
    assert (tmp_path / "run" / "checkpoint-2").is_dir()
