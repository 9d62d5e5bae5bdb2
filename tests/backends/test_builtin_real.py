"""Always-on: the real embedded model extracts LI-RADS features from a few reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from radlite.pipeline.store import JobStore
from tests.conftest import write_csv

pytestmark = pytest.mark.model

REPORTS = [
    ["r1", "Cirrhotic liver. 2.4 cm nodule in S7 with arterial phase hyperenhancement and "
           "washout on the delayed phase."],
    ["r2", "간경변. S6에 1.8cm 크기의 동맥기 조영증강 결절, 문맥기 washout 보임."],
    ["r3", "Liver: 1.2 cm simple cyst in segment 4. No suspicious lesion."],
]


def test_real_model_output_always_parses(tmp_path: Path, builtin_backend) -> None:
    source = write_csv(tmp_path / "in.csv", ["id", "report"], REPORTS)
    out = tmp_path / "out.csv"
    summary = extract("lirads", InputSpec(source), out, backend=builtin_backend,
                      options=RunOptions(progress=False, retries=0))
    assert summary.done + summary.failed == 3
    with JobStore(tmp_path / "out.csv.job.sqlite") as store:
        records = list(store.records())
    assert [r.id for r in records] == ["r1", "r2", "r3"]
    # Constrained decoding: every answer matches the schema, so nothing fails to parse.
    assert all(r.status == "ok" for r in records), [r.error for r in records]
    assert all(set(r.values) == set(records[0].values) for r in records)
    assert records[0].provenance["model_id"].startswith("builtin:")
