"""Decoding controls: checked up front, applied to every request, recorded and fingerprinted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.backends.base import Capabilities, DecodingBackend, with_decoding
from radlite.backends.openai_compat import OpenAICompatBackend
from radlite.backends.scripted import ScriptedBackend
from radlite.cli.main import cli
from radlite.core.decoding import Decoding
from radlite.core.errors import ConfigError, InputError
from radlite.core.generation import GenerationRequest
from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from tests.conftest import write_csv
from tests.pipeline.helpers import lirads_answer

REQUEST = GenerationRequest(messages=({"role": "user", "content": "x"},), max_new_tokens=64)


def test_parse_apply_and_label():
    decoding = Decoding.parse("temperature=0.7, top_p=0.9,max_new_tokens=20")
    applied = decoding.apply(REQUEST)
    assert (applied.temperature, applied.top_p, applied.max_new_tokens) == (0.7, 0.9, 20)
    assert applied.top_k is None and applied.num_beams == 1
    assert decoding.label() == "temperature=0.7,top_p=0.9,max_new_tokens=20"
    assert Decoding().apply(REQUEST) is REQUEST and Decoding.parse("").label() == "default"


@pytest.mark.parametrize("text, message", [
    ("top_p=0.9", "set temperature > 0"),
    ("temperature=-1", "temperature must be >= 0"),
    ("temperature=1,top_p=1.5", "top_p must be in (0, 1]"),
    ("length_penalty=2", "set num_beams > 1"),
    ("beams=2", "unknown decoding control"),
    ("temperature=hot", "is not a number"),
    ("temperature", "expected name=value"),
])
def test_impossible_settings_are_refused(text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Decoding.parse(text)


def test_backend_applies_controls_and_refuses_what_it_cannot_do():
    inner = ScriptedBackend(responder=lambda _r: "ok")
    wrapped = with_decoding(inner, Decoding(num_beams=3, repetition_penalty=1.2))
    wrapped.generate([REQUEST])
    assert (inner.requests[0].num_beams, inner.requests[0].repetition_penalty) == (3, 1.2)
    assert wrapped.decoding == {"num_beams": 3, "repetition_penalty": 1.2}
    assert with_decoding(inner, Decoding()) is inner

    limited = ScriptedBackend(capabilities=Capabilities(decoding=frozenset({"temperature"})))
    with pytest.raises(ConfigError, match=r"does not support decoding control\(s\) \['num_beams'\]"):
        DecodingBackend(limited, Decoding(num_beams=2))


def test_server_payload_carries_the_sampling_controls():
    backend = OpenAICompatBackend(base_url="http://127.0.0.1:9/v1", model="m")
    payload = backend._payload(Decoding(temperature=0.5, top_k=40, top_p=0.8).apply(REQUEST))
    assert (payload["temperature"], payload["top_k"], payload["top_p"]) == (0.5, 40, 0.8)
    assert "top_k" not in backend._payload(REQUEST)
    with pytest.raises(ConfigError, match="num_beams"):
        with_decoding(backend, Decoding(num_beams=2))


def test_provenance_and_job_fingerprint_record_the_controls(tmp_path: Path):
    source = write_csv(tmp_path / "in.csv", ["id", "report"],
                       [["r1", "2 cm APHE lesion in segment 7."]])
    out = tmp_path / "out.jsonl"

    def run(decoding: Decoding) -> None:
        backend = with_decoding(ScriptedBackend(responder=lirads_answer), decoding)
        extract("lirads", InputSpec(source), out, fmt="jsonl", backend=backend,
                options=RunOptions(progress=False))

    run(Decoding(temperature=0.3, max_new_tokens=90))
    record = json.loads(out.read_text().splitlines()[0])
    assert record["provenance"]["decoding"] == {"temperature": 0.3, "max_new_tokens": 90}
    with pytest.raises(InputError):  # the same output under other controls is another job
        run(Decoding(temperature=0.9))


def test_cli_refuses_a_bad_control_in_one_line(tmp_path: Path):
    source = write_csv(tmp_path / "in.csv", ["id", "report"], [["r1", "text"]])
    res = CliRunner().invoke(cli, ["extract", "lirads", str(source), "-o",
                                   str(tmp_path / "o.csv"), "--top-p", "0.9"])
    assert res.exit_code != 0
    assert "top_k/top_p only act when sampling" in str(res.exception)


@pytest.mark.model
def test_real_model_runs_beam_search_and_penalties(builtin_backend):
    greedy = builtin_backend.generate([REQUEST, REQUEST])
    assert greedy[0].text == greedy[1].text  # deterministic by default
    beams = with_decoding(builtin_backend, Decoding(num_beams=2, repetition_penalty=1.3,
                                                    max_new_tokens=8))
    result = beams.generate([REQUEST])[0]
    assert result.ok and result.completion_tokens <= 8


def test_sweep_settings_sit_on_the_base_controls_and_must_differ():
    from radlite.cli.eval_sweep import settings

    chosen = settings(("", "num_beams=2"), Decoding(max_new_tokens=50))
    assert [d.label() for d in chosen] == ["max_new_tokens=50", "num_beams=2,max_new_tokens=50"]
    with pytest.raises(ConfigError, match="repeat"):
        settings(("temperature=0", "temperature=0.0"), Decoding())
    with pytest.raises(ConfigError, match="at least one"):
        settings((), Decoding())
