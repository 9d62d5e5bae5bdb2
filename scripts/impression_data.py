"""Write the impression training splits from the Open-i development data (read at run time).

    python scripts/impression_data.py [--out runs/impression-data]

Three disjoint CSVs (``id, findings, indication, impression``), nothing copied into the
repository:

- ``train.csv``: ``openi_dev.csv`` reports with both findings and impression that are not
  among the MEDIQA pairs (by uid and by findings text, masks normalised): stage-1 data.
- ``val.csv``: the first 600 MEDIQA pairs, the ``dev`` slice of
  ``benchmarks/impressions.py``: early stopping and decoding settings.
- ``test.csv``: the remaining MEDIQA pairs, the ``report`` slice: never used for training
  or tuning, only for the final comparison with the extractive draft.

Plus two derived files: ``val_small.csv`` (the first 150 validation pairs: cheaper
checkpoint scoring on 2 cores) and ``bank.csv`` (train + val: the example bank for the
test split, every development pair the test split may draw on with ``--examples``).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "openi-dev"
DEV_N = 600  # the dev slice of benchmarks/impressions.py
VAL_SMALL_N = 150
COLUMNS = ("id", "findings", "indication", "impression")


def _key(text: str) -> str:
    """Findings text with de-identification masks and spacing normalised."""
    return re.sub(r"\s+", " ", re.sub(r"XXXX|_{2,}", "_", text)).strip().lower()


def _indication(background: str) -> str:
    match = re.search(r"Indication:\s*(.*?)(?:\s*Comparison:|$)", background or "")
    return match.group(1).strip() if match else ""


def splits(data: Path) -> dict[str, list[dict[str, str]]]:
    """The three splits as lists of rows."""
    pairs = json.loads((data / "mediqa_indiana_dev.json").read_text(encoding="utf-8"))
    held = [{"id": f"mediqa-{p['study_id']}", "findings": p["findings"].strip(),
             "indication": _indication(p.get("background", "")),
             "impression": p["impression"].strip()} for p in pairs]
    held_uids = {str(p["study_id"]) for p in pairs}
    held_text = {_key(p["findings"]) for p in pairs}
    with (data / "openi_dev.csv").open(newline="", encoding="utf-8") as handle:
        train = [{"id": f"openi-{r['uid']}", "findings": r["findings"].strip(),
                  "indication": r["indication"].strip(), "impression": r["impression"].strip()}
                 for r in csv.DictReader(handle)
                 if r["findings"].strip() and r["impression"].strip()
                 and r["uid"] not in held_uids and _key(r["findings"]) not in held_text]
    return {"train": train, "val": held[:DEV_N], "test": held[DEV_N:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "impression-data")
    args = parser.parse_args(argv)
    if not (args.data / "openi_dev.csv").is_file():
        print(f"{args.data} does not hold the Open-i development data", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    parts = splits(args.data)
    parts |= {"val_small": parts["val"][:VAL_SMALL_N], "bank": parts["train"] + parts["val"]}
    for name, rows in parts.items():
        with (args.out / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        print(f"{name}: {len(rows)} pairs -> {args.out / f'{name}.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
