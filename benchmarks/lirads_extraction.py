"""LI-RADS extraction benchmark: accuracy, MCC (as the spec scores them) and reports/s.

Runs ``radlite extract lirads`` through the library on a labelled CSV (``id,report`` +
the 12 features), then scores it with ``radlite eval`` (report-level cluster bootstrap
CIs). Also scores a per-column majority guess computed on the same gold file, as the
reference floor the issue mentions.

Example:
    python benchmarks/lirads_extraction.py --name builtin-adapter
    python benchmarks/lirads_extraction.py --name builtin-base --no-adapter
    python benchmarks/lirads_extraction.py --backend transformers --model /models/qwen --name qwen
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import tempfile
import time
from collections import Counter
from pathlib import Path

from radlite.pipeline.extract import BackendSpec, InputSpec, extract, resolve_backend
from radlite.pipeline.runner import RunOptions
from radlite.schemas import lirads_features

ROOT = Path(__file__).resolve().parent
DEFAULT_DATA = ROOT / "data" / "lirads_validation_handwritten.csv"


def majority_guess(gold: Path, out: Path) -> None:
    """Write a prediction file that answers each column's most common gold value."""
    with gold.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    features = lirads_features()
    mode = {f: Counter(r[f] for r in rows).most_common(1)[0][0] for f in features}
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *features])
        for row in rows:
            writer.writerow([row["id"], *(mode[f] for f in features)])


def _shown(path: Path) -> str:
    """``path`` relative to the repository when inside it, else as given."""
    try:
        return str(path.resolve().relative_to(ROOT.parent))
    except ValueError:
        return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--name", default="builtin")
    parser.add_argument("--backend", default="builtin")
    parser.add_argument("--model", default=None)
    parser.add_argument("--adapter", default=None)
    parser.add_argument("--no-adapter", action="store_true")
    parser.add_argument("--template", default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--dtype", default=None, help="auto, float32 or bfloat16")
    parser.add_argument("--constrain-values", action="store_true",
                        help="restrict size/segment to values written in the report")
    parser.add_argument("--n-boot", type=int, default=10_000)
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    args = parser.parse_args()

    options = {"model": args.model, "adapter": args.adapter, "threads": args.threads,
               "dtype": args.dtype}
    if args.no_adapter:
        options["no_adapter"] = True
    spec = BackendSpec(args.backend, {k: v for k, v in options.items() if v is not None})
    template = args.template or ("compact-v1" if args.backend == "builtin" else "json-v1")
    started = time.perf_counter()
    backend = resolve_backend("lirads", spec)
    load_s = time.perf_counter() - started
    work = Path(tempfile.mkdtemp(prefix="radlite-bench-"))
    pred = work / f"{args.name}.csv"
    summary = extract("lirads", InputSpec(args.data), pred, backend=backend,
                      options=RunOptions(batch_size=args.batch_size, progress=True),
                      task_options={"template": template,
                                    "constrain_values": args.constrain_values})
    baseline = work / "majority.csv"
    majority_guess(args.data, baseline)

    from radlite.evaluate import evaluate_task

    report = evaluate_task("lirads", args.data, {args.name: pred, "majority-guess": baseline},
                           args.results / f"lirads_{args.name}", n_boot=args.n_boot, seed=0)
    result = {
        "name": args.name, "data": _shown(args.data),
        "constrain_values": args.constrain_values, "dtype": args.dtype or "auto",
        "backend": args.backend, "model_id": backend.model_id,
        "adapter_hash": backend.adapter_hash, "template": template,
        "reports": summary.total, "done": summary.done, "failed": summary.failed,
        "seconds": round(summary.seconds, 1), "load_seconds": round(load_s, 1),
        "reports_per_second": round(summary.reports_per_second, 3),
        "batch_size": args.batch_size or backend.capabilities.max_batch_size,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "metrics": report.get("headline", report) if isinstance(report, dict) else report,
    }
    out = args.results / f"lirads_extraction_{args.name}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
