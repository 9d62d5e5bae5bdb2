"""A learned model of impression-writing habits, for drafting without an example bank.

Key terms:

- *stock phrase*: one of the normal impressions radlite lists per body site
  (``phrases.yaml``, written by the project, e.g. "No active disease.").
- *habit model*: two logistic models over the findings' word 1-2-grams (hashed, TF-IDF
  weighted). One predicts which stock phrase the writer of these findings opens a
  normal impression with (or none of them); the other, whether the impression is a
  numbered list. Radiologists write normal findings from personal templates, so the
  findings' wording tells the writer, and the writer tells the phrasing: what
  :class:`~radlite.tasks.impression.habits.ExampleHabits` reads from the nearest past
  reports, this model learns into weights. It stores weights, hashes and counts, no
  report text; but hashes of words and word pairs can be matched against a dictionary,
  so a model trained on identifiable reports must stay on site like the reports.
- *concept shares*: per lexicon concept, the share of training impressions that mention
  it when their findings assert it (the examples-aware draft's item habits, learnt once).

:class:`LearnedHabits` drafts with it: the extractive draft opened with the most
probable stock phrase that the consistency gate passes, without the non-acute items the
writers usually leave out, in the predicted layout.

The shipped model (``radlite/heads/impression-habits``) was trained on Open-i
chest radiograph reports; train one on your own reports with
``radlite train impression-habits``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from radlite.core.errors import ConfigError, InputError
from radlite.core.extras import require
from radlite.models.embedded import tokenizer_words
from radlite.tasks.impression import gate
from radlite.tasks.impression.draft import DraftItem, extractive_draft
from radlite.tasks.impression.habits import item_kept, mention_shares
from radlite.tasks.impression.lexical import terms
from radlite.text.sentences import split_items
from radlite.text.spelling import (
    HashedCounts,
    SpellingCorrector,
    deletion_screen,
    vocabulary,
)

N_BUCKETS = 1 << 20
MODEL_FILE = "habits.safetensors"
CARD_FILE = "habits.json"
SHIPPED = "impression-habits"
#: A non-acute item goes in when at least this share of training impressions mention its
#: concept (chosen on the val split: 0.3 / 0.5 / 0.7 and none compared).
KEEP_SHARE = 0.5


@cache
def stock_phrases(body_site: str) -> tuple[str, ...]:
    """radlite's stock normal impressions for a body site (empty when it lists none)."""
    text = resources.files(__package__).joinpath("phrases.yaml").read_text("utf-8")
    return tuple(yaml.safe_load(text).get(body_site, ()))


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def phrase_label(impression: str, phrases: Sequence[str]) -> int | None:
    """Index of the longest phrase that the impression's first sentences equal (list
    marks, case, spacing and punctuation ignored); None when none does."""
    sentences = [_key(s.text) for s in split_items(impression)]
    sentences = [s for s in sentences if s and not re.fullmatch(r"\d{1,2}", s)]
    best, best_len = None, 0
    for index, phrase in enumerate(phrases):
        parts = [_key(s.text) for s in split_items(phrase)]
        n = len(parts)
        if n > best_len and [re.sub(r"^\d{1,2} ", "", s) for s in sentences[:n]] == parts:
            best, best_len = index, n
    return best


def hashed_terms(text: str) -> Counter[int]:
    """Word 1-2-gram counts of ``text`` by hash bucket (CRC-32 modulo :data:`N_BUCKETS`)."""
    out: Counter[int] = Counter()
    for gram, n in terms(text, 2).items():
        out[zlib.crc32(gram.encode("utf-8")) % N_BUCKETS] += n
    return out


