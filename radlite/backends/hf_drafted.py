"""Greedy constrained decoding that drafts the grammar's forced text and verifies it.

Why: a constrained answer is mostly text the grammar already fixes. LI-RADS's compact
answer ``size=12; seg=7; cld=1; ...`` is 54 tokens of which about 40 (``; seg=`` and the
like) are forced; only the values are the model's choice. ``generate`` still runs one
forward pass per token, and on a CPU a decode pass costs about as much for one new token
per row as for several (it reads every weight and the whole key/value cache either way).

How: after each chosen token, the grammar matcher names the text that must follow
(:meth:`xgrammar.GrammarMatcher.find_jump_forward_string`); the model's tokenizer encodes
it into a *draft*. The next forward pass takes, per row, the chosen token followed by its
draft, and reads the greedy (grammar-masked) choice at every position: draft tokens are
kept while they equal that choice, and at the first difference the model's own choice is
taken instead, as speculative decoding verifies a draft model. The answer is therefore the
one token-by-token greedy decoding gives (up to floating-point differences between a
multi-token and a one-token pass); only the number of passes drops, to about one per free
value. Rejected draft slots stay in the key/value cache, hidden by the attention mask, as
left padding is; positions count only kept tokens.

Used by :class:`~radlite.backends.hf.TransformersBackend` for batches that are greedy, one
beam, no repetition penalty, with a grammar on every row, on models whose attention
layers all keep a plain cache (:func:`~radlite.backends.hf_prefix.supports_ragged`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_DRAFT = 16  # draft tokens per row and pass (a longer forced run continues next pass)
TRIAL_PASSES = 3  # passes timed with drafts, then without, before a batch settles
SURE_ACCEPTANCE = 0.8  # share of draft tokens kept above which no plain trial is run


@dataclass
class Pace:
    """Whether drafts pay for this batch, measured rather than assumed.

    A pass with drafts computes several positions per row; on a compute-bound CPU with a
    model that often rejects its drafts (e.g. a base model whose own tokenization of the
    forced text differs), it can cost more than the tokens it gains. The first
    :data:`TRIAL_PASSES` passes carry drafts. If the model kept at least
    :data:`SURE_ACCEPTANCE` of the draft tokens, drafting continues; otherwise the next as
    many passes run without drafts, and the batch keeps whichever mode advanced more
    tokens per second.
    """

    drafted: list[tuple[int, float]] = field(default_factory=list)
    plain: list[tuple[int, float]] = field(default_factory=list)
    proposed: int = 0
    kept: int = 0

    def drafting(self) -> bool:
        """Whether the next pass carries drafts."""
        if len(self.drafted) < TRIAL_PASSES or self.sure():
            return True
        if len(self.plain) < TRIAL_PASSES:
            return False
        return _rate(self.drafted) >= _rate(self.plain)

    def sure(self) -> bool:
        """The trial passes' drafts were kept often enough to skip a plain trial."""
        return self.proposed > 0 and self.kept >= SURE_ACCEPTANCE * self.proposed

    def record(self, drafted: bool, tokens: int, seconds: float, proposed: int = 0,
               kept: int = 0) -> None:
        """One pass: tokens advanced over all rows, seconds, draft tokens proposed and
        kept."""
        trial = self.drafted if drafted else self.plain
        if len(trial) < TRIAL_PASSES:
            trial.append((tokens, seconds))
            self.proposed, self.kept = self.proposed + proposed, self.kept + kept


def _rate(passes: list[tuple[int, float]]) -> float:
    """Tokens advanced per second over ``passes``."""
    return sum(t for t, _ in passes) / max(1e-9, sum(s for _, s in passes))


@dataclass
class Row:
    """Decoding state of one batch row."""

    matcher: Any
    budget: int
    position: int
    last: int | None = None  # chosen, not yet in the cache
    tokens: list[int] = field(default_factory=list)
    stopped: bool = False

    @property
    def done(self) -> bool:
        return self.stopped or len(self.tokens) >= self.budget


def allowed_tokens(bitmask_row: Any, vocab_size: int) -> np.ndarray:
    """Token ids that a filled xgrammar bitmask row allows."""
    bits = np.unpackbits(bitmask_row.numpy().view(np.uint8), bitorder="little")
    return np.flatnonzero(bits[:vocab_size])


def draft(row: Row, tokenizer: Any) -> list[int]:
    """The forced continuation of ``row``'s grammar as the model's tokenizer writes it,
    cut to the row's token budget (the pass also yields one chosen token)."""
    text = row.matcher.find_jump_forward_string()
    if not text:
        return []
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    room = row.budget - len(row.tokens) - 1
    return list(ids[:max(0, min(MAX_DRAFT, room))])


