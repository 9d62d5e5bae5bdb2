"""``radlite eval``: score predictions against gold, robustness and reader studies.

``radlite eval TASK --gold G --pred NAME=FILE ... -o DIR`` for every registered task
that declares an evaluation (and its aliases, e.g. ``chestxray14`` for ``chest --labels
chestxray14``); plus the subcommands ``perturb``, ``robustness``, ``reader-study`` and
``sweep``. Thin: all work is in ``radlite.evaluate``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from radlite.cli.options import raw_csv_option
from radlite.core.errors import InputError
from radlite.tasks import registry


def _parse_preds(values: tuple[str, ...]) -> dict[str, str]:
    preds: dict[str, str] = {}
    for item in values:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise InputError(f"--pred takes NAME=FILE, got {item!r}")
        if name in preds:
            raise InputError(f"--pred name {name!r} given twice")
        preds[name] = path
    return preds


def _echo_summary(result: dict) -> None:
    click.echo(f"{result['task']}: {result['n_reports']} gold reports")
    for name, info in result["ids"]["models"].items():
        if info["n_missing"] or info["n_extra"] or info["n_failed"]:
            click.echo(f"  {name}: {info['n_missing']} missing, {info['n_extra']} extra, "
                       f"{info['n_failed']} failed ids")
    for r in result["metrics"]:
        if r["headline"] and not r["feature"]:
            click.echo(f"  {r['model']:<16} {r['metric']:<24} {r['value']:.4f} "
                       f"[{r['ci_low']:.4f}, {r['ci_high']:.4f}]")
    for c in result["comparisons"]:
        if not c["feature"] and any(r["headline"] and r["metric"] == c["metric"]
                                    for r in result["metrics"]):
            click.echo(f"  {c['model']} - {c['baseline']} {c['metric']}: {c['difference']:+.4f} "
                       f"[{c['low']:+.4f}, {c['high']:+.4f}] p={c['p_value']:.4g} "
                       f"(Holm {c['p_adjusted']:.4g})")


def _common(fn):
    options = [
        click.option("--n-boot", default=10_000, show_default=True, help="Bootstrap resamples."),
        click.option("--seed", default=0, show_default=True),
        click.option("--alpha", default=0.05, show_default=True, help="1 - confidence level."),
        click.option("--test", type=click.Choice(["bootstrap", "permutation"]),
                     default="bootstrap", show_default=True, help="Paired comparison test."),
        click.option("--on-missing", type=click.Choice(["wrong", "drop"]), default="wrong",
                     show_default=True, help="Missing prediction ids: score as wrong, or drop."),
        click.option("--metrics", default=None,
                     help="Text metrics, comma-separated (bleu,rouge,meteor,bertscore,"
                          "embedding,consistency,labels: CheXpert label F1 of the impression vs the reference)."),
        click.option("--encoder", default=None, type=click.Path(exists=True, file_okay=False),
                     help="Local encoder folder for BERTScore (default all-MiniLM-L6-v2)."),
        click.option("--no-plots", is_flag=True, help="Skip PNG plots and the HTML report."),
        raw_csv_option(),
        click.option("--nli-model", default=None, type=click.Path(exists=True, file_okay=False),
                     help="impression: local Hugging Face NLI (sequence-classification) model "
                          "folder, e.g. a DeBERTa/RoBERTa MNLI model; adds nli_entailed, "
                          "nli_contradicted, nli_consistency. Labels are read from its "
                          "config id2label. Never downloaded."),
        click.option("--nli-premise", type=click.Choice(["auto", "findings", "reference"]),
                     default="auto", show_default=True,
                     help="NLI premise: gold findings, the reference impression, or auto "
                          "(findings when the gold file has them, else reference)."),
        click.option("--nli-batch-size", default=16, show_default=True, type=click.IntRange(1),
                     help="Sentence pairs per NLI forward pass."),
        click.option("--nli-device", default="cpu", show_default=True,
                     help="Torch device for the NLI model."),
        click.option("--radgraph-annotations", default=None,
                     type=click.Path(exists=True, dir_okay=False),
                     help="impression: RadGraph annotation JSONL (id, reference, per-system "
                          "annotations) for F1-RadGraph simple/partial/complete."),
        click.option("--radgraph-model", default=None, type=click.Path(exists=True, file_okay=False),
                     help="impression: local extracted RadGraph model folder, annotated with the "
                          "radgraph package (must be installed); never downloaded."),
        click.option("--radgraph-model-type", default=None,
                     help="RadGraph model type of --radgraph-model (default: the folder name, "
                          "e.g. modern-radgraph-xl)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _kwargs(n_boot: int, seed: int, alpha: float, test: str, on_missing: str,
            metrics: str | None, encoder: str | None, no_plots: bool, nli_model: str | None,
            nli_premise: str, nli_batch_size: int, nli_device: str,
            radgraph_annotations: str | None, radgraph_model: str | None,
            radgraph_model_type: str | None, raw_csv: bool = False) -> dict:
    from radlite.evaluate.text_tasks import FactualOptions

    factual = FactualOptions(nli_model=nli_model, nli_premise=nli_premise,
                             nli_batch_size=nli_batch_size, nli_device=nli_device,
                             radgraph_annotations=radgraph_annotations,
                             radgraph_model=radgraph_model,
                             radgraph_model_type=radgraph_model_type)
    return {"n_boot": n_boot, "seed": seed, "alpha": alpha, "test": test,
            "on_missing": on_missing, "encoder_path": encoder, "plots": not no_plots,
            "text_metrics": [m.strip() for m in metrics.split(",")] if metrics else None,
            "factual": factual if factual.active else None, "raw_csv": raw_csv}


def _choice_options(task: str) -> list[click.Option]:
    """``--labels``-style options of ``task`` that choose its evaluation (none for an alias,
    which implies them)."""
    spec, implied = registry.lookup(task)
    return [click.Option(["--" + key.replace("_", "-"), key], type=click.Choice(
                [str(v) for v in values]), default=None,
                help=f"Task option {key} of the predictions (default {values[0]}).")
            for key, values in spec.eval_option_values().items() if key not in implied]


def _task_command(task: str) -> click.Command:
    spec = registry.task_spec(task)
    keys = list(spec.eval_option_values())

    @click.command(name=task, help=f"Score {task} predictions against gold, with bootstrap CIs.")
    @click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False))
    @click.option("--pred", "preds", multiple=True, required=True, metavar="NAME=FILE",
                  help="Predictions (wide CSV or JSONL); repeat for several models.")
    @click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
                  help="Report folder.")
    @click.option("--baseline", default=None, help="Model the others are compared with.")
    @_common
    def run(gold, preds, out, baseline, **kw):
        from radlite.evaluate.runner import evaluate_task

        options = {k: kw.pop(k) for k in keys if k in kw}
        result = evaluate_task(task, gold, _parse_preds(preds), out, baseline=baseline,
                               task_options=options, **_kwargs(**kw))
        _echo_summary(result)
        click.echo(f"report: {Path(out) / 'report.html'}")

    run.params.extend(_choice_options(task))
    return run


class _EvalGroup(click.Group):
    """A group whose first argument may be a task name or a subcommand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*registry.names(aliases=True, evaluable=True), *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in registry.names(aliases=True, evaluable=True):
            return _task_command(cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(name="eval", cls=_EvalGroup)
def command() -> None:
    """Evaluate predictions: radlite eval TASK --gold G --pred NAME=FILE -o DIR.

    TASK is any registered task with an evaluation (lirads, abdct, chest,
    chestxray14 = chest --labels chestxray14, impression, summarize = serial, and
    tasks you add); see `radlite eval TASK --help` for its options.

    \b
    Factual metrics for impressions, only with user-supplied local weights or
    annotations (nothing is downloaded or substituted):
      --nli-model DIR             NLI factual consistency (entailed/contradicted
                                  sentence shares, per-report consistency)
      --nli-premise auto|findings|reference
      --radgraph-annotations F    F1-RadGraph simple/partial/complete from
                                  RadGraph-format annotations (JSONL by id)
      --radgraph-model DIR        annotate with the radgraph package instead
    """


@command.command(name="perturb")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--typo-rate", default=0.0, show_default=True, help="Per-letter typo rate.")
@click.option("--expand-abbreviations", is_flag=True)
@click.option("--shuffle-sections", is_flag=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--column", "columns", multiple=True, help="Text column(s) to perturb.")
@raw_csv_option()
def perturb_cmd(input_path, output, typo_rate, expand_abbreviations, shuffle_sections, seed,
                columns, raw_csv):
    """Write a perturbed copy of an input CSV (run extraction on both, then compare)."""
    from radlite.evaluate.robustness import perturb_file

    info = perturb_file(input_path, output, typo_rate, expand_abbreviations, shuffle_sections,
                        seed, list(columns) or None, raw=raw_csv)
    click.echo(json.dumps(info))


@command.command(name="robustness")
@click.argument("task")
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--original", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--perturbed", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False))
@_common
def robustness_cmd(task, gold, original, perturbed, out, **kw):
    """Metric change (perturbed - original) with paired bootstrap CIs."""
    from radlite.evaluate.robustness import robustness

    result = robustness(task, gold, original, perturbed, out, **_kwargs(**kw))
    _echo_summary(result)


