"""The ``lirads`` generator: liver CT/MRI reports with LI-RADS index-lesion gold labels."""

from __future__ import annotations

import random
from typing import Any

from radlite.synth.lirads_case import derive_labels
from radlite.synth.lirads_render import render
from radlite.synth.lirads_sample import sample_case


def make_record(rng: random.Random, lang: str, record_id: str) -> dict[str, Any]:
    """Sample a case, render it, and return the gold record.

    Args:
        rng: the record's random stream.
        lang: ``en`` or ``ko-en``.
        record_id: the ``id`` to give the record.

    Returns:
        ``{"id", "report", <12 features>, "case"}``; features are int or ``None``.
    """
    case = sample_case(rng, lang)
    text = render(case, rng)
    return {"id": record_id, "report": text, **derive_labels(case), "case": case.to_dict()}
