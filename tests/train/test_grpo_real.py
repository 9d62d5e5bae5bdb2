"""Two GRPO steps on the real embedded model: the adapter changes and reloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.helpers import assert_adapter_trained

pytestmark = pytest.mark.model


def test_two_grpo_steps_change_and_reload_adapter(embedded_folder: Path, tiny_csv: Path,
                                                  tmp_path: Path) -> None:
    from radlite.train import GRPOSettings, train_grpo

    config = GRPOSettings(
        model=str(embedded_folder), train_file=str(tiny_csv), val_fraction=0.2, max_steps=2,
        batch_size=2, num_generations=2, max_completion_length=24, learning_rate=1e-3,
        mask_truncated=False,  # the untrained base never stops within 24 tokens
        eval_steps=2, save_steps=2, eval_generate_n=0, logging_steps=1, threads=1,
        device="cpu", output_dir=str(tmp_path / "run"), lora_r=4, lora_alpha=8,
    )
    record = train_grpo(config)
    assert record["metrics"]["steps"] == 2
    assert_adapter_trained(embedded_folder, tmp_path / "run" / "adapter")
    rows = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    assert any("reward/tied_groups_total" in row for row in rows)
    assert any("reward/unparseable_rate" in row for row in rows)
