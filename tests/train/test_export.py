"""``radlite export``: the merged model, as a folder and as GGUF, answers like the
builtin backend with the adapter (real embedded model; about a minute)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.core.errors import ConfigError

DATA = Path(__file__).parent / "data" / "tiny_lirads.csv"


def _answers(backend, reports) -> list[str]:
    from radlite.tasks.lirads.task import LiradsTask

    task = LiradsTask(evidence_gate=False, cue_completion=False)
    return [r.text for r in backend.generate([task.build_request(rep) for rep in reports])]


@pytest.mark.model
def test_exported_folder_and_gguf_answer_like_the_builtin_backend(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from radlite.adapters import default_adapter
    from radlite.backends.builtin import BuiltinBackend
    from radlite.backends.hf import TransformersBackend
    from radlite.cli.main import cli
    from radlite.core.types import Report

    torch.set_num_threads(2)
    result = CliRunner().invoke(cli, ["export", "-o", str(tmp_path), "--gguf-type", "f32"])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "export.json").read_text())
    assert set(record["files"]) == {"hf", "model.gguf"}
    assert record["template"] == "compact-v1"  # what `extract --template` must be given
    with DATA.open(encoding="utf-8") as handle:
        reports = [Report(row["id"], row["report"]) for row in csv.DictReader(handle)]
    builtin = BuiltinBackend(adapter=str(default_adapter("lirads")), dtype="float32")
    expected = _answers(builtin, reports)
    for exported in (tmp_path / "hf", tmp_path / "model.gguf"):
        backend = TransformersBackend(str(exported), device="cpu", dtype="float32")
        assert _answers(backend, reports) == expected, exported


def test_a_folder_without_adapter_config_is_refused(tmp_path: Path) -> None:
    from radlite.train.export import export_model

    with pytest.raises(ConfigError, match="adapter_config.json"):
        export_model("builtin", tmp_path, tmp_path / "out")


def test_an_unsupported_gguf_type_is_refused(tmp_path: Path) -> None:
    from radlite.train.export import write_gguf

    with pytest.raises(ConfigError, match="q4_k"):
        write_gguf(object(), tmp_path / "x.gguf", tmp_path / "y.gguf", "q4_k")
