"""Before/after benchmark of a LI-RADS adapter on the hand-written validation set.

Runs ``radlite extract lirads`` with the builtin model twice -- without an adapter
(``--no-adapter``) and with the adapter under test (default: the shipped one) -- and
scores both with ``radlite eval lirads`` (paired cluster bootstrap). The hand-written
set is used for this final measurement only, never for training or tuning.

    python benchmarks/train_lirads.py [--adapter DIR] [--name shipped] [--threads 1]

Writes ``benchmarks/results/train_lirads_<name>.json`` and ``.md``; predictions and the
evaluator's report go to ``--work`` (default ``/tmp/radlite-train-bench``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks/data/lirads_validation_handwritten.csv"
RESULTS = ROOT / "benchmarks/results"


def run(cmd: list[str]) -> float:
    """Run a command, echo it, return its wall time in seconds."""
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def extract_cmd(out: Path, threads: int, adapter: str | None) -> list[str]:
    """The extraction command for the base model (adapter None) or an adapter."""
    cmd = ["radlite", "extract", "lirads", str(GOLD), "-o", str(out), "--backend", "builtin",
           "--threads", str(threads), "--no-progress", "--restart"]
    return cmd + (["--adapter", adapter] if adapter else ["--no-adapter"])


def headline(results: dict, model: str) -> dict[str, list[float]]:
    """accuracy and mcc of ``model`` as [value, ci_low, ci_high]."""
    return {m["metric"]: [m["value"], m["ci_low"], m["ci_high"]] for m in results["metrics"]
            if m["model"] == model and m["headline"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default=str(ROOT / "radlite/adapters/lirads"))
    parser.add_argument("--name", default="shipped")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/radlite-train-bench"))
    parser.add_argument("--base-pred", type=Path, default=None,
                        help="Reuse an existing --no-adapter prediction file.")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    base = args.base_pred or args.work / "base.csv"
    tuned = args.work / f"{args.name}.csv"
    commands, seconds = [], {}
    if args.base_pred is None:
        commands.append(extract_cmd(base, args.threads, None))
        seconds["base_extract"] = run(commands[-1])
    commands.append(extract_cmd(tuned, args.threads, args.adapter))
    seconds["adapter_extract"] = run(commands[-1])
    report = args.work / f"eval_{args.name}"
    commands.append(["radlite", "eval", "lirads", "--gold", str(GOLD), "--pred", f"base={base}",
                     "--pred", f"adapter={tuned}", "--baseline", "base", "-o", str(report),
                     "--no-plots"])
    run(commands[-1])
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    summary = {
        "gold": str(GOLD.relative_to(ROOT)), "n_reports": results["n_reports"],
        "adapter": args.adapter, "commands": [" ".join(c) for c in commands],
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "base": headline(results, "base"), "adapter_metrics": headline(results, "adapter"),
        "comparisons": results["comparisons"], "failed": {
            m: v["n_failed"] for m, v in results["ids"]["models"].items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"train_lirads_{args.name}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: summary[k] for k in ("base", "adapter_metrics", "failed")}, indent=2))
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
