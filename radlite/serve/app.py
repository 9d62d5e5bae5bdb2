"""The FastAPI application: REST API under ``/v1`` and the review page at ``/``.

Key term: *settings* (:class:`~radlite.serve.settings.ServeSettings`) carry the token,
limits, backend and data folder; :func:`create_app` checks them and wires the parts:
auth, body-size limit, JSON errors, the lazily loaded runtime, jobs, learns and
comparisons.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from radlite import __version__
from radlite.serve import api_compare, api_jobs, api_learn, api_preferences, api_tasks
from radlite.serve.auth import TokenGate
from radlite.serve.compare import CompareSets
from radlite.serve.errors import install_error_handlers
from radlite.serve.headers import SecurityHeaders
from radlite.serve.jobs import JobManager
from radlite.serve.learning import LearnManager
from radlite.serve.limits import BodySizeLimit
from radlite.serve.runtime import Runtime
from radlite.serve.settings import ServeSettings

STATIC = Path(str(resources.files(__package__).joinpath("static")))
DESCRIPTION = """Extraction, drafting and review of radiology reports with local models.

Every `/v1` endpoint except `/v1/health` needs `Authorization: Bearer <token>`.
Errors are JSON: `{"error": {"code": ..., "message": ..., "details"?: [...]}}`.
"""


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
    app.router.on_shutdown.append(app.state.runtime.close)  # stop the micro-batchers
    app.state.jobs = JobManager(settings.data_dir, app.state.runtime)
    app.router.on_startup.append(app.state.jobs.resume)  # jobs a killed server left
    app.state.learns = LearnManager(app.state.jobs, settings)
    app.router.on_startup.append(app.state.learns.recover)  # learns a killed server left
    app.state.compare = CompareSets(settings.data_dir)
    install_error_handlers(app)
    app.include_router(api_tasks.router)
    app.include_router(api_jobs.router)
    app.include_router(api_preferences.router)
    app.include_router(api_learn.router)
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

    # The last one added runs first: security headers on every response (401 and 413 too),
    # then the token (none: 401 before any body is read), then the body-size limit.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(TokenGate)
    app.add_middleware(SecurityHeaders)
    return app
