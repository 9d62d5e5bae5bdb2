"""Leave-one-writer-out: the abdct rules, and a sentence-level learned detector trained on
other writers' sentence annotations, on reports by writers the project never saw.

Data: ``benchmarks/data/train/abdct_writer_<n>.csv`` (36 reports each, one writer persona
each, written by helper sessions that never opened the project's code or data) with
``abdct_writer_<n>_findings.jsonl`` sidecars: every organ statement with its type,
certainty and the verbatim text. The rules were never developed on these writers, so their
per-writer scores are honest estimates; their spread is the point.

Learned detector: for every (organ, sentence) pair (``propose.organ_sentences``), the
all-MiniLM-L6-v2 embedding of "organ: sentence" plus the organ one-hot, one logistic model
per label group, trained on the other writers' annotated sentences (a sentence is
positive for a group when the writer annotated a positive or possible finding of that
group for that organ in it). Variants: rules, learned only, rules OR learned.

    python benchmarks/abdct_writers_lowo.py [--out benchmarks/results/abdct_writers_lowo.json]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from radlite.core.types import Report
from radlite.models.encoder import local_embedder
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.abdct.labels import default_organs, label_groups
from radlite.tasks.abdct.propose import organ_sentences
from radlite.text.sentences import HEADER_EXTENDED, split_sentences

HERE = Path(__file__).resolve().parent
GROUPS, ORGANS = label_groups(), default_organs()
TYPE_GROUP = {t: g for g, types in GROUPS.items() for t in types}


def micro(gold: np.ndarray, pred: np.ndarray) -> float:
    return round(float(2 * (gold & pred).sum() / max(gold.sum() + pred.sum(), 1)), 4)


def load_writer(path: Path) -> list[dict]:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    side = {}
    sidecar = path.with_name(path.stem + "_findings.jsonl")
    if sidecar.is_file():
        for line in sidecar.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                side[item["id"]] = item["findings"]
    out = []
    for row in rows:
        text = row["report"]
        sentences = split_sentences(text, HEADER_EXTENDED)
        positive: dict[tuple[str, int], set[str]] = {}
        for f in side.get(row["id"], []):
            group = TYPE_GROUP.get(f.get("type", ""))
            at = text.find(f.get("text") or "\0")
            if group is None or at < 0 or f.get("certainty") not in ("positive", "possible"):
                continue
            for sent in sentences:
                if sent.start <= at < max(sent.end, sent.start + 1):
                    positive.setdefault((f["organ"], sent.start), set()).add(group)
        pairs = [(o, s) for o, s in organ_sentences(text) if o in ORGANS]
        items = [(o, s.text, positive.get((o, s.start), set())) for o, s in pairs]
        gold = np.array([[int(row[f"{o}_{g}"] or 0) for g in GROUPS] for o in ORGANS])
        out.append({"id": row["id"], "text": text, "pairs": items, "gold": gold})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "results/abdct_writers_lowo.json")
    parser.add_argument("--c", type=float, default=1.0, help="Inverse L2 strength.")
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args()
    files = sorted((HERE / "data/train").glob("abdct_writer_*[0-9].csv"))
    writers = {f.stem.removeprefix("abdct_"): load_writer(f) for f in files}
    embed = local_embedder()
    texts = sorted({f"{o.replace('_', ' ')}: {t}" for w in writers.values() for r in w
                    for o, t, _ in r["pairs"]})
    vec = dict(zip(texts, embed(texts), strict=True))
    task = AbdctTask()

    def features(organ: str, text: str) -> np.ndarray:
        return np.concatenate([vec[f"{organ.replace('_', ' ')}: {text}"],
                               np.eye(len(ORGANS))[ORGANS.index(organ)]])

    result: dict = {"c": args.c, "threshold": args.threshold, "class_weight": "balanced",
                    "writers": {}}
    for held, reports in writers.items():
        train = [p for w, rs in writers.items() if w != held for r in rs for p in r["pairs"]]
        x = np.array([features(o, t) for o, t, _ in train])
        models = {g: LogisticRegression(C=args.c, max_iter=3000, class_weight="balanced").fit(
            x, [int(g in gs) for _, _, gs in train]) for g in GROUPS}
        records = task.run_batch(None, [Report(r["id"], r["text"]) for r in reports])
        gold, rules, learned = [], [], []
        for r, rec in zip(reports, records, strict=True):
            gold.append(r["gold"])
            rules.append(np.array([[int(rec.values.get(f"{o}_{g}") or 0) for g in GROUPS]
                                   for o in ORGANS]))
            pred = np.zeros((len(ORGANS), len(GROUPS)), dtype=int)
            for o, t, _ in r["pairs"]:
                f = features(o, t)[None]
                for j, g in enumerate(GROUPS):
                    pred[ORGANS.index(o), j] |= int(models[g].predict_proba(f)[0, 1]
                                                    >= args.threshold)
            learned.append(pred)
        g, ru, le = (np.array(a) for a in (gold, rules, learned))
        result["writers"][held] = {
            "n_reports": len(reports), "rules": micro(g, ru), "learned": micro(g, le),
            "rules_or_learned": micro(g, ru | le),
            "rules_per_group": {grp: micro(g[:, :, j], ru[:, :, j]) for j, grp in enumerate(GROUPS)},
            "rules_or_learned_per_group": {grp: micro(g[:, :, j], (ru | le)[:, :, j])
                                           for j, grp in enumerate(GROUPS)}}
    for variant in ("rules", "learned", "rules_or_learned"):
        scores = [w[variant] for w in result["writers"].values()]
        result[variant] = {"mean": round(float(np.mean(scores)), 4), "min": min(scores),
                           "max": max(scores)}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
