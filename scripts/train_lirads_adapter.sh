#!/usr/bin/env bash
# Retrain the shipped LI-RADS adapter of the embedded model from scratch, on CPU:
#   configs/train/lirads-sft-builtin.yaml (SFT, 200 steps x 4 synthetic reports; about
#   1.5 CPU-hours: under an hour on 2 cores with AVX512-BF16).
# STAGE2=1 continues with configs/train/lirads-sft-builtin-stage2.yaml (400 steps on 1,200
# fresh reports, rare labels twice; 62 minutes measured on 2 cores), the candidate that
# docs/train.md compares with the shipped adapter. Interrupted? Run it again: each stage
# resumes from its newest checkpoint, and a finished stage is not redone.
# Then compare on the development sets (benchmarks/train_lirads.py --gold FILE) before
# copying an adapter into radlite/adapters/lirads/, and regenerate the ablation tables.
set -euo pipefail
threads="${THREADS:-2}"
stage() {
    local config="$1" out="$2"
    if [[ -f "$out/adapter/adapter_config.json" ]]; then
        echo "done already: $out/adapter"
        return
    fi
    radlite train sft --config "$config" --threads "$threads" --resume
}
stage configs/train/lirads-sft-builtin.yaml runs/lirads-sft-builtin
echo "adapter: runs/lirads-sft-builtin/adapter"
if [[ "${STAGE2:-0}" == 1 ]]; then
    stage configs/train/lirads-sft-builtin-stage2.yaml runs/lirads-sft-builtin-stage2
    echo "adapter: runs/lirads-sft-builtin-stage2/adapter"
fi
