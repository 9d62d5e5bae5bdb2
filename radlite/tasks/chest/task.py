"""The chest X-ray task: CheXpert's 14 observations or the ChestX-ray14 label set.

Modes: ``rules`` (the baseline, :mod:`radlite.tasks.chest.rules`), ``learned``
(ChestX-ray14 only: rules find concept mentions, then a trained head on sentence
embeddings decides each mentioned label, :mod:`radlite.tasks.chest.head`; the default for
``chestxray14``) and ``verify`` (the generative model answers, per mention, whether the
sentence says the patient has it: yes/no/maybe). This is a *batched task*: work happens in
:meth:`ChestTask.run_batch`, which the job runner calls once per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest
from radlite.core.types import Evidence, Record, Report
from radlite.models.encoder import Embedder, local_embedder
from radlite.tasks.base import Task
from radlite.tasks.chest.head import default_head_path, featurize, load_head
from radlite.tasks.chest.labels import chestxray14_labels, chexpert_observations
from radlite.tasks.chest.mentions import Mention, find_mentions, load_concepts
from radlite.tasks.chest.rules import label_mentions
from radlite.tasks.questions import ask, build, decode, load_prompts

MODES = ("rules", "learned", "verify")
LABEL_SETS = ("chexpert", "chestxray14")


class ChestTask(Task):
    """Chest X-ray labels with evidence sentences.

    Args:
        mode: ``rules`` (baseline), ``learned`` (trained head; ``chestxray14`` only) or
            ``verify`` (model checks each mention). Default: ``learned`` for
            ``chestxray14``, ``rules`` for ``chexpert``.
        labels: ``chexpert`` (1/0/-1/blank) or ``chestxray14`` (1/0, Open-i names).
        max_chars: reports longer than this fail with a clear reason.
        batch_size: model questions per backend call.
        head: folder of a trained head for ``learned`` (default: the shipped one).
        encoder: local sentence-encoder folder the head was trained with (default:
            all-MiniLM-L6-v2 from its PyPI package).
        embed: the sentence embedder to use instead (it must match the head's encoder);
            by default one over ``encoder``, loaded on first use.
    """

    name = "chest"
    batched = True
    default_batch_size = 32

    def __init__(self, mode: str | None = None, labels: str = "chexpert",
                 max_chars: int | None = None, batch_size: int | None = None,
                 head: str | None = None, encoder: str | None = None,
                 embed: Embedder | None = None) -> None:
        if labels not in LABEL_SETS:
            raise ConfigError(f"unknown chest label set '{labels}'; choose from {LABEL_SETS}")
        mode = mode or ("learned" if labels == "chestxray14" else "rules")
        if mode not in MODES:
            raise ConfigError(f"unknown chest mode '{mode}'; choose from {MODES}")
        if mode == "learned" and labels != "chestxray14":
            raise ConfigError("chest mode 'learned' decides ChestX-ray14 labels: "
                              "use --labels chestxray14, or --mode rules/verify for CheXpert")
        self.mode, self.label_set, self.request_batch_size = mode, labels, batch_size
        self.encoder = encoder
        self.embed = embed or local_embedder(encoder)
        self.head = load_head(head or default_head_path()) if mode == "learned" else None
        self.prompts = load_prompts("radlite.tasks.chest", "verify-v1")
        self.template_version = f"{mode}:{self.prompts.version}"
        if max_chars:
            self.max_chars = int(max_chars)

    @property
    def needs_model(self) -> bool:
        """Only ``verify`` asks a generative model (``learned`` uses its own encoder)."""
        return self.mode == "verify"

    def columns(self) -> list[str]:
        return chestxray14_labels() if self.label_set == "chestxray14" else chexpert_observations()

    def build_request(self, report: Report, attempt: int = 0) -> GenerationRequest:
        raise ConfigError("chest asks one question per mention: use ChestTask.run_batch")

    def parse(self, report: Report, text: str) -> Record:
        raise ConfigError("chest asks one question per mention: use ChestTask.run_batch")

    def verify(self, backend: Any, per_report: list[list[Mention]]) -> list[list[Mention]]:
        """Replace each mention's certainty by the model's answer (when valid)."""
        flat = [m for ms in per_report for m in ms]
        concepts = load_concepts()
        requests = [build(self.prompts, "certainty", sentence=m.sentence.text,
                          concept=concepts[m.concept].get("question", m.concept.replace("_", " ")))
                    for m in flat]
        answers = [decode(self.prompts, "certainty", a)
                   for a in ask(backend, requests)]
        fixed = iter(replace(m, certainty=a) if a else m for m, a in zip(flat, answers, strict=True))
        return [[next(fixed) for _ in ms] for ms in per_report]

    def decide(self, reports: Sequence[Report], per_report: list[list[Mention]]
               ) -> list[dict[str, float]]:
        """The head's probability for every mentioned label of every report."""
        assert self.head is not None
        texts = [r.text for r in reports]
        pairs, dense, keys = featurize(texts, per_report, self.head.labels, self.embed,
                                       self.head.links)
        if not pairs:
            return [{} for _ in reports]
        if dense.shape[1] != len(self.head.dense):
            raise ConfigError(f"the chest head expects {len(self.head.dense)} features, the "
                              f"encoder gives {dense.shape[1]}: use the head's own encoder")
        out: list[dict[str, float]] = [{} for _ in reports]
        for (i, cand), p in zip(pairs, self.head.probability(dense, keys), strict=True):
            out[i][cand.label] = round(float(p), 4)
        return out

    def record(self, report: Report, mentions: list[Mention],
               probabilities: dict[str, float] | None = None) -> Record:
        """The record of one report from its mentions (and the head's probabilities)."""
        values = label_mentions(mentions, self.label_set)
        if probabilities is not None:
            values = self._learned_values(values, probabilities)
        concepts = load_concepts()
        key = "cxr14" if self.label_set == "chestxray14" else "chexpert"
        evidence: dict[str, list[Evidence]] = {}
        for m in mentions:
            mapped = concepts[m.concept].get(key) or []
            for label in [mapped] if isinstance(mapped, str) else mapped:
                span = Evidence(m.sentence.start, m.sentence.end, m.sentence.text)
                if span not in evidence.setdefault(label, []):
                    evidence[label].append(span)
        if probabilities is not None:
            evidence = {k: v for k, v in evidence.items() if values.get(k) == 1}
        found = [{"concept": m.concept, "certainty": m.certainty, "start": m.start, "end": m.end}
                 for m in mentions]
        extra: dict[str, Any] = {"mentions": found, "mode": self.mode}
        if probabilities is not None:
            extra["probabilities"] = probabilities
        return Record(id=report.id, task=self.name, status="ok", values=values,
                      evidence=evidence, extra=extra)

    def _learned_values(self, rule_values: dict[str, Any], probabilities: dict[str, float]
                        ) -> dict[str, Any]:
        """Head decisions for the head's labels; ``normal`` also needs no rule finding."""
        assert self.head is not None
        values = dict(rule_values)
        for label in self.head.labels:
            values[label] = int(probabilities.get(label, 0.0) >= self.head.threshold)
        if any(values[label] for label in self.head.labels):
            values["normal"] = 0
        return values

    def run_batch(self, backend: Any, reports: Sequence[Report]) -> list[Record]:
        """Records for ``reports``; ``backend`` may be None in ``rules`` mode."""
        problems = [self.check_report(r) for r in reports]
        todo = [r for r, p in zip(reports, problems, strict=True) if not p]
        mentions = [find_mentions(r.text) for r in todo]
        if self.needs_model:
            if backend is None:
                raise ConfigError(f"chest mode '{self.mode}' needs a model backend")
            mentions = self.verify(backend, mentions)
        probabilities: list[Any] = [None] * len(todo)
        if self.mode == "learned":
            probabilities = self.decide(todo, mentions)
        done = {r.id: self.record(r, m, p)
                for r, m, p in zip(todo, mentions, probabilities, strict=True)}
        return [done.get(r.id) or Record.failed(r.id, self.name, p or "")
                for r, p in zip(reports, problems, strict=True)]

    def provenance(self) -> dict[str, Any]:
        out = {**super().provenance(), "mode": self.mode, "labels": self.label_set}
        if self.head is not None:
            out["head_hash"] = self.head.hash
        return out
