"""NLI-based factual consistency of generated text with a user-supplied local NLI model.

Key terms: the *premise*, the text the output must be consistent with (the
source findings, or the reference impression), and the *hypothesis*, one
sentence of the generated text. Each sentence is classified against the whole
premise by a Hugging Face sequence-classification NLI model (e.g. a DeBERTa or
RoBERTa MNLI model) loaded from a local folder only; radlite ships none and
never downloads one, and the entailment/contradiction label indices are read
from the model's ``config.json`` ``id2label`` (an error if they are not NLI
labels), so no other model can stand in under this name.

Per report (one generated text): ``n`` sentences, ``e`` predicted entailment
(argmax), ``c`` predicted contradiction, and per sentence the probabilities
``P(e)``, ``P(c)``. Scores:

- ``nli_entailed``: share of all sentences predicted entailment (counts ``[e, n]``).
- ``nli_contradicted``: share of all sentences predicted contradiction (``[c, n]``).
- ``nli_consistency``: per report, the mean over its sentences of
  ``(1 + P(e) - P(c)) / 2`` (the SummaC-ZS sentence score on a 0-1 scale, whole
  premise, no chunking); 1 = every sentence confidently entailed, 0 = every
  sentence confidently contradicted; corpus = mean over reports. A report with
  no generated sentence (empty or missing output) scores 0 and adds no sentence
  to the two shares.

Pairs longer than the model's maximum length are truncated, longest side first
(in practice the premise).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core.errors import ConfigError
from radlite.text.sentences import split_items

_KINDS = {
    "entailment": {"entailment", "entail", "entails", "entailed"},
    "neutral": {"neutral"},
    "contradiction": {"contradiction", "contradict", "contradicts", "contradicted",
                      "contradictory"},
}
MAX_LENGTH = 512


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (the text layer's :func:`~radlite.text.sentences.split_items`:
    split after ``.``, ``!``, ``?``, ``;`` and at line breaks and numbered items; fragments
    without a letter, such as list numbers, are dropped; decimals are not split)."""
    return [s.text for s in split_items(text or "")]


def nli_label_indices(id2label: dict[Any, str]) -> dict[str, int]:
    """Map NLI kinds to class indices from a model config's ``id2label``.

    Returns:
        ``{"entailment": i, "contradiction": j}`` plus ``"neutral"`` when present.

    Raises:
        ConfigError: a label is not an NLI label (e.g. generic ``LABEL_0``), a kind
            appears twice, or entailment or contradiction is absent.
    """
    out: dict[str, int] = {}
    unknown = []
    for idx, label in sorted(((int(k), str(v)) for k, v in id2label.items())):
        norm = re.sub(r"[^a-z]", "", label.lower())
        kind = next((k for k, names in _KINDS.items() if norm in names), None)
        if kind is None:
            unknown.append(label)
        elif kind in out:
            raise ConfigError(f"NLI model id2label {dict(id2label)} names {kind} twice")
        else:
            out[kind] = idx
    if unknown or "entailment" not in out or "contradiction" not in out:
        raise ConfigError(
            f"the model's id2label {dict(id2label)} is not recognisable as NLI labels: need "
            "'entailment' and 'contradiction' (and optionally 'neutral'). If this is an NLI "
            "model, set id2label in its config.json to the label order its model card gives")
    return out


