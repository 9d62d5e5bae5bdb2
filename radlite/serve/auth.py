"""Bearer-token authentication for the API (the page's static files are public)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from radlite.serve.errors import ApiError

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
        raise ApiError(401, "unauthorized", "missing bearer token (Authorization: Bearer ...)")
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "invalid bearer token")