@command.command(name="reader-study")
@click.argument("ratings", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False))
@click.option("--case-col", default="id", show_default=True)
@click.option("--rater-col", default="rater", show_default=True)
@click.option("--rating-col", default="rating", show_default=True)
@click.option("--categories", default=None, help="Category order, comma-separated.")
@click.option("--n-boot", default=10_000, show_default=True)
@click.option("--seed", default=0, show_default=True)
def reader_study_cmd(ratings, out, case_col, rater_col, rating_col, categories, n_boot, seed):
    """Rating proportions with CIs and Cohen's/Fleiss' kappa from a long ratings CSV."""
    import numpy as np

    from radlite.evaluate.reader_study import summarise_file

    summary = summarise_file(ratings, np.random.default_rng(seed), n_boot=n_boot,
                             case_col=case_col, rater_col=rater_col, rating_col=rating_col,
                             categories=categories.split(",") if categories else None)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    data = asdict(summary)
    (folder / "reader_study.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    for cat, est in summary.proportions.items():
        click.echo(f"  {cat:<12} {est.value:.3f} [{est.low:.3f}, {est.high:.3f}]")
    for pair, est in summary.cohen.items():
        click.echo(f"  Cohen kappa {pair}: {est.value:.3f} [{est.low:.3f}, {est.high:.3f}]")
    if summary.fleiss is not None:
        f = summary.fleiss
        click.echo(f"  Fleiss kappa: {f.value:.3f} [{f.low:.3f}, {f.high:.3f}]")


def _add_sweep() -> None:
    from radlite.cli.eval_sweep import command as sweep

    command.add_command(sweep)


_add_sweep()
