"""Short constrained model questions about one candidate sentence.

A *question* is one prompt from a versioned prompt file (``prompts/staged-v1.yaml``)
rendered for a sentence and returned as a :class:`GenerationRequest` whose answer is
forced by a regular expression. :func:`ask` sends many questions to a backend in
batches and maps each raw answer through the prompt file's answer table; an answer that
does not map (a backend without constrained decoding) comes back as None so callers
keep the rule-based value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, StrictUndefined

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
def load_prompts(package: str = "radlite.tasks.abdct", name: str = "staged-v1") -> Prompts:
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


def ask(backend: Any, requests: Sequence[GenerationRequest], batch_size: int | None = None
        ) -> list[str]:
    """Raw answers to ``requests`` (empty string for a failed request), in order.

    Args:
        backend: a :class:`radlite.backends.base.Backend`.
        requests: the questions.
        batch_size: requests per backend call (default: the backend's preference).
    """
    size = max(1, batch_size or backend.capabilities.max_batch_size)
    order = sorted(range(len(requests)), key=lambda i: requests[i].prompt_chars())
    answers = [""] * len(requests)
    for lo in range(0, len(order), size):
        chunk = order[lo:lo + size]
        results = backend.generate([requests[i] for i in chunk])
        for i, result in zip(chunk, results, strict=True):
            answers[i] = result.text if result.ok else ""
    return answers
