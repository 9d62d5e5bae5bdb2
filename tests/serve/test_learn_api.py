"""Learn jobs ("Train on these reviews") with a fake learn cycle: states, 409, 404, the
failure messages and the restart rule."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from radlite.core.errors import InputError
from radlite.serve.jobs import JobManager, claim
from radlite.serve.learning import LOCK, RESTARTED, LearnManager
from radlite.serve.settings import ServeSettings


@dataclass
class FakeResult:
    """What the learn cycle returns (only ``to_dict`` is used)."""

    task: str = "lirads"
    site: str = "site"
    reader: str | None = None
    parent: str = "v1"
    candidate: str | None = "v2"
    n_train: int = 14
    n_heldout: int = 6
    before: dict[str, Any] = field(default_factory=lambda: {"micro_f1": 0.8, "accuracy": 0.9})
    after: dict[str, Any] = field(default_factory=lambda: {"micro_f1": 0.86, "accuracy": 0.9})
    difference: dict[str, Any] = field(default_factory=lambda: {
        "metric": "micro_f1", "estimate": 0.06, "low": 0.01, "high": 0.11})
    promoted: bool = True
    reason: str = "the candidate is better on the held-out reviews"
    seconds: float = 1.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FakeCycle:
    """Stands in for ``radlite.serve.review_data.learn_from_job``: reports progress, then waits
    for ``release`` before it returns (or raises ``error``)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.error: BaseException | None = None

    def __call__(self, job_folder: Path, **kwargs: Any) -> FakeResult:
        self.calls.append({"job_folder": job_folder, **kwargs})
        kwargs["progress"]("fitting", 0.5)
        assert self.release.wait(20), "the test never released the fake learn"
        kwargs["progress"]("comparing", 0.9)
        if self.error is not None:
            raise self.error
        return FakeResult(reader=kwargs.get("reader"))


def install_fake_cycle(monkeypatch: pytest.MonkeyPatch, fake: Any) -> None:
    """Make the server's learn thread call ``fake`` instead of the real learn cycle
    (:func:`radlite.serve.learning.load_cycle`), so these tests neither run nor depend on
    it (tests/learn covers the cycle; one test below runs it for real)."""
    monkeypatch.setattr("radlite.serve.learning.load_cycle", lambda: fake)


@pytest.fixture
def cycle(monkeypatch: pytest.MonkeyPatch) -> FakeCycle:
    fake = FakeCycle()
    install_fake_cycle(monkeypatch, fake)
    return fake


def _wait(client: Any, learn_id: str, states: tuple[str, ...] = ("done", "failed")
          ) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while (learn := client.get(f"/v1/learn/{learn_id}").json())["state"] not in states:
        assert time.monotonic() < deadline, learn
        time.sleep(0.02)
    return learn


def test_learn_runs_reports_progress_and_result(server, cycle) -> None:
    job = server.make_job([("l1", server.report)])
    with server.client() as client:
        started = client.post(f"/v1/review/{job}/learn",
                              json={"reader": "dr-a", "holdout": 0.25, "folds": 3})
        assert started.status_code == 202, started.text
        learn_id = started.json()["learn_id"]
        assert started.json()["state"] in ("queued", "running")
        running = _wait(client, learn_id, ("running",))
        deadline = time.monotonic() + 10
        while running["stage"] != "fitting":
            assert time.monotonic() < deadline, running
            running = client.get(f"/v1/learn/{learn_id}").json()
        assert running["fraction"] == 0.5 and running["result"] is None
        again = client.post(f"/v1/review/{job}/learn")
        assert again.status_code == 409, again.text
        assert again.json()["error"]["code"] == "conflict" and learn_id in again.text
        cycle.release.set()
        done = _wait(client, learn_id)
        listed = client.get(f"/v1/review/{job}/learn").json()["learns"]
    assert done["state"] == "done" and done["error"] is None, done
    assert {k: done[k] for k in ("learn_id", "job_id", "stage", "fraction")} == {
        "learn_id": learn_id, "job_id": job, "stage": "done", "fraction": 1.0}
    assert done["result"] == FakeResult(reader="dr-a").to_dict()
    assert [item["learn_id"] for item in listed][:1] == [learn_id]
    (call,) = cycle.calls
    assert call["job_folder"] == server.data_dir / "jobs" / job
    assert call["registry"] == server.data_dir / "registry" and call["site"] == "site"
    assert (call["reader"], call["holdout"], call["promote"]) == ("dr-a", 0.25, "auto")
    assert call["folds"] == 3 and call["train"] == {}  # the scripted backend: embedded model
    saved = json.loads((server.data_dir / "jobs" / job / f"learn-{learn_id}.json").read_text())
    assert saved["state"] == "done" and saved["result"]["promoted"] is True


