"""Planted contradictions and gate scores on project-written pairs."""

from __future__ import annotations

import json
import random

import pytest

from radlite.tasks.impression.planted import (
    change_size,
    flip_negation,
    gate_scores,
    plant_set,
    swap_sides,
)
from tests.conftest import SHARED_DATA

F = "Mild cardiomegaly. Small right pleural effusion measuring 2 cm. No pneumothorax."
IMP = "Small right pleural effusion, 2 cm. Mild cardiomegaly."


def test_planters_alter_the_impression() -> None:
    rng = random.Random(0)
    assert flip_negation(F, IMP, rng) != IMP
    assert "left" in swap_sides(F, IMP, rng)
    assert change_size(F, IMP, rng) != IMP


def test_gate_detects_plants_on_synthetic_pairs() -> None:
    from radlite.synth import generate

    pairs = [(r["id"], r["findings"], r["impression"]) for r in generate("impression", 80, 3)]
    scores = gate_scores(plant_set(pairs))
    assert scores["all"]["rate"] >= 0.9
    assert scores["none"]["rate"] <= 0.2


@pytest.mark.shared
def test_gate_on_openi_dev_pairs(shared_data) -> None:
    path = SHARED_DATA / "openi-dev" / "mediqa_indiana_dev.json"
    if not path.is_file():
        pytest.skip("Open-i MEDIQA file absent")
    data = json.loads(path.read_text("utf-8"))[:200]
    scores = gate_scores(plant_set((str(i), r["findings"], r["impression"])
                                   for i, r in enumerate(data)))
    assert scores["all"]["rate"] >= 0.9
    assert scores["none"]["rate"] <= 0.10
