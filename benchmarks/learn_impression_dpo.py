"""Experiment: DPO (TRL) on a reader's preference pairs against the layout profile, for
the simulated department of ``benchmarks/learn_impression_site.py`` (numbered lists that
always end with "Clinical correlation recommended.").

Preference pairs from 100 reviews: the prompt is the impression task's model prompt
(``ImpressionTask(mode="model")``), *chosen* is the site's impression, *rejected* the
default draft the reader edited away from. A LoRA adapter (r 8) on the embedded
SmolLM2-135M-Instruct is trained with TRL's ``DPOTrainer`` (beta 0.1, reference = the
adapter switched off) on 2 CPU cores. The same 100 new reports as the profile benchmark
are drafted greedily by the untrained model, by the DPO adapter, and by the draft with
the learnt profile and example bank (``radlite learn impression``), and scored with
layout agreement and ROUGE-L against the site's impressions.

    python benchmarks/learn_impression_dpo.py [--epochs 2] [--new 100]
        [--out benchmarks/results/learn_impression_dpo.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from learn_impression_site import DATA, site_impression

from radlite.core.types import Record, Report
from radlite.learn.compare import text_counts
from radlite.learn.data import LearnSet
from radlite.learn.learners import ImpressionLearner
from radlite.tasks.impression.styles import clean_output
from radlite.tasks.impression.task import ImpressionTask
from radlite.train.config import SFTSettings
from radlite.train.modeling import add_adapter, load_base


def _figures(counts: np.ndarray) -> dict[str, float]:
    return {"rouge_l": round(float(counts[:, 0].mean()), 4),
            "layout_agreement": round(float(counts[:, 2].mean()), 4)}


def _generate(model: object, tokenizer: object, task: ImpressionTask, reports: list[Report],
              batch: int = 8) -> list[Record]:
    """Greedy impressions of ``reports`` in the task's model prompt; raw text as written
    (list layout kept: it is what is scored)."""
    out = []
    tokenizer.padding_side = "left"  # type: ignore[attr-defined]
    for start in range(0, len(reports), batch):
        chunk = reports[start:start + batch]
        prompts = [tokenizer.apply_chat_template(list(task.messages(r)), tokenize=False,  # type: ignore[attr-defined]
                                                 add_generation_prompt=True) for r in chunk]
        enc = tokenizer(prompts, return_tensors="pt", padding=True)  # type: ignore[operator]
        with torch.no_grad():
            ids = model.generate(**enc, max_new_tokens=80, do_sample=False,  # type: ignore[attr-defined]
                                 pad_token_id=tokenizer.pad_token_id)  # type: ignore[attr-defined]
        for r, row in zip(chunk, ids, strict=True):
            text = tokenizer.decode(row[enc["input_ids"].shape[1]:], skip_special_tokens=True)  # type: ignore[attr-defined]
            text = text.strip() or clean_output(text)
            out.append(Record(id=r.id, task="impression", status="ok",
                              values={"impression": text}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--reviews", type=int, default=100)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--out", type=Path,
                        default=Path("benchmarks/results/learn_impression_dpo.json"))
    args = parser.parse_args()
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    torch.manual_seed(0)
    torch.set_num_threads(2)
    started = time.time()
    rows = [r for r in json.loads(DATA.read_text(encoding="utf-8"))
            if r.get("findings", "").strip() and r.get("impression", "").strip()]
    order = np.random.default_rng(0).permutation(len(rows))
    pool, new = order[:args.reviews], order[200:200 + args.new]
    draft = ImpressionTask()
    prompt_task = ImpressionTask(mode="model")
    pool_reports = [Report(f"r{i}", rows[i]["findings"]) for i in pool]
    pairs = Dataset.from_list([
        {"prompt": list(prompt_task.messages(rep)),
         "chosen": [{"role": "assistant", "content": site_impression(rows[i]["impression"])}],
         "rejected": [{"role": "assistant", "content": draft.draft(rep)}]}
        for i, rep in zip(pool, pool_reports, strict=True)])
    test = LearnSet([f"r{i}" for i in new], [rows[i]["findings"] for i in new],
                    [{"impression": site_impression(rows[i]["impression"])} for i in new],
                    ["impression"])
    new_reports = test.reports()
    settings = SFTSettings(model="builtin", device="cpu", lora_r=8, lora_alpha=16)
    model, tokenizer, model_type = load_base(settings)
    results: dict[str, object] = {"reviews": args.reviews, "new_reports": args.new}
    t0 = time.time()
    results["untrained_model"] = _figures(text_counts(
        _generate(model, tokenizer, prompt_task, new_reports), test))
    results["untrained_seconds"] = round(time.time() - t0, 1)
    print(json.dumps(results), flush=True)
    model = add_adapter(model, settings, model_type)
    tmp = Path(tempfile.mkdtemp(prefix="dpo-"))
    config = DPOConfig(output_dir=str(tmp), per_device_train_batch_size=4,
                       num_train_epochs=args.epochs, learning_rate=2e-4, beta=0.1,
                       max_length=640, logging_steps=5, save_strategy="no", report_to=[],
                       use_cpu=True, seed=0, gradient_checkpointing=False)
    trainer = DPOTrainer(model=model, args=config, train_dataset=pairs,
                         processing_class=tokenizer)
    t0 = time.time()
    trainer.train()
    results["dpo_train_seconds"] = round(time.time() - t0, 1)
    results["dpo_curve"] = [{k: round(v, 4) if isinstance(v, float) else v
                             for k, v in h.items() if k in ("step", "loss", "rewards/accuracies",
                                                            "rewards/margins")}
                            for h in trainer.state.log_history if "loss" in h]
    model.eval()
    results["dpo"] = _figures(text_counts(
        _generate(model, tokenizer, prompt_task, new_reports), test))
    print(json.dumps(results), flush=True)
    learner = ImpressionLearner({})
    train = LearnSet([r.id for r in pool_reports], [r.text for r in pool_reports],
                     [{"impression": site_impression(rows[i]["impression"])} for i in pool],
                     ["impression"])
    learner.fit(train, None, tmp / "profile", lambda s, f: None)
    results["profile_and_bank"] = _figures(text_counts(
        learner.task(tmp / "profile").run_batch(None, new_reports), test))
    results["default_draft"] = _figures(text_counts(draft.run_batch(None, new_reports), test))
    results["seconds"] = round(time.time() - started, 1)
    results["command"] = "python benchmarks/learn_impression_dpo.py"
    print(json.dumps(results), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