def drafted_generate(model: Any, tokenizer: Any, inputs: dict[str, Any],
                     matchers: Sequence[Any], budgets: Sequence[int], vocab_size: int,
                     stop_ids: Sequence[int]) -> list[tuple[list[int], bool]]:
    """Greedy grammar-constrained decoding with verified drafts of forced text.

    Args:
        model: a causal LM whose cache layers are plain (ragged-safe).
        tokenizer: the model's tokenizer (encodes the drafts).
        inputs: ``input_ids`` and ``attention_mask`` of the left-padded prompts, and
            optionally ``past_key_values`` holding their first columns (the backend's
            prefix or ragged cache); the uncached columns are prefilled here.
        matchers: one fresh xgrammar matcher per row.
        budgets: most new tokens per row.
        vocab_size: the grammar's vocabulary size (bitmask width).
        stop_ids: token ids that end an answer.

    Returns:
        Per row, the new token ids (stop token excluded) and whether it stopped (rather
        than running out of budget).
    """
    import torch
    import xgrammar as xgr
    from transformers import DynamicCache

    ids, mask = inputs["input_ids"], inputs["attention_mask"]
    cache = inputs.get("past_key_values")
    if cache is None:
        cache = DynamicCache(config=model.config)
    cached = cache.get_seq_length()
    rows = [Row(m, int(b), int(p)) for m, b, p in
            zip(matchers, budgets, mask.sum(dim=1).tolist(), strict=True)]
    bitmask = xgr.allocate_token_bitmask(1, vocab_size)
    stops = set(stop_ids)
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    logits = _forward(model, cache, ids[:, cached:], mask, positions[:, cached:], 1)
    for index, row in enumerate(rows):
        _choose(row, logits[index, 0], bitmask, vocab_size, stops)
        _finish_if_forced_stop(row, bitmask, vocab_size, stops)
    pace = Pace()
    while not all(r.done for r in rows):
        use = pace.drafting()
        drafts = [draft(r, tokenizer) if use and not r.done else [] for r in rows]
        width = 1 + max(len(d) for d in drafts)
        pad = tokenizer.pad_token_id
        chunk, chunk_mask, chunk_pos = [], [], []
        for row, extra in zip(rows, drafts, strict=True):
            live = [] if row.done else [row.last, *extra]
            chunk.append(live + [pad] * (width - len(live)))
            chunk_mask.append([1] * len(live) + [0] * (width - len(live)))
            chunk_pos.append([row.position + min(k, max(0, len(live) - 1))
                              for k in range(width)])
        started = time.perf_counter()
        mask = torch.cat([mask, torch.tensor(chunk_mask, device=mask.device)], dim=1)
        logits = _forward(model, cache, torch.tensor(chunk, device=mask.device), mask,
                          torch.tensor(chunk_pos, device=mask.device), width)
        start = mask.shape[1] - width
        before = sum(len(r.tokens) for r in rows)
        kept_total = 0
        for index, (row, extra) in enumerate(zip(rows, drafts, strict=True)):
            if row.done:
                continue
            kept = _verify(row, extra, logits[index], bitmask, vocab_size, stops)
            kept_total += kept
            mask[index, start + 1 + kept:] = 0  # rejected draft slots
            row.position += 1 + kept
            _finish_if_forced_stop(row, bitmask, vocab_size, stops)
        pace.record(use, sum(len(r.tokens) for r in rows) - before,
                    time.perf_counter() - started, sum(len(d) for d in drafts), kept_total)
    return [(r.tokens, r.stopped) for r in rows]


def _forward(model: Any, cache: Any, ids: Any, mask: Any, positions: Any, keep: int) -> Any:
    import torch

    with torch.inference_mode():
        out = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                    past_key_values=cache, use_cache=True, logits_to_keep=keep)
    return out.logits.float()


def _choose(row: Row, logits: Any, bitmask: Any, vocab_size: int, stops: set[int]) -> int:
    """The greedy masked choice at ``row``'s grammar state; accepted into the row."""
    import xgrammar as xgr

    row.matcher.fill_next_token_bitmask(bitmask, 0)
    scores = logits[:vocab_size].unsqueeze(0).clone()
    xgr.apply_token_bitmask_inplace(scores, bitmask)
    token = int(scores.argmax())
    _accept(row, token, stops)
    return token


def _accept(row: Row, token: int, stops: set[int]) -> None:
    if token in stops:
        row.stopped, row.last = True, None
        return
    row.matcher.accept_token(token)
    row.tokens.append(token)
    row.last = token


def _verify(row: Row, extra: list[int], logits: Any, bitmask: Any, vocab_size: int,
            stops: set[int]) -> int:
    """Keep draft tokens while they are the greedy choice, then take the model's own
    choice; returns how many draft tokens were kept."""
    for kept, proposed in enumerate(extra):
        if len(row.tokens) >= row.budget:
            return kept
        if _choose(row, logits[kept], bitmask, vocab_size, stops) != proposed:
            return kept
    if len(row.tokens) < row.budget:
        _choose(row, logits[len(extra)], bitmask, vocab_size, stops)
    return len(extra)


def _finish_if_forced_stop(row: Row, bitmask: Any, vocab_size: int, stops: set[int]) -> None:
    """End a row whose grammar is complete and allows nothing but a stop token (saves the
    pass that would only choose it)."""
    if row.done or not row.matcher.is_completed():
        return
    row.matcher.fill_next_token_bitmask(bitmask, 0)
    if set(allowed_tokens(bitmask[0], vocab_size).tolist()) <= stops:
        row.stopped = True
