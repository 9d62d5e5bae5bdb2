"""A trained impression adapter against the extractive draft, by the whole command.

Runs ``radlite impress`` (draft, model, refine) on a split of Open-i pairs made by
``scripts/impression_data.py`` (default: ``test``, the MEDIQA ``report`` slice, never
used for training or tuning), clean and with 3% per-letter typos in the findings
(``radlite eval perturb``), then scores every system with ``radlite eval impression``
(ROUGE/BLEU/METEOR/BERTScore, consistency, CheXpert label F1; paired bootstrap against
``draft``). The gate's flag rate is read from each output's ``flags`` column.

    python scripts/impression_data.py
    python benchmarks/impression_model.py --adapter runs/impression-sft-stage1/adapter \\
        [--split test] [--n 0] [--name stage1] [--threads 2] [--modes draft,refine] \\
        [--examples runs/impression-data/bank.csv]

Writes ``benchmarks/results/impression_model_<name>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "runs" / "impression-data"
RESULTS = ROOT / "benchmarks" / "results"
HEADLINE = ("rougeL", "bleu4", "meteor", "bertscore_f1", "label_f1", "label_f1_abnormal",
            "consistency")


def run(cmd: list[str]) -> float:
    """Run a command, echo it, return its wall time in seconds."""
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def head(source: Path, target: Path, n: int) -> int:
    """Copy the first ``n`` rows (all when 0) of a CSV; returns the row count."""
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows = rows[:n] if n else rows
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def flag_rate(path: Path) -> float:
    """Share of outputs with at least one consistency-gate flag."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return sum(bool(json.loads(r.get("flags") or "[]")) for r in rows) / max(1, len(rows))


# Draft variants (no model): without the example bank, the plain extractive draft
# (built-in normal statement) and the default draft (the shipped habit model), with and
# without its spelling correction; the
# examples-aware draft by its rules only (TF-IDF or encoder retrieval, no spelling
# correction: the default before the consensus step); without spelling correction (and
# layout); and without the examples' numbered-list layout.
NO_BANK = ("plain", "habits", "habits_no_spelling")
DRAFT_VARIANTS = {"plain": ["--habit-model", "none"], "habits": [],
                  "habits_no_spelling": ["--no-spelling"],
                  "rules": ["--consensus", "0", "--no-spelling", "--no-examples-layout"],
                  "rules_encoder": ["--consensus", "0", "--retrieval", "encoder", "--no-spelling",
                                    "--no-examples-layout"],
                  "no_spelling": ["--no-spelling", "--no-examples-layout"],
                  "no_layout": ["--no-examples-layout"]}


