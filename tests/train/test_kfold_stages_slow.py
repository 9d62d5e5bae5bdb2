"""k-fold cross-validation and two-stage training on the real model (opt-in: slow)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.model,
              pytest.mark.skipif(not os.environ.get("RADLITE_SLOW"), reason="set RADLITE_SLOW=1")]


def _config(folder: Path, csv: Path, out: Path, **kw: object):
    from radlite.train import SFTSettings

    base = dict(model=str(folder), train_file=str(csv), max_steps=1, batch_size=2,
                eval_steps=1, save_steps=1, eval_generate_n=0, threads=1, device="cpu",
                output_dir=str(out), lora_r=4, lora_alpha=8, early_stopping_patience=0)
    return SFTSettings(**{**base, **kw})


def test_kfold_trains_one_adapter_per_fold(embedded_folder: Path, tiny_csv: Path,
                                           tmp_path: Path) -> None:
    from radlite.train import train_sft

    record = train_sft(_config(embedded_folder, tiny_csv, tmp_path / "cv", kfold=2))
    assert len(record["metrics"]["folds"]) == 2
    assert "mean_eval_loss" in record["metrics"]
    assert all((tmp_path / "cv" / f"fold-{i}" / "adapter").is_dir() for i in range(2))


def test_stage_two_starts_from_stage_one(embedded_folder: Path, tiny_csv: Path,
                                         tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from radlite.train import train_sft

    train_sft(_config(embedded_folder, tiny_csv, tmp_path / "s1", val_fraction=0.2,
                      learning_rate=1e-3))
    stage1 = tmp_path / "s1" / "adapter"
    train_sft(_config(embedded_folder, tiny_csv, tmp_path / "s2", val_fraction=0.2,
                      init_adapter=str(stage1), learning_rate=1e-3))
    one = load_file(str(stage1 / "adapter_model.safetensors"))
    two = load_file(str(tmp_path / "s2" / "adapter" / "adapter_model.safetensors"))
    assert one.keys() == two.keys()
    key = next(k for k in one if "lora_B" in k)
    assert float(one[key].abs().max()) > 0 and not (one[key] == two[key]).all()
