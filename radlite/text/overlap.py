"""Word overlap between two texts, without third-party scorers (base install)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens of ``text``."""
    return _WORD.findall(text.lower())


def rouge_l(hypothesis: str, reference: str) -> float:
    """ROUGE-L F1 (longest common subsequence of word tokens, no stemming)."""
    hyp, ref = words(hypothesis), words(reference)
    if not hyp or not ref:
        return float(hyp == ref)
    row = [0] * (len(ref) + 1)
    for word in hyp:
        prev = 0
        for j, other in enumerate(ref, 1):
            prev, row[j] = row[j], prev + 1 if word == other else max(row[j], row[j - 1])
    lcs = row[-1]
    return 0.0 if lcs == 0 else 2 * lcs / (len(hyp) + len(ref))


def lcs_positions(tokens: list[str], reference: list[str]) -> list[int]:
    """Positions in ``tokens`` of one longest common subsequence with ``reference`` (the
    alignment behind ROUGE-L), in order."""
    n, m = len(tokens), len(reference)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n):
        for j in range(m):
            table[i + 1][j + 1] = table[i][j] + 1 if tokens[i] == reference[j] \
                else max(table[i][j + 1], table[i + 1][j])
    out, i, j = [], n, m
    while i and j:
        if tokens[i - 1] == reference[j - 1]:
            out.append(i - 1)
            i, j = i - 1, j - 1
        elif table[i - 1][j] >= table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return out[::-1]
