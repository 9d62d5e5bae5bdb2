"""``radlite train sft|grpo [--config FILE] [--SETTING VALUE ...]``: adapter training.

Every field of :class:`radlite.train.SFTConfig` / :class:`radlite.train.GRPOConfig` is
a flag (``max_steps`` -> ``--max-steps``); flags override the YAML file.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from radlite.train.config import GRPOConfig, SFTConfig, TrainConfig, load_config


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


command.add_command(_command("sft", SFTConfig))
command.add_command(_command("grpo", GRPOConfig))
