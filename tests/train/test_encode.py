"""The training prompt is byte-identical to the inference prompt; loss on answers only."""

from __future__ import annotations

from pathlib import Path

import pytest

from radlite.core.generation import GenerationRequest
from radlite.train.config import SFTSettings
from radlite.train.data import build_examples, read_rows, training_task
from radlite.train.encode import IGNORE, Collator, encode_causal, prompt_text

pytestmark = pytest.mark.model


def test_prompt_matches_backend_and_masks_prompt(embedded_folder: Path, tiny_csv: Path) -> None:
    from transformers import AutoTokenizer

    from radlite.backends.hf import TransformersBackend

    tokenizer = AutoTokenizer.from_pretrained(embedded_folder, local_files_only=True)
    task = training_task(SFTSettings(train_file=str(tiny_csv)))
    example = build_examples(task, read_rows(tiny_csv, "report"))[0]
    backend = TransformersBackend.__new__(TransformersBackend)
    backend.tokenizer = tokenizer
    request = GenerationRequest(messages=tuple(example.messages), max_new_tokens=8)
    encoded = backend._encode([request])
    rows = encoded["input_ids"] if not isinstance(encoded, list) else encoded
    inference_ids = [int(i) for i in rows[0]]

    feature = encode_causal(tokenizer, example)
    n_prompt = len(inference_ids)
    assert feature["input_ids"][:n_prompt] == inference_ids
    assert prompt_text(tokenizer, example.messages).endswith("<|im_start|>assistant\n")
    assert all(label == IGNORE for label in feature["labels"][:n_prompt])
    answer = tokenizer.decode(feature["input_ids"][n_prompt:])
    assert answer == example.target + "<|im_end|>"
    assert example.target.startswith("size=23; seg=8; cld=1;")

    batch = Collator(tokenizer.pad_token_id)([feature, encode_causal(tokenizer, example)])
    assert batch["input_ids"].shape == batch["labels"].shape
