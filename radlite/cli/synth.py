"""``radlite synth``: synthetic reports with gold labels (thin wrapper of radlite.synth)."""

from __future__ import annotations

import json

import click

from radlite.cli.options import raw_csv_option
from radlite.synth import LANGS, generate, synth_names, write
from radlite.synth.io import synthesis
from radlite.synth.variety import measure
from radlite.tasks.spec import resolve


def _preview(records: list[dict], task: str) -> None:
    _, how = synthesis(task)
    show = resolve(how.preview) if how.preview else None
    for rec in records:
        click.echo(f"=== {rec['id']}")
        click.echo(show(rec) if show else str(rec.get(how.text_field) or ""))
        skip = {"id", "report", "findings", "case", "reports", "per_report", "style"}
        labels = {k: v for k, v in rec.items() if k not in skip and v not in (None, 0, "")}
        click.echo("--- labels: " + json.dumps(labels, ensure_ascii=False))
        click.echo()


@click.command("synth")
@click.argument("task", type=click.Choice(synth_names()))
@click.option("-n", "n", type=click.IntRange(min=0), default=100, show_default=True,
              help="Number of records.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True,
              help="Report language (Korean-English only for lirads).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Output file: .csv (gold columns) or .jsonl (with the structured case).")
@click.option("--preview", is_flag=True, help="Print a few cases with their labels.")
@click.option("--variety", is_flag=True, help="Print distinct-n and nearest-neighbour similarity.")
@raw_csv_option()
def command(task: str, n: int, seed: int, lang: str, output: str | None, preview: bool,
            variety: bool, raw_csv: bool) -> None:
    """Generate N synthetic TASK reports with gold labels that are correct by construction."""
    if preview and not output:
        n = min(n, 5)
    records = generate(task, n, seed=seed, lang=lang)
    if output:
        path = write(records, output, task, raw=raw_csv)
        click.echo(f"wrote {len(records)} {task} records to {path}", err=True)
    if preview or not output:
        _preview(records[:5], task)
    if variety:
        field = synthesis(task)[1].text_field
        stats = measure([str(r[field]) for r in records])
        click.echo(json.dumps(stats.to_dict(), indent=2))
