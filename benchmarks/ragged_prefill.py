"""Ragged prefill against padded prefill, interleaved A/B on the same loaded model.

The transformers backend prefills a batch whose prompts differ a lot in length in groups
of similar length instead of padding every prompt to the longest
(``radlite.backends.hf_prefix.ragged_cache``). This benchmark times the real LI-RADS
requests of ``benchmarks/data`` (mixed Korean/English, the task's ``compact-v1``
template) through ``backend.generate`` in two layouts:

* ``arrival``: batches of ``--small`` in input order (what the REST API's micro-batches
  of single-report requests look like);
* ``sorted``: batches of ``--large`` sorted by prompt length (a batch job).

Each (layout, mode) is run ``--repeats`` times, the modes alternating, and the median
reports/s is recorded, because this shared 2-core machine drifts by 10-20% over minutes.
Greedy outputs of both modes are compared report by report.

    python benchmarks/ragged_prefill.py [--data CSV] [--n 64] [--small 8] [--large 64]
        [--repeats 3] [--name NAME]

``--data`` takes a report CSV (its reports repeat, in a fixed shuffled order, up to
``--n``; e.g. ``examples/lirads_sample.csv``, the load benchmark's 12 reports of 130-555
tokens). Writes ``benchmarks/results/ragged_prefill_NAME.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def timed(backend: Any, batches: list[list[Any]], ragged: bool) -> tuple[float, list[str]]:
    """Seconds and answers for ``batches`` with ragged prefill on or off."""
    # the backend's own switch, flipped on one loaded model so that the modes interleave:
    # None lets the backend decide from the model (on where it can be), False pads
    backend._ragged_ok = None if ragged else False
    started = time.monotonic()
    texts = [r.text for batch in batches for r in backend.generate(batch)]
    return time.monotonic() - started, texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--small", type=int, default=8)
    parser.add_argument("--large", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--name", default="handwritten")
    args = parser.parse_args(argv)

    from throughput import load_reports

    from radlite.backends import load_backend
    from radlite.tasks import get_task

    task = get_task("lirads", template="compact-v1")
    reports = load_reports(args.data, args.n)
    reports = [reports[(i * 7) % len(reports)] for i in range(args.n)]  # 7: coprime to 12
    requests = [task.build_request(r) for r in reports]
    backend = load_backend("builtin", threads=2, batch_size=args.large)
    backend.generate(requests[:2])  # warm-up
    lengths = [len(row) for row in backend._encode(requests)]
    by_length = [requests[i] for i in sorted(range(len(requests)), key=lengths.__getitem__)]
    layouts = {
        "arrival": [requests[i:i + args.small] for i in range(0, len(requests), args.small)],
        "sorted": [by_length[i:i + args.large] for i in range(0, len(by_length), args.large)],
    }
    rows = []
    for layout, batches in layouts.items():
        seconds: dict[str, list[float]] = {"ragged": [], "padded": []}
        answers: dict[str, list[str]] = {}
        for _ in range(args.repeats):
            for mode in ("ragged", "padded"):
                took, answers[mode] = timed(backend, batches, mode == "ragged")
                seconds[mode].append(took)
        rates = {m: round(args.n / statistics.median(s), 3) for m, s in seconds.items()}
        rows.append({"layout": layout, "batch": len(batches[0]), "reports": args.n,
                     "reports_per_s": rates, "seconds": seconds,
                     "gain": round(rates["ragged"] / rates["padded"] - 1, 3),
                     "same_answers": sum(a == b for a, b in zip(answers["ragged"],
                                                                answers["padded"],
                                                                strict=True))})
        print(json.dumps(rows[-1]), flush=True)
    result = {"date": time.strftime("%Y-%m-%d"), "model_id": backend.model_id,
              "data": str(args.data or "benchmarks/data (load_reports default)"),
              "prompt_tokens": {"min": min(lengths), "median": statistics.median(lengths),
                                "max": max(lengths)},
              "command": "python benchmarks/ragged_prefill.py " + " ".join(sys.argv[1:]),
              "rows": rows}
    out = ROOT / "benchmarks" / "results" / f"ragged_prefill_{args.name}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
