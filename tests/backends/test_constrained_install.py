"""Constrained decoding is part of the base install, not an accident of the machine."""

from __future__ import annotations

import re

from radlite.backends.hf import _xgrammar_available
from radlite.tasks.lirads.format import compact_regex


def test_xgrammar_is_installed_and_compiles_the_lirads_regex() -> None:
    assert _xgrammar_available(), "xgrammar is a core dependency (pyproject.toml)"
    import xgrammar as xgr

    grammar = xgr.Grammar.from_regex(compact_regex([23, 9], [8]))
    assert "root" in str(grammar)
    assert re.fullmatch(compact_regex([23, 9], [8]), "size=23; seg=8; cld=1; tgt=0; ntg=0; "
                        "tiv=0; aphe=1; wo=1; cap=0; grw=0; ben=0; mal=0")
