"""``--executor ray`` on a local Ray runtime gives the same output as the local runner."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from radlite.backends.scripted import ScriptedBackend
from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from radlite.pipeline.store import JobStore
from tests.pipeline import helpers

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'radlite[ray]'")
OPTIONS = RunOptions(progress=False, batch_size=4)


@pytest.fixture(scope="module")
def local_ray():
    import cloudpickle

    cloudpickle.register_pickle_by_value(helpers)  # workers need not import tests/
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_executor_matches_local_and_resumes(tmp_path: Path, local_ray: None) -> None:
    source = helpers.write_reports(tmp_path / "in.csv", 40)
    local_out, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    extract("lirads", InputSpec(source), local_out, fmt="jsonl",
            backend=ScriptedBackend(responder=helpers.lirads_answer), options=OPTIONS)
    # a previous (interrupted) run left 10 finished reports in the job store
    partial = tmp_path / "partial.jsonl"
    backend = ScriptedBackend(responder=helpers.lirads_answer)
    extract("lirads", InputSpec(helpers.write_reports(tmp_path / "first10.csv", 10)), partial,
            fmt="jsonl", backend=backend, options=OPTIONS)
    with JobStore(partial.with_name("partial.jsonl.job.sqlite")) as done:
        first = list(done.records())
    with JobStore(ray_out.with_name("ray.jsonl.job.sqlite"), None) as store:
        store.put(enumerate(first))

    summary = extract("lirads", InputSpec(source), ray_out, fmt="jsonl", backend=backend,
                      options=OPTIONS, executor="ray",
                      executor_options={"workers": 2, "num_cpus": 0.5})
    assert summary.skipped == 10 and summary.done == 30 and summary.failed == 0
    assert ray_out.read_bytes() == local_out.read_bytes()


def test_ray_executor_runs_batched_tasks(tmp_path: Path, local_ray: None) -> None:
    from radlite.synth import generate

    source = tmp_path / "abdct.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("id", "report")] + [
            (r["id"], r["report"]) for r in generate("abdct", 20, 7)])
    local_out, ray_out = tmp_path / "abdct_local.jsonl", tmp_path / "abdct_ray.jsonl"
    extract("abdct", InputSpec(source), local_out, fmt="jsonl", options=OPTIONS)
    summary = extract("abdct", InputSpec(source), ray_out, fmt="jsonl", options=OPTIONS,
                      executor="ray", executor_options={"workers": 1, "num_cpus": 0.5})
    assert summary.done == 20 and summary.failed == 0
    assert ray_out.read_bytes() == local_out.read_bytes()
