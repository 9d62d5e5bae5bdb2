"""Helpers of the transformers backend: token-length grouping and shared-prefix KV reuse.

*Length groups*: a batch is split by prompt length in tokens so that padding stays under
a budget; left padding is computed like real tokens, and mixed Korean/English reports
vary several-fold in tokens per character.

*Prefix cache*: every prompt of a task starts with the same tokens (chat template and
instruction). Their keys and values are computed once, then copied for each batch; the
batch's own tokens follow the prefix with padding between them (masked out), so the
position ids that generate derives from the attention mask stay exact.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

MIN_PREFIX_TOKENS = 8


def common_prefix(rows: Sequence[Sequence[int]]) -> int:
    """Length of the token prefix shared by every row."""
    if not rows:
        return 0
    shortest = min(len(r) for r in rows)
    first = rows[0]
    for i in range(shortest):
        token = first[i]
        if any(r[i] != token for r in rows):
            return i
    return shortest


def length_groups(lengths: Sequence[int], max_waste: float = 0.3,
                  min_group: int = 16) -> list[list[int]]:
    """Indices grouped shortest first so padding stays under ``max_waste`` of a group.

    A group closes when adding the next (longer) row would make the padded slots exceed
    ``(1 + max_waste)`` x the real tokens, unless it is still smaller than ``min_group``
    (each group costs a full set of decode steps, so tiny groups do not pay).
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    groups: list[list[int]] = []
    group: list[int] = []
    real = 0
    for index in order:
        size = lengths[index]
        padded = (len(group) + 1) * size
        if len(group) >= min_group and padded > (1 + max_waste) * (real + size):
            groups.append(group)
            group, real = [], 0
        group.append(index)
        real += size
    if group:
        groups.append(group)
    return groups


class PrefixCache:
    """Keys and values of the most recent shared prompt prefix."""

    def __init__(self) -> None:
        self.tokens: tuple[int, ...] = ()
        self.cache: Any = None

    def get(self, model: Any, tokens: Sequence[int], batch: int) -> Any:
        """A cache holding ``tokens`` for ``batch`` rows (computed once, then copied)."""
        import torch
        from transformers import DynamicCache

        key = tuple(tokens)
        if key != self.tokens:
            ids = torch.tensor([list(key)], device=model.device)
            with torch.inference_mode():
                out = model(input_ids=ids, past_key_values=DynamicCache(config=model.config),
                            use_cache=True)
            self.tokens, self.cache = key, out.past_key_values
        cache = copy.deepcopy(self.cache)
        if batch > 1:
            cache.batch_repeat_interleave(batch)
        return cache
