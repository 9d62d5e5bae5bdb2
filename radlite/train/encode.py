"""Token-level training features: prompt tokens masked, answer tokens learned.

Key term: the *prompt text* is exactly what inference feeds the model: both render it
with :func:`radlite.backends.hf.chat_prompt` (the chat template with the generation
prompt), tokenized without added special tokens. For a
causal LM the answer is the target followed by the EOS token (``<|im_end|>`` for
SmolLM2); labels are -100 on the prompt so the loss covers the answer only.
Tokenizers without a chat template (T5) get the messages joined by blank lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from radlite.backends.hf import chat_prompt
from radlite.train.data import Example

IGNORE = -100


#: The model input for chat messages: the inference backend's own rendering.
prompt_text = chat_prompt


def encode_causal(tokenizer: Any, example: Example) -> dict[str, list[int]]:
    """``input_ids``/``labels`` for a decoder-only model."""
    prompt = tokenizer(prompt_text(tokenizer, example.messages),
                       add_special_tokens=False)["input_ids"]
    answer = tokenizer(example.target, add_special_tokens=False)["input_ids"]
    answer = [*answer, tokenizer.eos_token_id]
    return {"input_ids": prompt + answer, "labels": [IGNORE] * len(prompt) + answer}


def encode_seq2seq(tokenizer: Any, example: Example) -> dict[str, list[int]]:
    """``input_ids``/``labels`` for an encoder-decoder model (the tokenizer adds EOS)."""
    source = tokenizer(prompt_text(tokenizer, example.messages))["input_ids"]
    target = tokenizer(text_target=example.target)["input_ids"]
    return {"input_ids": source, "labels": target}


def encode_all(tokenizer: Any, examples: Sequence[Example], model_type: str,
               max_length: int) -> tuple[list[dict[str, list[int]]], int]:
    """Encode examples; those longer than ``max_length`` tokens are dropped.

    Returns:
        ``(features, dropped)``.
    """
    encode = encode_seq2seq if model_type == "seq2seq" else encode_causal
    features, dropped = [], 0
    for example in examples:
        feature = encode(tokenizer, example)
        if len(feature["input_ids"]) > max_length or len(feature["labels"]) > max_length:
            dropped += 1
            continue
        features.append(feature)
    return features, dropped


class Collator:
    """Right-pads a batch; pads labels with -100 and builds the attention mask."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(b["input_ids"]) for b in batch)
        label_width = max(len(b["labels"]) for b in batch)
        ids = [b["input_ids"] + [self.pad_id] * (width - len(b["input_ids"])) for b in batch]
        mask = [[1] * len(b["input_ids"]) + [0] * (width - len(b["input_ids"])) for b in batch]
        labels = [b["labels"] + [IGNORE] * (label_width - len(b["labels"])) for b in batch]
        return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask),
                "labels": torch.tensor(labels)}
