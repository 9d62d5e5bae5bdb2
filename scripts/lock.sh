#!/usr/bin/env bash
# Regenerate requirements/constraints.txt: the exact versions the test suite passes with.
#   bash scripts/lock.sh            # newest versions that pyproject.toml allows
#   bash scripts/lock.sh --upgrade-package transformers   # (any uv pip compile option)
# Run it after scripts/check_latest.sh passed, then commit the file with the result.
#
# The lock covers the core dependencies and the train, eval, serve, ray, dev and qlora
# extras for CPython 3.11 on x86-64 Linux. llamacpp is left out (it builds from source just
# to be resolved). The CUDA runtime packages that PyPI's torch wheel lists are left out:
# scripts/install.sh installs the CPU build of torch, which needs none of them.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null 2>&1 || python3 -m pip install -q "uv>=0.5"
compile=(uv pip compile pyproject.toml --extra train --extra eval --extra serve --extra ray
         --extra dev --extra qlora --python-version 3.11 --python-platform x86_64-manylinux_2_28
         --no-annotate --quiet --custom-compile-command "bash scripts/lock.sh" "$@")
probe="$(mktemp)"
trap 'rm -f "$probe"' EXIT
"${compile[@]}" -o "$probe"
skip=()
for name in $(grep -oE '^(nvidia-[a-z0-9-]+|cuda-[a-z0-9-]+|triton)==' "$probe" | tr -d '='); do
  skip+=(--no-emit-package "$name")
done
"${compile[@]}" "${skip[@]}" -o requirements/constraints.txt
echo "wrote requirements/constraints.txt ($(grep -c '==' requirements/constraints.txt) pins)"