def impress(source: Path, out: Path, system: str, args: argparse.Namespace) -> list[str]:
    """The ``radlite impress`` command for one system: a mode, ``refine_drop`` (refine
    with ``--refine-may-drop``) or a draft variant of :data:`DRAFT_VARIANTS`."""
    mode = {"refine_drop": "refine", **dict.fromkeys(DRAFT_VARIANTS, "draft")}.get(system, system)
    cmd = ["radlite", "impress", str(source), "-o", str(out), "--mode", mode, "--restart",
           "--no-progress"]
    cmd += ["--refine-may-drop"] if system == "refine_drop" else []
    if system in NO_BANK:
        cmd += DRAFT_VARIANTS[system]
    elif args.examples:
        cmd += ["--examples", str(args.examples), *DRAFT_VARIANTS.get(system, [])]
    if mode != "draft":
        cmd += ["--threads", str(args.threads), "--dtype", args.dtype]
        cmd += ["--adapter", args.adapter] if args.adapter else ["--no-adapter"]
        cmd += args.decoding
    return cmd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default="", help="Impression adapter (empty: untrained).")
    parser.add_argument("--name", default="trained")
    parser.add_argument("--split", default="test", choices=("val", "test"))
    parser.add_argument("--n", type=int, default=0, help="First n pairs only (0 = all).")
    parser.add_argument("--modes", default="draft,model,refine",
                        help="Systems: draft, model, refine, refine_drop (--refine-may-drop), "
                             "the draft variants without a bank plain (built-in "
                             "normal statement), habits (the shipped habit model) and "
                             "habits_no_spelling, "
                             "and with --examples rules, rules_encoder, no_spelling, "
                             "no_layout.")
    parser.add_argument("--baseline", default="draft",
                        help="System the others are compared with (paired bootstrap).")
    parser.add_argument("--examples", type=Path, default=None,
                        help="Example bank for every system (e.g. runs/impression-data/"
                             "bank.csv: train + val, for the test split).")
    parser.add_argument("--typo-rates", default="0,0.03")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--work", type=Path, default=Path("/tmp/radlite-impression-bench"))
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("decoding", nargs="*", help="Extra impress flags after --, e.g. "
                        "-- --num-beams 2 --repetition-penalty 1.1")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    source = DATA / f"{args.split}.csv"
    if not source.is_file():
        print(f"{source} is missing: run python scripts/impression_data.py", file=sys.stderr)
        return 2
    gold = args.work / "gold.csv"
    n = head(source, gold, args.n)
    summary: dict = {"split": args.split, "n": n, "adapter": args.adapter or None,
                     "baseline": args.baseline,
                     "examples": str(args.examples) if args.examples else None,
                     "decoding": args.decoding, "dtype": args.dtype, "typo_levels": {}}
    for rate in (float(r) for r in args.typo_rates.split(",")):
        tag = f"typo{int(round(rate * 100))}"
        inp = gold
        if rate:
            inp = args.work / f"input_{tag}.csv"
            run(["radlite", "eval", "perturb", str(gold), "-o", str(inp), "--typo-rate",
                 str(rate), "--column", "findings", "--seed", "0"])
        preds, seconds, flags = [], {}, {}
        for mode in args.modes.split(","):
            out = args.work / f"{args.name}_{mode}_{tag}.csv"
            seconds[mode] = round(run(impress(inp, out, mode, args)), 1)
            flags[mode] = round(flag_rate(out), 4)
            preds += ["--pred", f"{mode}={out}"]
        report = args.work / f"eval_{args.name}_{tag}"
        run(["radlite", "eval", "impression", "--gold", str(gold), *preds, "--baseline",
             args.baseline, "-o", str(report), "--no-plots", "--n-boot", str(args.n_boot)])
        results = json.loads((report / "results.json").read_text(encoding="utf-8"))
        summary["typo_levels"][tag] = {
            "seconds": seconds, "reports_per_s": {m: round(n / s, 2) for m, s in seconds.items()},
            "gate_flag_rate": flags,
            "metrics": [m for m in results["metrics"] if m["metric"] in HEADLINE],
            "comparisons": [c for c in results["comparisons"] if c["metric"] in HEADLINE],
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"impression_model_{args.name}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(summary), encoding="utf-8")
    print(markdown(summary))
    return 0


def markdown(summary: dict) -> str:
    """Tables of the headline metrics and the paired differences against ``draft``."""
    lines = [f"# Impressions: {summary['split']} split ({summary['n']} pairs), adapter "
             f"{summary['adapter']}, examples {summary.get('examples')}, decoding "
             f"{summary['decoding'] or 'default'}\n"]
    for tag, level in summary["typo_levels"].items():
        lines += [f"## {tag}\n", "| system | " + " | ".join(HEADLINE) + " | gate flags | reports/s |",
                  "|---" * (len(HEADLINE) + 3) + "|"]
        by_model: dict[str, dict[str, str]] = {}
        for m in level["metrics"]:
            by_model.setdefault(m["model"], {})[m["metric"]] = (
                f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]")
        for model, cells in by_model.items():
            lines.append(f"| {model} | " + " | ".join(cells.get(k, "-") for k in HEADLINE)
                         + f" | {level['gate_flag_rate'].get(model, '-')} | "
                         f"{level['reports_per_s'].get(model, '-')} |")
        lines.append(f"Paired differences against {summary.get('baseline', 'draft')}:\n")
        for c in level["comparisons"]:
            lines.append(f"- {c['model']} - {c['baseline']} ({c['metric']}): "
                         f"{c['difference']:+.3f} [{c['low']:+.3f}, {c['high']:+.3f}], "
                         f"p={c['p_value']:.3f}")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
