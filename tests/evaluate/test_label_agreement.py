"""Label F1 between generated and reference impressions (clinical agreement)."""

from __future__ import annotations

import numpy as np
import pytest

from radlite.evaluate.label_agreement import label_f1, positive_labels
from radlite.evaluate.text_tasks import score_impression
from radlite.tasks.chest.labels import chexpert_observations


def _index(name: str) -> int:
    return chexpert_observations().index(name)


def test_labels_come_from_the_chest_labeller() -> None:
    labels = positive_labels("Moderate cardiomegaly. Possible left lower lobe pneumonia.")
    assert labels[_index("Cardiomegaly")] == 1
    assert labels[_index("Pneumonia")] == 1  # uncertain counts as communicated
    assert labels[_index("No Finding")] == 0
    assert positive_labels("").sum() == 0


def test_matching_and_conflicting_impressions() -> None:
    scores = label_f1(
        ["No acute cardiopulmonary abnormality.", "Right pleural effusion.", "Possible pneumonia."],
        ["Normal chest.", "Small right effusion. Cardiomegaly.", "No acute disease."])
    f1 = scores["label_f1"]
    assert f1.per_item[0] == 1.0            # normal vs normal: No Finding agrees
    assert f1.per_item[1] == pytest.approx(2 / 3)  # effusion found, cardiomegaly missed
    assert f1.per_item[2] == 0.0            # an invented pneumonia
    tp, fp, fn = (f1.counts.sum(axis=(0, 1))[i] for i in range(3))
    assert f1.corpus == pytest.approx(2 * tp / (2 * tp + fp + fn))
    abnormal = scores["label_f1_abnormal"]
    assert abnormal.per_item[0] == 1.0      # nothing abnormal on either side
    assert abnormal.counts.shape[1] == len(chexpert_observations()) - 1


def test_the_counts_resample_by_report() -> None:
    f1 = label_f1(["Cardiomegaly.", "Edema."], ["Enlarged heart.", "No edema."])["label_f1"]
    assert f1.counts.shape == (2, len(chexpert_observations()), 4)
    resampled = np.stack([f1.counts[[0, 0]].sum(axis=0), f1.counts[[1, 1]].sum(axis=0)])
    assert f1.fn(resampled).tolist() == [1.0, 0.0]


def test_impression_scoring_reports_label_f1() -> None:
    gold = [{"id": "1", "findings": "Heart is enlarged.", "impression": "Cardiomegaly."},
            {"id": "2", "findings": "Clear lungs.", "impression": "No acute disease."}]
    pred = [{"id": "1", "impression": "Cardiomegaly."}, None]
    model = score_impression(gold, pred, ["labels"])
    assert set(model.counts) == {"label_f1", "label_f1_abnormal"}
    assert model.extra["per_item"]["label_f1"] == [1.0, 0.0]  # the missing one scores 0
