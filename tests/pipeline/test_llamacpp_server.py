"""openai_compat against a real ``python -m llama_cpp.server`` serving the embedded GGUF.

Opt-in (``@pytest.mark.server``): runs only when ``RADLITE_SERVER_TESTS=1``, because it
starts a model server (a few seconds and both CPU cores). It also needs
``llama-cpp-python[server]`` and the embedded model; without them it skips with the
reason. The always-on counterpart is ``tests/backends/test_openai_compat.py`` (a
stand-in HTTP server).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from radlite.backends.openai_compat import OpenAICompatBackend
from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from tests.pipeline.helpers import write_reports

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    if os.environ.get("RADLITE_SERVER_TESTS") != "1":
        pytest.skip("server test: set RADLITE_SERVER_TESTS=1 to start a llama.cpp server")
    pytest.importorskip("llama_cpp.server", reason="needs: pip install 'radlite[llamacpp]'")
    from radlite.backends.builtin import embedded_model_path

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path()),
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2",
         "--model_alias", "smollm2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/v1"
    backend = OpenAICompatBackend(base_url=url, model="smollm2", timeout=5)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                backend.health()
                break
            except Exception:  # noqa: BLE001 - not up yet
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama.cpp server did not start: {server.stderr.read()[-500:]}")
                time.sleep(0.5)
        yield url
    finally:
        backend.close()
        server.terminate()
        server.wait(timeout=10)


def test_extract_through_llama_cpp_server(llama_server: str, tmp_path: Path) -> None:
    source = write_reports(tmp_path / "in.csv", 4)
    backend = OpenAICompatBackend(base_url=llama_server, model="smollm2", timeout=120,
                                  concurrency=2)
    summary = extract("lirads", InputSpec(source), tmp_path / "out.csv", backend=backend,
                      options=RunOptions(progress=False, retries=0),
                      task_options={"template": "json-v1"})
    assert summary.done + summary.failed == 4
    assert summary.prompt_tokens > 0 and summary.completion_tokens > 0
    backend.close()
