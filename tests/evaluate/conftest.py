"""Fixtures for evaluation tests: small synthetic gold/prediction files written per test."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from radlite.schemas import lirads_features

FEATURES = lirads_features()


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def make_lirads(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        has = rng.random() < 0.8
        row = {"id": f"r{i}", "report": "synthetic",
               "size": str(rng.randint(8, 60)) if has else "",
               "location": str(rng.randint(1, 8)) if has else ""}
        row.update({f: str(int(rng.random() < 0.35)) for f in FEATURES[2:]})
        rows.append(row)
    return rows


def corrupt(gold: list[dict], p: float, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for g in gold:
        row = {"id": g["id"], "status": "ok", "error": "", "evidence": "{}"}
        for f in FEATURES:
            v = g[f]
            if rng.random() < p:
                v = ("" if v else "10") if f in ("size", "location") else str(1 - int(v))
            row[f] = v
        out.append(row)
    return out


@pytest.fixture
def lirads_files(tmp_path: Path) -> dict[str, Path]:
    gold = make_lirads(60)
    good = corrupt(gold, 0.05, 1)
    bad = corrupt(gold, 0.2, 2)
    bad = [r for r in bad if r["id"] != "r3"]  # one missing id
    bad.append({"id": "zz", **{f: "" for f in FEATURES}, "status": "ok", "error": "",
                "evidence": ""})  # one extra id
    bad[5]["status"] = "failed"
    pred_cols = ["id", *FEATURES, "status", "error", "evidence"]
    return {
        "gold": write_csv(tmp_path / "gold.csv", gold, ["id", "report", *FEATURES]),
        "good": write_csv(tmp_path / "good.csv", good, pred_cols),
        "bad": write_csv(tmp_path / "bad.csv", bad, pred_cols),
    }
