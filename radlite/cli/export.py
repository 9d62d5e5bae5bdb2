"""``radlite export``: the trained model as merged weights for transformers/vLLM and GGUF."""

from __future__ import annotations

import json
import os

import click


@click.command("export")
@click.option("-o", "--output-dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write: hf/ (transformers, vLLM), model.gguf (llama.cpp, "
                   "Ollama) and export.json.")
@click.option("--task", default="lirads", show_default=True,
              help="Task whose shipped adapter is exported when --adapter is not given.")
@click.option("--adapter", default=None, type=click.Path(exists=True, file_okay=False),
              help="PEFT/LoRA adapter folder (default: the task's shipped adapter).")
@click.option("--model", default="builtin", show_default=True,
              help="Base model the adapter was trained on: builtin, or a local folder or "
                   ".gguf file.")
@click.option("--gguf/--no-gguf", default=True, show_default=True,
              help="Also write model.gguf (when the base model is a GGUF file).")
@click.option("--gguf-type", default="f16", show_default=True,
              type=click.Choice(["f32", "f16", "q8_0"]),
              help="Precision of the GGUF's weight matrices (norms stay f32).")
def command(output_dir: str, task: str, adapter: str | None, model: str, gguf: bool,
            gguf_type: str) -> None:
    """Merge a LoRA adapter into its base model and write it for other runtimes.

    The exported model answers like `radlite extract ... --backend builtin` with the same
    adapter when given the adapter's prompt template: `radlite extract lirads FILE
    --backend transformers --model OUT/hf --template compact-v1` (or `--backend llamacpp
    --model OUT/model.gguf`); see docs/train.md, "Exporting".
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from radlite.adapters import default_adapter
    from radlite.core.errors import ConfigError
    from radlite.train.export import export_model

    chosen = adapter or default_adapter(task)
    if chosen is None:
        raise ConfigError(f"no shipped adapter for task {task!r}: give --adapter")
    record = export_model(model, chosen, output_dir, gguf=gguf, gguf_type=gguf_type)
    click.echo(json.dumps(record, indent=2))
