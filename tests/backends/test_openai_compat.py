"""openai_compat against a real HTTP server on loopback (a small stand-in server)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from radlite.backends.openai_compat import OpenAICompatBackend, check_host
from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest


class _Handler(BaseHTTPRequestHandler):
    plan: list[str] = []
    bodies: list[dict] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        length = int(self.headers["Content-Length"])
        _Handler.bodies.append(json.loads(self.rfile.read(length)))
        action = _Handler.plan.pop(0) if _Handler.plan else "ok"
        if action == "sleep":
            time.sleep(1.0)
        if action == "500":
            self.send_response(500)
            self.end_headers()
            return
        body = b"not json" if action == "garbage" else json.dumps({
            "choices": [{"message": {"content": " hello "}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (timeout test)
            self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.plan, _Handler.bodies = [], []
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


REQUEST = GenerationRequest(messages=({"role": "user", "content": "hi"},), max_new_tokens=5,
                            json_schema={"type": "object"}, key="r1")


def test_remote_hosts_are_refused_unless_allowed() -> None:
    with pytest.raises(ConfigError, match="refusing to send reports to api.example.com"):
        OpenAICompatBackend(base_url="https://api.example.com/v1")
    assert check_host("https://gpu01.hospital.local/v1", ["gpu01.hospital.local"])
    assert check_host("http://[::1]:8000/v1") == "::1"
    with pytest.raises(ConfigError, match="base_url must look like"):
        check_host("localhost:8000")


def test_completion_and_response_format(server: str) -> None:
    backend = OpenAICompatBackend(base_url=server, model="m")
    (result,) = backend.generate([REQUEST])
    assert result.ok and result.text == "hello" and result.key == "r1"
    sent = _Handler.bodies[0]
    assert sent["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert sent["model"] == "m"


def test_5xx_is_retried_within_bound(server: str) -> None:
    _Handler.plan = ["500", "ok"]
    backend = OpenAICompatBackend(base_url=server, retries=1)
    assert backend.generate([REQUEST])[0].ok
    _Handler.plan = ["500", "500"]
    (result,) = backend.generate([REQUEST])
    assert result.error == "server answered HTTP 500 (2 attempts)"


def test_timeout_and_garbage_are_errors_not_crashes(server: str) -> None:
    _Handler.plan = ["sleep"]
    backend = OpenAICompatBackend(base_url=server, timeout=0.2, retries=0)
    (result,) = backend.generate([REQUEST])
    assert result.error is not None and "timed out" in result.error
    _Handler.plan = ["garbage"]
    (result,) = backend.generate([REQUEST])
    assert result.error == "server sent a malformed response"
