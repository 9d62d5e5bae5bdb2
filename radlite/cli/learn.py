"""``radlite learn TASK``: reviewed reports become a site's (or a reader's) model.

One learn cycle (:mod:`radlite.learn.cycle`): split the reviews by report, fit a
candidate from the current model, compare both on the held-out reviews (paired report
bootstrap), register the candidate and promote it only when the CI is above zero.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from radlite.core.errors import InputError


def _count(flag: str, value: str) -> int:
    """A non-negative integer option value."""
    if not value.isdigit():
        raise InputError(f"{flag} takes 'auto' or a whole number, got {value!r}")
    return int(value)


def _pairs(flag: str, pairs: tuple[str, ...], typed: bool = False) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; ``typed`` reads values as YAML scalars (3, 0.5, true)."""
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"{flag} takes KEY=VALUE, got {pair!r}")
        out[key.strip()] = yaml.safe_load(value.strip()) if typed else value.strip()
    return out


@click.command(name="learn")
@click.argument("task", required=False)
@click.option("--from-review", "job", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="A server job folder (<data dir>/jobs/<id>): its fully "
              "reviewed reports are the training data.")
@click.option("--gold", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Or a gold CSV (the review export's layout: id, report, label columns).")
@click.option("--id-col", default="id", show_default=True, help="--gold: the id column.")
@click.option("--text-col", "text_cols", multiple=True, default=("report",), show_default=True,
              help="--gold: text column(s), joined with a space (repeatable).")
@click.option("--task-option", "task_option", multiple=True,
              help="--gold: a task option KEY=VALUE (e.g. labels=chestxray14), repeatable.")
@click.option("--train-option", "train_option", multiple=True,
              help="Model-adapter tasks (LI-RADS): an SFT setting KEY=VALUE, e.g. epochs=3, "
                   "model=/models/llama-8b, device=cuda (repeatable; docs/train.md).")
@click.option("--site", required=True, help="The site the model is for.")
@click.option("--reader", default=None, help="One radiologist of the site (optional).")
@click.option("--registry", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Adapter registry folder (default: $RADLITE_REGISTRY or ./radlite-registry).")
@click.option("--holdout", type=float, default=0.3, show_default=True,
              help="Share of the reviewed reports held out to compare the models on.")
@click.option("--promote", type=click.Choice(["auto", "never"]), default="auto",
              show_default=True, help="auto: promote when better with a CI above zero.")
@click.option("--folds", default="auto", show_default=True,
              help="Cross-fit the comparison over K folds of all the reviews instead of one "
                   "held-out part (0: the held-out part; auto: 5 folds when the held-out "
                   "part would have under 100 reports and the learner fits in seconds).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
def command(task: str | None, job: Path | None, gold: Path | None, id_col: str,
            text_cols: tuple[str, ...], task_option: tuple[str, ...],
            train_option: tuple[str, ...], site: str,
            reader: str | None, registry: Path | None, holdout: float, promote: str,
            folds: str, seed: int) -> None:
    """Learn a site's (or a reader's) model from reviewed reports; promote it when better."""
    from radlite.learn.cycle import learn
    from radlite.learn.data import from_gold_csv
    from radlite.learn.learners import learner_for
    from radlite.learn.registry import AdapterRegistry

    if (job is None) == (gold is None):
        raise InputError("give exactly one of --from-review JOB_FOLDER and --gold CSV")
    if job is not None:
        from radlite.serve.review_data import job_learn_set  # a server job: serve extra

        task_name, options, data = job_learn_set(job)
        if task and task != task_name:
            raise InputError(f"the job ran task '{task_name}', not '{task}'")
    else:
        if not task:
            raise InputError("--gold needs the TASK argument (e.g. radlite learn chest ...)")
        assert gold is not None
        task_name, options = task, _pairs("--task-option", task_option)
        columns = learner_for(task_name, options).columns()
        data = from_gold_csv(gold, columns, id_col, text_cols)

    def progress(stage: str, fraction: float) -> None:
        click.echo(f"  [{fraction:4.0%}] {stage}", err=True)

    result = learn(task_name, data, registry=AdapterRegistry(registry), site=site, reader=reader,
                   options=options, holdout=holdout, promote=promote, seed=seed,
                   folds=None if folds == "auto" else _count("--folds", folds),
                   train=_pairs("--train-option", train_option, typed=True),
                   progress=progress)
    verdict = "promoted" if result.promoted else "not promoted"
    click.echo(f"radlite learn {result.task}: {result.candidate} {verdict} "
               f"({result.reason}; {result.seconds} s)", err=True)
    click.echo(json.dumps(result.to_dict(), indent=2))
