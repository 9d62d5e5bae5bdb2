"""Length batching in the runner and in the transformers backend; prefix KV reuse."""

from __future__ import annotations

import pytest

from radlite.backends.hf_prefix import common_prefix, length_groups
from radlite.core.generation import GenerationRequest
from radlite.core.types import Report
from radlite.pipeline.batching import Item, length_batches


def _items(texts: list[str]) -> list[Item]:
    return [Item(i, Report(id=str(i), text=t)) for i, t in enumerate(texts)]


def test_length_batches_sort_and_cap_padded_size() -> None:
    items = _items(["x" * n for n in (50, 10, 40, 20, 30, 1000)])
    batches = list(length_batches(items, batch_size=3))
    assert [[len(i.report.text) for i in b] for b in batches] == [[10, 20, 30], [40, 50, 1000]]
    capped = list(length_batches(items, batch_size=3, max_batch_chars=120))
    assert [len(b) for b in capped] == [3, 2, 1]


def test_length_batches_measure_korean_in_bytes() -> None:
    items = _items(["간" * 10, "a" * 20])  # 30 bytes vs 20 bytes
    (batch,) = length_batches(items, batch_size=2)
    assert [i.report.text[0] for i in batch] == ["a", "간"]


def test_length_groups_bound_padding_but_not_below_min_group() -> None:
    lengths = [100] * 16 + [300] * 16
    groups = length_groups(lengths, max_waste=0.3, min_group=16)
    assert [len(g) for g in groups] == [16, 16]
    assert length_groups(lengths, max_waste=0.3, min_group=64) == [list(range(32))]


def test_common_prefix() -> None:
    assert common_prefix([[1, 2, 3, 4], [1, 2, 5], [1, 2, 3]]) == 2
    assert common_prefix([[7, 8]]) == 2 and common_prefix([]) == 0


@pytest.mark.model
def test_prefix_cache_and_groups_do_not_change_greedy_output(builtin_backend) -> None:
    texts = ["Cirrhosis. 2.1 cm S8 nodule with APHE and washout.",
             "간경변. S6에 1.8cm 동맥기 조영증강 결절, washout 보임. 추가 소견 없음."]
    system = {"role": "system", "content": "Extract LI-RADS features. Answer key=value."}
    requests = [GenerationRequest(messages=(system, {"role": "user", "content": t}),
                                  max_new_tokens=12, key=str(i)) for i, t in enumerate(texts)]
    saved = builtin_backend._prefix, builtin_backend.max_padding
    try:
        builtin_backend._prefix, builtin_backend.max_padding = None, 0
        plain = [r.text for r in builtin_backend.generate(requests)]
        builtin_backend._prefix, builtin_backend.max_padding = saved
        reused = builtin_backend.generate(requests)
    finally:
        builtin_backend._prefix, builtin_backend.max_padding = saved
    assert [r.text for r in reused] == plain
    assert builtin_backend._prefix is not None and len(builtin_backend._prefix.tokens) >= 8


@pytest.mark.model
def test_ragged_prefill_matches_one_report_at_a_time_and_computes_no_padding(
        builtin_backend) -> None:
    """Rows of very different lengths: the batch answers as each row alone does, and
    the whole batch only ever runs decode steps (one new token per row): the prompts
    are prefilled in groups of similar length, here one row each."""
    texts = ["2 cm nodule.",
             "Cirrhotic liver. " * 12 + "2.1 cm segment 8 observation with APHE and washout.",
             "Segment 6: 1.4 cm arterial enhancement, no washout, no capsule."]
    system = {"role": "system", "content": "Extract LI-RADS features. Answer key=value."}
    requests = [GenerationRequest(messages=(system, {"role": "user", "content": t}),
                                  max_new_tokens=10, key=str(i)) for i, t in enumerate(texts)]
    alone = [builtin_backend.generate([r])[0].text for r in requests]
    model = builtin_backend.model
    shapes: list[tuple[int, int]] = []
    hook = model.register_forward_pre_hook(
        lambda _module, _args, kwargs: shapes.append(tuple(kwargs["input_ids"].shape)),
        with_kwargs=True)
    try:
        together = [r.text for r in builtin_backend.generate(requests)]
    finally:
        hook.remove()
    assert together == alone
    assert builtin_backend._ragged()
    assert any(rows == 1 and width > 20 for rows, width in shapes)  # a row's own prefill
    assert all(width == 1 for rows, width in shapes if rows == len(requests))
