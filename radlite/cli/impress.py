"""``radlite impress INPUT -o OUTPUT``: draft impressions from findings.

Output: ``id, impression, flags`` (the consistency gate's findings, JSON), plus
``status, error, evidence`` in CSV; JSONL records also carry the draft notice, the
exam (modality/body site) and what the gate removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from radlite.cli.extract import backend_options, build_backend_spec
from radlite.cli.options import raw_csv_option
from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from radlite.tasks.impression import ImpressionTask
from radlite.tasks.impression.examples import RETRIEVALS, ExampleBank, bank_from_file
from radlite.tasks.impression.styles import DRAFT_NOTICE


def _bank(path: Path | None, findings_col: str, retrieval: str) -> ExampleBank | None:
    if path is None:
        return None
    bank, warning = bank_from_file(path, findings_col, retrieval)
    if warning:
        click.echo(f"radlite impress: {warning}", err=True)
    return bank


def _learnt(site: str | None, reader: str | None, registry: Path | None, mode: str,
            style: str) -> dict[str, Any]:
    """Task options of the reader's (else the site's) learnt habits; {} for none."""
    if site is None and reader is None:
        return {}
    from radlite.learn.resolve import site_task_options

    options, entry = site_task_options("impression", {"mode": mode, "style": style}, site,
                                       reader, registry)
    click.echo("radlite impress: using "
               f"{entry.id if entry else 'no learnt habits (nothing promoted for the site)'}",
               err=True)
    return {k: v for k, v in options.items() if k in ("profile", "examples_file")}


@click.command(name="impress")
@click.argument("input_path", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output .csv or .jsonl.")
@click.option("--mode", default="draft", show_default=True,
              type=click.Choice(["draft", "refine", "model"]),
              help="draft: extractive (no model); refine: model rewrites the draft, gate "
                   "removes unsupported sentences; model: model only.")
@click.option("--style", default="concise", show_default=True,
              type=click.Choice(["concise", "expert", "plain"]))
@click.option("--max-sentences", "max_items", default=3, show_default=True, type=int,
              help="Length control: at most this many sentences.")
@click.option("--examples", "examples_path", type=click.Path(exists=True, path_type=Path),
              default=None, help="Your past reports (CSV/JSONL with findings, impression).")
@click.option("--n-examples", default=3, show_default=True, type=int)
@click.option("--retrieval", default="tfidf", show_default=True, type=click.Choice(RETRIEVALS),
              help="How the nearest examples are found: word n-gram TF-IDF (finds the same "
                   "writer's template), the local sentence encoder, or word counts.")
@click.option("--consensus", default=5, show_default=True, type=int,
              help="Examples-aware draft: choose among the draft and this many nearest "
                   "example impressions (gate-checked) the one they agree with most; 0: off.")
@click.option("--no-spelling", is_flag=True,
              help="Do not correct typing errors in the findings against the words of your "
                   "past reports (--examples) or of the habit model's training reports.")
@click.option("--no-examples-layout", is_flag=True,
              help="Do not write the draft as a numbered list when most of the nearest past "
                   "impressions are (with --examples) or the habit model predicts one.")
@click.option("--habit-model", default="shipped", show_default=True,
              help="Without --examples: the habit model that predicts the writer's normal "
                   "phrasing and layout from the findings ('shipped': radlite's, trained on "
                   "Open-i chest radiographs; a folder from `radlite train "
                   "impression-habits`; 'none': the built-in normal statement).")
@click.option("--no-examples-draft", is_flag=True,
              help="With --examples, keep the draft made without them (habit model or "
                   "built-in; examples only go in the prompt) instead of the examples-aware "
                   "draft.")
@click.option("--reuse-examples", is_flag=True,
              help="Examples-aware draft: also reuse a nearest example impression whose "
                   "concepts match the findings and that passes the gate.")
@click.option("--refine-may-drop", is_flag=True,
              help="refine: keep the model's impression even when it leaves out a finding "
                   "the draft states (a trained model learns what radiologists leave out); "
                   "the draft is still kept when the gate leaves no sentence.")
@click.option("--id-col", default="id", show_default=True)
@click.option("--findings-col", default="findings", show_default=True)
@click.option("--indication-col", default="indication", show_default=True)
@click.option("--background-col", default="background", show_default=True)
@click.option("--batch-size", type=int, default=None)
@click.option("--restart", is_flag=True, help="Discard the job store and start over.")
@click.option("--no-progress", is_flag=True)
@click.option("--site", default=None,
              help="Use the site's learnt impression habits (radlite learn impression).")
@click.option("--reader", default=None,
              help="With --site: that radiologist's habits, else the site's, else none.")
@click.option("--registry", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Adapter registry folder (default: $RADLITE_REGISTRY or ./radlite-registry).")
@raw_csv_option()
@backend_options
def command(input_path: Path, output: Path, mode: str, style: str, max_items: int,
            examples_path: Path | None, n_examples: int, retrieval: str, consensus: int,
            no_spelling: bool, no_examples_layout: bool, habit_model: str,
            no_examples_draft: bool, reuse_examples: bool, refine_may_drop: bool, id_col: str,
            findings_col: str, indication_col: str, background_col: str,
            batch_size: int | None, restart: bool, no_progress: bool, site: str | None,
            reader: str | None, registry: Path | None, raw_csv: bool,
            **params: Any) -> None:
    """Draft the Impression of each report from its Findings (an aid for review)."""
    learnt = _learnt(site, reader, registry, mode, style)
    if examples_path is not None:  # the user's own bank wins over the learnt one
        learnt.pop("examples_file", None)
    task = ImpressionTask(mode=mode, style=style, max_items=max_items,
                          examples=_bank(examples_path, findings_col, retrieval),
                          **learnt,
                          n_examples=n_examples, examples_draft=not no_examples_draft,
                          reuse_examples=reuse_examples, consensus=consensus,
                          correct_spelling=not no_spelling,
                          follow_layout=not no_examples_layout, habit_model=habit_model,
                          indication_col=indication_col,
                          background_col=background_col,
                          keep_draft_concepts=not refine_may_drop)
    backend: Any = build_backend_spec(params)
    if mode == "draft":
        from radlite.backends.scripted import ScriptedBackend

        backend = ScriptedBackend(responder=lambda _req: "", model="none (extractive draft)")
    fmt = "jsonl" if output.suffix.lower() == ".jsonl" else "wide"
    summary = extract(task, InputSpec(input_path, id_col, findings_col), output, fmt=fmt,
                      backend=backend, restart=restart, raw_csv=raw_csv,
                      options=RunOptions(batch_size=batch_size, retries=0,
                                         progress=not no_progress))
    click.echo(f"radlite impress: {summary.line()} -> {output}", err=True)
    click.echo(f"radlite impress: {DRAFT_NOTICE}", err=True)
