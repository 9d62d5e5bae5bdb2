"""The learned ChestX-ray14 labeller (``--mode learned``): rule mentions, then a trained head.

Key terms:

- *candidate*: one (report, label) pair whose label has at least one concept mention in
  the report, whatever its rule certainty. Labels without a mention are 0.
- *head*: a logistic model that decides, per candidate, whether the label is present as
  the gold coding understands it. Its inputs are the sentence embedding (a local sentence
  encoder, all-MiniLM-L6-v2 by default) of the candidate's sentences, the label, the rule
  certainties of its mentions and which lexicon patterns matched. No report text is
  stored in a head: only weights and lexicon keys (``label|concept|pattern number``).
- *link*: a lexicon term (``concept|pattern number``) that a site's head also reads as
  a label the shipped lexicon does not map it to (e.g. a site that codes every
  granuloma as a nodule). Links are learnt from a site's reviewed reports
  (:mod:`radlite.learn.chest`); the shipped head has none.

The head learns the labelling conventions of the data it was trained on (for the
shipped head: the Open-i MeSH coding, e.g. that "volume loss" alone is not coded as
atelectasis); train one on your own labelled reports with ``radlite train chest-head``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core.errors import ConfigError
from radlite.models.encoder import Embedder
from radlite.tasks.chest.mentions import Mention, load_concepts

CERTAINTIES = ("positive", "possible", "negative")
HEAD_FILE = "head.safetensors"
CARD_FILE = "head.json"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One label of one report that the rules found mentioned.

    Attributes:
        label: the ChestX-ray14 label.
        mentions: the mentions of concepts that map to ``label``.
        text: the mentions' sentences, unique, in report order, joined by spaces.
    """

    label: str
    mentions: tuple[Mention, ...]
    text: str


Links = dict[str, tuple[str, ...]]


def term_key(report_text: str, mention: Mention) -> str | None:
    """``concept|pattern number`` of the lexicon pattern that matched ``mention``."""
    term = report_text[mention.start:mention.end]
    for number, pattern in enumerate(_compiled_patterns()[mention.concept]):
        if pattern.fullmatch(term):
            return f"{mention.concept}|{number}"
    return None


def candidates(text: str, mentions: Sequence[Mention], labels: Sequence[str],
               links: Links | None = None) -> list[Candidate]:
    """The candidates of one report, in ``labels`` order (``links``: learnt extra terms)."""
    concepts = load_concepts()
    by_label: dict[str, list[Mention]] = {}
    for m in mentions:
        mapped = list(concepts[m.concept].get("cxr14") or [])
        if links:
            mapped += [x for x in links.get(term_key(text, m) or "", ()) if x not in mapped]
        for label in mapped:
            by_label.setdefault(label, []).append(m)
    out = []
    for label in labels:
        found = by_label.get(label)
        if not found:
            continue
        sentences = list(dict.fromkeys(m.sentence.text for m in found))
        out.append(Candidate(label, tuple(found), " ".join(sentences)))
    return out


@cache
def _compiled_patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    return {name: tuple(re.compile(p, re.IGNORECASE) for p in spec["patterns"])
            for name, spec in load_concepts().items()}


def pattern_keys(report_text: str, cand: Candidate) -> set[str]:
    """Lexicon keys ``label|concept|pattern number`` of the candidate's mentions."""
    found = (term_key(report_text, m) for m in cand.mentions)
    return {f"{cand.label}|{key}" for key in found if key}


def dense_features(embedding: np.ndarray, cand: Candidate, labels: Sequence[str]) -> np.ndarray:
    """Embedding, label one-hot, label x certainty and label x embedding, concatenated."""
    onehot = np.zeros(len(labels), dtype=np.float32)
    onehot[list(labels).index(cand.label)] = 1.0
    certs = np.array([any(m.certainty == c for m in cand.mentions) for c in CERTAINTIES],
                     dtype=np.float32)
    return np.concatenate([embedding.astype(np.float32), onehot,
                           np.outer(onehot, certs).ravel(),
                           np.outer(onehot, embedding).ravel().astype(np.float32)])


