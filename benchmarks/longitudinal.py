"""Longitudinal summaries: the summariser against copy baselines, ROUGE-L and fabrication.

Runs ``radlite summarize`` on a patients JSONL with references (``patient_id``,
``reports``, reference ``summary`` and ``per_report``; the summariser sees only
``patient_id`` and ``reports``), or reads a finished output (``--system-output``), and
scores it with ``radlite.evaluate.evaluate_task("serial", ...)`` (ROUGE-L, fabrication
rate, patient-level cluster bootstrap, paired differences) against two baselines that
copy the input:

- summary: the last report's impression, verbatim;
- per report: the first numbered item of that report's impression ("1. ..."), or its
  first sentence when the impression is not numbered.

Only ``patient_id``, ``summary`` and ``per_report`` of the output are read. Also: the
fabrication rate of every system (``radlite.evaluate.fabrication``; the baselines copy
the input and the references are written from it, so theirs show the checker's false
alarms), summary length (words,
sentences ending at ".", "!" or "?"), the share of summaries with 3-5 sentences and at most 150
words, and speed (patients/s of the whole command, interpreter start included, and of
the in-process ``summarize_series`` calls repeated to at least 3 s after one untimed
warm-up round).

    python benchmarks/longitudinal.py --data benchmarks/data/longitudinal/dev.jsonl \\
        --name NAME [--output-dir benchmarks/results/longitudinal] \\
        [--system-output OUT.jsonl] [--n-boot 2000] [--seed 0]

Writes ``OUTPUT_DIR/NAME.json`` and updates the table in ``OUTPUT_DIR/README.md`` (one
row per run name; a rerun with the same name replaces its row).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from radlite.evaluate.fabrication import fabrication_rate, report_sources
from radlite.evaluate.runner import evaluate_task
from radlite.text.sentences import split_items

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "longitudinal"
REFERENCE_FIELDS = ("summary", "per_report")
METRICS = ("summary_rougeL", "per_report_rougeL", "summary_fabrication_rate",
           "per_report_fabrication_rate")
_FIRST_ITEM = re.compile(r"^\s*\(?1[.)]\s+(?P<item>.*?)(?=\s\(?2[.)]\s|\n\s*\(?2[.)]|\Z)",
                         re.DOTALL)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def patient_id(row: dict[str, Any]) -> str:
    return str(row.get("patient_id") or row.get("id") or "")


def summariser_input(row: dict[str, Any]) -> dict[str, Any]:
    """What the summariser may see: ``patient_id`` and ``reports`` (the documented input;
    references and annotations such as ``summary``, ``per_report``, ``lesions`` are left
    out)."""
    return {"patient_id": patient_id(row), "reports": row.get("reports") or []}


def first_item(impression: str) -> str:
    """The first numbered item of an impression ("1. ..." without its number), or its first
    sentence when it is not numbered."""
    m = _FIRST_ITEM.match(impression or "")
    if m and m.group("item").strip():
        return m.group("item").strip()
    items = split_items(impression or "")
    return items[0].text if items else ""


def baseline_row(row: dict[str, Any]) -> dict[str, Any]:
    """Copy baselines: last impression as the summary, first item of each impression."""
    reports = list(row.get("reports") or [])
    impressions = [str(r.get("impression") or "") for r in reports]
    return {"patient_id": patient_id(row), "summary": impressions[-1] if impressions else "",
            "per_report": [first_item(i) for i in impressions]}


def system_rows(path: Path) -> dict[str, dict[str, Any]]:
    """``patient_id -> {patient_id, summary, per_report}`` of a summariser output (a failed
    row keeps its id with empty texts)."""
    out = {}
    for row in read_jsonl(path):
        failed = str(row.get("status", "")) == "failed"
        out[patient_id(row)] = {
            "patient_id": patient_id(row),
            "summary": "" if failed else str(row.get("summary") or ""),
            "per_report": [] if failed else [str(s or "") for s in row.get("per_report") or []]}
    return out


def radlite_command() -> list[str]:
    exe = shutil.which("radlite")
    return [exe] if exe else [sys.executable, "-m", "radlite.cli.main"]


def run_summariser(inputs: Path, out: Path) -> float:
    """Run ``radlite summarize`` (fresh job store), return its wall time in seconds."""
    cmd = [*radlite_command(), "summarize", str(inputs), "-o", str(out), "--no-progress"]
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def in_process_rate(patients: list[dict[str, Any]], min_seconds: float = 3.0) -> dict:
    """Patients/s of ``summarize_series`` over all patients, repeated to ``min_seconds``
    after one untimed round (loading the vocabulary, cues and statement selector is the
    command's start-up, measured in the whole-command rate)."""
    from radlite.tasks.summarize import summarize_series

    for p in patients:
        summarize_series(p)
    done, rounds = 0, 0
    start = time.perf_counter()
    while True:
        for p in patients:
            summarize_series(p)
        done += len(patients)
        rounds += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return {"patients": done, "rounds": rounds, "seconds": round(elapsed, 4),
                    "patients_per_s": round(done / elapsed, 2)}


def count_sentences(text: str) -> int:
    """Sentences of a summary: ends at ".", "!" or "?" before a space and a capital or a
    digit (a semicolon joins clauses of one sentence; "1.2 cm" is not an end)."""
    return len([p for p in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text.strip()) if p])