def test_a_new_learn_after_one_ended(server, cycle) -> None:
    job = server.make_job([("n1", server.report)])
    cycle.release.set()
    with server.client() as client:
        first = client.post(f"/v1/review/{job}/learn").json()["learn_id"]
        assert _wait(client, first)["state"] == "done"
        second = client.post(f"/v1/review/{job}/learn")
        assert second.status_code == 202, second.text
        assert _wait(client, second.json()["learn_id"])["state"] == "done"
        listed = client.get(f"/v1/review/{job}/learn").json()["learns"]
    assert [item["learn_id"] for item in listed] == [second.json()["learn_id"], first]


def test_learn_errors_are_reported_without_report_text(server, cycle, caplog) -> None:
    job = server.make_job([("f1", server.report)])
    cycle.release.set()
    with server.client() as client:
        cycle.error = InputError("3 reviewed reports; a learn cycle needs at least 20")
        learn = _wait(client, client.post(f"/v1/review/{job}/learn").json()["learn_id"])
        assert (learn["state"], learn["error"]) == (
            "failed", "3 reviewed reports; a learn cycle needs at least 20")
        assert learn["result"] is None
        cycle.error = ValueError("Cirrhotic liver with a 2.3 cm nodule")  # report text
        with caplog.at_level(logging.INFO):
            learn = _wait(client, client.post(f"/v1/review/{job}/learn").json()["learn_id"])
    assert (learn["state"], learn["error"]) == ("failed", "internal error")
    assert "Cirrhotic" not in caplog.text and "ValueError" in caplog.text


def test_learn_not_found_not_ready_and_invalid_bodies(server, cycle) -> None:
    job = server.make_job([("v1", server.report)])
    busy = server.data_dir / "jobs" / "still-running-job"
    busy.mkdir()
    (busy / "job.json").write_text(json.dumps({"id": busy.name, "task": "lirads",
                                               "state": "running", "total": 1}))
    with server.client() as client:
        missing = client.post("/v1/review/no-such-job/learn")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        for learn_id in ("0123456789ab", "../../etc", "x" * 12):
            response = client.get(f"/v1/learn/{learn_id}")
            assert response.status_code == 404, learn_id
            assert response.json()["error"]["code"] == "not_found"
        assert client.get("/v1/review/no-such-job/learn").status_code == 404
        not_ready = client.post(f"/v1/review/{busy.name}/learn")
        assert not_ready.status_code == 409 and not_ready.json()["error"]["code"] == "not_ready"
        for body in ({"holdout": 1.5}, {"holdout": 0}, {"reader": ""}, {"colour": 1}):
            bad = client.post(f"/v1/review/{job}/learn", json=body)
            assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
        assert client.post(f"/v1/review/{job}/learn", headers={"Authorization": ""}
                           ).status_code == 401
    assert cycle.calls == []


def _orphan(folder: Path, learn_id: str, state: str = "running") -> Path:
    path = folder / f"learn-{learn_id}.json"
    path.write_text(json.dumps({"learn_id": learn_id, "job_id": folder.name, "state": state,
                                "stage": "fitting", "fraction": 0.4, "result": None,
                                "error": None, "reader": None, "holdout": 0.3,
                                "created": time.time(), "started": time.time(),
                                "finished": None}))
    return path


