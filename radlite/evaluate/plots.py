"""Matplotlib figures for evaluation reports (Agg backend, PNG files).

Each function takes the ``evaluate_task`` result (and bootstrap distributions
where needed), draws one figure, saves it as a PNG and returns its path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def forest(result: dict[str, Any], path: Path) -> Path | None:
    """Headline metrics per model as points with CI error bars."""
    rows = [r for r in result["metrics"] if r["headline"]]
    if not rows:
        return None
    plt = _plt()
    names = list(dict.fromkeys(r["metric"] for r in rows))
    models = result["models"]
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names) + 1, 0.5 * len(models) + 1.6),
                             squeeze=False, sharey=True)
    for ax, name in zip(axes[0], names, strict=True):
        for y, model in enumerate(models):
            r = next(r for r in rows if r["metric"] == name and r["model"] == model)
            err = [[r["value"] - r["ci_low"]], [r["ci_high"] - r["value"]]]
            ax.errorbar(r["value"], y, xerr=np.nan_to_num(err), fmt="o", capsize=4, color=f"C{y}")
            ax.annotate(f"{r['value']:.3f}", (r["value"], y), textcoords="offset points",
                        xytext=(0, 7), ha="center", fontsize=8)
        ax.set_title(name, fontsize=10)
        ax.set_yticks(range(len(models)), models)
        ax.set_ylim(-0.7, len(models) - 0.3)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"{result['task']}: estimates with {100 * (1 - result['settings']['alpha']):.0f}% "
                 "bootstrap CIs", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def feature_heatmap(result: dict[str, Any], path: Path) -> Path | None:
    """Per-feature accuracy (models x features) as an annotated heatmap."""
    acc = result.get("feature_accuracy") or {}
    if not acc:
        return None
    plt = _plt()
    models = list(acc)
    features = list(acc[models[0]])
    grid = np.array([[acc[m][f] for f in features] for m in models])
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(features) + 2), 0.5 * len(models) + 2.2))
    im = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(features)), features, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(models)), models)
    if len(features) <= 30:
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="black" if v > 0.6 else "white")
    fig.colorbar(im, ax=ax, label="accuracy")
    ax.set_title("Per-feature accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def confusions(result: dict[str, Any], model: str, path: Path) -> Path | None:
    """Small multiples of one model's confusion matrices (rows gold, columns predicted)."""
    mats = result.get("confusion", {}).get(model) or {}
    if not mats:
        return None
    plt = _plt()
    names = list(mats)
    cols = min(5, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, name in zip(axes.flat, names, strict=False):
        m = np.asarray(mats[name])
        ax.axis("on")
        ax.imshow(m, cmap="Blues")
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, str(int(v)), ha="center", va="center", fontsize=8,
                    color="white" if v > m.max() / 2 else "black")
        ticks = ["empty", "0", "1", "2", "3"] if len(m) == 5 else ["0", "1"]
        ax.set_xticks(range(len(m)), ticks, fontsize=7)
        ax.set_yticks(range(len(m)), ticks, fontsize=7)
        ax.set_title(name, fontsize=8)
    fig.suptitle(f"{model}: confusion matrices (rows gold, columns predicted)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def distributions(result: dict[str, Any], dists: dict[str, dict[str, np.ndarray]],
                  path: Path) -> Path | None:
    """Bootstrap distributions of the headline metrics, one panel per metric."""
    heads = list(dict.fromkeys(r["metric"] for r in result["metrics"]
                               if r["headline"] and not r["feature"]))
    if not heads:
        return None
    plt = _plt()
    fig, axes = plt.subplots(1, len(heads), figsize=(3.4 * len(heads) + 0.5, 2.8), squeeze=False)
    for ax, name in zip(axes[0], heads, strict=True):
        for i, model in enumerate(result["models"]):
            d = np.asarray(dists[model][name], dtype=float)
            ax.hist(d[np.isfinite(d)], bins=40, alpha=0.5, color=f"C{i}", label=model)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("bootstrap value", fontsize=8)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Bootstrap distributions", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def learning_curve(curves: list[list[dict[str, Any]]], path: Path, metric: str = "report_accuracy",
                   title: str = "") -> Path:
    """Accuracy against the number of reviewed reports, one line per draw of the reviews.

    Each point is ``{"n": int, metric: [value, ci_low, ci_high]}``.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for k, curve in enumerate(curves):
        xs = np.array([p["n"] for p in curve]) + 1.5 * (k - (len(curves) - 1) / 2)
        vals = np.array([p[metric] for p in curve], dtype=float)
        err = np.abs(np.stack([vals[:, 0] - vals[:, 1], vals[:, 2] - vals[:, 0]]))
        ax.errorbar(xs, vals[:, 0], yerr=err, fmt="o-", capsize=3, color=f"C{k}",
                    label=f"review draw {k + 1}")
    ax.set_xlabel("reviewed reports used for learning")
    ax.set_ylabel(metric.replace("_", " ") + " on new site reports")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or "Learning a site's convention (95% bootstrap CIs)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
