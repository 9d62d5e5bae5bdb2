"""Drafted decoding (radlite.backends.hf_drafted): the answers of token-by-token greedy
decoding in fewer forward passes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from radlite.backends import hf_drafted
from radlite.backends.hf_drafted import Pace, Row, allowed_tokens, draft
from radlite.core.generation import GenerationRequest
from radlite.core.types import Report

REPORTS = [
    "Cirrhotic liver. 2.4 cm nodule in segment 7 with arterial phase hyperenhancement "
    "and washout on the delayed phase, enhancing capsule.",
    "Liver: 1.2 cm simple cyst in segment 4. No suspicious lesion.",
    "Cirrhosis with ascites. " * 6 + "Segment 8: 31 mm observation, nonrim APHE, "
    "no washout, threshold growth since the prior exam.",
]


class _Matcher:
    def __init__(self, forced: str) -> None:
        self.forced = forced

    def find_jump_forward_string(self) -> str:
        return self.forced


class _Tokenizer:
    """One token per character."""

    def __call__(self, text: str, add_special_tokens: bool = False) -> dict[str, list[int]]:
        return {"input_ids": [ord(c) for c in text]}


def test_draft_encodes_the_forced_text_within_the_row_budget() -> None:
    row = Row(_Matcher("; seg="), budget=10, position=0, tokens=[1, 2, 3, 4])
    assert draft(row, _Tokenizer()) == [ord(c) for c in "; seg"]  # 10 - 4 - 1 chosen
    assert draft(Row(_Matcher(""), budget=10, position=0), _Tokenizer()) == []
    assert draft(Row(_Matcher("abc"), budget=1, position=0), _Tokenizer()) == []


def test_allowed_tokens_reads_a_packed_bitmask() -> None:
    torch = pytest.importorskip("torch")
    mask = torch.zeros(2, dtype=torch.int32)
    mask[0] = (1 << 3) - (1 << 31)  # bits 3 and 31 (the sign bit of int32)
    mask[1] = 1 << 2
    assert allowed_tokens(mask, 64).tolist() == [3, 31, 34]
    assert allowed_tokens(mask, 33).tolist() == [3, 31]


def test_pace_keeps_drafting_only_where_it_advances_faster() -> None:
    sure = Pace()
    for _ in range(hf_drafted.TRIAL_PASSES):
        assert sure.drafting()
        sure.record(True, tokens=16, seconds=1.0, proposed=10, kept=9)  # drafts kept
    assert sure.drafting() and sure.sure()
    slow = Pace()
    for _ in range(hf_drafted.TRIAL_PASSES):
        slow.record(True, tokens=12, seconds=2.0, proposed=10, kept=4)  # 6 tokens/s
    assert not slow.drafting()  # a plain trial follows
    for _ in range(hf_drafted.TRIAL_PASSES):
        slow.record(False, tokens=8, seconds=1.0)  # 8 tokens/s
    assert not slow.drafting()
    fast = Pace()
    for _ in range(hf_drafted.TRIAL_PASSES):
        fast.record(True, tokens=16, seconds=1.0, proposed=20, kept=8)
        fast.record(False, tokens=8, seconds=1.0)
    assert fast.drafting()


def _requests(max_new_tokens: int | None = None) -> list[GenerationRequest]:
    from radlite.tasks import get_task

    task = get_task("lirads")
    requests = [task.build_request(Report(f"r{i}", text)) for i, text in enumerate(REPORTS)]
    if max_new_tokens is not None:
        requests = [replace(r, max_new_tokens=max_new_tokens) for r in requests]
    return requests


def _run(backend: Any, requests: list[GenerationRequest], drafted: bool
         ) -> tuple[list[Any], list[tuple[int, ...]]]:
    shapes: list[tuple[int, ...]] = []
    hook = backend.model.register_forward_pre_hook(
        lambda _module, _args, kwargs: shapes.append(tuple(kwargs["input_ids"].shape)),
        with_kwargs=True)
    saved = backend.drafted
    backend.drafted = drafted
    try:
        return backend.generate(requests), shapes
    finally:
        backend.drafted = saved
        hook.remove()


@pytest.mark.model
def test_drafted_answers_equal_token_by_token_greedy_in_fewer_passes(
        builtin_backend, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xgrammar")
    monkeypatch.setattr(hf_drafted, "SURE_ACCEPTANCE", 0.0)  # always draft: count passes
    requests = _requests()
    assert builtin_backend._can_draft(requests)
    plain, plain_passes = _run(builtin_backend, requests, drafted=False)
    drafted, drafted_passes = _run(builtin_backend, requests, drafted=True)
    assert [r.text for r in drafted] == [r.text for r in plain]
    assert [r.finish_reason for r in drafted] == [r.finish_reason for r in plain]
    assert [r.completion_tokens for r in drafted] == [r.completion_tokens for r in plain]
    assert all(r.text.startswith("size=") for r in drafted)
    assert len(drafted_passes) < 0.6 * len(plain_passes)  # base model: ~half
    assert max(width for _rows, width in drafted_passes[-3:]) > 1  # drafts ride along


@pytest.mark.model
def test_drafted_decoding_stops_at_the_token_budget_like_generate(builtin_backend) -> None:
    pytest.importorskip("xgrammar")
    requests = _requests(max_new_tokens=7)
    plain, _ = _run(builtin_backend, requests, drafted=False)
    drafted, _ = _run(builtin_backend, requests, drafted=True)
    assert [r.text for r in drafted] == [r.text for r in plain]
    assert {r.finish_reason for r in drafted} == {"length"}
    assert all(r.completion_tokens == 7 for r in drafted)


@pytest.mark.model
def test_unconstrained_or_sampled_requests_use_generate(builtin_backend) -> None:
    requests = _requests()
    assert not builtin_backend._can_draft([replace(requests[0], regex=None)])
    assert not builtin_backend._can_draft([replace(requests[0], temperature=0.7, seed=1)])
    assert not builtin_backend._can_draft([replace(requests[0], num_beams=2)])
    assert not builtin_backend._can_draft([replace(requests[0], repetition_penalty=1.2)])


def test_no_drafts_flag_reaches_the_backend_options() -> None:
    from click.testing import CliRunner

    from radlite.cli.extract import build_backend_spec

    params = {"backend": "builtin", "no_drafts": True, "dtype": None}
    assert build_backend_spec(params).options == {"drafted": False}
    params = {"backend": "openai_compat", "no_drafts": True}
    assert "drafted" not in build_backend_spec(params).options
    from radlite.cli.main import cli

    help_text = CliRunner().invoke(cli, ["extract", "lirads", "--help"]).output
    assert "--no-drafts" in help_text
