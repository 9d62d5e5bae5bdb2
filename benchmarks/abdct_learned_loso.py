"""Experiment: can a learned part beat the abdominal CT rules? Leave-one-set-out.

Sets: the four hand-written abdct sets and a synthetic set (``--synth-n`` reports); each
hand-written set is held out in turn, the learned part is trained on all the others.
Two learned parts, both on all-MiniLM-L6-v2 sentence embeddings with logistic regression:

- ``candidate_head``: decides each (report, organ, label group) the rules proposed a
  candidate for (embedding of the candidate sentences x group, rule certainty counts,
  the rule value), like the chest head. It cannot recover a missed finding.
- ``sentence_detector``: one model per group over every sentence about an organ
  (``propose.organ_sentences``), trained with the report-level gold of that organ as the
  label of each of its sentences (multi-instance), OR'ed with the rules to recover misses.

Micro F1 over the 45 organ x group cells. The rules were developed on these sets, so
their numbers here are optimistic; the question is only whether a learned part adds.

    python benchmarks/abdct_learned_loso.py [--synth-n 400]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from radlite import synth
from radlite.core.types import Report
from radlite.models.encoder import local_embedder
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.abdct.labels import default_organs, label_groups
from radlite.tasks.abdct.propose import organ_sentences, propose

HERE = Path(__file__).resolve().parent
SETS = {"dev1": "abdct_dev_handwritten.csv", "dev2": "abdct_dev2_handwritten.csv",
        "dev3": "abdct_dev3_handwritten.csv", "validation": "abdct_validation_handwritten.csv"}
GROUPS, ORGANS = label_groups(), default_organs()
CERTS = ("positive", "possible", "negative")


def micro(gold: list[int], pred: list[int]) -> float:
    g, p = np.array(gold), np.array(pred)
    return round(float(2 * (g & p).sum() / max(g.sum() + p.sum(), 1)), 4)


def load(synth_n: int) -> dict[str, list[tuple[str, dict[str, int]]]]:
    cell = [f"{o}_{g}" for o in ORGANS for g in GROUPS]
    data = {name: [(r["report"], {c: int(r[c] or 0) for c in cell})
                   for r in csv.DictReader((HERE / "data" / file).open(encoding="utf-8"))]
            for name, file in SETS.items()}
    data["synthetic"] = [(r["report"], {c: int(r.get(c) or 0) for c in cell})
                         for r in synth.generate("abdct", synth_n, seed=11)]
    return data


def bags(reports: list[tuple[str, dict[str, int]]]) -> list[dict]:
    """One item per (report, organ, group): rule value, gold, candidate and organ texts."""
    rules = AbdctTask().run_batch(None, [Report(str(i), t) for i, (t, _) in enumerate(reports)])
    out = []
    for (text, gold), record in zip(reports, rules, strict=True):
        cands, about = propose(text), organ_sentences(text)
        for organ in ORGANS:
            sents = [f"{organ.replace('_', ' ')}: {s.text}" for o, s in about if o == organ]
            for group, types in GROUPS.items():
                mine = [c for c in cands if c.organ == organ and c.type in types]
                cand = " ".join(dict.fromkeys(c.sentence.text for c in mine))
                out.append({"group": group, "rule": int(record.values.get(f"{organ}_{group}") or 0),
                            "gold": gold[f"{organ}_{group}"], "sents": sents,
                            "cand": f"{organ.replace('_', ' ')}: {cand}" if mine else "",
                            "counts": [sum(c.certainty == k for c in mine) for k in CERTS]})
    return out


def head_features(item: dict, vec: dict[str, np.ndarray]) -> np.ndarray:
    onehot = np.eye(len(GROUPS))[list(GROUPS).index(item["group"])]
    counts = np.concatenate([[1.0], np.minimum(item["counts"], 3)])
    return np.concatenate([np.outer(onehot, counts).ravel(),
                           np.outer(onehot, vec[item["cand"]]).ravel(), [item["rule"]]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synth-n", type=int, default=400)
    parser.add_argument("--out", type=Path, default=HERE / "results/abdct_learned_loso.json")
    args = parser.parse_args()
    data = {name: bags(reports) for name, reports in load(args.synth_n).items()}
    embed = local_embedder()
    texts = sorted({t for items in data.values() for i in items
                    for t in [i["cand"], *i["sents"]] if t})
    vec = dict(zip(texts, embed(texts), strict=True))
    result: dict = {"synth_n": args.synth_n}
    for held in SETS:
        train = [i for name, items in data.items() if name != held for i in items]
        test = data[held]
        with_cand = [i for i in train if i["cand"]]
        head = LogisticRegression(C=1.0, max_iter=2000).fit(
            np.array([head_features(i, vec) for i in with_cand]), [i["gold"] for i in with_cand])
        head_pred = [int(head.predict_proba(head_features(i, vec)[None])[0, 1] >= 0.5)
                     if i["cand"] else 0 for i in test]
        detect_pred = [i["rule"] for i in test]
        for group in GROUPS:
            x = [(vec[s], i["gold"]) for i in train if i["group"] == group for s in i["sents"]]
            model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(
                np.array([v for v, _ in x]), [y for _, y in x])
            for k, i in enumerate(test):
                if i["group"] == group and i["sents"] and not i["rule"]:
                    p = model.predict_proba(np.array([vec[s] for s in i["sents"]]))[:, 1].max()
                    detect_pred[k] = int(p >= 0.7)
        gold = [i["gold"] for i in test]
        result[held] = {"rules": micro(gold, [i["rule"] for i in test]),
                        "candidate_head": micro(gold, head_pred),
                        "rules_or_sentence_detector": micro(gold, detect_pred)}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
