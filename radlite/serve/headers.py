"""Security headers as a pure ASGI middleware.

A pure ASGI middleware (not Starlette's ``BaseHTTPMiddleware``) keeps the request's
``receive`` channel untouched, so an endpoint can still see the client leave
(``Request.is_disconnected``): the micro-batcher drops the work of a request whose
client has gone.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def security_headers(headers: MutableHeaders, path: str) -> None:
    """nosniff and no-referrer everywhere; no-store on the API; the CSP on pages."""
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if path.startswith("/v1/"):
        headers.setdefault("Cache-Control", "no-store")
    else:
        headers.setdefault("Content-Security-Policy", PAGE_CSP)


class SecurityHeaders:
    """Adds :func:`security_headers` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                security_headers(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)
