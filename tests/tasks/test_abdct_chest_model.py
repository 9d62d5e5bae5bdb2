"""Always-on check with the real embedded model on 2 short reports (< 60 s on 2 cores)."""

from __future__ import annotations

import pytest

from radlite.core.types import Report
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.chest import ChestTask


@pytest.fixture(scope="module")
def backend():
    builtin = pytest.importorskip("radlite.backends.builtin")
    try:
        return builtin.BuiltinBackend(threads=2, batch_size=8)
    except Exception as exc:  # noqa: BLE001 - the embedded model is not installed
        pytest.skip(f"embedded model unavailable: {exc}")


def test_real_model_fast_and_verify(backend) -> None:
    abd = AbdctTask(mode="fast").run_batch(backend, [Report("a", "Spleen: Splenomegaly.")])[0]
    assert abd.status == "ok" and abd.values["spleen_urgency"] in (None, 0, 1, 2, 3)
    chest = ChestTask(mode="verify").run_batch(backend, [Report("b", "Small left effusion.")])[0]
    assert chest.status == "ok" and chest.values["Pleural Effusion"] in (None, 0, 1, -1)
