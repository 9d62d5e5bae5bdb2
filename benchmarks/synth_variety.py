"""Variety and speed of `radlite synth`: distinct-n and nearest-neighbour similarity.

Run: python benchmarks/synth_variety.py [-n 1000] [--seed 0]
Writes benchmarks/results/synth_variety.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from radlite.synth import generate
from radlite.synth.variety import measure

RUNS = [("lirads", "en", "report"), ("lirads", "ko-en", "report"), ("lirads", "mixed", "report"),
        ("abdct", "en", "report"), ("chest", "en", "report"), ("impression", "en", "findings"),
        ("serial", "en", "summary")]


def main() -> None:
    """Measure every generator and write the JSON results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = {"n": args.n, "seed": args.seed, "python": platform.python_version(),
               "threshold": 0.95, "runs": []}
    for task, lang, field in RUNS:
        start = time.perf_counter()
        records = generate(task, args.n, seed=args.seed, lang=lang)
        seconds = time.perf_counter() - start
        stats = measure([str(r[field]) for r in records]).to_dict()
        results["runs"].append({"task": task, "lang": lang, "field": field,
                                "generate_seconds": round(seconds, 3), **stats})
        print(task, lang, json.dumps(stats), f"{seconds:.2f}s")
    out = Path(__file__).parent / "results" / "synth_variety.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
