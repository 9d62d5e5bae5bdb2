"""Structured JSON errors: every error response is ``{"error": {"code", "message"}}``.

Messages never contain report text: validation errors keep the location and the
reason of each problem but drop the offending input value. The OpenAPI spec says so
too: every error response it lists has the :class:`~radlite.serve.models.ErrorResponse`
body (FastAPI's default ``{"detail": [...]}`` validation body is never sent), and every
operation that needs the token lists its 401.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from radlite.core.errors import BackendError, ConfigError, InputError, RadliteError
from radlite.serve.models import ErrorResponse

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_request", 501: "not_implemented",
    503: "unavailable",
}


class ApiError(Exception):
    """An error with an HTTP status, a stable machine code and a human message."""

    def __init__(self, status: int, code: str, message: str,
                 details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None
               ) -> dict[str, Any]:
    """The JSON body of an error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def error_response(status: int, code: str, message: str,
                   details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON error response (401 responses also carry ``WWW-Authenticate``; ``headers``
    adds others, e.g. ``Retry-After``)."""
    extra = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return JSONResponse(error_body(code, message, details), status_code=status,
                        headers={**extra, **(headers or {})} or None)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", ""),
             "type": err.get("type", "")} for err in exc.errors()]


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the JSON error shape, and make
    the OpenAPI spec document that shape."""
    _document_errors(app)

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", "the request does not match the schema",
                              _validation_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RadliteError)
    async def _radlite(_: Request, exc: RadliteError) -> JSONResponse:
        status = 400 if isinstance(exc, InputError | ConfigError) else 500
        if isinstance(exc, BackendError):
            status = 503
        code = {400: "bad_request", 503: "backend_error"}.get(status, "internal_error")
        return error_response(status, code, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected server error: %s", type(exc).__name__)
        return error_response(500, "internal_error", "unexpected server error")


_ERROR_REF = "#/components/schemas/ErrorResponse"
_FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")


def _document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe the error responses the handlers above send."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = error_shape_in_spec(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def error_shape_in_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every 4xx/5xx response's body set to the error shape, a 401 on
    every operation that needs the token, and FastAPI's validation-error schemas gone."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    shape = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(shape.pop("$defs", {}))
    schemas["ErrorResponse"] = shape
    body = {"application/json": {"schema": {"$ref": _ERROR_REF}}}
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if operation.get("security") and "401" not in responses:
                responses["401"] = {"description": "Missing or invalid bearer token"}
            for status, response in responses.items():
                if status[:1] in ("4", "5"):
                    response["content"] = dict(body)
    for name in _FASTAPI_ERRORS:
        schemas.pop(name, None)
    return spec
