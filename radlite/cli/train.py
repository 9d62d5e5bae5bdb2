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
