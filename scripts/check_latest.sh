#!/usr/bin/env bash
# Does radlite still pass with the newest versions pyproject.toml allows? Run this before
# raising an upper bound or regenerating the lock, so that a new release of transformers,
# peft, trl, ... breaks this check and not a hospital's install.
#   bash scripts/check_latest.sh [VENV]     # default: a new venv in a scratch folder
# It installs radlite[all] without requirements/constraints.txt into a fresh virtual
# environment, runs the checks and tests (scripts/test.sh), and lists every version that
# differs from the lock. When it passes: bash scripts/lock.sh, and commit the new lock.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-$(mktemp -d)/venv}"
python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
status=0
RADLITE_CONSTRAINTS=none bash scripts/test.sh -p no:cacheprovider || status=$?
echo "versions that differ from requirements/constraints.txt:"
python3 - <<'PY'
import re
from importlib import metadata
from pathlib import Path

pins = dict(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)",
                       Path("requirements/constraints.txt").read_text(), re.M))
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
installed = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
changed = [(name, pin, installed[norm(name)]) for name, pin in sorted(pins.items())
           if norm(name) in installed and installed[norm(name)].split("+")[0] != pin]
for name, pin, now in changed:
    print(f"  {name}: {pin} -> {now}")
print(f"  ({len(changed)} of {len(pins)} pins differ)")
PY
echo "test suite with the newest allowed versions: $([ $status = 0 ] && echo passed || echo FAILED)"
exit $status
