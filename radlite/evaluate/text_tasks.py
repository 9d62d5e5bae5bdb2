"""Scoring of the text tasks: ``impression`` and ``serial``.

Key term: a *cluster*, the unit the bootstrap resamples. For ``impression`` a
cluster is one report. For ``serial`` it is one patient: the per-report
change-focused impressions of a patient are summed into that patient's counts,
and the longitudinal summary is one more item per patient.

``serial`` also gets ``summary_fabrication_rate`` and ``per_report_fabrication_rate``
when the gold rows carry the input ``reports``: the share of numbers and dates in the
outputs that the patient's reports never give (``radlite.evaluate.fabrication``; lower is
better; pooled over the patient's values, so the bootstrap resamples patients).

Model-based factual metrics (``impression`` only) are computed only when the
user supplies local weights or annotations (``FactualOptions``): NLI factual
consistency (``radlite.evaluate.nli``) and F1-RadGraph
(``radlite.evaluate.f1radgraph``). No other model is ever substituted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from radlite.core.errors import ConfigError, InputError
from radlite.evaluate import text
from radlite.evaluate.classification import accuracy as ratio
from radlite.evaluate.consistency import consistency_rate
from radlite.evaluate.fabrication import Grounding, report_sources
from radlite.evaluate.label_agreement import label_f1
from radlite.evaluate.spec import MetricSpec, ScoredModel
from radlite.evaluate.wordnet import missing_message, wordnet_available

log = logging.getLogger(__name__)

DEFAULT_METRICS = ("bleu", "rouge", "meteor", "bertscore", "embedding", "consistency", "labels")
#: Families that only make sense for single chest impressions, not for serial summaries.
IMPRESSION_ONLY = ("consistency", "labels")
HEADLINE = {"bleu4", "rougeL", "bertscore_f1", "nli_consistency", "f1radgraph_partial",
            "label_f1", "fabrication_rate"}
NLI_PREMISES = ("auto", "findings", "reference")


@dataclass(frozen=True)
class FactualOptions:
    """User-supplied weights/annotations for the model-based factual metrics.

    Attributes:
        nli_model: local Hugging Face sequence-classification NLI model folder.
        nli_premise: ``findings`` (gold ``findings`` column), ``reference`` (gold
            ``impression``) or ``auto`` (findings when the gold file has that
            column, else reference).
        nli_batch_size: sentence pairs per forward pass.
        nli_device: torch device for the NLI model.
        radgraph_annotations: RadGraph annotation JSONL (see
            ``radlite.evaluate.f1radgraph.read_annotations``).
        radgraph_model: local extracted RadGraph model folder, run through the
            ``radgraph`` package.
        radgraph_model_type: RadGraph model type (default: the folder name).
    """

    nli_model: str | None = None
    nli_premise: str = "auto"
    nli_batch_size: int = 16
    nli_device: str = "cpu"
    radgraph_annotations: str | None = None
    radgraph_model: str | None = None
    radgraph_model_type: str | None = None

    @property
    def active(self) -> bool:
        """Whether any factual metric was requested."""
        return bool(self.nli_model or self.radgraph_annotations or self.radgraph_model)


class FactualScorer:
    """Computes the requested factual metrics for one evaluation (loads things once).

    Raises:
        ConfigError: inconsistent options (both RadGraph sources, unknown premise).
    """

    def __init__(self, options: FactualOptions, gold_rows: list[dict], ids: list[str]) -> None:
        from radlite.evaluate import f1radgraph

        if options.radgraph_annotations and options.radgraph_model:
            raise ConfigError("give either --radgraph-annotations or --radgraph-model, not both")
        if options.nli_premise not in NLI_PREMISES:
            raise ConfigError(f"--nli-premise must be one of {NLI_PREMISES}, "
                              f"not {options.nli_premise!r}")
        self.options = options
        self.ids = ids
        self.annotations = (f1radgraph.read_annotations(options.radgraph_annotations)
                            if options.radgraph_annotations else None)
        self.annotator = (f1radgraph.RadGraphAnnotator(options.radgraph_model,
                                                       options.radgraph_model_type)
                          if options.radgraph_model else None)
        self._ref_annotations: list[Any] | None = None
        self.premise = self._premise_kind(gold_rows)
        self.premises = self._premises(gold_rows) if options.nli_model else []

    def _premise_kind(self, gold_rows: list[dict]) -> str:
        has_findings = bool(gold_rows) and "findings" in gold_rows[0]
        if self.options.nli_premise == "findings" and not has_findings:
            raise InputError("--nli-premise findings: the gold file has no findings column")
        if self.options.nli_premise == "auto":
            return "findings" if has_findings else "reference"
        return self.options.nli_premise

    def _premises(self, gold_rows: list[dict]) -> list[str]:
        column = "findings" if self.premise == "findings" else "impression"
        premises = [str(g.get(column) or "").strip() for g in gold_rows]
        empty = [i for i, p in zip(self.ids, premises, strict=True) if not p]
        if empty:
            raise InputError(f"NLI premise ({self.premise}): {len(empty)} gold rows have an empty "
                             f"{column} (e.g. {empty[:5]}); fill them or choose another "
                             "--nli-premise")
        return premises

    def scores(self, system: str, hyps: list[str], refs: list[str]) -> dict[str, text.TextScore]:
        """Factual metrics of one system's outputs (aligned with ``ids``)."""
        from radlite.evaluate import f1radgraph
        from radlite.evaluate.nli import nli_scores

        out: dict[str, text.TextScore] = {}
        if self.options.nli_model:
            out.update(nli_scores(hyps, self.premises, self.options.nli_model, self.premise,
                                  self.options.nli_batch_size, self.options.nli_device))
        if self.annotations is not None:
            h, r = f1radgraph.from_file(self.annotations, self.ids, system, hyps)
            out.update(f1radgraph.f1radgraph(
                h, r, note=f"annotations from {self.options.radgraph_annotations}"))
        elif self.annotator is not None:
            if self._ref_annotations is None:
                self._ref_annotations = self.annotator(refs)
            info = self.annotator.info
            out.update(f1radgraph.f1radgraph(
                self.annotator(hyps), self._ref_annotations,
                note=f"annotated by {info['model_type']} at {info['path']} "
                     f"(config sha256 {info['config_sha256'][:12]})"))
        return out

    def info(self) -> dict[str, Any]:
        """JSON-ready record of the models/annotations used, for traceability."""
        from radlite.evaluate.nli import load_nli

        out: dict[str, Any] = {"options": asdict(self.options)}
        if self.options.nli_model:
            out["nli"] = {**load_nli(self.options.nli_model, self.options.nli_device).info,
                          "premise": self.premise}
        if self.options.radgraph_annotations:
            out["radgraph"] = {"annotations": self.options.radgraph_annotations}
        elif self.annotator is not None:
            out["radgraph"] = self.annotator.info
        return out


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
    if "labels" in families:
        out.update(label_f1(hyps, refs))
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
                     encoder_path: str | None = None, factual: FactualScorer | None = None,
                     system: str = "") -> ScoredModel:
    """Text metrics of predicted vs gold ``impression``; a missing prediction is ''.

    With ``factual``, also the NLI/F1-RadGraph metrics of ``system``.
    """
    refs = [str(g.get("impression") or "") for g in gold_rows]
    hyps = [_pred_text(p, "impression") for p in pred_rows]
    sources = [str(g.get("findings") or "") for g in gold_rows] if "findings" in gold_rows[0] else None
    scores = text_scores(hyps, refs, sources, families, encoder_path)
    if factual is not None:
        scores.update(factual.scores(system, hyps, refs))
    return _cluster(scores, np.arange(len(refs)), len(refs))


