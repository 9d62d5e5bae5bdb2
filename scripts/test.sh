#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then check and test.
# This is the README's test command and what CI runs after the Quick start (.ci/run).
# Arguments go to pytest: bash scripts/test.sh -k doctor
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh all

# A real browser for the review-page tests (Debian's Chromium; Playwright never downloads one).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; browser tests will be skipped"
fi

# Every import is covered by a declared dependency, and the layers hold (pyproject.toml).
python3 -m deptry radlite
lint-imports

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
python3 -m pytest -q "$@"
