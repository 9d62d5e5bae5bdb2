"""Scoring of the text tasks: ``impression`` and ``serial``.

Key term: a *cluster*, the unit the bootstrap resamples. For ``impression`` a
cluster is one report. For ``serial`` it is one patient: the per-report
change-focused impressions of a patient are summed into that patient's counts,
and the longitudinal summary is one more item per patient.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from radlite.core.errors import ConfigError
from radlite.evaluate import text
from radlite.evaluate.consistency import consistency_rate
from radlite.evaluate.spec import MetricSpec, ScoredModel
from radlite.evaluate.wordnet import missing_message, wordnet_available

log = logging.getLogger(__name__)

DEFAULT_METRICS = ("bleu", "rouge", "meteor", "bertscore", "embedding", "consistency")
HEADLINE = {"bleu4", "rougeL", "bertscore_f1"}


def resolve_metrics(requested: Sequence[str] | None) -> tuple[list[str], dict[str, str]]:
    """Metric families to compute and those skipped with a reason.

    With the default list, METEOR is skipped (and the reason recorded) when
    WordNet is not installed; when METEOR is requested explicitly it fails.
    """
    families = list(requested or DEFAULT_METRICS)
    unknown = set(families) - set(DEFAULT_METRICS)
    if unknown:
        raise ConfigError(f"unknown text metrics {sorted(unknown)}; choose from {DEFAULT_METRICS}")
    skipped = {}
    if "meteor" in families and not wordnet_available():
        if requested:
            raise ConfigError(missing_message())
        families.remove("meteor")
        skipped["meteor"] = missing_message()
        log.warning("skipping METEOR: %s", skipped["meteor"])
    return families, skipped


def text_scores(
    hyps: list[str], refs: list[str], sources: list[str] | None, families: list[str],
    encoder_path: str | None = None,
) -> dict[str, text.TextScore]:
    """All requested text metrics for aligned hypothesis/reference lists."""
    out: dict[str, text.TextScore] = {}
    if "bleu" in families:
        out.update(text.bleu(hyps, refs))
    if "rouge" in families:
        out.update(text.rouge(hyps, refs))
    if "meteor" in families:
        out.update(text.meteor(hyps, refs))
    if "bertscore" in families:
        out.update(text.bertscore(hyps, refs, encoder_path=encoder_path))
    if "embedding" in families:
        out.update(text.embedding_cosine(hyps, refs, encoder_path=encoder_path))
    if "consistency" in families and sources is not None:
        out["consistency"] = text.mean_score(
            "consistency", consistency_rate(sources, hyps),
            "share of outputs with no negation/laterality/measurement conflict with the source",
        )
    return out


def _cluster(scores: dict[str, text.TextScore], cluster: np.ndarray, n: int,
             prefix: str = "") -> ScoredModel:
    counts = {}
    for name, score in scores.items():
        summed = np.zeros((n,) + score.counts.shape[1:])
        np.add.at(summed, cluster, score.counts)
        counts[prefix + name] = summed
    notes = {prefix + k: s.note for k, s in scores.items()}
    fns = {prefix + k: s.fn for k, s in scores.items()}
    return ScoredModel(counts=counts, extra={"notes": notes, "fns": fns,
                                             "per_item": {prefix + k: s.per_item.tolist()
                                                          for k, s in scores.items()}})


def _pred_text(row: dict | None, key: str) -> str:
    if row is None or str(row.get("status", "ok")) == "failed":
        return ""
    value = row.get(key)
    return "" if value is None else str(value)


def score_impression(gold_rows: list[dict], pred_rows: list[dict | None], families: list[str],
                     encoder_path: str | None = None) -> ScoredModel:
    """Text metrics of predicted vs gold ``impression``; a missing prediction is ''."""
    refs = [str(g.get("impression") or "") for g in gold_rows]
    hyps = [_pred_text(p, "impression") for p in pred_rows]
    sources = [str(g.get("findings") or "") for g in gold_rows] if "findings" in gold_rows[0] else None
    scores = text_scores(hyps, refs, sources, families, encoder_path)
    return _cluster(scores, np.arange(len(refs)), len(refs))


def score_serial(gold_rows: list[dict], pred_rows: list[dict | None], families: list[str],
                 encoder_path: str | None = None) -> ScoredModel:
    """Summary and per-report metrics for longitudinal series, clustered by patient."""
    n = len(gold_rows)
    summ = text_scores([_pred_text(p, "summary") for p in pred_rows],
                       [str(g.get("summary") or "") for g in gold_rows], None,
                       [f for f in families if f != "consistency"], encoder_path)
    hyps, refs, cluster = [], [], []
    for i, (g, p) in enumerate(zip(gold_rows, pred_rows, strict=True)):
        gold_list = list(g.get("per_report") or [])
        pred_list = list((p or {}).get("per_report") or [])
        for j, ref in enumerate(gold_list):
            refs.append(str(ref or ""))
            hyps.append(str(pred_list[j]) if j < len(pred_list) and pred_list[j] else "")
            cluster.append(i)
    model = _cluster(summ, np.arange(n), n, prefix="summary_")
    if refs:
        per = text_scores(hyps, refs, None, [f for f in families if f != "consistency"],
                          encoder_path)
        per_model = _cluster(per, np.asarray(cluster), n, prefix="per_report_")
        model.counts.update(per_model.counts)
        for key in ("notes", "fns", "per_item"):
            model.extra[key].update(per_model.extra[key])
    return model


def text_specs(model: ScoredModel) -> list[MetricSpec]:
    """One compared spec per text metric present in ``model``."""
    return [
        MetricSpec(key, key, fn, compare=True,
                   headline=key.removeprefix("summary_").removeprefix("per_report_") in HEADLINE)
        for key, fn in model.extra["fns"].items()
    ]
