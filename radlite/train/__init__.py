"""Adapting a local model to a task: LoRA/QLoRA SFT and GRPO (``radlite train``).

Public API: :class:`SFTSettings`, :class:`GRPOSettings`, :func:`load_config`,
:func:`train_sft`, :func:`train_grpo`. Heavy libraries (torch, transformers, peft,
trl) are imported only when a run starts.
"""

from __future__ import annotations

from typing import Any

from radlite.train.config import GRPOSettings, SFTSettings, TrainConfig, load_config

__all__ = ["GRPOSettings", "SFTSettings", "TrainConfig", "load_config", "train_grpo", "train_sft"]


def train_sft(config: SFTSettings) -> dict[str, Any]:
    """Run SFT; see :func:`radlite.train.sft.train_sft`."""
    from radlite.train.sft import train_sft as run

    return run(config)


def train_grpo(config: GRPOSettings) -> dict[str, Any]:
    """Run GRPO; see :func:`radlite.train.grpo.train_grpo`."""
    from radlite.train.grpo import train_grpo as run

    return run(config)
