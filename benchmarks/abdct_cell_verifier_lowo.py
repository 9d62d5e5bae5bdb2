"""Leave-one-writer-out: a learned verifier over the rules' candidates (the rules as
features), against the rules alone.

For every (report, organ, label group) cell that the rules' candidates touch (any
certainty), the verifier sees the rule value, the numbers of positive / possible /
negative candidates, the organ and group, and the mean all-MiniLM-L6-v2 embedding of the
candidates' "organ: sentence" texts (sentences verbatim from the report); a logistic
model per held-out writer is trained on the other writers' gold cells and decides the
cell. Cells no candidate touches stay 0. Data: every writer set under
``benchmarks/data/train/``.

    python benchmarks/abdct_cell_verifier_lowo.py [--out benchmarks/results/abdct_cell_verifier_lowo.json]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from radlite.models.encoder import local_embedder
from radlite.tasks.abdct.labels import default_organs, label_groups
from radlite.tasks.abdct.propose import propose

HERE = Path(__file__).resolve().parent
GROUPS, ORGANS = label_groups(), default_organs()
GROUP_OF = {t: g for g, types in GROUPS.items() for t in types}
GROUP_NAMES = list(GROUPS)
CERTAINTIES = ("positive", "possible", "negative")


def micro(gold: np.ndarray, pred: np.ndarray) -> float:
    return round(float(2 * (gold & pred).sum() / max(gold.sum() + pred.sum(), 1)), 4)


def cells(path: Path) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """The touched cells of a writer set, and its gold and rule arrays."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    out, gold, rules = [], [], []
    for n, row in enumerate(rows):
        g = np.array([[int(row[f"{o}_{grp}"] or 0) for grp in GROUPS] for o in ORGANS])
        r = np.zeros_like(g)
        touched: dict[tuple[int, int], dict] = {}
        for c in propose(row["report"]):
            if c.organ not in ORGANS or c.type not in GROUP_OF:
                continue
            key = (ORGANS.index(c.organ), GROUP_NAMES.index(GROUP_OF[c.type]))
            cell = touched.setdefault(key, {"report": n, "counts": [0, 0, 0], "texts": set()})
            cell["counts"][CERTAINTIES.index(c.certainty)] += 1
            cell["texts"].add(f"{c.organ.replace('_', ' ')}: {c.sentence.text}")
            if c.certainty != "negative":
                r[key] = 1
        for (i, j), cell in touched.items():
            out.append({**cell, "organ": i, "group": j, "rule": int(r[i, j]), "gold": int(g[i, j])})
        gold.append(g)
        rules.append(r)
    return out, np.array(gold), np.array(rules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=HERE / "results/abdct_cell_verifier_lowo.json")
    parser.add_argument("--c", type=float, default=0.5, help="Inverse L2 strength.")
    args = parser.parse_args()
    files = sorted((HERE / "data/train").glob("abdct_writer_*[0-9].csv"),
                   key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    sets = {f.stem.removeprefix("abdct_"): cells(f) for f in files}
    texts = sorted({t for cs, _, _ in sets.values() for c in cs for t in c["texts"]})
    vec = dict(zip(texts, local_embedder()(texts), strict=True))

    def features(cell: dict) -> np.ndarray:
        emb = np.mean([vec[t] for t in cell["texts"]], axis=0)
        return np.concatenate([[cell["rule"]], np.log1p(cell["counts"]), emb,
                               np.eye(len(ORGANS))[cell["organ"]],
                               np.eye(len(GROUPS))[cell["group"]]])

    result: dict = {"c": args.c, "writers": {}}
    for held, (held_cells, gold, rules) in sets.items():
        train = [c for w, (cs, _, _) in sets.items() if w != held for c in cs]
        model = LogisticRegression(C=args.c, max_iter=3000).fit(
            np.array([features(c) for c in train]), [c["gold"] for c in train])
        verified = np.zeros_like(rules)
        probs = model.predict_proba(np.array([features(c) for c in held_cells]))[:, 1]
        for cell, p in zip(held_cells, probs, strict=True):
            verified[cell["report"], cell["organ"], cell["group"]] = int(p >= 0.5)
        result["writers"][held] = {
            "rules": micro(gold, rules), "verified": micro(gold, verified),
            "per_group": {g: [micro(gold[:, :, j], rules[:, :, j]),
                              micro(gold[:, :, j], verified[:, :, j])]
                          for j, g in enumerate(GROUPS)}}
        print(held, result["writers"][held]["rules"], result["writers"][held]["verified"],
              flush=True)
    for variant in ("rules", "verified"):
        scores = [w[variant] for w in result["writers"].values()]
        result[variant] = {"mean": round(float(np.mean(scores)), 4), "min": min(scores),
                           "max": max(scores)}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("rules", "verified")}, indent=1))


if __name__ == "__main__":
    main()