@dataclass
class ChestHead:
    """A trained head: weights over dense features plus lexicon-key weights.

    Attributes:
        labels: the labels it decides (ChestX-ray14 names, without ``normal``).
        dense: weights of :func:`dense_features`.
        keys: lexicon-key weights.
        bias: intercept.
        threshold: probability at or above which a label is 1.
        card: how it was trained (data, settings, cross-validated scores).
        hash: short SHA-256 of the saved files (provenance; empty before saving).
        links: learnt extra terms per label (see the module docstring).
    """

    labels: tuple[str, ...]
    dense: np.ndarray
    keys: dict[str, float]
    bias: float
    threshold: float = 0.5
    card: dict[str, Any] | None = None
    hash: str = ""
    links: Links = field(default_factory=dict)

    def probability(self, dense: np.ndarray, keys: Sequence[set[str]]) -> np.ndarray:
        """Probabilities for rows of dense features and their lexicon keys."""
        score = dense @ self.dense + self.bias
        score = score + np.array([sum(self.keys.get(k, 0.0) for k in ks) for ks in keys])
        return 1.0 / (1.0 + np.exp(-score))

    def save(self, folder: Path) -> Path:
        """Write ``head.safetensors`` and ``head.json`` into ``folder``."""
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        save_file({"dense": self.dense.astype(np.float32)}, str(folder / HEAD_FILE))
        n = len(self.labels)
        dim = (len(self.dense) - n - n * len(CERTAINTIES)) // (1 + n)
        meta = {"labels": list(self.labels), "bias": self.bias, "threshold": self.threshold,
                "embedding_dim": dim, "keys": self.keys, "card": self.card or {},
                "links": {k: list(v) for k, v in sorted(self.links.items())}}
        (folder / CARD_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")
        return folder


def load_head(folder: str | Path) -> ChestHead:
    """Load a head saved by :meth:`ChestHead.save`.

    Raises:
        ConfigError: the folder lacks the head files or they do not fit together.
    """
    from safetensors.numpy import load_file

    folder = Path(folder)
    if not (folder / HEAD_FILE).is_file() or not (folder / CARD_FILE).is_file():
        raise ConfigError(f"no chest head in {folder} (expected {HEAD_FILE} and {CARD_FILE}); "
                          "train one with `radlite train chest-head`")
    meta = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    dense = load_file(str(folder / HEAD_FILE))["dense"]
    labels = tuple(meta["labels"])
    width = feature_width(len(labels), int(meta["embedding_dim"]))
    if dense.shape != (width,):
        raise ConfigError(f"chest head in {folder} has {dense.shape[0]} weights; {len(labels)} "
                          f"labels and {meta['embedding_dim']}-d embeddings need {width}")
    digest = hashlib.sha256((folder / HEAD_FILE).read_bytes()
                            + (folder / CARD_FILE).read_bytes()).hexdigest()[:12]
    return ChestHead(labels, dense, {k: float(v) for k, v in meta["keys"].items()},
                     float(meta["bias"]), float(meta.get("threshold", 0.5)), meta.get("card"),
                     digest, {k: tuple(v) for k, v in (meta.get("links") or {}).items()})


def feature_width(n_labels: int, embedding_dim: int) -> int:
    """Width of :func:`dense_features` for ``n_labels`` labels and embeddings of a size."""
    return embedding_dim + n_labels + n_labels * len(CERTAINTIES) + n_labels * embedding_dim


def default_head_path() -> Path:
    """The head radlite ships for ChestX-ray14 (trained on Open-i development reports)."""
    return Path(__file__).resolve().parents[2] / "heads" / "chest-cxr14"


def featurize(texts: Sequence[str], per_report: Sequence[Sequence[Mention]],
              labels: Sequence[str], embed: Embedder, links: Links | None = None
              ) -> tuple[list[tuple[int, Candidate]], np.ndarray, list[set[str]]]:
    """Candidates of many reports with their dense features and lexicon keys.

    ``embed`` turns the candidates' sentences into vectors (the head's own encoder);
    ``links`` are a site head's learnt extra terms.

    Returns:
        ``(report index, candidate)`` pairs, a ``(n, width)`` array, and keys per row.
    """
    pairs = [(i, c) for i, (text, ms) in enumerate(zip(texts, per_report, strict=True))
             for c in candidates(text, ms, labels, links)]
    if not pairs:
        return [], np.zeros((0, 0), dtype=np.float32), []
    emb = embed([c.text for _, c in pairs])
    dense = np.stack([dense_features(e, c, labels) for e, (_, c) in zip(emb, pairs, strict=True)])
    keys = [pattern_keys(texts[i], c) for i, c in pairs]
    return pairs, dense, keys