def test_a_learn_a_dead_server_left_reads_as_failed(server) -> None:
    job = server.make_job([("o1", server.report)])
    folder = server.data_dir / "jobs" / job
    path = _orphan(folder, "aaaaaaaaaaaa")
    held = claim(folder, LOCK)  # another live server process runs it: left as it is
    try:
        with server.client() as client:
            assert client.get("/v1/learn/aaaaaaaaaaaa").json()["state"] == "running"
    finally:
        held.close()
    with server.client() as client:
        learn = client.get("/v1/learn/aaaaaaaaaaaa").json()
        listed = client.get(f"/v1/review/{job}/learn").json()["learns"]
    assert (learn["state"], learn["error"]) == ("failed", RESTARTED)
    assert json.loads(path.read_text())["state"] == "failed"  # rewritten
    assert [(item["learn_id"], item["state"]) for item in listed] == [("aaaaaaaaaaaa", "failed")]


def test_server_start_marks_unfinished_learns_failed(launch, tmp_path) -> None:
    from tests.serve.conftest import server_settings

    data_dir = tmp_path / "data"
    folder = data_dir / "jobs" / "20240101-000000-abcdef"
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(json.dumps({"id": folder.name, "task": "lirads",
                                                 "state": "done", "total": 0}))
    running, queued = _orphan(folder, "bbbbbbbbbbbb"), _orphan(folder, "cccccccccccc", "queued")
    done = _orphan(folder, "dddddddddddd", "done")
    uv, thread, _ = launch(server_settings(data_dir))
    try:
        for path in (running, queued):
            record = json.loads(path.read_text())
            assert (record["state"], record["error"]) == ("failed", RESTARTED)
        assert json.loads(done.read_text())["state"] == "done"
    finally:
        uv.should_exit = True
        thread.join(10)


def test_manager_recover_and_settings(tmp_path: Path) -> None:
    settings = ServeSettings(token="t" * 20, data_dir=tmp_path)
    assert settings.registry_dir == tmp_path / "registry"
    assert ServeSettings(registry=tmp_path / "r").registry_dir == tmp_path / "r"
    jobs = JobManager(tmp_path, runtime=None)  # type: ignore[arg-type]
    folder = jobs.root / "job-1"
    folder.mkdir()
    (folder / "job.json").write_text(json.dumps({"id": "job-1", "task": "lirads",
                                                 "state": "done"}))
    _orphan(folder, "eeeeeeeeeeee")
    manager = LearnManager(jobs, settings)
    assert manager.recover() == 1 and manager.recover() == 0
    assert manager.get("eeeeeeeeeeee")["error"] == RESTARTED


@pytest.mark.parametrize("site", ["", "../up", "a/b", "x" * 65, ".."])
def test_site_must_be_a_plain_name(site: str) -> None:
    from radlite.core.errors import ConfigError

    with pytest.raises(ConfigError, match="site"):
        ServeSettings(token="t" * 20, site=site).check()
    ServeSettings(token="t" * 20, site="hospital-A.ct").check()


