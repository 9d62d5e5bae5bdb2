"""A real uvicorn server on loopback with the scripted backend, shared by the serve tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from radlite.backends.scripted import ScriptedBackend  # noqa: E402
from radlite.core.generation import GenerationRequest  # noqa: E402
from radlite.serve.settings import ServeSettings  # noqa: E402
from tests.serve.browser import CHROMIUM  # noqa: E402

TOKEN = "test-token-0123456789abcdef"
REPORT = "Cirrhotic liver. A 2.3 cm arterial enhancing nodule in S8 with washout."
ANSWER = ("size=23; seg=8; cld=1; tgt=0; ntg=0; tiv=0; aphe=1; wo=1; cap=0; grw=0; "
          "ben=0; mal=0")


def answer(request: GenerationRequest) -> str:
    """The scripted model: one fixed LI-RADS answer; 'garbage' reports get garbage."""
    text = request.messages[-1]["content"]
    return "no idea" if "garbage" in text else ANSWER


@dataclass
class Server:
    """A running server: its base URL, app and a client factory."""

    url: str
    app: Any
    data_dir: Path
    token: str = TOKEN
    report: str = REPORT

    def client(self, token: str | None = TOKEN, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0, **kwargs)

    def make_job(self, rows: list[tuple[str, str]], task: str = "lirads") -> str:
        """Upload ``(id, report)`` rows as a ``task`` job; wait until it is done."""
        return _make_job(self, rows, task)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(settings: ServeSettings) -> tuple[Any, threading.Thread, Any]:
    """Start uvicorn in a thread; returns (server, thread, app) once it accepts requests."""
    import uvicorn

    from radlite.serve.app import create_app

    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None,
                            log_level="info", access_log=True)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    return server, thread, app


def server_settings(data_dir: Path) -> ServeSettings:
    """The test servers' settings: a free loopback port, the token, small limits and the
    scripted model."""
    return ServeSettings(
        token=TOKEN, host="127.0.0.1", port=free_port(), max_report_chars=2_000,
        max_body_bytes=64_000, max_reports_per_request=8,
        backend=ScriptedBackend(responder=answer), data_dir=data_dir,
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The API on a free loopback port, token required, small limits for tests."""
    data_dir = tmp_path_factory.mktemp("serve-data")
    settings = server_settings(data_dir)
    uv, thread, app = start_server(settings)
    yield Server(f"http://127.0.0.1:{settings.port}", app, data_dir)
    uv.should_exit = True
    thread.join(10)


def _make_job(srv: Server, rows: list[tuple[str, str]], task: str = "lirads") -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "report"])
    writer.writerows(rows)
    with srv.client() as client:
        response = client.post("/v1/jobs", data={"task": task},
                               files={"file": ("in.csv", buffer.getvalue().encode(), "text/csv")})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        deadline = time.monotonic() + 30
        while (job := client.get(f"/v1/jobs/{job_id}").json())["state"] not in ("done",
                                                                                "failed"):
            assert time.monotonic() < deadline, "job did not finish"
            time.sleep(0.05)
    assert job["state"] == "done", job  # a job never fails as a whole on bad reports
    return job_id


@pytest.fixture
def launch() -> Any:
    """``launch(settings) -> (server, thread, app)`` with ``settings.port`` set to a free one."""

    def _launch(settings: ServeSettings) -> tuple[Any, threading.Thread, Any]:
        settings.port = free_port()
        return start_server(settings)

    return _launch


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (the browser tests skip without it)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()
