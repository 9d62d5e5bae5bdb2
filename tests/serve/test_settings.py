"""Start-up checks: no token, no start (unless local-only on loopback); token sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from radlite.core.errors import ConfigError
from radlite.serve.settings import ServeSettings, is_loopback, load_token


def test_no_token_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match="no API token"):
        ServeSettings().check()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "example.org", "::"])
def test_local_only_must_bind_loopback(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        ServeSettings(local_only=True, host=host).check()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_local_only_on_loopback_is_allowed(host: str) -> None:
    assert is_loopback(host)
    ServeSettings(local_only=True, host=host).check()


def test_short_token_and_bad_limits() -> None:
    with pytest.raises(ConfigError, match="at least"):
        ServeSettings(token="short").check()
    with pytest.raises(ConfigError, match="positive"):
        ServeSettings(token="x" * 20, max_body_bytes=0).check()


def test_token_sources(tmp_path: Path) -> None:
    file = tmp_path / "token"
    file.write_text("from-file-0123456789\n", encoding="utf-8")
    assert load_token(file, environ={}) == "from-file-0123456789"
    assert load_token(None, environ={"RADLITE_API_TOKEN_FILE": str(file)}) == \
        "from-file-0123456789"
    assert load_token(None, environ={"RADLITE_API_TOKEN": " env-token "}) == "env-token"
    assert load_token(None, environ={}) is None
    with pytest.raises(ConfigError, match="cannot read"):
        load_token(tmp_path / "missing", environ={})


def test_local_only_server_needs_no_token(tmp_path: Path, launch) -> None:
    httpx = pytest.importorskip("httpx")
    from radlite.backends.scripted import ScriptedBackend

    settings = ServeSettings(local_only=True, data_dir=tmp_path, backend=ScriptedBackend())
    server, thread, _ = launch(settings)
    try:
        url = f"http://127.0.0.1:{settings.port}"
        assert httpx.get(url + "/v1/health").json()["auth"] is False
        assert httpx.get(url + "/v1/jobs").status_code == 200
    finally:
        server.should_exit = True
        thread.join(10)
