"""``radlite extract TASK INPUT -o OUTPUT``: structured extraction commands.

One subcommand per registered task of kind ``extract`` (:mod:`radlite.tasks.registry`),
built from its spec: the shared options of :func:`extraction_options` plus the task's own
:class:`~radlite.tasks.spec.TaskOption` list; it calls :func:`run_extract`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from radlite.cli.options import raw_csv_option
from radlite.core.decoding import CONTROLS, Decoding
from radlite.pipeline.extract import BackendSpec, InputSpec, extract
from radlite.pipeline.runner import RunOptions
from radlite.tasks import registry
from radlite.tasks.spec import TaskOption, TaskSpec


def backend_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Click options that choose and configure a model backend."""
    options = [
        click.option("--backend", default="builtin", show_default=True,
                     type=click.Choice(["builtin", "transformers", "openai_compat", "llamacpp"]),
                     help="Model backend."),
        click.option("--model", default=None,
                     help="Local model folder or .gguf file (transformers, llamacpp), "
                          "or the served model name (openai_compat)."),
        click.option("--adapter", default=None, type=click.Path(),
                     help="PEFT/LoRA adapter folder (default for builtin: the shipped one)."),
        click.option("--no-adapter", is_flag=True, help="Run the builtin model without its adapter."),
        click.option("--base-url", default=None, help="openai_compat: e.g. http://127.0.0.1:8000/v1"),
        click.option("--api-key-env", default=None,
                     help="openai_compat: environment variable holding the API key."),
        click.option("--allow-host", "allow_hosts", multiple=True,
                     help="openai_compat: a non-loopback host you allow report text to go to."),
        click.option("--timeout", type=float, default=None, help="openai_compat: seconds/request."),
        click.option("--device", default=None, help="transformers: cpu, cuda, auto."),
        click.option("--threads", type=int, default=None, help="CPU threads."),
        click.option("--dtype", default=None,
                     type=click.Choice(["auto", "float32", "bfloat16", "float16"]),
                     help="builtin/transformers: weight precision. auto (default): bfloat16 on "
                          "CUDA and on CPUs with AVX512-BF16/AMX, float32 elsewhere."),
        click.option("--no-drafts", is_flag=True,
                     help="builtin/transformers: decode constrained answers token by token "
                          "instead of verifying drafts of the grammar's forced text (same "
                          "answers, more forward passes; for comparison)."),
        *decoding_options(),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def decoding_options() -> list[Callable[..., Any]]:
    """Click options for the decoding controls (default: the task's own settings)."""
    return [
        click.option("--temperature", type=float, default=None,
                     help="Decoding: 0 = greedy (default), above 0 samples."),
        click.option("--top-k", type=int, default=None, help="Decoding: sample from the top k."),
        click.option("--top-p", type=float, default=None, help="Decoding: nucleus mass."),
        click.option("--num-beams", type=int, default=None, help="Decoding: beam search width."),
        click.option("--length-penalty", type=float, default=None,
                     help="Decoding: beam-search length exponent."),
        click.option("--repetition-penalty", type=float, default=None,
                     help="Decoding: above 1 discourages repeated tokens."),
        click.option("--max-new-tokens", type=int, default=None,
                     help="Decoding: cap on generated tokens (default: the task's)."),
    ]


def build_backend_spec(params: dict[str, Any]) -> BackendSpec:
    """Turn the CLI's backend options into a :class:`BackendSpec`."""
    name = params.pop("backend")
    keys = {
        "builtin": ("adapter", "threads", "device", "dtype"),
        "transformers": ("model", "adapter", "threads", "device", "dtype"),
        "llamacpp": ("model", "adapter", "threads"),
        "openai_compat": ("model", "base_url", "api_key_env", "allow_hosts", "timeout"),
    }[name]
    opts = {k: params.pop(k, None) for k in list(keys)}
    no_adapter = params.pop("no_adapter", False)
    if params.pop("no_drafts", False) and name in ("builtin", "transformers"):
        opts["drafted"] = False
    for leftover in ("model", "adapter", "base_url", "api_key_env", "allow_hosts", "timeout",
                     "device", "threads", "dtype"):
        params.pop(leftover, None)
    if name == "builtin" and no_adapter:
        opts["no_adapter"] = True
    if name == "openai_compat":
        opts["allow_hosts"] = tuple(opts.get("allow_hosts") or ())
    decoding = Decoding.from_mapping({k: params.pop(k, None) for k in CONTROLS})
    return BackendSpec(name=name, options={k: v for k, v in opts.items() if v is not None},
                       decoding=decoding)


def extraction_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Click arguments and options shared by every extraction command."""
    options = [
        click.argument("input_path", type=click.Path(path_type=Path)),
        click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
                     help="Output file (or folder for --format long, one file per report)."),
        click.option("--format", "fmt", default="wide", show_default=True,
                     type=click.Choice(["wide", "long", "jsonl", "fhir"])),
        raw_csv_option(),
        click.option("--id-col", default="id", show_default=True),
        click.option("--text-col", default="report", show_default=True),
        click.option("--encoding", default="utf-8", show_default=True,
                     help="Input encoding (e.g. cp949 for Korean Windows exports)."),
        click.option("--max-chars", type=int, default=None,
                     help="Reports longer than this fail with a reason (default 20000)."),
        click.option("--batch-size", type=int, default=None, help="Reports per model call."),
        click.option("--retries", type=int, default=2, show_default=True,
                     help="Extra attempts for an answer that fails validation."),
        click.option("--job-store", type=click.Path(path_type=Path), default=None,
                     help="Job file (default: <output>.job.sqlite); reruns resume from it."),
        click.option("--restart", is_flag=True, help="Discard the job store and start over."),
        click.option("--retry-failed", is_flag=True, help="Redo reports that failed before."),
        click.option("--no-progress", is_flag=True, help="Hide the progress bar."),
        click.option("--site", default=None,
                     help="Use the site's promoted model from the adapter registry "
                          "(radlite learn); the default when it has none."),
        click.option("--reader", default=None,
                     help="With --site: that reader's model, else the site's."),
        click.option("--registry", type=click.Path(path_type=Path, file_okay=False),
                     default=None,
                     help="Adapter registry folder (default: $RADLITE_REGISTRY or "
                          "./radlite-registry)."),
        click.option("--executor", default="local", show_default=True,
                     type=click.Choice(["local", "ray"]),
                     help="local: this process; ray: one model replica per Ray worker "
                          "(see docs/scale.md)."),
        click.option("--ray-address", default=None,
                     help="ray: cluster address ('auto' joins a running cluster; "
                          "default starts a local Ray runtime)."),
        click.option("--workers", type=int, default=1, show_default=True,
                     help="ray: model replicas."),
        click.option("--gpus-per-worker", type=float, default=0, show_default=True,
                     help="ray: GPUs reserved per replica."),
    ]
    for option in reversed(options):
        func = option(func)
    return backend_options(func)


def run_extract(task: str, params: dict[str, Any], task_options: dict[str, Any]) -> None:
    """Run an extraction from CLI parameters and print the closing summary."""
    spec = build_backend_spec(params)
    source = InputSpec(params["input_path"], params["id_col"], params["text_col"],
                       params["encoding"])
    options = RunOptions(batch_size=params["batch_size"], retries=params["retries"],
                         retry_failed=params["retry_failed"], progress=not params["no_progress"])
    if params.get("max_chars"):
        task_options = {**task_options, "max_chars": params["max_chars"]}
    executor_options = {"address": params["ray_address"], "workers": params["workers"],
                        "num_gpus": params["gpus_per_worker"]}
    summary = extract(task, source, params["output"], fmt=params["fmt"], backend=spec,
                      options=options, job_store=params["job_store"], restart=params["restart"],
                      task_options=task_options, executor=params["executor"],
                      executor_options=executor_options if params["executor"] == "ray" else None,
                      raw_csv=params.get("raw_csv", False))
    click.echo(f"radlite extract {task}: {summary.line()} -> {params['output']}", err=True)
    for reason, count in sorted(summary.failure_reasons.items(), key=lambda kv: -kv[1]):
        click.echo(f"  failed {count}: {reason}", err=True)


def _learnt_options(task: str, task_options: dict[str, Any], params: dict[str, Any]
                    ) -> dict[str, Any]:
    """Task options with the site's (or reader's) promoted model from the registry."""
    site, reader, registry_dir = (params.pop(k) for k in ("site", "reader", "registry"))
    if site is None and reader is None:
        return task_options
    from radlite.learn.resolve import site_adapter, site_task_options

    merged, entry = site_task_options(task, task_options, site, reader, registry_dir)
    if not params.get("adapter"):  # the site's model adapter, when its learnt part is one
        params["adapter"] = site_adapter(task, site, reader, registry_dir)
    click.echo(f"radlite extract {task}: using "
               f"{entry.id if entry else 'the default model (nothing promoted for the site)'}",
               err=True)
    return merged


def task_option(option: TaskOption) -> Callable[..., Any]:
    """The click option of one task option."""
    kwargs: dict[str, Any] = {"help": option.help, "default": option.default}
    if option.choices:
        kwargs["type"] = click.Choice(list(option.choices))
    elif option.type in ("int", "float"):
        kwargs["type"] = int if option.type == "int" else float
    elif option.type == "dir":
        kwargs["type"] = click.Path(exists=True, file_okay=False)
    if option.type == "list":
        kwargs.update(multiple=True, default=())
    if option.default is not None and option.type != "list":
        kwargs["show_default"] = True
    return click.option(option.cli_flag, option.name, **kwargs)


def task_command(spec: TaskSpec) -> click.Command:
    """``radlite extract NAME``: the shared options plus the task's own."""

    def run(**params: Any) -> None:
        task_options = {}
        for option in spec.options:
            value = params.pop(option.name)
            task_options[option.name] = (list(value) or None) if option.type == "list" else value
        for name, value in spec.defaults(params["backend"]).items():
            if task_options.get(name) is None:
                task_options[name] = value
        task_options = _learnt_options(spec.name, task_options, params)
        run_extract(spec.name, params, task_options)

    run.__doc__ = spec.summary
    for option in reversed(spec.options):
        run = task_option(option)(run)
    return click.command(name=spec.name)(extraction_options(run))


class _ExtractGroup(click.Group):
    """Subcommands from the task registry, so tasks registered at run time appear too."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*registry.names(kind="extract"), *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in registry.names(kind="extract"):
            return task_command(registry.task_spec(cmd_name))
        return super().get_command(ctx, cmd_name)


@click.group(name="extract", cls=_ExtractGroup)
def command() -> None:
    """Extract structured labels from reports with a local model."""