def test_real_learn_cycle_on_reviewed_chest_job(server) -> None:
    """The real cycle end to end: a chest job, a site that codes granulomas as nodules
    corrects the model on the review page, "Train on these reviews" promotes a site head
    in the server's registry."""
    import csv
    import io

    from radlite.learn.registry import AdapterRegistry

    sides = ["right upper", "left upper", "right lower", "left lower", "lingular"]
    rows = []
    for i in range(60):
        side = sides[i % len(sides)]
        text = (f"Calcified granuloma in the {side} lobe. Lungs otherwise clear." if i % 2
                else f"Small {side.split()[0]} pleural effusion. No pneumothorax.")
        rows.append((f"c{i}", text))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([("id", "report"), *rows])
    with server.client() as client:
        job = client.post("/v1/jobs", data={"task": "chest",
                                            "options": '{"labels": "chestxray14"}'},
                          files={"file": ("in.csv", buffer.getvalue().encode(), "text/csv")}
                          ).json()["id"]
        deadline = time.monotonic() + 60
        while client.get(f"/v1/jobs/{job}").json()["state"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        for rid, text in rows:
            view = client.get(f"/v1/review/{job}/reports/{rid}").json()
            values = {v["feature"]: v["model_value"] for v in view["values"]}
            values["Nodule"] = int("granuloma" in text)  # the site's coding
            put = client.put(f"/v1/review/{job}/reports/{rid}/values",
                             json={"reviewer": "dr-a", "values": values})
            assert put.json()["review_state"] == "reviewed", put.text
        # a reader's model, so the session's other tests keep the site's default
        started = client.post(f"/v1/review/{job}/learn", json={"reader": "dr-a"})
        assert started.status_code == 202, started.text
        learn = _wait(client, started.json()["learn_id"])
    assert learn["state"] == "done", learn
    result = learn["result"]
    assert result["promoted"], result["reason"]
    assert result["after"]["report_accuracy"] > result["before"]["report_accuracy"]
    registry = AdapterRegistry(server.data_dir / "registry")
    assert registry.resolve("chest", "site", "dr-a").id == result["candidate"]  # type: ignore[union-attr]
    assert registry.resolve("chest", "site") is None


def test_reader_picks_their_learnt_impression_habits(server) -> None:
    """?reader=ID uses that reader's promoted habits; another reader gets the site's
    (none here); a malformed id is a 422."""
    from radlite.learn.cycle import learn
    from radlite.learn.data import LearnSet
    from radlite.learn.registry import AdapterRegistry

    closing = "Clinical correlation recommended."
    pairs = [("Heart size is enlarged. Small left pleural effusion.",
              f"1. Cardiomegaly.\n2. Small left effusion.\n3. {closing}"),
             ("Right lower lobe consolidation.", f"1. Right lower lobe pneumonia.\n2. {closing}")]
    data = LearnSet([f"p{i}" for i in range(50)], [pairs[i % 2][0] for i in range(50)],
                    [{"impression": pairs[i % 2][1]} for i in range(50)], ["impression"])
    result = learn("impression", data, registry=AdapterRegistry(server.data_dir / "registry"),
                   site="site", reader="dr-habits", options={})
    assert result.promoted, result.reason
    body = {"reports": [{"id": "x", "findings": "Small right pleural effusion."}]}
    with server.client() as client:
        mine = client.post("/v1/impress?reader=dr-habits", json=body)
        other = client.post("/v1/impress?reader=dr-other", json=body)
        bad = client.post("/v1/impress?reader=../etc", json=body)
    assert mine.status_code == 200, mine.text
    assert mine.json()["records"][0]["values"]["impression"].endswith(closing)
    assert not other.json()["records"][0]["values"]["impression"].endswith(closing)
    assert bad.status_code == 422


def test_served_model_uses_the_sites_promoted_adapter(tmp_path: Path) -> None:
    """A LoRA adapter promoted for the server's site is what its model backend loads; an
    adapter given when the server starts wins."""
    from radlite.learn.registry import AdapterRegistry
    from radlite.serve.runtime import Runtime

    settings = ServeSettings(token="t" * 24, data_dir=tmp_path, site="st-a",
                             backend_options={"threads": 2})
    runtime = Runtime(settings)
    assert runtime.backend_options("lirads") == {"threads": 2}
    source = tmp_path / "adapter"
    source.mkdir()
    (source / "adapter_config.json").write_text("{}", encoding="utf-8")
    registry = AdapterRegistry(settings.registry_dir)
    entry = registry.add(task="lirads", site="st-a", reader=None, kind="lora", source=source,
                         data_hash="d", metrics={})
    assert runtime.backend_options("lirads") == {"threads": 2}  # a candidate is not used
    registry.promote("lirads", "st-a", None, entry.version)
    assert runtime.backend_options("lirads") == {"threads": 2, "adapter": str(entry.path)}
    pinned = Runtime(ServeSettings(token="t" * 24, data_dir=tmp_path, site="st-a",
                                   backend_options={"adapter": "/mine"}))
    assert pinned.backend_options("lirads") == {"adapter": "/mine"}
