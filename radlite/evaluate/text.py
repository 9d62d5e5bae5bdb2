"""Text metrics for generated impressions, as plain functions on lists.

Every function takes ``hypotheses`` and ``references`` (equal-length lists of
strings) and returns ``dict[name, TextScore]``: per-item scores, the corpus
score, and the per-item *counts* from which the corpus score is computed (see
``radlite.evaluate.bootstrap``), so every corpus score gets a report-level
bootstrap CI. All scores are on a 0-1 scale (sacreBLEU's 0-100 BLEU / 100).

- BLEU-n (sacreBLEU, default 13a tokeniser): corpus BLEU-n is cumulative BLEU
  with uniform weights up to order n and 'exp' smoothing, as
  ``sacrebleu.BLEU(max_ngram_order=n).corpus_score``; per-item scores are
  sentence BLEU with effective order.
- ROUGE-1/2/L (rouge-score, Porter stemmer): F-measure; corpus = mean.
- METEOR (nltk, WordNet synonyms from the offline install, see
  ``radlite.evaluate.wordnet``); corpus = mean.
- BERTScore and embedding cosine: ``radlite.evaluate.similarity``.
"""

from __future__ import annotations

import re

import numpy as np

from radlite.evaluate.bootstrap import MetricFn
from radlite.evaluate.scores import TextScore, check_pairs, mean_score
from radlite.evaluate.similarity import bertscore, embedding_cosine
from radlite.evaluate.wordnet import load_wordnet

__all__ = ["TextScore", "bleu", "rouge", "meteor", "bertscore", "embedding_cosine", "tokens"]


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters/digits, keeping decimals like 2.5)."""
    return re.findall(r"\d+(?:\.\d+)?|\w+", text.lower())


def bleu_from_stats(stats: np.ndarray, order: int = 4) -> np.ndarray:
    """Corpus BLEU (0-1) from summed sacreBLEU statistics, vectorised.

    Args:
        stats: ``(..., 10)``: sys_len, ref_len, correct_1..4, total_1..4.
        order: maximum n-gram order (BLEU-n).
    """
    stats = np.asarray(stats, dtype=float)
    sys_len, ref_len = stats[..., 0], stats[..., 1]
    correct, total = stats[..., 2:2 + order], stats[..., 6:6 + order]
    zero = (correct == 0) & (total > 0)
    halvings = np.cumsum(zero, axis=-1)  # sacreBLEU 'exp' smoothing: 1 / (2^k * total)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(correct > 0, correct / total, 1.0 / (2.0 ** halvings * total))
        prec = np.where(total > 0, prec, 0.0)
        log_mean = np.where((prec > 0).all(axis=-1),
                            np.log(np.where(prec > 0, prec, 1.0)).mean(axis=-1), -np.inf)
        bp = np.where(sys_len >= ref_len, 1.0,
                      np.exp(1.0 - ref_len / np.where(sys_len > 0, sys_len, 1.0)))
    bp = np.where(sys_len > 0, bp, 0.0)
    return bp * np.exp(log_mean)


def _bleu_fn(order: int) -> MetricFn:
    def fn(stats: np.ndarray) -> np.ndarray:
        return bleu_from_stats(stats, order)

    return fn


def bleu(hypotheses: list[str], references: list[str], max_order: int = 4) -> dict[str, TextScore]:
    """BLEU-1..``max_order`` with sacreBLEU.

    Returns:
        ``{"bleu1": ..., "bleu4": ...}``; corpus scores equal
        ``BLEU(max_ngram_order=n).corpus_score(hyps, [refs]).score / 100``.
    """
    from sacrebleu.metrics import BLEU

    check_pairs(hypotheses, references)
    stats_bleu = BLEU()
    rows = []
    for h, r in zip(hypotheses, references, strict=True):
        s = stats_bleu.corpus_score([h], [[r]])
        rows.append([s.sys_len, s.ref_len, *s.counts, *s.totals])
    stats = np.asarray(rows, dtype=float).reshape(len(rows), 10)
    out = {}
    for n in range(1, max_order + 1):
        sent = BLEU(max_ngram_order=n, effective_order=True)
        per_item = np.array([sent.sentence_score(h, [r]).score / 100
                             for h, r in zip(hypotheses, references, strict=True)])
        fn = _bleu_fn(n)
        out[f"bleu{n}"] = TextScore(f"bleu{n}", per_item, float(fn(stats.sum(axis=0))), stats, fn,
                                    "sacreBLEU 13a tokeniser, exp smoothing, score/100")
    return out


def rouge(hypotheses: list[str], references: list[str]) -> dict[str, TextScore]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F-measures (rouge-score, Porter stemmer)."""
    from rouge_score import rouge_scorer

    check_pairs(hypotheses, references)
    kinds = ("rouge1", "rouge2", "rougeL")
    scorer = rouge_scorer.RougeScorer(list(kinds), use_stemmer=True)
    scores = [scorer.score(r, h) for h, r in zip(hypotheses, references, strict=True)]
    return {k: mean_score(k, [s[k].fmeasure for s in scores], "rouge-score F, stemmer")
            for k in kinds}


def meteor(hypotheses: list[str], references: list[str]) -> dict[str, TextScore]:
    """METEOR (nltk) with WordNet synonym matching from the offline install.

    Raises:
        radlite.core.errors.ConfigError: WordNet is not installed (the message
            names the install command).
    """
    from nltk.translate.meteor_score import meteor_score

    check_pairs(hypotheses, references)
    wordnet = load_wordnet()
    values = [meteor_score([tokens(r)], tokens(h), wordnet=wordnet) if tokens(h) else 0.0
              for h, r in zip(hypotheses, references, strict=True)]
    return {"meteor": mean_score("meteor", values, "nltk meteor_score, WordNet 3.0")}
