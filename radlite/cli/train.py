"""``radlite train sft|grpo [--config FILE] [--SETTING VALUE ...]``: adapter training.

Every field of :class:`radlite.train.SFTSettings` / :class:`radlite.train.GRPOSettings` is
a flag (``max_steps`` -> ``--max-steps``); flags override the YAML file.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from radlite.train.config import GRPOSettings, SFTSettings, TrainConfig, load_config


def _flag(f: dataclasses.Field) -> Callable[[Any], Any]:
    name = "--" + f.name.replace("_", "-")
    helptext = f.metadata.get("help", "")
    kind = str(f.type)
    if kind == "bool":
        return click.option(f"{name}/--no-{f.name.replace('_', '-')}", f.name, default=None,
                            help=helptext)
    types = {"int": int, "float": float}
    return click.option(name, f.name, type=types.get(kind, str), default=None,
                        help=helptext + (" (comma-separated)" if kind == "list[str]" else ""))


def _command(kind: str, cls: type[TrainConfig]) -> click.Command:
    def run(config: Path | None, print_config: bool, **flags: Any) -> None:
        from radlite import train

        overrides = {k: v for k, v in flags.items() if v is not None}
        cfg = load_config(kind, config, overrides)
        if print_config:
            click.echo(json.dumps(cfg.to_dict(), indent=2))
            return
        record = train.train_sft(cfg) if kind == "sft" else train.train_grpo(cfg)
        metrics = {k: v for k, v in record["metrics"].items()
                   if isinstance(v, int | float) and "pos_rate" not in k}
        click.echo(f"radlite train {kind}: {record['train_seconds']} s -> "
                   f"{Path(cfg.output_dir) / 'adapter'}", err=True)
        click.echo(json.dumps(metrics, indent=2))

    run.__doc__ = (cls.__doc__ or "").splitlines()[0]
    for f in reversed(dataclasses.fields(cls)):
        run = _flag(f)(run)
    run = click.option("--print-config", is_flag=True,
                       help="Print the resolved config and exit.")(run)
    run = click.option("--config", type=click.Path(path_type=Path, exists=True), default=None,
                       help="YAML file of settings (see configs/train/).")(run)
    return click.command(name=kind)(run)


@click.group(name="train")
def command() -> None:
    """Train a LoRA/QLoRA adapter for a task (SFT, then optionally GRPO)."""


command.add_command(_command("sft", SFTSettings))
command.add_command(_command("grpo", GRPOSettings))


@command.command(name="chest-head")
@click.option("--gold", "gold_csv", required=True, type=click.Path(path_type=Path, exists=True),
              help="Labelled CSV: an id column, text column(s), one 0/1 column per label.")
@click.option("--id-col", default="id", show_default=True)
@click.option("--text-cols", default="report", show_default=True,
              help="Text column(s), comma-separated, joined with a space "
                   "(Open-i: findings,impression).")
@click.option("--labels", default=None,
              help="Label columns, comma-separated (default: the 14 ChestX-ray14 labels).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Folder for head.safetensors and head.json.")
@click.option("--c", "c", type=float, default=10.0, show_default=True,
              help="Inverse L2 strength of the logistic head.")
@click.option("--folds", type=int, default=5, show_default=True,
              help="Cross-validation folds for the recorded estimate (0: skip).")
@click.option("--encoder", default=None, help="Local sentence-encoder folder "
              "(default: all-MiniLM-L6-v2 from its PyPI package).")
@click.option("--note", default="", help="Text for the head's card: where the data came "
              "from and its terms of use.")
def chest_head(gold_csv: Path, id_col: str, text_cols: str, labels: str | None, output: Path,
               c: float, folds: int, encoder: str | None, note: str) -> None:
    """Train the ChestX-ray14 head of `radlite extract chest --mode learned`."""
    from radlite.train.chest_head import read_labelled_csv, train_head

    def split(value: str) -> list[str]:
        return [t.strip() for t in value.split(",") if t.strip()]

    data = read_labelled_csv(gold_csv, id_col, split(text_cols),
                             split(labels) if labels else None)
    head = train_head(data, c=c, folds=folds, encoder=encoder, source=gold_csv.name)
    head.card = {**(head.card or {}), "note": note,
                 "command": " ".join(["radlite", *sys.argv[1:]]) if sys.argv else ""}
    head.save(output)
    click.echo(f"radlite train chest-head: {len(data.ids)} reports -> {output}", err=True)
    click.echo(json.dumps(head.card, indent=2))


@command.command(name="impression-habits")
@click.option("--pairs", "pairs_path", required=True,
              type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Past reports, CSV or JSONL with findings and impression columns.")
@click.option("--findings-col", default="findings", show_default=True)
@click.option("--impression-col", default="impression", show_default=True)
@click.option("--body-site", default="chest", show_default=True,
              help="Whose stock normal phrases (phrases.yaml) are the classes.")
@click.option("--modality", default="XR", show_default=True,
              help="Exam type of the pairs; reports given as another type are not drafted "
                   "with this model.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Folder for habits.safetensors and habits.json.")
@click.option("--c", "c", type=float, default=30.0, show_default=True,
              help="Inverse L2 strength of both logistic models.")
@click.option("--min-count", type=int, default=2, show_default=True,
              help="Stock phrases opening fewer training impressions are left out.")
@click.option("--note", default="", help="Text for the model's card: where the data came "
              "from and its terms of use.")
def impression_habits(pairs_path: Path, findings_col: str, impression_col: str,
                      body_site: str, modality: str, output: Path, c: float,
                      min_count: int, note: str) -> None:
    """Train the habit model of `radlite impress` (phrasing and layout without examples)."""
    from radlite.tasks.impression.examples import read_examples
    from radlite.tasks.impression.habit_model import fit_habit_model

    pairs = read_examples(pairs_path, findings_col, impression_col)
    model = fit_habit_model([p.findings for p in pairs], [p.impression for p in pairs],
                            body_site, c=c, c_layout=c, min_count=min_count,
                            modality=modality)
    model.card |= {"note": note, "source": pairs_path.name,
                   "command": " ".join(["radlite", *sys.argv[1:]]) if sys.argv else ""}
    model.save(output)
    click.echo(f"radlite train impression-habits: {len(pairs)} pairs -> {output}", err=True)
    click.echo(json.dumps(model.card, indent=2))


def _optional(value: str | None, kind: type, default: Any, option: str) -> Any:
    """An option that takes a number or 'none' (None: the default)."""
    if value is None:
        return default
    if value.strip().lower() == "none":
        return None
    try:
        return kind(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither a number nor 'none'",
                                 param_hint=option) from None


@command.command(name="statement-selector")
@click.option("--series", "series_path", required=True,
              type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="JSONL, one patient per line, as `radlite summarize` reads, plus "
                   "per_report: your hand-written change statement of each report.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Folder for selector.json (use with summarize --statement-model).")
@click.option("--c", "c", type=float, default=None,
              help="Inverse L2 strength (default: the shipped model's).")
@click.option("--threshold", type=float, default=None,
              help="Keep a phrase above this probability (default: the shipped model's; "
                   "higher writes shorter statements).")
@click.option("--max-words", type=str, default=None,
              help="Word budget of a statement, or 'none' (default: the shipped model's).")
@click.option("--trim-threshold", type=str, default=None,
              help="Drop an unprotected word of a kept phrase below this probability, or "
                   "'none' for whole phrases (default: the shipped model's).")
@click.option("--note", default="", help="Text for the model's card: where the statements "
              "came from and their terms of use.")
def statement_selector(series_path: Path, output: Path, c: float | None,
                       threshold: float | None, max_words: str | None,
                       trim_threshold: str | None, note: str) -> None:
    """Train the statement selector of `radlite summarize` on your own statements."""
    from radlite.core.io import iter_json_objects
    from radlite.tasks.summarize.statements import shipped_selector
    from radlite.train.statement_selector import train_selector

    shipped = shipped_selector()
    patients = [row for _, _, row in iter_json_objects(series_path)]
    selector = train_selector(
        patients, c=c if c is not None else float(shipped.card.get("C", 1.0)),
        threshold=threshold if threshold is not None else shipped.threshold,
        card={"note": note, "trained_on": series_path.name,
              "command": " ".join(["radlite", *sys.argv[1:]]) if sys.argv else ""},
        max_words=_optional(max_words, int, shipped.max_words, "--max-words"),
        trim_threshold=_optional(trim_threshold, float,
                                 shipped.trimmer.threshold if shipped.trimmer else None,
                                 "--trim-threshold"))
    selector.save(output)
    click.echo(f"radlite train statement-selector: {len(patients)} patients -> {output}",
               err=True)
    click.echo(json.dumps(selector.card, indent=2))
