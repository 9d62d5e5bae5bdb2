"""The server survives its own crash: a job killed mid-way (SIGKILL to a real
``radlite serve`` process) resumes when the server starts again, and its records equal
those of an uninterrupted run. Plus the start-up scan's edge cases, in-process."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from radlite.serve.jobs import JobManager, claim  # noqa: E402
from radlite.serve.runtime import Runtime  # noqa: E402
from radlite.serve.settings import ServeSettings  # noqa: E402
from radlite.synth import generate  # noqa: E402
from tests.serve.conftest import TOKEN, free_port  # noqa: E402

N_REPORTS = 3000  # abdct rules mode: a few seconds of work, 32 reports a batch


def _csv(rows: list[tuple[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "report"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


class Serve:
    """``radlite serve`` as a child process on a free loopback port."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "RADLITE_API_TOKEN": TOKEN}
        env.pop("RADLITE_API_TOKEN_FILE", None)
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "radlite.cli.main", "serve", "--port", str(self.port),
             "--data-dir", str(data_dir), "--max-body-bytes", str(16 * 1024 * 1024)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.client = httpx.Client(base_url=self.url, timeout=30.0,
                                   headers={"Authorization": f"Bearer {TOKEN}"})
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, f"server exited: {log_path.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "server did not start"
            try:
                if self.client.get("/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def submit(self, data: bytes) -> str:
        response = self.client.post("/v1/jobs", data={"task": "abdct",
                                                      "options": '{"mode": "rules"}'},
                                    files={"file": ("in.csv", data, "text/csv")})
        assert response.status_code == 202, response.text
        return response.json()["id"]

    def wait_done(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (job := self.job(job_id))["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, f"job did not finish: {job}"
            time.sleep(0.1)
        assert job["state"] == "done", job
        return job

    def records(self, job_id: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/v1/jobs/{job_id}/results")
        assert response.status_code == 200, response.text
        return response.json()["records"]

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    started: list[Serve] = []

    def _serve(data_dir: Path) -> Serve:
        started.append(Serve(data_dir, tmp_path / "serve.log"))
        return started[-1]

    yield _serve
    for server in started:
        server.stop()


def _store_rows(store: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(store) as conn:
        return conn.execute("SELECT id, finished FROM records").fetchall()


def test_a_job_killed_mid_way_resumes_and_equals_an_uninterrupted_run(
        tmp_path: Path, serve: Any) -> None:
    rows = [(r["id"], r["report"]) for r in generate("abdct", N_REPORTS, seed=7)]
    data = _csv(rows)
    data_dir = tmp_path / "data"

    first = serve(data_dir)
    job_id = first.submit(data)
    deadline = time.monotonic() + 60
    while (job := first.job(job_id))["done"] == 0:
        assert job["state"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.02)
    first.kill()

    folder = data_dir / "jobs" / job_id
    info = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    before = _store_rows(folder / "job.sqlite")
    assert info["state"] == "running" and "resumed" not in info
    assert 0 < len(before) < N_REPORTS, "the job was not interrupted mid-way"

    restarted_at = time.time()
    second = serve(data_dir)
    job = second.wait_done(job_id)
    assert (job["total"], job["done"], job["failed"]) == (N_REPORTS, N_REPORTS, 0)
    assert job["resumed"] == 1 and job["resumed_at"] >= restarted_at
    assert (job["resumed_done"], job["stalls"]) == (len(before), 0)
    # the reports committed before the kill were skipped, not redone
    after = dict(_store_rows(folder / "job.sqlite"))
    assert all(after[report_id] == finished for report_id, finished in before)
    assert sum(finished >= restarted_at for finished in after.values()) == N_REPORTS - len(before)
    resumed = second.records(job_id)

    baseline_id = second.submit(data)  # the same upload, run without interruption
    assert second.wait_done(baseline_id)["done"] == N_REPORTS
    baseline = second.records(baseline_id)
    assert [r["id"] for r in resumed] == [report_id for report_id, _ in rows]
    assert resumed == baseline


@pytest.fixture
def manager(tmp_path: Path) -> JobManager:
    runtime = Runtime(ServeSettings(local_only=True, data_dir=tmp_path))
    return JobManager(tmp_path, runtime)


def _job_folder(manager: JobManager, job_id: str, **info: Any) -> Path:
    folder = manager.root / job_id
    folder.mkdir()
    (folder / "job.json").write_text(json.dumps({"id": job_id, **info}), encoding="utf-8")
    return folder


def test_start_up_skips_what_it_must_not_resume(manager: JobManager) -> None:
    (manager.root / "20250101-000000-aaaaaa").mkdir()  # crash while saving an upload
    (manager.root / "20250101-000000-aaaaaa" / "input.csv").write_bytes(b"id,report\n")
    broken = manager.root / "20250101-000000-bbbbbb"
    broken.mkdir()
    (broken / "job.json").write_text('{"id": "20250101-000000-bb', encoding="utf-8")
    _job_folder(manager, "done-1", task="abdct", state="done", total=1)
    _job_folder(manager, "failed-1", task="abdct", state="failed", total=1, error="x")
    _job_folder(manager, "imported-1", task="abdct", state="running", total=1,
                store="/elsewhere/out.job.sqlite")
    locked = _job_folder(manager, "locked-1", task="abdct", state="running", total=1,
                         source="input.csv")
    held = claim(locked)  # as a live server process running it would
    assert held is not None
    try:
        assert manager.resume() == 0
    finally:
        held.close()
    assert manager.describe("locked-1")["state"] == "running"
    assert [j["id"] for j in manager.list()] == ["locked-1", "imported-1", "failed-1",
                                                   "done-1"]
    assert manager.describe("failed-1")["state"] == "failed"
    assert "resumed" not in manager.describe("imported-1")


def test_an_unresumable_job_is_marked_failed_with_the_reason(manager: JobManager) -> None:
    _job_folder(manager, "gone-1", task="abdct", options={"mode": "rules"}, state="running",
                total=1, id_col="id", text_col="report", encoding="utf-8", source="input.csv")
    assert manager.resume() == 0
    job = manager.describe("gone-1")
    assert job["state"] == "failed" and "uploaded file is missing" in job["error"]


def test_a_queued_job_resumes_in_process_and_only_once(manager: JobManager) -> None:
    rows = [(r["id"], r["report"]) for r in generate("abdct", 5, seed=1)]
    folder = _job_folder(manager, "queued-1", task="abdct", options={"mode": "rules"},
                         state="queued", total=5, id_col="id", text_col="report",
                         encoding="utf-8", source="input.csv")
    (folder / "input.csv").write_bytes(_csv(rows))
    (folder / ".job.json.x1.tmp").write_text("{", encoding="utf-8")  # a kill mid-write
    assert manager.resume() == 1
    assert manager.resume() == 0  # its thread holds the job: not started twice
    manager.wait("queued-1", 30)
    job = manager.describe("queued-1")
    assert (job["state"], job["done"], job["resumed"]) == ("done", 5, 1)
    assert not list(folder.glob(".job.json.*.tmp"))


def test_a_job_that_keeps_killing_the_server_is_given_up(manager: JobManager) -> None:
    folder = _job_folder(manager, "poison-1", task="abdct", options={"mode": "rules"},
                         state="running", total=5, id_col="id", text_col="report",
                         encoding="utf-8", source="input.csv", resumed=3, resumed_done=0,
                         stalls=2)
    (folder / "input.csv").write_bytes(_csv([("a", "Liver normal.")]))
    assert manager.resume() == 0
    job = manager.describe("poison-1")
    assert job["state"] == "failed" and "stopped 3 times in a row" in job["error"]
