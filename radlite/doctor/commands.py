"""Each command's default path, run for real on one synthetic report in a scratch folder.

The inputs come from radlite's own generators (no patient text), every command runs in
a child process with its default options, and a command passes when it exits cleanly and its
output file has one row that did not fail (``status`` other than ``failed``; summaries
use ``status`` for the disease course).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from radlite.core import csvsafe
from radlite.doctor.report import Check, attempt


@dataclass(frozen=True)
class Smoke:
    """One default command: the synthetic input it reads and its arguments."""

    name: str
    synth_task: str
    input_name: str
    args: tuple[str, ...]
    output_name: str


SMOKES = (
    Smoke("extract lirads", "lirads", "lirads.csv", ("extract", "lirads"), "lirads_out.csv"),
    Smoke("extract abdct", "abdct", "abdct.csv", ("extract", "abdct"), "abdct_out.csv"),
    Smoke("extract chest (CheXpert)", "chest", "chest.csv", ("extract", "chest"),
          "chexpert_out.csv"),
    Smoke("extract chest --labels chestxray14", "chest", "chest.csv",
          ("extract", "chest", "--labels", "chestxray14"), "cxr14_out.csv"),
    Smoke("impress", "impression", "impression.csv", ("impress",), "impress_out.csv"),
    Smoke("summarize", "serial", "serial.jsonl", ("summarize",), "summarize_out.jsonl"),
)


def _statuses(path: Path) -> list[str]:
    if path.suffix == ".jsonl":
        return [json.loads(line).get("status", "") for line in path.read_text().splitlines()
                if line.strip()]
    with path.open(newline="", encoding="utf-8") as handle:
        return [row.get("status", "") for row in csvsafe.dict_reader(handle)]


def _run_cli(args: list[str]) -> None:
    """Run ``radlite ARGS`` in a child process, as a user would (same Python)."""
    done = subprocess.run([sys.executable, "-m", "radlite.cli.main", *args], check=False,
                          capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"exit status {done.returncode}: {last[:200]}")


def _synth(task: str, path: Path) -> Callable[[], str]:
    def probe() -> str:
        if not path.exists():
            _run_cli(["synth", task, "-n", "1", "--seed", "0", "-o", str(path)])
        return f"1 synthetic {task} record"

    return probe


def _command(smoke: Smoke, folder: Path) -> Callable[[], str]:
    def probe() -> str:
        source, output = folder / smoke.input_name, folder / smoke.output_name
        _synth(smoke.synth_task, source)()
        _run_cli([*smoke.args, str(source), "-o", str(output), "--no-progress"])
        statuses = _statuses(output)
        if len(statuses) != 1 or statuses[0] == "failed":
            raise RuntimeError(f"expected one row that did not fail, got statuses {statuses}")
        return f"ran on 1 synthetic report (status: {statuses[0]})"

    return probe


def default_command_checks() -> list[Check]:
    """``radlite synth`` and every extraction and writing command, with default options."""
    with tempfile.TemporaryDirectory(prefix="radlite-doctor-") as scratch:
        folder = Path(scratch)
        checks = [attempt("default commands", "synth", _synth("lirads", folder / "lirads.csv"),
                          needed_by="radlite synth", default=True)]
        checks += [attempt("default commands", smoke.name, _command(smoke, folder),
                           needed_by=f"radlite {smoke.name}", default=True) for smoke in SMOKES]
    return checks
