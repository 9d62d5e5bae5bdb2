"""Fixtures for training tests: tiny labelled data and the embedded model as a folder.

The embedded GGUF takes ~25 s to dequantize; the session fixture does it once and
saves an ordinary transformers folder that the training tests load in about a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny_csv() -> Path:
    """Six short labelled LI-RADS reports (English and Korean-English)."""
    return DATA / "tiny_lirads.csv"


@pytest.fixture(scope="session")
def embedded_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded model, dequantized once and saved as a transformers folder."""
    import torch

    from radlite.core.errors import BackendError
    from radlite.train.config import SFTSettings
    from radlite.train.modeling import load_base

    torch.set_num_threads(1)
    try:
        model, tokenizer, _ = load_base(SFTSettings(synth_n=1, device="cpu"))
    except BackendError as exc:
        pytest.skip(f"embedded model not installed: {exc}")
    folder = tmp_path_factory.mktemp("smollm2")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
