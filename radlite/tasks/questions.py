"""Short constrained model questions about one candidate sentence.

Shared by the batched tasks (abdct's staged pipeline, chest's verify mode). A
*question* is one prompt from a versioned prompt file of a task package (e.g.
``tasks/abdct/prompts/staged-v1.yaml``) rendered for a sentence and returned as a
:class:`GenerationRequest` whose answer is forced by a regular expression. :func:`ask`
hands the questions to the backend in one call; batching by length, retries and counting
are the job runner's (:class:`radlite.backends.batching.BatchingBackend`), so a question
that still fails raises instead of passing as an empty answer. :func:`decode` maps a raw
answer through the prompt file's answer table; an answer that does not map (a backend
without constrained decoding) comes back as None so callers keep the rule-based value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, StrictUndefined

from radlite.core.errors import BackendError
from radlite.core.generation import GenerationRequest
from radlite.tasks.base import load_prompt

_JINJA = Environment(undefined=StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class Prompts:
    """A loaded question file: ``version``, ``system`` and ``questions``/``answers``."""

    version: str
    system: str
    questions: dict[str, dict[str, Any]]
    answers: dict[str, dict[str, Any]]


@cache
def load_prompts(package: str, name: str) -> Prompts:
    """Load a question file shipped in ``package``."""
    data = load_prompt(package, name)
    return Prompts(str(data["version"]), str(data["system"]).strip(),
                   dict(data["questions"]), dict(data.get("answers") or {}))


def build(prompts: Prompts, kind: str, key: str = "", **fields: str) -> GenerationRequest:
    """The request for question ``kind`` with template ``fields`` (e.g. sentence, organ)."""
    spec = prompts.questions[kind]
    user = _JINJA.from_string(spec["user"]).render(**fields)
    return GenerationRequest(
        messages=({"role": "system", "content": prompts.system}, {"role": "user", "content": user}),
        max_new_tokens=int(spec.get("max_new_tokens", 3)),
        regex=spec["regex"],
        key=key,
    )


def decode(prompts: Prompts, kind: str, text: str) -> Any:
    """Map a raw answer to its value, or None when it is not a valid answer."""
    answer = text.strip().lower().split()[0].strip(".,:") if text.strip() else ""
    table = prompts.answers.get(kind)
    if table is None:
        return int(answer) if answer.isdigit() else None
    return table.get(answer)


def ask(backend: Any, requests: Sequence[GenerationRequest]) -> list[str]:
    """Raw answers to ``requests``, in order, from one ``backend.generate`` call.

    Args:
        backend: a :class:`radlite.backends.base.Backend`; the job runner passes a
            :class:`~radlite.backends.batching.BatchingBackend`, which sends the questions
            in length-sorted batches and retries failed ones.

    Raises:
        BackendError: a question has no answer (the runner then retries the reports'
            batch and finally records each report as failed, with the reason).
    """
    if not requests:
        return []
    results = backend.generate(list(requests))
    failed = [r for r in results if not r.ok]
    if failed:
        raise BackendError(f"{len(failed)} of {len(results)} model questions failed: "
                           f"{failed[0].error or 'no answer'}")
    return [r.text for r in results]
