"""``radlite eval sweep``: run one task under several decoding settings and compare them.

Each ``--grid`` setting (``"temperature=0.7,top_p=0.9"``) runs the task over the gold
file's reports with the same loaded model, its predictions go to
``OUT/predictions/<n>.csv``, and ``radlite eval`` scores all of them in one report: every
setting with bootstrap CIs, and paired differences against the first setting.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from radlite.cli.extract import backend_options, build_backend_spec
from radlite.cli.options import raw_csv_option
from radlite.core.decoding import Decoding
from radlite.core.errors import ConfigError
from radlite.tasks import registry
from radlite.tasks.spec import Evaluation


def sweepable() -> dict[str, Evaluation]:
    """Task name -> the evaluation whose model-backed mode (``Evaluation.sweep``) a
    decoding sweep runs; tasks whose output decoding cannot change are left out."""
    out = {}
    for spec in registry.specs():
        chosen = next((e for e in spec.evaluations if e.sweep is not None), None)
        if chosen is not None:
            out[spec.name] = chosen
    return out


def settings(grid: tuple[str, ...], base: Decoding) -> list[Decoding]:
    """One :class:`Decoding` per ``--grid`` value, each on top of the base controls.

    Raises:
        ConfigError: no setting, a repeated setting, or an invalid control.
    """
    if not grid:
        raise ConfigError("give at least one --grid setting (e.g. --grid temperature=0)")
    chosen = [Decoding.from_mapping({**base.as_dict(), **Decoding.parse(g).as_dict()})
              for g in grid]
    labels = [d.label() for d in chosen]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"--grid settings repeat: {labels}")
    return chosen


@click.command(name="sweep")
@click.argument("task")
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False,
                                                       path_type=Path))
@click.option("--grid", multiple=True, metavar="NAME=VALUE[,NAME=VALUE]",
              help="One decoding setting; repeat for each (the first is the baseline).")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--id-col", default="id", show_default=True)
@click.option("--text-col", default=None, help="Default: report (findings for impression).")
@click.option("--task-option", "task_opts", multiple=True, metavar="KEY=VALUE",
              help="Override a task option (default: the task's model-backed mode).")
@click.option("--n-boot", default=2000, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--no-plots", is_flag=True)
@raw_csv_option()
@backend_options
def command(task: str, gold: Path, grid: tuple[str, ...], out: Path, id_col: str,
            text_col: str | None, task_opts: tuple[str, ...], n_boot: int, seed: int,
            no_plots: bool, raw_csv: bool, **params: Any) -> None:
    """Sweep decoding controls of TASK on a development set; report each with CIs."""
    from radlite.backends.base import with_decoding
    from radlite.evaluate.runner import evaluate_task
    from radlite.pipeline.extract import InputSpec, extract, resolve_backend
    from radlite.pipeline.runner import RunOptions

    evaluation = sweepable().get(task)
    if evaluation is None:
        raise ConfigError(f"cannot sweep {task!r}; choose one of {sorted(sweepable())}")
    task_options, default_col = dict(evaluation.sweep or {}), evaluation.input_column
    malformed = [o for o in task_opts if "=" not in o]
    if malformed:
        raise ConfigError(f"--task-option takes KEY=VALUE, got {malformed}")
    task_options = {**task_options, **dict(o.split("=", 1) for o in task_opts)}
    spec = build_backend_spec(params)
    chosen = settings(grid, spec.decoding)
    base = resolve_backend(task, replace(spec, decoding=Decoding()))  # loaded once
    source = InputSpec(gold, id_col, text_col or default_col)
    preds: dict[str, Path] = {}
    for number, decoding in enumerate(chosen, 1):
        path = out / "predictions" / f"{number}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        summary = extract(task, source, path, backend=with_decoding(base, decoding),
                          task_options=task_options, options=RunOptions(progress=False),
                          raw_csv=raw_csv)
        click.echo(f"radlite eval sweep: {decoding.label()}: {summary.line()}", err=True)
        preds[decoding.label()] = path
    result = evaluate_task(task, gold, preds, out, n_boot=n_boot, seed=seed,
                           baseline=chosen[0].label(), plots=not no_plots,
                           task_options=dict(evaluation.when), raw_csv=raw_csv)
    for row in result["metrics"]:
        if row["headline"] and not row["feature"]:
            click.echo(f"  {row['model']:<40} {row['metric']:<20} {row['value']:.4f} "
                       f"[{row['ci_low']:.4f}, {row['ci_high']:.4f}]")
    click.echo(f"report: {out / 'report.html'}")
