"""Property-based fuzzing of the REST API from its own OpenAPI spec (schemathesis).

A real uvicorn server on loopback (scripted backend, token required, small limits, its
own data folder) is seeded with one finished job and one comparison set; schemathesis
reads the spec that server serves at ``/openapi.json`` (built at collection time, when the
operations become test items; the fixture checks that the server serves exactly it) and
sends generated requests (valid and invalid ones) to every operation over HTTP. Every
response must:

- not be a server error (5xx): ``not_a_server_error``;
- if it is an error (4xx/5xx), be the documented JSON error shape
  ``{"error": {"code": str, "message": str, "details"?: [...]}}``;
- match the response schema where the spec declares one.

Path parameters are sometimes swapped for the seeded job, report, set and item ids (and
the ``lirads`` task) so that the fuzzer reaches past the 404s. Without a token, every
``/v1`` operation but ``/v1/health`` must answer 401 in the error shape.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from radlite.backends.scripted import ScriptedBackend  # noqa: E402
from radlite.serve.settings import ServeSettings  # noqa: E402
from tests.serve.conftest import (  # noqa: E402
    REPORT,
    TOKEN,
    Server,
    _make_job,
    answer,
    server_settings,
    start_server,
)

# Per operation: a handful of explicit/coverage cases plus this many generated ones
# (RADLITE_FUZZ_EXAMPLES=500 for a deeper run; RADLITE_FUZZ_RANDOM=1 for new cases on each
# run instead of the same ones, reproducible with pytest's --hypothesis-seed).
MAX_EXAMPLES = int(os.environ.get("RADLITE_FUZZ_EXAMPLES", "30"))
RANDOM = os.environ.get("RADLITE_FUZZ_RANDOM") == "1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES, derandomize=not RANDOM, deadline=None, database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure prints its case
    suppress_health_check=list(HealthCheck), print_blob=False,
)


def _served_spec() -> dict[str, Any]:
    """The spec ``/openapi.json`` serves (built at collection time; the fixture compares)."""
    from radlite.serve.app import create_app

    with tempfile.TemporaryDirectory() as scratch:
        serve = ServeSettings(token=TOKEN, backend=ScriptedBackend(responder=answer),
                              data_dir=Path(scratch))
        return create_app(serve).openapi()


SPEC = _served_spec()
KNOWN: dict[str, str] = {}  # path parameter -> a seeded id (filled by the fixture)
schema = schemathesis.openapi.from_dict(SPEC)
# The token is sent by the tests themselves (or not at all), never generated.
schema.config.generation.update(with_security_parameters=False)


@schema.hook
def flatmap_path_parameters(_: Any, path_parameters: dict[str, Any]) -> Any:
    """Half of the generated cases use the seeded ids for their path parameters."""
    seeded = {k: KNOWN.get(k, v) for k, v in (path_parameters or {}).items()}
    if not path_parameters or seeded == path_parameters:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, seeded])


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own (fuzzed writes stay out of the shared one), seeded with data;
    yields its base URL."""
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    serve = server_settings(data_dir)
    uv, thread, app = start_server(serve)
    srv = Server(f"http://127.0.0.1:{serve.port}", app, data_dir)
    job_id = _make_job(srv, [("r1", REPORT), ("r2", "garbage")])
    with srv.client() as client:
        assert client.get("/openapi.json").json() == SPEC, "the fuzzed spec is not the served one"
        created = client.post("/v1/compare", json={
            "name": "fuzz", "items": [{"id": "i1", "context": "c",
                                       "texts": {"generated": "g", "reference": "r"}}]})
        assert created.status_code == 201, created.text
    KNOWN.update(task="lirads", job_id=job_id, report_id="r1", set_id=created.json()["id"],
                 item_id="i1")
    yield srv.url
    KNOWN.clear()
    uv.should_exit = True
    thread.join(10)


def check_error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx body is ``{"error": {"code": str, "message": str, "details"?: list}}``."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} with content-type {content_type!r}: {response.text[:200]!r}")
    body = json.loads(response.text)
    assert isinstance(body, dict) and set(body) == {"error"}, f"not the error shape: {body!r}"
    error = body["error"]
    assert isinstance(error, dict), f"not the error shape: {body!r}"
    assert set(error) <= {"code", "message", "details"}, f"unexpected keys: {body!r}"
    assert isinstance(error.get("code"), str) and error["code"], f"no code: {body!r}"
    assert isinstance(error.get("message"), str), f"no message: {body!r}"
    assert isinstance(error.get("details", []), list), f"details is no list: {body!r}"
    return True


def check_unauthorized(ctx: Any, response: Any, case: Any) -> bool | None:
    """Without a token: 401 (with ``WWW-Authenticate: Bearer``), except ``/v1/health``.
    Only what runs before authentication may answer first: routing (404 "Not Found" for a
    path no route matches, e.g. a newline in an id; 405 for a method a path lacks), the
    body-size limit (413)."""
    if case.operation.path == "/v1/health":
        return None
    allowed = {401, 405, 413}
    if response.status_code == 404:  # the router's own 404, never a handler's
        assert json.loads(response.text)["error"]["message"] == "Not Found", response.text
        return True
    assert response.status_code in allowed, (
        f"{response.status_code} without a token: {response.text[:200]!r}")
    if response.status_code == 401:
        assert response.headers.get("www-authenticate") == ["Bearer"], response.headers
        assert json.loads(response.text)["error"]["code"] == "unauthorized"
    return True


CHECKS = [not_a_server_error, check_error_shape, response_schema_conformance]
UNAUTHORIZED = [not_a_server_error, check_error_shape, check_unauthorized]


# "auth" also gives each item a node id of its own: under pytest 9.2 schemathesis'
# items are otherwise all named plain "test_api_fuzz" (the "[METHOD /path]" part is lost).
@pytest.mark.parametrize("auth", ["token", "no-token"])
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_fuzz(case: Any, auth: str, fuzz_server: str) -> None:
    """Generated requests, with the token: no 5xx, errors in the error shape, bodies that
    match the spec; without it: 401 in the error shape (``/v1/health`` answers anyway)."""
    if auth == "token":
        case.call_and_validate(base_url=fuzz_server, headers=AUTH, checks=CHECKS, timeout=30)
    else:
        case.call_and_validate(base_url=fuzz_server, checks=UNAUTHORIZED, timeout=30)


WITH_BODY = [(method.upper(), path) for path, operations in SPEC["paths"].items()
             for method, operation in operations.items() if "requestBody" in operation]


@pytest.mark.parametrize(("method", "path"), WITH_BODY, ids=[f"{m} {p}" for m, p in WITH_BODY])
def test_unparsable_body_without_token_is_401(fuzz_server: str, method: str, path: str) -> None:
    """The fuzzer's find (fixed by auth.TokenGate): no token and a body that does not
    parse -> 401, before anything reads the body."""
    multipart = "multipart/form-data" in SPEC["paths"][path][method.lower()]["requestBody"][
        "content"]
    headers = {"Content-Type": "multipart/form-data" if multipart else "application/json"}
    response = httpx.request(method, fuzz_server + path, headers=headers, content=b"\x00",
                             timeout=30)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
