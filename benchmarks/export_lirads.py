"""Does the exported model answer like radlite's own? (``radlite export``, issue 21)

Exports the LI-RADS adapter (default: the shipped one), then runs ``radlite extract
lirads`` with the pipeline steps off on a labelled CSV three or four ways: the builtin
backend with the adapter, the exported ``hf/`` folder and the exported ``model.gguf``
(both through the transformers backend), and the GGUF through llama.cpp when
``llama-cpp-python`` is installed. Reports the share of reports whose raw answer is
identical to the builtin backend's, and each run's feature accuracy.

    python benchmarks/export_lirads.py [--adapter DIR] [--gguf-type f16] [--dtype float32]

Writes ``benchmarks/results/export_lirads.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

from lirads_extraction import _shown  # noqa: E402 - sibling benchmark script

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks/data/lirads_validation_handwritten.csv"
RESULTS = ROOT / "benchmarks/results"


def extract(gold: Path, out: Path, backend: list[str], threads: int) -> float:
    """Run the extraction (steps off, JSONL; the adapter's compact-v1 prompt, which other
    backends than builtin must be told); returns wall seconds."""
    cmd = ["radlite", "extract", "lirads", str(gold), "-o", str(out), "--format", "jsonl",
           "--no-progress", "--restart", "--no-evidence-gate", "--no-cue-completion",
           "--threads", str(threads), "--batch-size", "64", "--template", "compact-v1",
           *backend]
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def answers(path: Path) -> dict[str, dict]:
    """Report id -> the extracted values."""
    out = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            obj = json.loads(line)
            out[obj["id"]] = obj.get("values") or {}
    return out


def accuracy(found: dict[str, dict], gold: Path) -> float:
    """Share of the 12 features equal to the gold value, over all reports."""
    with gold.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    keys = [k for k in rows[0] if k not in ("id", "report")]
    right = total = 0
    for row in rows:
        values = found.get(row["id"], {})
        for key in keys:
            want = None if row[key].strip() == "" else int(float(row[key]))
            right += values.get(key) == want
            total += 1
    return right / total


def _llamacpp_available() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default=str(ROOT / "radlite/adapters/lirads"))
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--gguf-type", default="f16", choices=["f32", "f16", "q8_0"])
    parser.add_argument("--dtype", default="float32", help="transformers/builtin precision.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/radlite-export-bench"))
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    exported = args.work / "exported"
    cmd = ["radlite", "export", "-o", str(exported), "--adapter", args.adapter,
           "--gguf-type", args.gguf_type]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    runs = {"builtin+adapter": ["--backend", "builtin", "--adapter", args.adapter,
                                "--dtype", args.dtype],
            "exported hf (transformers)": ["--backend", "transformers", "--model",
                                           str(exported / "hf"), "--dtype", args.dtype],
            f"exported gguf {args.gguf_type} (transformers)": [
                "--backend", "transformers", "--model", str(exported / "model.gguf"),
                "--dtype", args.dtype]}
    if _llamacpp_available():
        runs[f"exported gguf {args.gguf_type} (llama.cpp)"] = [
            "--backend", "llamacpp", "--model", str(exported / "model.gguf")]
    found, seconds = {}, {}
    for i, (name, backend) in enumerate(runs.items()):
        out = args.work / f"run{i}.jsonl"
        seconds[name] = round(extract(args.gold, out, backend, args.threads), 1)
        found[name] = answers(out)
    reference = found["builtin+adapter"]
    summary = {
        "gold": _shown(args.gold), "adapter": _shown(Path(args.adapter)),
        "export": json.loads((exported / "export.json").read_text(encoding="utf-8")),
        "dtype": args.dtype, "llamacpp_installed": _llamacpp_available(),
        "runs": {name: {"identical_answers": round(sum(
                            values.get(i) == reference.get(i) for i in reference)
                            / len(reference), 4),
                        "accuracy": round(accuracy(values, args.gold), 4),
                        "seconds": seconds[name]}
                 for name, values in found.items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "export_lirads.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary["runs"], indent=2))
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
