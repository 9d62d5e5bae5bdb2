"""The LI-RADS ablation results in benchmarks/results are those of the shipped adapter
(regenerate them with benchmarks/train_lirads.py whenever the adapter changes)."""

from __future__ import annotations

import json
from pathlib import Path

from radlite.adapters import default_adapter
from radlite.backends.base import file_hash

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def test_every_ablation_result_names_the_shipped_adapter() -> None:
    files = sorted(RESULTS.glob("train_lirads_ablation_*.json"))
    assert files, "no benchmarks/results/train_lirads_ablation_*.json"
    shipped = file_hash(default_adapter("lirads"))
    stale = [f.name for f in files
             if json.loads(f.read_text(encoding="utf-8"))["adapter_hash"] != shipped]
    assert not stale, f"made with another adapter than the shipped {shipped}: {stale}"