def text_shape(summaries: list[str]) -> dict[str, float]:
    """Mean words and sentences per summary; share with 3-5 sentences and <= 150 words."""
    words = np.array([len(s.split()) for s in summaries], dtype=float)
    sentences = np.array([count_sentences(s) for s in summaries], dtype=float)
    fits = (sentences >= 3) & (sentences <= 5) & (words <= 150)
    return {"mean_words": round(float(words.mean()), 2),
            "mean_sentences": round(float(sentences.mean()), 2),
            "share_3to5_sentences_le150_words": round(float(fits.mean()), 4)}


def fabrication_detail(gold: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict:
    """Fabrication counts by kind and example values (value text and patient id only)."""
    out = {}
    for part in ("summary", "per_report"):
        items, n_reports, owners = [], [], []
        for g, r in zip(gold, rows, strict=True):
            sources = report_sources(g.get("reports") or [])
            texts = [r["summary"]] if part == "summary" else [s for s in r["per_report"] if s]
            for t in texts:
                items.append((t, sources))
                n_reports.append(len(g.get("reports") or []))
                owners.append(patient_id(g))
        res = fabrication_rate(items, n_reports=n_reports, max_examples=15)
        detail = res.as_dict()
        for ex in detail["examples"]:
            ex["patient_id"] = owners[ex.pop("output")]
        out[part] = detail
    return out


def score(gold_path: Path, preds: dict[str, Path], n_boot: int, seed: int) -> dict:
    """ROUGE-L and fabrication rates with CIs, and paired differences against ``baseline``."""
    res = evaluate_task("serial", gold_path, {k: str(v) for k, v in preds.items()},
                        out_dir=None, n_boot=n_boot, seed=seed, baseline="baseline",
                        text_metrics=["rouge"], plots=False)
    metrics = {m: {} for m in preds}
    for r in res["metrics"]:
        if r["metric"] in METRICS and not r["feature"]:
            metrics[r["model"]][r["metric"]] = {"value": round(r["value"], 4),
                                                "ci": [r["ci_low"], r["ci_high"]]}
    diffs = {c["metric"]: {"difference": round(c["difference"], 4), "ci": [c["low"], c["high"]],
                           "p": c["p_value"]}
             for c in res["comparisons"] if c["metric"] in METRICS and not c["feature"]}
    return {"metrics": metrics, "system_minus_baseline": diffs,
            "ids": res["ids"]["models"]["system"], "settings": res["settings"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="Patients JSONL with reference summary and per_report.")
    parser.add_argument("--name", required=True, help="Run name (results file and table row).")
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    parser.add_argument("--system-output", type=Path, default=None,
                        help="Score this summariser output instead of running radlite summarize.")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"{args.data} is missing", file=sys.stderr)
        return 2
    data = read_jsonl(args.data)
    gold = [{"patient_id": patient_id(r), "reports": r.get("reports") or [],
             **{k: r.get(k) for k in REFERENCE_FIELDS}} for r in data]
    references = [{"patient_id": g["patient_id"], "summary": str(g["summary"] or ""),
                   "per_report": [str(s or "") for s in g["per_report"] or []]} for g in gold]
    with tempfile.TemporaryDirectory(prefix="radlite-longitudinal-") as tmp:
        work = Path(tmp)
        speed: dict[str, Any] = {}
        system_path = args.system_output
        if system_path is None:
            inputs = write_jsonl(work / "input.jsonl", [summariser_input(r) for r in data])
            system_path = work / "out.jsonl"
            seconds = run_summariser(inputs, system_path)
            speed = {"cli_seconds": round(seconds, 3),
                     "cli_patients_per_s": round(len(data) / seconds, 2),
                     "in_process": in_process_rate([summariser_input(r) for r in data])}
        by_id = system_rows(system_path)
        system = [by_id.get(g["patient_id"], {"patient_id": g["patient_id"], "summary": "",
                                              "per_report": []}) for g in gold]
        baseline = [baseline_row(r) for r in data]
        paths = {"baseline": write_jsonl(work / "baseline.jsonl", baseline),
                 "system": write_jsonl(work / "system.jsonl", system)}
        scored = score(write_jsonl(work / "gold.jsonl", gold), paths, args.n_boot, args.seed)
    summary = {
        "name": args.name, "data": str(args.data), "n_patients": len(data),
        "n_reports": sum(len(g["reports"]) for g in gold),
        "system_output": str(args.system_output) if args.system_output else None,
        "recorded": dt.date.today().isoformat(),
        "baselines": {"summary": "last report's impression, verbatim",
                      "per_report": "first numbered item of the report's impression, or its "
                                    "first sentence"},
        **scored,
        "fabrication_detail": {"system": fabrication_detail(gold, system),
                               "baseline": fabrication_detail(gold, baseline),
                               "reference": fabrication_detail(gold, references)},
        "summary_shape": {"system": text_shape([r["summary"] for r in system]),
                          "baseline": text_shape([r["summary"] for r in baseline]),
                          "reference": text_shape([str(g.get("summary") or "") for g in gold])},
        "speed": speed,
    }
    args.output_dir.mkdir(parents=True, exist_ok=True)
    out = args.output_dir / f"{args.name}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    readme = args.output_dir / "README.md"
    readme.write_text(update_table(readme.read_text("utf-8") if readme.is_file() else "",
                                   table_row(summary)), encoding="utf-8")
    print(report(summary))
    print(f"wrote {out} and {readme}")
    return 0


def _est(m: dict) -> str:
    return f"{m['value']:.3f} [{m['ci'][0]:.3f}, {m['ci'][1]:.3f}]"


def _diff(d: dict) -> str:
    return f"{d['difference']:+.3f} [{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}]"


def report(s: dict) -> str:
    """The console summary of one run."""
    m, d = s["metrics"], s["system_minus_baseline"]
    lines = [f"{s['name']}: {s['n_patients']} patients, {s['n_reports']} reports ({s['data']})"]
    for metric in METRICS:
        lines.append(f"  {metric:<28} system {_est(m['system'][metric])}  baseline "
                     f"{_est(m['baseline'][metric])}  system-baseline {_diff(d[metric])}")
    for who, shape in s["summary_shape"].items():
        lines.append(f"  {who:<9} summary words {shape['mean_words']:.1f}, sentences "
                     f"{shape['mean_sentences']:.2f}, 3-5 sentences & <=150 words "
                     f"{shape['share_3to5_sentences_le150_words']:.1%}")
    if s["speed"]:
        sp = s["speed"]
        lines.append(f"  speed: {sp['in_process']['patients_per_s']} patients/s in process, "
                     f"{sp['cli_patients_per_s']} patients/s by the command "
                     f"({sp['cli_seconds']} s, interpreter start included)")
    for who, detail in s["fabrication_detail"].items():
        lines.append(f"  fabrication {who:<9} summary {detail['summary']['n_unsupported']}/"
                     f"{detail['summary']['n_values']} values, per-report "
                     f"{detail['per_report']['n_unsupported']}/"
                     f"{detail['per_report']['n_values']}")
    ex = s["fabrication_detail"]["system"]["summary"]["examples"][:5]
    if ex:
        lines.append("  unsupported in system summaries (first 5): " + ", ".join(
            f"{e['value']!r} ({e['patient_id']})" for e in ex))
    return "\n".join(lines)


HEADER = """# Longitudinal summaries: benchmark runs

Made by `benchmarks/longitudinal.py` (one row per `--name`; the full numbers, CIs,
p-values and example unsupported values are in `NAME.json` beside this file):

    python benchmarks/longitudinal.py --data benchmarks/data/longitudinal/dev.jsonl \\
        --name NAME [--system-output OUT.jsonl]

Without `--system-output` the script runs `radlite summarize` on the data (the
summariser sees only `patient_id` and `reports`). Values: estimate [95% CI], patient-level cluster bootstrap, 2000
resamples, seed 0. Baselines copy the input: the summary baseline is the last report's
impression verbatim; the per-report baseline is the first numbered item (or first
sentence) of each report's impression. Δ = system - baseline, paired on the same
resamples. Fabrication = share of numbers and dates in the output that the patient's
reports never give (lower is better; `docs/longitudinal-eval.md`). Shape: mean words and
sentences of the system summaries, and the share with 3-5 sentences and at most 150
words. Speed: in-process `summarize_series` patients/s, after a warm-up round from
2026-12-08 (the whole command's, interpreter start included, in brackets).

"""
COLUMNS = ("run", "date", "data", "patients", "summary ROUGE-L", "Δ vs last impression",
           "per-report ROUGE-L", "Δ vs first item", "fabrication summary / per-report",
           "baseline fabrication summary / per-report", "words / sentences",
           "3-5 sent. & ≤150 words", "patients/s")


def table_row(s: dict) -> list[str]:
    m, d = s["metrics"], s["system_minus_baseline"]
    shape = s["summary_shape"]["system"]
    speed = (f"{s['speed']['in_process']['patients_per_s']} ({s['speed']['cli_patients_per_s']})"
             if s["speed"] else "-")
    return [s["name"], s["recorded"], f"`{Path(s['data']).name}`", str(s["n_patients"]),
            _est(m["system"]["summary_rougeL"]), _diff(d["summary_rougeL"]),
            _est(m["system"]["per_report_rougeL"]), _diff(d["per_report_rougeL"]),
            f"{m['system']['summary_fabrication_rate']['value']:.3f} / "
            f"{m['system']['per_report_fabrication_rate']['value']:.3f}",
            f"{m['baseline']['summary_fabrication_rate']['value']:.3f} / "
            f"{m['baseline']['per_report_fabrication_rate']['value']:.3f}",
            f"{shape['mean_words']:.1f} / {shape['mean_sentences']:.2f}",
            f"{shape['share_3to5_sentences_le150_words']:.0%}", speed]


def update_table(old: str, row: list[str]) -> str:
    """README text with ``row`` replacing the row of the same run name, or appended."""
    rows: list[list[str]] = []
    for line in old.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] not in (COLUMNS[0], "") and \
                not set(cells[0]) <= set("-: "):
            rows.append(cells)
    names = [r[0] for r in rows]
    if row[0] in names:
        rows[names.index(row[0])] = row
    else:
        rows.append(row)
    table = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    return HEADER + "\n".join(table) + "\n"


if __name__ == "__main__":
    sys.exit(main())
