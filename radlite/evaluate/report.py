"""Writing evaluation results: JSON, CSV tables, PNG plots and a self-contained HTML page.

Files written in the report folder: ``results.json`` (everything),
``metrics.csv`` (model, metric, feature, value, ci_low, ci_high),
``comparisons.csv`` (differences, CIs, p-values, Holm-adjusted p-values),
``ids.csv`` (missing/extra/failed ids per model), ``plots/*.png`` and
``report.html`` (PNGs embedded as base64, no external resources). The CSV tables are
spreadsheet-safe unless ``raw_csv`` (:mod:`radlite.core.csvsafe`): a text cell such as a
hostile id that starts with ``=`` gets a leading ``'``; numbers are never changed.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core import csvsafe
from radlite.evaluate import plots


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str],
               raw: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csvsafe.dict_writer(fh, columns, raw=raw, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)


def write_report(result: dict[str, Any], out_dir: Path, plots: bool = True,
                 distributions: dict[str, dict[str, np.ndarray]] | None = None,
                 raw_csv: bool = False) -> dict[str, Path]:
    """Write all report files; returns name -> path (``raw_csv``: CSV cells unguarded)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"json": out_dir / "results.json", "metrics": out_dir / "metrics.csv",
             "comparisons": out_dir / "comparisons.csv", "ids": out_dir / "ids.csv"}
    files["json"].write_text(json.dumps(result, indent=2, default=_json_default,
                                        allow_nan=True), encoding="utf-8")
    _write_csv(files["metrics"], result["metrics"],
               ["model", "metric", "feature", "value", "ci_low", "ci_high"], raw_csv)
    _write_csv(files["comparisons"], result["comparisons"],
               ["model", "baseline", "metric", "feature", "a", "b", "difference", "low", "high",
                "p_value", "p_adjusted", "method", "n_resamples"], raw_csv)
    id_rows = [{"model": m, "kind": kind, "id": i}
               for m, info in result["ids"]["models"].items()
               for kind in ("missing", "extra", "failed") for i in info[f"{kind}_ids"]]
    _write_csv(files["ids"], id_rows, ["model", "kind", "id"], raw_csv)
    if plots:
        files.update(_write_plots(result, out_dir / "plots", distributions))
        files["html"] = out_dir / "report.html"
        files["html"].write_text(render_html(result, files), encoding="utf-8")
    return files


def _write_plots(result, folder: Path, dists) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = {"forest": plots.forest(result, folder / "forest.png"),
            "heatmap": plots.feature_heatmap(result, folder / "feature_accuracy.png")}
    if dists is not None:
        made["distributions"] = plots.distributions(result, dists, folder / "distributions.png")
    for i, model in enumerate(result["models"]):
        made[f"confusion_{model}"] = plots.confusions(result, model, folder / f"confusion_{i}.png")
    return {k: v for k, v in made.items() if v is not None}


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:.4g}"
    return html.escape(str(v))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r.get(c, ''))}</td>" for c in columns) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(result: dict[str, Any], files: dict[str, Path]) -> str:
    """The self-contained HTML report."""
    s = result["settings"]
    overall = [r for r in result["metrics"] if not r["feature"]]
    overall_cmp = [r for r in result["comparisons"] if not r["feature"]]
    ids = [{"model": m, **{k: v for k, v in info.items() if k.startswith("n_")}}
           for m, info in result["ids"]["models"].items()]
    images = "".join(f"<figure>{_img(p)}</figure>" for k, p in files.items()
                     if p.suffix == ".png")
    notes = result.get("text", {}).get("notes", {})
    skipped = result.get("text", {}).get("skipped", {})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>radlite eval: {html.escape(result['task'])}</title><style>",
        "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;"
        "margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
        "th{background:#f3f3f3}img{max-width:100%}figure{margin:1em 0}",
        "</style></head><body>",
        f"<h1>radlite eval: {html.escape(result['task'])}</h1>",
        f"<p>{result['n_reports']} gold reports; baseline <b>{html.escape(result['baseline'])}</b>; "
        f"{s['n_boot']} resamples ({html.escape(s['ci'])}), seed {s['seed']}, "
        f"alpha {s['alpha']}; comparisons: {html.escape(s['test'])}, "
        f"{html.escape(s['multiple_comparisons'])}.</p>",
        "<h2>Ids</h2>", _table(ids, ["model", "n_missing", "n_extra", "n_failed"]),
        "<h2>Overall metrics</h2>",
        _table(overall, ["model", "metric", "value", "ci_low", "ci_high"]),
    ]
    if notes:
        parts += ["<h2>Text metric notes</h2><ul>"] + [
            f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in notes.items()
        ] + [f"<li><b>{html.escape(k)}</b> skipped: {html.escape(v)}</li>"
             for k, v in skipped.items()] + ["</ul>"]
    if overall_cmp:
        parts += ["<h2>Comparisons with the baseline</h2>",
                  _table(overall_cmp, ["model", "metric", "a", "b", "difference", "low", "high",
                                       "p_value", "p_adjusted"])]
    parts += ["<h2>Plots</h2>", images,
              "<p>Per-feature metrics and comparisons: metrics.csv, comparisons.csv.</p>",
              "</body></html>"]
    return "\n".join(parts)
