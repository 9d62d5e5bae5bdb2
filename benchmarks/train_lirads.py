"""Before/after benchmark of a LI-RADS adapter and of the pipeline steps around it.

Runs ``radlite extract lirads`` with the builtin model twice, with the pipeline steps
off (``--no-evidence-gate --no-cue-completion``): without an adapter (``--no-adapter``)
and with the adapter under test (default: the shipped one). The adapter's raw records
are then passed through the pipeline steps in the library (gate, index check and lesion gate,
then cue completion: exactly what ``radlite extract lirads`` does by default), giving three
prediction files from one model run. ``radlite eval lirads`` scores them with paired
cluster bootstraps: adapter vs base, and each pipeline step vs the model alone. The
hand-written validation set is used for this final measurement only, never for
training or tuning (checkpoints and pipeline steps were chosen on the development sets;
``--gold`` runs the same benchmark on one of those).

    python benchmarks/train_lirads.py [--adapter DIR] [--name shipped] [--threads 1]

Writes ``benchmarks/results/train_lirads_<name>.json`` and ``.md``; predictions and the
evaluator's report go to ``--work`` (default ``/tmp/radlite-train-bench``).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from lirads_extraction import _shown  # noqa: E402 - sibling benchmark script

from radlite.backends.base import file_hash
from radlite.core.precision import resolve_dtype

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks/data/lirads_validation_handwritten.csv"
RESULTS = ROOT / "benchmarks/results"


def run(cmd: list[str]) -> float:
    """Run a command, echo it, return its wall time in seconds."""
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def extract_cmd(gold: Path, out: Path, threads: int, adapter: str | None,
                model: str | None = None) -> list[str]:
    """The extraction command (pipeline steps off) for the base model or an adapter.

    ``model`` (an optional model name such as ``gemma3-270m``, or a GGUF path) runs the
    transformers backend with the compact template the training configs use; without it
    the embedded builtin model runs.
    """
    backend = (["--backend", "transformers", "--model", model, "--template", "compact-v1"]
               if model else ["--backend", "builtin"])
    cmd = ["radlite", "extract", "lirads", str(gold), "-o", str(out), *backend,
           "--threads", str(threads), "--no-progress", "--restart", "--no-evidence-gate",
           "--no-cue-completion"]
    if out.suffix == ".jsonl":
        cmd += ["--format", "jsonl"]
    return cmd + (["--adapter", adapter] if adapter else ["--no-adapter"])


def pipeline_files(raw: Path, gold: Path, work: Path, name: str) -> dict[str, Path]:
    """Wide CSVs of the model alone, + the gate steps, + gate steps and cue completion."""
    from radlite.core.io import iter_json_objects
    from radlite.core.types import Record
    from radlite.pipeline.writers import write_wide
    from radlite.tasks.lirads import LiradsTask, gate

    with gold.open(newline="", encoding="utf-8") as handle:
        texts = {row["id"]: row["report"] for row in csv.DictReader(handle)}
    records = [Record.from_dict(obj) for _, _, obj in iter_json_objects(raw)]
    steps = {"model": lambda t, v: v,
             "gate": lambda t, v: gate.run(t, v, cue_completion=False)[0],
             "pipeline": lambda t, v: gate.run(t, v)[0],
             "rules": lambda t, v: gate.run(t, _empty_answer(v))[0]}
    files = {}
    for step, fn in steps.items():
        out = [replace(r, values=fn(texts[r.id], r.values)) if r.status == "ok" else r
               for r in records]
        files[step] = work / f"{name}_{step}.csv"
        write_wide(LiradsTask(), out, files[step])
    return files


def _empty_answer(values: dict) -> dict:
    """The answer of a model that found nothing: the steps alone then decide ("rules alone")."""
    return {k: None if k in ("size", "location") else 0 for k in values}


def ablation_table(summary: dict) -> str:
    """Markdown rows: each configuration's accuracy and pooled MCC with 95% CIs."""
    rows = [("model alone (`--no-evidence-gate --no-cue-completion`)", "adapter_metrics"),
            ("+ evidence gate, index and lesion checks (`--no-cue-completion`)",
             "adapter_gate_metrics"),
            ("+ cue completion = default pipeline", "pipeline_metrics"),
            ("rules alone (the steps on an empty answer)", "rules_metrics"),
            ("base model, no adapter (steps off)", "base")]
    lines = ["| configuration | accuracy [95% CI] | pooled MCC [95% CI] |", "|---|---|---|"]
    for label, key in rows:
        m = summary[key]
        lines.append(f"| {label} | {_ci(m['accuracy'])} | {_ci(m['mcc'])} |")
    return "\n".join(lines)


