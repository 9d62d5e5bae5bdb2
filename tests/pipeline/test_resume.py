"""A runner killed with SIGKILL mid-batch resumes to the same bytes as an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from radlite.backends.scripted import ScriptedBackend
from radlite.pipeline.extract import InputSpec, extract, job_store_path
from radlite.pipeline.runner import RunOptions
from tests.pipeline.helpers import lirads_answer, write_reports

ROOT = Path(__file__).resolve().parents[2]
N = 60
OPTIONS = RunOptions(progress=False, batch_size=4)

CHILD = """
import sys
from pathlib import Path
from radlite.backends.scripted import ScriptedBackend
from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from tests.pipeline.helpers import slow_answer
extract("lirads", InputSpec(Path(sys.argv[1])), Path(sys.argv[2]), fmt="jsonl",
        backend=ScriptedBackend(responder=slow_answer),
        options=RunOptions(progress=False, batch_size=4))
"""


def _committed(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _kill_mid_run(source: Path, out: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RADLITE_TEST_DELAY": "0.05"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(source), str(out)], env=env,
                             cwd=ROOT, stderr=subprocess.PIPE)
    store = job_store_path(out)
    deadline = time.monotonic() + 60
    while _committed(store) < 12 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    time.sleep(0.07)  # land inside a batch, not between commits
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL, child.stderr.read().decode()[-2000:]
    return _committed(store)


def test_kill9_then_resume_equals_uninterrupted_run(tmp_path: Path) -> None:
    source = write_reports(tmp_path / "in.csv", N)
    killed_out = tmp_path / "killed" / "out.jsonl"
    committed = _kill_mid_run(source, killed_out)
    assert 12 <= committed < N
    assert not killed_out.exists()  # outputs appear only at the end, atomically

    backend = ScriptedBackend(responder=lirads_answer)
    summary = extract("lirads", InputSpec(source), killed_out, fmt="jsonl", backend=backend,
                      options=OPTIONS)
    assert summary.skipped == committed and summary.done == N - committed
    assert len(backend.requests) == N - committed  # finished reports are not redone

    clean_out = tmp_path / "clean" / "out.jsonl"
    extract("lirads", InputSpec(source), clean_out, fmt="jsonl",
            backend=ScriptedBackend(responder=lirads_answer), options=OPTIONS)
    assert killed_out.read_bytes() == clean_out.read_bytes()
    assert not list(killed_out.parent.glob(".*.tmp"))
