"""``radlite serve``: the REST API and the review page in one local process."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import click

from radlite.cli.extract import backend_options, build_backend_spec
from radlite.core.errors import ConfigError


def _settings(params: dict[str, Any]) -> Any:
    from radlite.serve.settings import ServeSettings, load_token

    token = load_token(params.pop("token_file"))
    spec = build_backend_spec(params)
    return ServeSettings(
        token=token, host=params["host"], port=params["port"], local_only=params["local_only"],
        max_report_chars=params["max_report_chars"], max_body_bytes=params["max_body_bytes"],
        backend_name=spec.name, backend_options=spec.options, decoding=spec.decoding,
        data_dir=params["data_dir"], batch_wait_ms=params["batch_wait_ms"],
        max_batch=params["max_batch"], max_queue=params["max_queue"],
        request_timeout_s=params["request_timeout"], registry=params["registry"],
        site=params["site"],
    )


def _import_jobs(app: Any, imports: tuple[str, ...], id_col: str, text_col: str) -> None:
    for item in imports:
        store, sep, reports = item.partition("=")
        if not sep:
            raise ConfigError(f"--import-job expects JOBSTORE=REPORTS, got {item!r}")
        info = app.state.jobs.import_store(Path(store), Path(reports), id_col, text_col)
        click.echo(f"radlite serve: imported {store} as job {info['id']}", err=True)


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--token-file", type=click.Path(path_type=Path), default=None,
              help="File holding the API token (else $RADLITE_API_TOKEN_FILE or "
                   "$RADLITE_API_TOKEN).")
@click.option("--local-only", is_flag=True,
              help="Run without a token; only allowed on a loopback address.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("radlite-serve-data"),
              show_default=True, help="Jobs, review databases and comparison sets.")
@click.option("--max-report-chars", type=int, default=20_000, show_default=True)
@click.option("--max-body-bytes", type=int, default=10 * 1024 * 1024, show_default=True)
@click.option("--batch-wait-ms", type=float, default=50.0, show_default=True,
              help="Model tasks: how long a request waits for others to share its batch.")
@click.option("--max-batch", type=int, default=16, show_default=True,
              help="Model tasks: most reports in one model call (requests and jobs).")
@click.option("--max-queue", type=int, default=256, show_default=True,
              help="Model tasks: most reports waiting; more are refused with 503 + Retry-After.")
@click.option("--request-timeout", type=float, default=300.0, show_default=True,
              help="Model tasks: seconds a request may wait for its records (then 504).")
@click.option("--registry", type=click.Path(path_type=Path), default=None,
              help="Model registry of learn jobs ('Train on these reviews') "
                   "[default: <data-dir>/registry].")
@click.option("--site", default="site", show_default=True,
              help="Site id that learn jobs register their models under.")
@click.option("--import-job", "imports", multiple=True, metavar="JOBSTORE=REPORTS",
              help="Make a `radlite extract` job store reviewable (with its input file).")
@click.option("--id-col", default="id", show_default=True, help="For --import-job.")
@click.option("--text-col", default="report", show_default=True, help="For --import-job.")
@click.option("--print-openapi", is_flag=True, help="Print the OpenAPI spec and exit.")
@backend_options
def command(**params: Any) -> None:
    """Serve the REST API (/v1, spec at /openapi.json) and the review page (/review/).

    Report text is never logged: the access log shows methods, paths and statuses.
    """
    try:
        import uvicorn

        from radlite.serve.app import create_app
    except ImportError as exc:
        raise ConfigError(f"radlite serve needs the serve extra ({exc.name} is missing): "
                          "pip install 'radlite[serve]'") from exc
    settings = _settings(params)
    if params["print_openapi"]:
        with tempfile.TemporaryDirectory() as scratch:
            settings.local_only, settings.host, settings.data_dir = True, "127.0.0.1", Path(scratch)
            click.echo(json.dumps(create_app(settings).openapi(), indent=1))
        return
    app = create_app(settings)
    _import_jobs(app, params["imports"], params["id_col"], params["text_col"])
    mode = "local-only, no token" if settings.token is None else "bearer token required"
    click.echo(f"radlite serve: http://{settings.host}:{settings.port}/review/ ({mode})", err=True)
    logging.getLogger("uvicorn.error").setLevel(logging.INFO)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                access_log=True, server_header=False)