def _ci(value: list[float]) -> str:
    return f"{value[0]:.3f} [{value[1]:.3f}, {value[2]:.3f}]"


def headline(results: dict, model: str) -> dict[str, list[float]]:
    """accuracy and mcc of ``model`` as [value, ci_low, ci_high]."""
    return {m["metric"]: [m["value"], m["ci_low"], m["ci_high"]] for m in results["metrics"]
            if m["model"] == model and m["headline"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default=str(ROOT / "radlite/adapters/lirads"))
    parser.add_argument("--name", default="shipped")
    parser.add_argument("--model", default=None,
                        help="Base model name or GGUF for the transformers backend "
                             "(default: the embedded builtin model).")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dtype", default="auto", help="Model precision (extract --dtype).")
    parser.add_argument("--work", type=Path, default=Path("/tmp/radlite-train-bench"))
    parser.add_argument("--base-pred", type=Path, default=None,
                        help="Reuse an existing --no-adapter prediction file.")
    parser.add_argument("--adapter-pred", type=Path, default=None,
                        help="Reuse an existing adapter JSONL (pipeline steps off).")
    parser.add_argument("--gold", type=Path, default=GOLD,
                        help="Labelled CSV (default: the hand-written validation set).")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    base = args.base_pred or args.work / "base.csv"
    raw = args.work / f"{args.name}.jsonl"
    commands, seconds = [], {}
    if args.base_pred is None:
        commands.append(extract_cmd(args.gold, base, args.threads, None, args.model) + ["--dtype", args.dtype])
        seconds["base_extract"] = run(commands[-1])
    if args.adapter_pred is None:
        commands.append(extract_cmd(args.gold, raw, args.threads, args.adapter, args.model)
                        + ["--dtype", args.dtype])
        seconds["adapter_extract"] = run(commands[-1])
    else:
        raw = args.adapter_pred
    files = pipeline_files(raw, args.gold, args.work, args.name)
    preds = ["--pred", f"base={base}"]
    for step, path in files.items():
        preds += ["--pred", f"{step}={path}"]
    results = {}
    for baseline in ("base", "model"):
        report = args.work / f"eval_{args.name}_vs_{baseline}"
        commands.append(["radlite", "eval", "lirads", "--gold", str(args.gold), *preds,
                         "--baseline", baseline, "-o", str(report), "--no-plots"])
        run(commands[-1])
        results[baseline] = json.loads((report / "results.json").read_text(encoding="utf-8"))
    first = results["base"]
    summary = {
        "gold": _shown(args.gold), "n_reports": first["n_reports"],
        "model": args.model or "builtin",
        "adapter": _shown(Path(args.adapter)), "adapter_hash": file_hash(args.adapter),
        "dtype": f"{args.dtype} -> {resolve_dtype(args.dtype, 'cpu')}", "commands": [" ".join(c) for c in commands],
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "base": headline(first, "base"),
        "adapter_metrics": headline(first, "model"),
        "adapter_gate_metrics": headline(first, "gate"),
        "pipeline_metrics": headline(first, "pipeline"),
        "rules_metrics": headline(first, "rules"),
        "comparisons_vs_base": first["comparisons"],
        "comparisons_vs_model": results["model"]["comparisons"],
        "failed": {m: v["n_failed"] for m, v in first["ids"]["models"].items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"train_lirads_{args.name}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(
        f"# LI-RADS ablation: {summary['gold']} ({summary['n_reports']} reports), adapter "
        f"{summary['adapter_hash']}, {summary['dtype']}\n\n{ablation_table(summary)}\n", encoding="utf-8")
    print(json.dumps({k: summary[k] for k in ("base", "adapter_metrics", "adapter_gate_metrics",
                                              "pipeline_metrics", "rules_metrics", "failed")}, indent=2))
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
