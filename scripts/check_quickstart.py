"""Check the Quick start's output against the sample's expected values (stdlib only).

    python3 scripts/check_quickstart.py lirads_out.csv [--gold examples/lirads_sample.csv]

The sample CSV carries the expected value of each of the 12 LI-RADS features next to its
report. The check fails when a report is missing, extra or failed, when a value is not a
valid LI-RADS value, when an evidence column is not JSON, or when fewer than
``--min-accuracy`` of the values agree with the sample (the shipped adapter with the
default pipeline agreed on 138 of 144 values, 0.958, when the floor was set; a floor
below that leaves room for the last bits of floating point that differ between CPUs).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

FEATURES = ("size", "location", "cld", "lrm_targetoid", "lrm_nontargetoid", "tiv", "aphe",
            "washout", "capsule", "threshold_growth", "af_benign", "af_malignant")
LOCATIONS = {"", "1", "2", "3", "4", "5", "6", "7", "8"}


def _csvsafe():  # noqa: ANN202 - a module
    """radlite's spreadsheet-safe CSV module, loaded from this checkout by path (it is
    standard library only), so that this script needs no install."""
    path = Path(__file__).resolve().parents[1] / "radlite" / "core" / "csvsafe.py"
    spec = importlib.util.spec_from_file_location("_radlite_csvsafe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CSVSAFE = _csvsafe()


def read(path: Path) -> dict[str, dict[str, str]]:
    """Rows of a CSV by their ``id`` (the spreadsheet-safe guard of radlite's output removed:
    ``'=x`` reads as ``=x``, as radlite's own readers do)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in CSVSAFE.dict_reader(handle)}


def invalid_value(feature: str, value: str) -> bool:
    """True when ``value`` is not a value the LI-RADS schema allows for ``feature``."""
    if feature == "size":
        return value != "" and not value.isdigit()
    if feature == "location":
        return value not in LOCATIONS
    return value not in {"0", "1"}


def problems(output: dict[str, dict[str, str]], gold: dict[str, dict[str, str]],
             min_accuracy: float) -> tuple[list[str], float]:
    """Everything wrong with ``output``, and the share of values that agree with ``gold``."""
    found = []
    if set(output) != set(gold):
        found.append(f"ids differ: missing {sorted(set(gold) - set(output))}, "
                     f"extra {sorted(set(output) - set(gold))}")
    agree = total = 0
    for report_id, expected in gold.items():
        row = output.get(report_id)
        if row is None:
            continue
        if row.get("status") != "ok":
            found.append(f"{report_id}: status {row.get('status')!r} ({row.get('error', '')})")
        try:
            json.loads(row.get("evidence") or "{}")
        except json.JSONDecodeError:
            found.append(f"{report_id}: evidence is not JSON")
        for feature in FEATURES:
            value = (row.get(feature) or "").strip()
            if invalid_value(feature, value):
                found.append(f"{report_id}: {feature}={value!r} is not a valid value")
            total += 1
            agree += value == expected[feature].strip()
    accuracy = agree / total if total else 0.0
    if accuracy < min_accuracy:
        found.append(f"accuracy {accuracy:.3f} ({agree}/{total}) is below {min_accuracy}")
    return found, accuracy


def main(argv: list[str] | None = None) -> int:
    """Print the result; exit 1 when the output is wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--gold", type=Path, default=Path("examples/lirads_sample.csv"))
    parser.add_argument("--min-accuracy", type=float, default=0.92)
    args = parser.parse_args(argv)
    if not args.output.is_file():
        print(f"check_quickstart: {args.output} was not written", file=sys.stderr)
        return 1
    found, accuracy = problems(read(args.output), read(args.gold), args.min_accuracy)
    for line in found:
        print(f"check_quickstart: {line}", file=sys.stderr)
    print(f"check_quickstart: {args.output}: {len(read(args.gold))} reports, "
          f"{accuracy:.3f} of values as expected -> {'FAIL' if found else 'ok'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
