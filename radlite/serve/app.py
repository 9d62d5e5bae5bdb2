"""The FastAPI application: REST API under ``/v1`` and the review page at ``/``.

Key term: *settings* (:class:`~radlite.serve.settings.ServeSettings`) carry the token,
limits, backend and data folder; :func:`create_app` checks them and wires the parts:
auth, body-size limit, JSON errors, the lazily loaded runtime, jobs and comparisons.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from radlite import __version__
from radlite.serve import api_compare, api_jobs, api_tasks
from radlite.serve.compare import CompareSets
from radlite.serve.errors import install_error_handlers
from radlite.serve.jobs import JobManager
from radlite.serve.limits import BodySizeLimit
from radlite.serve.runtime import Runtime
from radlite.serve.settings import ServeSettings

STATIC = Path(str(resources.files(__package__).joinpath("static")))
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
DESCRIPTION = """Extraction, drafting and review of radiology reports with local models.

Every `/v1` endpoint except `/v1/health` needs `Authorization: Bearer <token>`.
Errors are JSON: `{"error": {"code": ..., "message": ..., "details"?: [...]}}`.
"""


def _security_headers(response: Response, path: str) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if path.startswith("/v1/"):
        response.headers.setdefault("Cache-Control", "no-store")
    else:
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)


def create_app(settings: ServeSettings) -> FastAPI:
    """Build the application.

    Args:
        settings: token, limits, backend and data folder; checked first.

    Raises:
        ConfigError: unsafe or impossible settings (see :meth:`ServeSettings.check`).
    """
    settings.check()
    app = FastAPI(title="radlite", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.runtime = Runtime(settings)
    app.state.jobs = JobManager(settings.data_dir, app.state.runtime)
    app.state.compare = CompareSets(settings.data_dir)
    install_error_handlers(app)
    app.include_router(api_tasks.router)
    app.include_router(api_jobs.router)
    app.include_router(api_compare.router)

    @app.get("/v1/health", tags=["meta"], summary="Liveness and whether a token is needed")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "auth": settings.token is not None}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/review/")

    @app.get("/review/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        _security_headers(response, request.url.path)
        return response

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
