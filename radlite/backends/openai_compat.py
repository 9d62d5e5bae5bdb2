"""One backend for every OpenAI-compatible server: vLLM, llama.cpp's server, Ollama.

Report text must not leave the site by accident, so only loopback hosts are contacted
unless the user names the remote host explicitly in ``allow_hosts``. Requests time out
and are retried a bounded number of times; several requests run in parallel threads.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

import httpx

from radlite.backends.base import Backend, Capabilities
from radlite.core.errors import BackendError, ConfigError
from radlite.core.generation import GenerationRequest, GenerationResult

log = logging.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(base_url: str, allow_hosts: Sequence[str] = ()) -> str:
    """Return the host of ``base_url`` if radlite may send report text there.

    Raises:
        ConfigError: the URL is malformed, or names a non-loopback host that is not in
            ``allow_hosts``.
    """
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"base_url must look like http://host:port/v1, got {base_url!r}")
    host = parsed.hostname
    if not _is_loopback(host) and host not in set(allow_hosts):
        raise ConfigError(
            f"refusing to send reports to {host}: only loopback hosts are allowed unless you "
            f"pass --allow-host {host} (report text would leave this machine)"
        )
    return host


class OpenAICompatBackend(Backend):
    """Chat completions against an OpenAI-compatible server.

    Args:
        base_url: e.g. ``http://127.0.0.1:8000/v1``.
        model: the served model name.
        api_key: bearer token; ``api_key_env`` names an environment variable instead.
        allow_hosts: remote host names the user explicitly allows.
        timeout: seconds per request.
        retries: extra attempts after a timeout, connection error or 5xx.
        concurrency: requests in flight at once.
        json_schema_mode: ``response_format`` (OpenAI/vLLM/llama.cpp), ``none``.
    """

    name = "openai_compat"

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8080/v1",
        model: str = "default",
        api_key: str | None = None,
        api_key_env: str | None = None,
        allow_hosts: Sequence[str] = (),
        timeout: float = 60.0,
        retries: int = 2,
        concurrency: int = 4,
        json_schema_mode: str = "response_format",
    ) -> None:
        check_host(base_url, allow_hosts)
        if api_key_env:
            api_key = os.environ.get(api_key_env)
            if not api_key:
                raise ConfigError(f"environment variable {api_key_env} is not set")
        self.base_url = base_url.rstrip("/")
        self._model = model
        self.retries = max(0, int(retries))
        self.json_schema_mode = json_schema_mode
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)
        self.capabilities = Capabilities(
            json_schema=json_schema_mode != "none", parallel=True,
            max_batch_size=max(1, int(concurrency)),
            decoding=frozenset({"temperature", "max_new_tokens", "top_p", "top_k",
                                "repetition_penalty"}),
        )
        self._pool = ThreadPoolExecutor(max_workers=max(1, int(concurrency)))

    @property
    def model_id(self) -> str:
        return f"openai_compat:{self._model}"

    def _payload(self, request: GenerationRequest) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self._model,
            "messages": list(request.messages),
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
        }
        if request.seed is not None:
            payload["seed"] = request.seed
        # top_k and repetition_penalty are extensions that vLLM and llama.cpp's server read
        for name in ("top_p", "top_k", "repetition_penalty"):
            if getattr(request, name) is not None:
                payload[name] = getattr(request, name)
        if request.json_schema and self.json_schema_mode == "response_format":
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": request.json_schema, "strict": True},
            }
        return payload

    def _post(self, request: GenerationRequest) -> GenerationResult:
        last_error = "no attempt made"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(2.0, 0.25 * 2**attempt))
            try:
                response = self.client.post(
                    f"{self.base_url}/chat/completions", json=self._payload(request)
                )
            except httpx.TimeoutException:
                last_error = f"server timed out after {self.client.timeout.read}s"
                continue
            except httpx.HTTPError as exc:
                last_error = f"connection error: {type(exc).__name__}"
                continue
            if response.status_code >= 500 or response.status_code == 429:
                last_error = f"server answered HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                return GenerationResult(
                    error=f"server refused the request: HTTP {response.status_code}",
                    key=request.key,
                )
            return self._parse(response, request)
        return GenerationResult(
            error=f"{last_error} ({self.retries + 1} attempts)", key=request.key
        )

    @staticmethod
    def _parse(response: httpx.Response, request: GenerationRequest) -> GenerationResult:
        try:
            body = response.json()
            choice = body["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            return GenerationResult(error="server sent a malformed response", key=request.key)
        usage = body.get("usage") or {}
        return GenerationResult(
            text=text.strip(), key=request.key,
            finish_reason=choice.get("finish_reason") or "stop",
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        return list(self._pool.map(self._post, requests))

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self.client.close()

    def health(self) -> None:
        """Check the server answers ``GET /models``.

        Raises:
            BackendError: it does not.
        """
        try:
            self.client.get(f"{self.base_url}/models").raise_for_status()
        except httpx.HTTPError as exc:
            raise BackendError(f"server at {self.base_url} is not answering: {exc}") from exc
