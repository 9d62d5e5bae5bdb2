"""Helpers of the transformers backend: token-length grouping and shared-prefix KV reuse.

*Length groups*: a batch is split by prompt length in tokens so that padding stays under
a budget; left padding is computed like real tokens, and mixed Korean/English reports
vary several-fold in tokens per character.

*Prefix cache*: every prompt of a task starts with the same tokens (chat template and
instruction). Their keys and values are computed once, then copied for each batch; the
batch's own tokens follow the prefix with padding between them (masked out), so the
position ids that generate derives from the attention mask stay exact.

*Ragged prefill*: padding a batch of prompts to one width makes the model compute every
pad slot as if it were a token; with reports of 130 to 550 tokens in one batch, over half
of the prefill was padding. When the padding would pass the backend's ``max_padding``
share, the prompts are prefilled in groups of similar length (each group padded only to
its own longest), and the groups' keys and values are then laid side by side, with zeros
in the remaining pad slots, which the attention mask hides; decoding runs batched as
before. (The backend already splits batches of 16 or more into length groups that are
each decoded apart; ragged prefill serves the smaller, unsorted batches, such as the
REST API's micro-batches of single-report requests, without repeating decode steps.)
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


def padding_share(rows: Sequence[Sequence[int]]) -> float:
    """Pad slots over real tokens when ``rows`` are padded to the longest."""
    real = sum(len(r) for r in rows)
    return (len(rows) * max(len(r) for r in rows) - real) / real if real else 0.0


def supports_ragged(model: Any) -> bool:
    """Whether every attention layer keeps a plain, unbounded key/value cache (sliding-
    window and recurrent layers would be cut or mis-stacked by :func:`ragged_cache`)."""
    from transformers import DynamicCache

    try:
        cache = DynamicCache(config=model.config)
    except Exception:  # noqa: BLE001 - a model without a standard config: no ragged path
        return False
    return not any(getattr(layer, "is_sliding", False) for layer in cache.layers) and all(
        type(layer).__name__ == "DynamicLayer" for layer in cache.layers)


def ragged_cache(model: Any, prefix: PrefixCache, head: Sequence[int],
                 tails: Sequence[Sequence[int]], max_waste: float = 0.3) -> Any:
    """The cache of ``[head][left padding][tail[:-1]]`` for every row, as batched
    ``generate`` expects it, prefilled in groups of similar length so that the pad slots
    computed stay under ``max_waste`` of each group's real tokens.

    The last token of each row is left to ``generate``, which then starts from the
    cache. Row tokens get positions ``len(head) + k``, the ones generate derives from the
    attention mask. Pad slots hold zeros or a group's padding; the attention mask hides
    them. ``head`` must be non-empty (it gives every row's cache its layers).
    """
    import torch
    from transformers import DynamicCache

    width = max(len(t) for t in tails)
    own = [list(t[:-1]) for t in tails]
    keys: list[Any] = []
    values: list[Any] = []
    for group in length_groups([len(o) for o in own], max_waste, min_group=1):
        cache = _prefill_group(model, prefix, head, [own[i] for i in group])
        start = len(head) + width - 1 - max(len(own[i]) for i in group)  # right-aligned
        rows = torch.tensor(group, device=model.device)
        for index, layer in enumerate(cache.layers):
            if index == len(keys):
                shape = (len(tails), layer.keys.shape[1], len(head) + width - 1,
                         layer.keys.shape[3])
                keys.append(layer.keys.new_zeros(shape))
                values.append(layer.values.new_zeros(shape))
            for whole, part in ((keys[index], layer.keys), (values[index], layer.values)):
                whole[rows, :, :len(head)] = part[:, :, :len(head)]
                whole[rows, :, start:] = part[:, :, len(head):]
    batch = DynamicCache(config=model.config)
    for index, (key, value) in enumerate(zip(keys, values, strict=True)):
        batch.update(key, value, index)
    return batch


def _prefill_group(model: Any, prefix: PrefixCache, head: Sequence[int],
                   rows: list[list[int]]) -> Any:
    """One padded forward pass over ``rows`` after the cached ``head``: its cache."""
    import torch

    cache = prefix.get(model, head, len(rows))
    width = max(len(r) for r in rows)
    if width == 0:
        return cache
    ids = [[0] * (width - len(r)) + r for r in rows]
    mask = [[1] * len(head) + [0] * (width - len(r)) + [1] * len(r) for r in rows]
    positions = [[len(head)] * (width - len(r)) + list(range(len(head), len(head) + len(r)))
                 for r in rows]
    with torch.inference_mode():
        model(input_ids=torch.tensor(ids, device=model.device),
              attention_mask=torch.tensor(mask, device=model.device),
              position_ids=torch.tensor(positions, device=model.device),
              past_key_values=cache, use_cache=True,
              logits_to_keep=1)  # only the cache is wanted: skip the vocabulary projection
    return cache
