"""Cross-request micro-batching: unit behaviour of the batcher, then a real server."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from radlite.core.types import Record, Report
from radlite.serve.batcher import Busy, MicroBatcher
from radlite.serve.model_thread import ModelThread


class Recorder:
    """A ``run`` that records the batches it gets and echoes each report's text."""

    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None) -> None:
        self.batches: list[list[str]] = []
        self.delay, self.gate = delay, gate

    def __call__(self, reports: list[Report]) -> list[Record]:
        if self.gate is not None:
            self.gate.wait(5)
        time.sleep(self.delay)
        self.batches.append([r.text for r in reports])
        return [Record(id=r.id, task="t", status="ok", values={"text": r.text}) for r in reports]


def test_concurrent_tickets_share_a_batch_and_get_their_own_records() -> None:
    run = Recorder()
    batcher = MicroBatcher(run, max_wait_s=0.2, max_batch=8)
    tickets = [batcher.submit([Report("same-id", f"text {i}")]) for i in range(5)]
    results = [t.future.result(5) for t in tickets]
    assert [[(r.id, r.values["text"]) for r in res] for res in results] == [
        [("same-id", f"text {i}")] for i in range(5)]
    assert run.batches == [[f"text {i}" for i in range(5)]]
    batcher.close()


def test_max_batch_splits_between_tickets_never_inside_one() -> None:
    run = Recorder()
    batcher = MicroBatcher(run, max_wait_s=0.2, max_batch=3)
    a = batcher.submit([Report("a1", "a1"), Report("a2", "a2")])
    b = batcher.submit([Report("b1", "b1"), Report("b2", "b2")])
    assert [r.id for r in a.future.result(5)] == ["a1", "a2"]
    assert [r.id for r in b.future.result(5)] == ["b1", "b2"]
    assert run.batches == [["a1", "a2"], ["b1", "b2"]]
    batcher.close()


def test_closed_loop_clients_split_into_groups_meet_again() -> None:
    """Clients that resend as soon as they are answered start as two groups (the second
    arrives while the first group's batch runs); the wait counted from when the model
    comes free lets them share one batch again instead of alternating for ever."""
    run = Recorder(delay=0.15)
    batcher = MicroBatcher(run, max_wait_s=0.02, max_batch=8)
    stop = threading.Event()

    def client(number: int) -> None:
        while not stop.is_set():
            batcher.submit([Report(f"c{number}", f"c{number}")]).future.result(5)

    with ThreadPoolExecutor(8) as pool:
        for number in range(4):
            pool.submit(client, number)
        time.sleep(0.07)  # the first batch of 4 is running when the others arrive
        for number in range(4, 8):
            pool.submit(client, number)
        deadline = time.monotonic() + 5
        while len(run.batches) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
    sizes = [len(b) for b in run.batches]
    assert sizes[0] == 4               # the split ...
    assert sizes[1:5] == [8, 8, 8, 8]  # ... is healed at the next batch (was 4, 4, ...)
    batcher.close()


def test_full_queue_is_refused_and_cancelled_tickets_cost_nothing() -> None:
    gate = threading.Event()
    run = Recorder(gate=gate)
    batcher = MicroBatcher(run, max_wait_s=0.0, max_batch=1, max_queue=2)
    first = batcher.submit([Report("r0", "in flight")])
    time.sleep(0.1)  # the worker holds "in flight" at the gate
    queued = batcher.submit([Report("r1", "queued")])
    batcher.submit([Report("r2", "kept")])
    with pytest.raises(Busy) as refused:
        batcher.submit([Report("r3", "too many")])
    assert refused.value.retry_after >= 1
    batcher.cancel(queued)
    gate.set()
    assert first.future.result(5)[0].values["text"] == "in flight"
    deadline = time.monotonic() + 5
    while len(run.batches) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert run.batches == [["in flight"], ["kept"]]
    assert queued.future.cancelled()
    batcher.close()


def test_a_failing_batch_fails_its_requests_only() -> None:
    def run(reports: list[Report]) -> list[Record]:
        raise RuntimeError("model crashed")

    batcher = MicroBatcher(run, max_wait_s=0.0)
    ticket = batcher.submit([Report("x", "x")])
    with pytest.raises(RuntimeError):
        ticket.future.result(5)
    batcher.close()


