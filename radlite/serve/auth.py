"""Bearer-token authentication for the API (the page's static files are public).

Two layers: :class:`TokenGate`, an ASGI middleware, refuses a ``/v1`` request without the
token before anything reads its body (FastAPI parses a body before it runs dependencies,
so a body that does not parse would otherwise get 400/422 instead of 401);
:func:`require_token`, the routers' dependency, checks again and documents the bearer
scheme in the OpenAPI spec.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from radlite.serve.errors import ApiError, error_response

PUBLIC = ("/v1/health",)
MISSING = "missing bearer token (Authorization: Bearer ...)"
INVALID = "invalid bearer token"

_bearer = HTTPBearer(auto_error=False, description="The server's API token.")


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def require_token(request: Request, credentials: Credentials) -> None:
    """FastAPI dependency: pass when the server has no token or the bearer token matches.

    Raises:
        ApiError: 401 for a missing or wrong token.
    """
    expected: str | None = request.app.state.settings.token
    if expected is None:
        return
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", MISSING)
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", INVALID)


def token_problem(authorization: bytes | None, expected: str) -> str | None:
    """Why an ``Authorization`` header does not carry ``expected`` (None when it does)."""
    scheme, _, credentials = (authorization or b"").partition(b" ")
    if scheme.lower() != b"bearer" or not credentials.strip():
        return MISSING
    if not hmac.compare_digest(credentials.strip(), expected.encode()):
        return INVALID
    return None


class TokenGate:
    """Answer 401 to a ``/v1`` request (except :data:`PUBLIC`) without the server's token,
    before its body is read; the token is read from ``app.state.settings`` per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/v1/") and path not in PUBLIC:
            expected = scope["app"].state.settings.token
            headers = dict(scope.get("headers") or [])
            problem = None if expected is None else token_problem(
                headers.get(b"authorization"), expected)
            if problem is not None:
                await error_response(401, "unauthorized", problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)