def fabrication_scores(gold_rows: list[dict], pred_rows: list[dict | None]
                       ) -> dict[str, dict[str, text.TextScore]]:
    """Per-patient fabrication counts ``[unsupported, values]`` of the summary and of all
    per-report statements, against the gold row's ``reports``; ``{}`` without them.

    Returns:
        ``{"summary_": {"fabrication_rate": ...}, "per_report_": {...}}``; corpus score =
        pooled unsupported / values (0 when no value was checked). A missing or failed
        prediction has no values.
    """
    if not any(isinstance(g.get("reports"), list) for g in gold_rows):
        return {}
    counts: dict[str, list[list[int]]] = {"summary_": [], "per_report_": []}
    for g, p in zip(gold_rows, pred_rows, strict=True):
        reports = g.get("reports") if isinstance(g.get("reports"), list) else []
        grounding = Grounding(report_sources(reports), len(reports))
        failed = p is None or str(p.get("status", "ok")) == "failed"
        statements = [] if failed else [str(s) for s in p.get("per_report") or [] if s]
        for prefix, texts in (("summary_", [_pred_text(p, "summary")]),
                              ("per_report_", statements)):
            checked = [grounding.check(t) for t in texts]
            counts[prefix].append([sum(len(b) for _, b in checked),
                                   sum(len(v) for v, _ in checked)])
    note = ("share of numbers and dates in the output that the patient's reports never "
            "give (radlite.evaluate.fabrication); lower is better")
    out = {}
    for prefix, rows in counts.items():
        arr = np.asarray(rows, dtype=float).reshape(len(rows), 2)
        out[prefix] = {"fabrication_rate": text.TextScore(
            "fabrication_rate", ratio(arr), float(ratio(arr.sum(axis=0))), arr, ratio, note)}
    return out


def score_serial(gold_rows: list[dict], pred_rows: list[dict | None], families: list[str],
                 encoder_path: str | None = None) -> ScoredModel:
    """Summary and per-report metrics for longitudinal series, clustered by patient.

    Besides the requested text metrics, the fabrication rate of summaries and per-report
    statements when the gold rows have ``reports`` (see :func:`fabrication_scores`).
    """
    n = len(gold_rows)
    summ = text_scores([_pred_text(p, "summary") for p in pred_rows],
                       [str(g.get("summary") or "") for g in gold_rows], None,
                       [f for f in families if f not in IMPRESSION_ONLY], encoder_path)
    fabrication = fabrication_scores(gold_rows, pred_rows)
    summ.update(fabrication.get("summary_", {}))
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
        per = text_scores(hyps, refs, None, [f for f in families if f not in IMPRESSION_ONLY],
                          encoder_path)
        _merge(model, _cluster(per, np.asarray(cluster), n, prefix="per_report_"))
    if "per_report_" in fabrication:
        _merge(model, _cluster(fabrication["per_report_"], np.arange(n), n,
                               prefix="per_report_"))
    return model


def _merge(model: ScoredModel, other: ScoredModel) -> None:
    model.counts.update(other.counts)
    for key in ("notes", "fns", "per_item"):
        model.extra[key].update(other.extra[key])


def text_specs(model: ScoredModel) -> list[MetricSpec]:
    """One compared spec per text metric present in ``model``."""
    return [
        MetricSpec(key, key, fn, compare=True,
                   headline=key.removeprefix("summary_").removeprefix("per_report_") in HEADLINE)
        for key, fn in model.extra["fns"].items()
    ]