@dataclass
class HabitModel:
    """Phrase and layout logistic models over hashed TF-IDF n-grams (see module docstring).

    Attributes:
        body_site: the site whose stock phrases the classes are.
        modality: the exam type of the training reports (``XR``, ``CT``...).
        phrases: the class phrases; the last class (not listed) is "none of them".
        buckets: the hash buckets seen in training, sorted.
        idf: inverse document frequency of each bucket.
        phrase_w: bucket x class weights; ``phrase_b``: class biases.
        layout_w: bucket weights of the numbered-list model; ``layout_b``: its bias.
        words, pairs: the training texts' word and word-pair counts, hashed
            (:class:`~radlite.text.spelling.HashedCounts`): the vocabulary of
            :attr:`speller`; None without one.
        screen: CRC-32 values of the words' deletions
            (:func:`~radlite.text.spelling.deletion_screen`): the speller's fast check.
        concept_shares: per lexicon concept, the share of training impressions that
            mention it when their findings assert it
            (:func:`~radlite.tasks.impression.habits.mention_shares`).
        card: provenance and training counts.
    """

    body_site: str
    phrases: tuple[str, ...]
    buckets: np.ndarray
    idf: np.ndarray
    phrase_w: np.ndarray
    phrase_b: np.ndarray
    layout_w: np.ndarray
    layout_b: float
    words: HashedCounts | None = None
    pairs: HashedCounts | None = None
    screen: frozenset[int] | None = None
    concept_shares: dict[str, float] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)
    hash: str = ""
    modality: str = "XR"

    @cached_property
    def speller(self) -> SpellingCorrector | None:
        """A typing-error corrector with the training texts' vocabulary (the embedded
        model's tokenizer words are known words, never changed); None without one."""
        if not self.words:
            return None
        return SpellingCorrector(self.words, known=tokenizer_words(), pairs=self.pairs,
                                 screen=self.screen)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows (into ``buckets``) and unit-length TF-IDF values of the text's n-grams."""
        counts = hashed_terms(text)
        keys = np.fromiter(counts, dtype=np.int64, count=len(counts))
        pos = np.searchsorted(self.buckets, keys)
        pos = np.minimum(pos, len(self.buckets) - 1)
        seen = self.buckets[pos] == keys
        tf = np.fromiter((counts[k] for k in keys[seen].tolist()), dtype=np.float64)
        values = (1 + np.log(tf)) * self.idf[pos[seen]]
        norm = math.sqrt(float(values @ values)) or 1.0
        return pos[seen], values / norm

    @cached_property
    def _recent_vectors(self) -> Callable[[str], tuple[np.ndarray, np.ndarray]]:
        """:meth:`vector` remembered for recent texts: the draft asks for the phrase and
        the layout of the same findings."""
        return lru_cache(maxsize=256)(self.vector)

    def phrase_probs(self, text: str) -> np.ndarray:
        """Probability of each phrase class (last: none of them) for findings ``text``."""
        rows, values = self._recent_vectors(text)
        score = values @ self.phrase_w[rows] + self.phrase_b
        score = np.exp(score - score.max())
        return score / score.sum()

    def numbered_prob(self, text: str) -> float:
        """Probability that the impression for findings ``text`` is a numbered list."""
        rows, values = self._recent_vectors(text)
        return float(1.0 / (1.0 + math.exp(-(values @ self.layout_w[rows] + self.layout_b))))

    def save(self, folder: Path) -> Path:
        """Write ``habits.safetensors`` and ``habits.json`` into ``folder``."""
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"buckets": self.buckets.astype(np.int64), "idf": self.idf.astype(np.float32),
                  "phrase_w": self.phrase_w.astype(np.float32),
                  "phrase_b": self.phrase_b.astype(np.float32),
                  "layout_w": self.layout_w.astype(np.float32)}
        for name, counts in (("words", self.words), ("pairs", self.pairs)):
            if counts:
                arrays[f"{name}_hash"], arrays[f"{name}_count"] = counts.arrays()
        if self.screen:
            arrays["screen"] = np.array(sorted(self.screen), dtype=np.int64)
        save_file(arrays, str(folder / MODEL_FILE))
        meta = {"body_site": self.body_site, "modality": self.modality,
                "phrases": list(self.phrases), "concept_shares": self.concept_shares,
                "layout_b": self.layout_b, "n_buckets": N_BUCKETS, "card": self.card}
        (folder / CARD_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")
        return folder


def load_habit_model(folder: str | Path) -> HabitModel:
    """Load a model saved by :meth:`HabitModel.save`.

    Raises:
        ConfigError: the folder lacks the files or they do not fit together.
    """
    from safetensors.numpy import load_file

    folder = Path(folder)
    if not (folder / MODEL_FILE).is_file() or not (folder / CARD_FILE).is_file():
        raise ConfigError(f"no habit model in {folder} (expected {MODEL_FILE} and {CARD_FILE}); "
                          "train one with `radlite train impression-habits`")
    meta = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    arrays = load_file(str(folder / MODEL_FILE))
    n, classes = len(arrays["buckets"]), len(meta["phrases"]) + 1
    if meta.get("n_buckets") != N_BUCKETS or arrays["phrase_w"].shape != (n, classes) \
            or arrays["idf"].shape != (n,) or arrays["layout_w"].shape != (n,):
        raise ConfigError(f"habit model in {folder} does not fit together: "
                          f"{n} buckets, {classes} classes, shapes "
                          f"{arrays['phrase_w'].shape}, {arrays['layout_w'].shape}")
    digest = hashlib.sha256((folder / MODEL_FILE).read_bytes()
                            + (folder / CARD_FILE).read_bytes()).hexdigest()[:12]
    counts = {name: HashedCounts.from_arrays(arrays[f"{name}_hash"], arrays[f"{name}_count"])
              if f"{name}_hash" in arrays else None for name in ("words", "pairs")}
    return HabitModel(meta["body_site"], tuple(meta["phrases"]), arrays["buckets"],
                      arrays["idf"].astype(np.float64), arrays["phrase_w"].astype(np.float64),
                      arrays["phrase_b"].astype(np.float64),
                      arrays["layout_w"].astype(np.float64), float(meta["layout_b"]),
                      counts["words"], counts["pairs"],
                      frozenset(arrays["screen"].tolist()) if "screen" in arrays else None,
                      {k: float(v) for k, v in (meta.get("concept_shares") or {}).items()},
                      meta.get("card") or {}, digest, meta.get("modality", "XR"))


def shipped_folder() -> Path:
    """Folder of the habit model shipped with radlite."""
    return Path(str(resources.files("radlite"))) / "heads" / SHIPPED


@cache
def shipped_habit_model() -> HabitModel:
    """The shipped habit model (chest radiographs, Open-i), loaded once."""
    return load_habit_model(shipped_folder())


def fit_habit_model(findings: Sequence[str], impressions: Sequence[str],
                    body_site: str = "chest", c: float = 30.0, c_layout: float = 30.0,
                    min_count: int = 2, modality: str = "XR") -> HabitModel:
    """Train a habit model on past (findings, impression) pairs.

    Args:
        findings, impressions: the pairs, in the same order.
        body_site: whose stock phrases (``phrases.yaml``) are the classes.
        modality: the exam type of the pairs.
        c, c_layout: inverse L2 strengths of the phrase and layout models.
        min_count: phrases that open fewer training impressions are left out.

    Raises:
        InputError: the pairs differ in number, or fewer than two phrases are used.
    """
    sparse = require("scipy.sparse", "training a habit model")
    LogisticRegression = require("sklearn.linear_model",  # noqa: N806
                                 "training a habit model").LogisticRegression

    if len(findings) != len(impressions):
        raise InputError(f"{len(findings)} findings but {len(impressions)} impressions")
    stock = stock_phrases(body_site)
    labels = [phrase_label(text, stock) for text in impressions]
    used = Counter(label for label in labels if label is not None)
    kept = sorted((i for i, n in used.items() if n >= min_count), key=lambda i: -used[i])
    if len(kept) < 2:
        raise InputError(f"only {len(kept)} stock {body_site} phrase(s) open {min_count}+ "
                         "training impressions; a habit model needs at least two")
    phrases = tuple(stock[i] for i in kept)
    target = np.array([kept.index(x) if x in kept else len(kept) for x in labels])
    counts = [hashed_terms(text) for text in findings]
    df = Counter(k for c_ in counts for k in c_)
    buckets = np.array(sorted(df), dtype=np.int64)
    idf = np.array([math.log((1 + len(counts)) / (1 + df[b])) + 1 for b in buckets.tolist()])
    words, pairs = vocabulary([*findings, *impressions])
    model = HabitModel(body_site, phrases, buckets, idf, np.zeros((len(buckets), len(kept) + 1)),
                       np.zeros(len(kept) + 1), np.zeros(len(buckets)), 0.0,
                       HashedCounts.from_counts(words), HashedCounts.from_counts(pairs),
                       deletion_screen(words),
                       mention_shares(zip(findings, impressions, strict=True)),
                       modality=modality)
    rows, cols, vals = [], [], []
    for r, text in enumerate(findings):
        pos, values = model.vector(text)
        rows += [r] * len(pos)
        cols += pos.tolist()
        vals += values.tolist()
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(findings), len(buckets)))
    phrase_lr = LogisticRegression(C=c, max_iter=3000).fit(matrix, target)
    weights = np.zeros((len(buckets), len(kept) + 1))
    bias = np.full(len(kept) + 1, -30.0)
    if len(phrase_lr.classes_) == 2:  # binary: one weight vector, for the second class
        bias[phrase_lr.classes_] = 0.0
        weights[:, phrase_lr.classes_[1]] = phrase_lr.coef_[0]
        bias[phrase_lr.classes_[1]] = phrase_lr.intercept_[0]
    else:
        weights[:, phrase_lr.classes_] = phrase_lr.coef_.T
        bias[phrase_lr.classes_] = phrase_lr.intercept_
    model.phrase_w, model.phrase_b = weights, bias
    numbered = np.array([bool(re.match(r"\s*1[.)]\s", text)) for text in impressions])
    if numbered.any() and not numbered.all():
        layout_lr = LogisticRegression(C=c_layout, max_iter=3000).fit(matrix, numbered)
        model.layout_w, model.layout_b = layout_lr.coef_[0], float(layout_lr.intercept_[0])
    else:
        model.layout_b = 30.0 if numbered.all() else -30.0
    model.card = {"n_pairs": len(findings), "c": c, "c_layout": c_layout,
                  "min_count": min_count,
                  "phrase_counts": {stock[i]: used[i] for i in kept},
                  "none_of_them": int((target == len(kept)).sum()),
                  "numbered": int(numbered.sum())}
    return model


