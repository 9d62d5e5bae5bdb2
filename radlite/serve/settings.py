"""Server settings and the start-up checks that keep an open server from starting.

Key term: *local-only mode*: no token at all, which is allowed only when the server is
bound to a loopback address and the operator asked for it explicitly.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radlite.core.decoding import Decoding
from radlite.core.errors import ConfigError

TOKEN_ENV = "RADLITE_API_TOKEN"
TOKEN_FILE_ENV = "RADLITE_API_TOKEN_FILE"
MIN_TOKEN_CHARS = 16
SITE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass
class ServeSettings:
    """Everything :func:`radlite.serve.app.create_app` needs.

    Attributes:
        token: bearer token every API call must send (None only in local-only mode).
        host: address the server binds to.
        port: TCP port.
        local_only: run without a token; refused unless ``host`` is loopback.
        max_report_chars: longest report text accepted (longer -> 413).
        max_body_bytes: largest request body accepted (larger -> 413).
        max_reports_per_request: most reports in one synchronous extract call.
        backend_name: backend to load lazily (``builtin``, ``openai_compat``, ...).
        backend_options: keyword options for that backend.
        decoding: decoding controls applied to every request of the loaded backends.
        backend: an already-loaded Backend object (tests inject the scripted backend);
            when set, it is used for every task instead of ``backend_name``.
        data_dir: folder of the jobs, their review databases and comparison sets.
        batch_wait_ms: longest wait of a model request for others to share its batch.
        max_batch: most reports in one model batch (requests and jobs alike).
        max_queue: most reports waiting for a model; more are refused (503, Retry-After).
        request_timeout_s: a model request that has no records by then is cancelled (504).
        registry: the model registry that learn jobs write candidates to and promote in
            (None: ``<data_dir>/registry``).
        site: the site id learn jobs register their models under.
    """

    token: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    local_only: bool = False
    max_report_chars: int = 20_000
    max_body_bytes: int = 10 * 1024 * 1024
    max_reports_per_request: int = 64
    backend_name: str = "builtin"
    backend_options: dict[str, Any] = field(default_factory=dict)
    decoding: Decoding = field(default_factory=Decoding)
    backend: Any = None
    data_dir: Path = Path("radlite-serve-data")
    batch_wait_ms: float = 50.0
    max_batch: int = 16
    max_queue: int = 256
    request_timeout_s: float = 300.0
    registry: Path | None = None
    site: str = "site"

    @property
    def registry_dir(self) -> Path:
        """The model registry folder (``registry``, else ``<data_dir>/registry``)."""
        return Path(self.registry) if self.registry is not None else Path(self.data_dir) / "registry"

    def check(self) -> None:
        """Refuse impossible or unsafe settings before the server starts.

        Raises:
            ConfigError: no token outside local-only mode, local-only on a non-loopback
                address, a too-short token, non-positive limits, or a site id that is
                not a plain name.
        """
        if self.token is None and not self.local_only:
            raise ConfigError(
                f"no API token: set {TOKEN_ENV} or {TOKEN_FILE_ENV} (or --token-file), "
                "or run with --local-only bound to 127.0.0.1"
            )
        if self.local_only and not is_loopback(self.host):
            raise ConfigError(
                f"--local-only serves without authentication and must bind to a loopback "
                f"address (127.0.0.1, ::1, localhost), not {self.host!r}"
            )
        if self.token is not None and len(self.token) < MIN_TOKEN_CHARS:
            raise ConfigError(f"the API token must have at least {MIN_TOKEN_CHARS} characters")
        if self.batch_wait_ms < 0:
            raise ConfigError("batch_wait_ms must not be negative")
        for name in ("max_report_chars", "max_body_bytes", "max_reports_per_request",
                     "max_batch", "max_queue", "request_timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")
        if not SITE_ID.match(self.site or "") or self.site in (".", ".."):
            raise ConfigError(f"site must be 1-64 letters, digits, '.', '_' or '-', "
                              f"got {self.site!r}")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_token(token_file: str | os.PathLike[str] | None = None,
               environ: dict[str, str] | None = None) -> str | None:
    """The API token: from ``token_file``, else ``$RADLITE_API_TOKEN_FILE``, else
    ``$RADLITE_API_TOKEN``; None when none is set.

    Raises:
        ConfigError: the token file is missing or empty.
    """
    env = os.environ if environ is None else environ
    path = token_file or env.get(TOKEN_FILE_ENV)
    if path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the token file {path}: {exc.strerror}") from exc
        if not token:
            raise ConfigError(f"the token file {path} is empty")
        return token
    token = env.get(TOKEN_ENV, "").strip()
    return token or None