def test_model_thread_runs_calls_in_arrival_order_on_one_thread() -> None:
    thread, order, idents = ModelThread(), [], set()
    gate = threading.Event()
    blocker = threading.Thread(target=thread.call, args=(gate.wait, 5))
    blocker.start()
    time.sleep(0.05)  # the model thread is busy: the calls below queue

    def call(i: int) -> None:
        thread.call(lambda: (order.append(i), idents.add(threading.get_ident())))

    callers = []
    for i in range(5):
        callers.append(threading.Thread(target=call, args=(i,)))
        callers[-1].start()
        time.sleep(0.05)
    gate.set()
    for caller in [blocker, *callers]:
        caller.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert len(idents) == 1 and threading.get_ident() not in idents
    assert thread.call(thread.call, int, "7") == 7  # a nested call runs in place
    thread.close()


class SlowScripted:
    """A scripted LI-RADS model that takes ``delay`` s per call and records batch sizes."""

    def __new__(cls, delay: float = 0.2) -> Any:
        from radlite.backends.scripted import ScriptedBackend

        answer = ("size=23; seg=8; cld=1; tgt=0; ntg=0; tiv=0; aphe=1; wo=1; cap=0; grw=0; "
                  "ben=0; mal=0")

        class _Backend(ScriptedBackend):
            sizes: list[int] = []

            def generate(self, requests: Any) -> Any:
                type(self).sizes.append(len(requests))
                time.sleep(delay)
                return super().generate(requests)

        return _Backend(responder=lambda _request: answer)


TOKEN = "batching-token-0123456789"


def _server(launch: Any, tmp_path: Any, delay: float = 0.2, **limits: Any
            ) -> tuple[Any, str, Any]:
    from radlite.serve.settings import ServeSettings

    backend = SlowScripted(delay)
    settings = ServeSettings(token=TOKEN, host="127.0.0.1", backend=backend,
                             data_dir=tmp_path, **limits)
    uv, thread, _app = launch(settings)
    return uv, f"http://127.0.0.1:{settings.port}", backend


def _post(url: str, rid: str, timeout: float = 30) -> Any:
    import httpx

    body = {"reports": [{"id": rid, "text": f"Cirrhotic liver. Report {rid}: 2.3 cm "
                                           "arterially enhancing nodule in S8 with washout."}]}
    return httpx.post(f"{url}/v1/extract/lirads", json=body, timeout=timeout,
                      headers={"Authorization": f"Bearer {TOKEN}"})


def test_real_server_batches_concurrent_single_report_requests(launch: Any, tmp_path: Any
                                                               ) -> None:
    uv, url, backend = _server(launch, tmp_path, batch_wait_ms=100, max_batch=8)
    try:
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda i: _post(url, f"r{i}"), range(8)))
        assert [r.status_code for r in responses] == [200] * 8
        for i, response in enumerate(responses):
            (record,) = response.json()["records"]
            assert record["id"] == f"r{i}" and record["status"] == "ok"
        assert max(type(backend).sizes) > 1, type(backend).sizes  # requests shared calls
        assert sum(type(backend).sizes) >= 8
    finally:
        uv.should_exit = True


def test_real_server_full_queue_answers_503_with_retry_after(launch: Any, tmp_path: Any
                                                             ) -> None:
    uv, url, _backend = _server(launch, tmp_path, batch_wait_ms=0, max_batch=1, max_queue=1)
    try:
        with ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(lambda i: _post(url, f"r{i}"), range(6)))
        codes = sorted(r.status_code for r in responses)
        assert 200 in codes and 503 in codes, codes
        busy = next(r for r in responses if r.status_code == 503)
        assert int(busy.headers["Retry-After"]) >= 1
        assert busy.json()["error"]["code"] == "busy"
    finally:
        uv.should_exit = True


def test_a_client_that_leaves_costs_no_model_work(launch: Any, tmp_path: Any) -> None:
    import httpx

    uv, url, backend = _server(launch, tmp_path, delay=1.0, batch_wait_ms=0, max_batch=1)
    try:
        with ThreadPoolExecutor(3) as pool:
            first = pool.submit(_post, url, "first")
            time.sleep(0.3)  # "first" holds the model for 1 s
            leaver = pool.submit(_post, url, "leaver", 0.2)
            time.sleep(0.3)
            last = pool.submit(_post, url, "last")
            assert first.result().status_code == 200
            with pytest.raises(httpx.TimeoutException):
                leaver.result()
            assert last.result().status_code == 200
        assert type(backend).sizes == [1, 1], type(backend).sizes  # "leaver" never ran
    finally:
        uv.should_exit = True