@dataclass
class NLIModel:
    """A loaded local NLI model and what identifies it."""

    path: Path
    tokenizer: Any
    model: Any
    labels: dict[str, int]
    device: str
    max_length: int
    info: dict[str, Any] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def load_nli(path: str, device: str = "cpu") -> NLIModel:
    """Load (once per path and device) a sequence-classification NLI model, offline only.

    Raises:
        ConfigError: no ``config.json`` in ``path``, or labels that are not NLI labels
            (checked before the weights are loaded).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    folder = Path(path).expanduser().resolve()
    cfg_file = folder / "config.json"
    if not cfg_file.is_file():
        raise ConfigError(f"--nli-model: no model config (config.json) in {folder}")
    config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    labels = nli_label_indices(config.id2label)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True)
    model.eval()
    model.to(device)
    limits = [MAX_LENGTH, int(getattr(tokenizer, "model_max_length", MAX_LENGTH) or MAX_LENGTH)]
    if getattr(config, "max_position_embeddings", None):
        limits.append(int(config.max_position_embeddings))
    raw = json.loads(cfg_file.read_text(encoding="utf-8"))
    info = {
        "path": str(folder),
        "name": raw.get("_name_or_path") or folder.name,
        "model_type": raw.get("model_type"),
        "architectures": raw.get("architectures"),
        "config_sha256": _sha256(cfg_file),
        "id2label": {str(k): v for k, v in config.id2label.items()},
        "label_indices": labels,
        "weights": {p.name: p.stat().st_size for p in sorted(folder.iterdir())
                    if p.suffix in {".safetensors", ".bin", ".pt", ".pth"}},
        "device": device,
    }
    return NLIModel(folder, tokenizer, model, labels, device, min(limits), info)


def classify(nli: NLIModel, premises: list[str], hypotheses: list[str],
             batch_size: int = 16) -> np.ndarray:
    """Class probabilities ``(n_pairs, n_labels)`` for premise/hypothesis pairs.

    Pairs are batched by length (then restored to input order) under
    ``torch.no_grad``; the model is in eval mode, so results are deterministic.
    """
    import torch

    n_labels = int(nli.model.config.num_labels)
    out = np.zeros((len(premises), n_labels), dtype=np.float64)
    order = sorted(range(len(premises)), key=lambda i: len(premises[i]) + len(hypotheses[i]))
    for start in range(0, len(order), max(1, batch_size)):
        idx = order[start:start + max(1, batch_size)]
        enc = nli.tokenizer([premises[i] for i in idx], [hypotheses[i] for i in idx],
                            padding=True, truncation="longest_first",
                            max_length=nli.max_length, return_tensors="pt")
        enc = {k: v.to(nli.device) for k, v in enc.items()}
        with torch.no_grad():
            logits = nli.model(**enc).logits.float()
        out[idx] = torch.softmax(logits, dim=-1).cpu().numpy()
    return out


def nli_scores(hypotheses: list[str], premises: list[str], model_path: str,
               premise_name: str = "findings", batch_size: int = 16,
               device: str = "cpu") -> dict:
    """NLI factual-consistency scores of generated texts against their premises.

    Args:
        hypotheses: generated texts, one per report ('' for a missing output).
        premises: the premise of each report (findings or reference), same order.
        model_path: local NLI model folder.
        premise_name: what the premises are (named in the notes).
        batch_size: sentence pairs per forward pass.
        device: torch device (default CPU).

    Returns:
        ``{"nli_entailed", "nli_contradicted", "nli_consistency"}`` -> ``TextScore``.
    """
    from radlite.evaluate.classification import accuracy
    from radlite.evaluate.text import TextScore, mean_score

    if len(hypotheses) != len(premises):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(premises)} premises")
    nli = load_nli(model_path, device)
    sentences = [split_sentences(h) for h in hypotheses]
    report = np.repeat(np.arange(len(hypotheses)), [len(s) for s in sentences])
    probs = classify(nli, [premises[i] for i in report],
                     [s for sents in sentences for s in sents], batch_size)
    pred = probs.argmax(axis=1)
    ent, con = nli.labels["entailment"], nli.labels["contradiction"]
    n = len(hypotheses)
    n_sent = np.bincount(report, minlength=n).astype(float)
    n_ent = np.bincount(report, weights=(pred == ent).astype(float), minlength=n)
    n_con = np.bincount(report, weights=(pred == con).astype(float), minlength=n)
    sent_score = (1.0 + probs[:, ent] - probs[:, con]) / 2.0
    consistency = np.where(n_sent > 0, np.bincount(report, weights=sent_score, minlength=n)
                           / np.maximum(n_sent, 1), 0.0)
    where = (f"NLI model {nli.info['name']} at {nli.path} (config sha256 "
             f"{nli.info['config_sha256'][:12]}), premise = {premise_name}")

    def share(name: str, hits: np.ndarray, what: str) -> TextScore:
        counts = np.stack([hits, n_sent], axis=1)
        per_item = np.divide(hits, n_sent, out=np.zeros(n), where=n_sent > 0)
        return TextScore(name, per_item, float(accuracy(counts.sum(axis=0))), counts, accuracy,
                         f"share of generated sentences predicted {what}; {where}")

    return {
        "nli_entailed": share("nli_entailed", n_ent, "entailment"),
        "nli_contradicted": share("nli_contradicted", n_con, "contradiction (lower is better)"),
        "nli_consistency": mean_score(
            "nli_consistency", consistency,
            f"per report mean of (1 + P(entail) - P(contradict)) / 2 over its sentences, "
            f"0 for an empty output; {where}"),
    }