class LearnedHabits:
    """Drafts impressions in the phrasing a :class:`HabitModel` predicts from the findings.

    The same interface as :class:`~radlite.tasks.impression.habits.ExampleHabits`
    (``draft``, ``writes_numbered``), without an example bank: the extractive draft
    opened with the most probable stock phrase that the consistency gate passes against
    the findings, leaving out non-acute items that the training impressions usually
    leave out. For another body site than the model's, the plain extractive draft.
    """

    def __init__(self, model: HabitModel) -> None:
        self.model = model

    def applies(self, body_site: str, given_modality: str | None = None) -> bool:
        """Whether the model fits an exam: its body site, and its modality when the input
        gives one (a chest CT given as such gets the built-in statement, not radiograph
        phrasing; a modality detected from cue words does not count)."""
        return body_site == self.model.body_site \
            and given_modality in (None, self.model.modality)

    def ranked_phrases(self, findings: str) -> list[tuple[str, float]]:
        """The model's phrases with their probabilities, most probable first."""
        probs = self.model.phrase_probs(findings)[:-1]
        return [(self.model.phrases[i], float(probs[i])) for i in np.argsort(-probs)]

    def normal_phrase(self, findings: str) -> str | None:
        """The most probable phrase that the gate passes against ``findings``."""
        return next((p for p, _ in self.ranked_phrases(findings)
                     if not gate.check(findings, p)), None)

    def keep(self, item: DraftItem) -> bool:
        """Whether a draft item goes in: acute ones always; a non-acute one when at least
        :data:`KEEP_SHARE` of the training impressions mention its concept when their
        findings assert it (:func:`~radlite.tasks.impression.habits.item_kept`)."""
        return item_kept(item, self.model.concept_shares.get, KEEP_SHARE)

    def draft(self, findings: str, body_site: str = "chest", max_items: int = 3) -> str:
        """The extractive draft in the writer's habits: opened with the predicted normal
        phrase, without the non-acute items the training impressions usually leave out."""
        if body_site != self.model.body_site:
            return extractive_draft(findings, body_site, max_items)
        return extractive_draft(findings, body_site, max_items,
                                normal=self.normal_phrase(findings), keep=self.keep)

    def writes_numbered(self, findings: str, body_site: str = "chest") -> bool:
        """Whether the model predicts a numbered-list impression for these findings."""
        return body_site == self.model.body_site and self.model.numbered_prob(findings) > 0.5
