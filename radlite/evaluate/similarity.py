"""BERTScore and embedding cosine similarity with a locally installed encoder.

Scores from different encoders or layers are not comparable, so every score names both
(the encoder itself: :mod:`radlite.models.encoder`).

BERTScore follows Zhang et al. (2020) with idf off and no baseline rescaling:
each token's contextual embedding (special tokens excluded) is greedily matched
to its most similar token on the other side; P averages over hypothesis
tokens, R over reference tokens, F = 2PR / (P + R).
"""

from __future__ import annotations

import numpy as np

from radlite.evaluate.scores import TextScore, check_pairs, mean_score
from radlite.models.encoder import load_encoder, sentence_embeddings, token_states


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
) -> dict[str, TextScore]:
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
    check_pairs(hypotheses, references)
    enc = load_encoder(encoder_path)
    layer = enc.n_layers if layer is None else layer
    def tokens_of(texts: list[str]) -> list[np.ndarray]:
        return [h[m & ~s] for h, m, s in token_states(enc, texts, layer, batch_size)]

    hyp_emb, ref_emb = tokens_of(hypotheses), tokens_of(references)
    prf = np.array([greedy_match(h, r) for h, r in zip(hyp_emb, ref_emb, strict=True)])
    prf = prf.reshape(len(hypotheses), 3)
    note = f"encoder {enc.name} layer {layer}/{enc.n_layers}, idf off, no baseline rescaling"
    return {
        name: mean_score(name, prf[:, i], note)
        for i, name in enumerate(("bertscore_p", "bertscore_r", "bertscore_f1"))
    }


def embedding_cosine(hypotheses: list[str], references: list[str],
                     encoder_path: str | None = None, batch_size: int = 32
                     ) -> dict[str, TextScore]:
    """Cosine similarity of sentence embeddings per item (corpus = mean)."""
    check_pairs(hypotheses, references)
    enc = load_encoder(encoder_path)
    h = sentence_embeddings(hypotheses, encoder_path, batch_size)
    r = sentence_embeddings(references, encoder_path, batch_size)
    note = f"encoder {enc.name}, {enc.pooling} pooling"
    return {"embedding_cosine": mean_score("embedding_cosine", (h * r).sum(axis=1), note)}
