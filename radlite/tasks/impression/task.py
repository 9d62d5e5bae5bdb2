"""The impression task: findings (+ indication/background) -> a draft impression.

Key term: the *mode* of drafting.

- ``draft``: the extractive draft only (no model text is used; deterministic). With
  an example bank it is the *examples-aware draft* (``habits.py``): the department's
  own normal phrasing and reporting habits, taken from the most similar past reports.
- ``refine`` (coarse-to-fine): the model rewrites the extractive draft in the style;
  the consistency gate then removes every sentence the findings do not support, and
  the draft is kept when nothing supported is left.
- ``model``: the model writes the impression from the findings alone (a baseline).

Every output carries the gate's flags and a notice that it is a draft for review.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from radlite.core.decoding import attempt_sampling
from radlite.core.errors import ConfigError, InputError
from radlite.core.generation import GenerationRequest
from radlite.core.types import Record, Report
from radlite.tasks.base import Task, load_prompt
from radlite.tasks.impression import gate, styles
from radlite.tasks.impression.detect import Exam, detect_exam
from radlite.tasks.impression.draft import extractive_draft
from radlite.tasks.impression.examples import ExampleBank, bank_from_file
from radlite.tasks.impression.habit_model import (
    LearnedHabits,
    load_habit_model,
    shipped_habit_model,
)
from radlite.tasks.impression.habits import ExampleHabits, asserted_concepts
from radlite.tasks.impression.profile import load_profile

MODES = ("draft", "refine", "model")


def _in_share(key: str, share: float) -> bool:
    """Whether ``key`` falls in the first ``share`` of a stable hash order."""
    if share >= 1:
        return True
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF < share


_JINJA = Environment(undefined=StrictUndefined, autoescape=False)


class ImpressionTask(Task):
    """Prompt builder and parser for drafting impressions.

    Args:
        mode: ``draft``, ``refine`` or ``model`` (see the module docstring).
        style: ``concise``, ``expert`` or ``plain``.
        max_items: at most this many sentences in the impression (length control).
        examples: the user's past reports; the most similar ``n_examples`` go in the prompt.
        n_examples: how many examples per prompt.
        examples_draft: with ``examples``, draft in their phrasing habits (the
            examples-aware draft, :class:`ExampleHabits`); False keeps the plain draft.
        reuse_examples: the examples-aware draft may also reuse a whole example
            impression whose concepts match the findings (off by default).
        consensus: the examples-aware draft picks, among itself and this many
            nearest example impressions that pass the gate, the one that agrees most
            with those impressions (:meth:`ExampleHabits.consensus_choice`); 0 turns
            it off.
        examples_file: a CSV/JSONL of past reports to use as ``examples`` (indexed by
            word n-gram TF-IDF); for training configs and learnt site habits.
        examples_share: training only: the share of rows whose prompt carries examples
            (chosen by a stable hash of the row id), so one adapter learns prompts with
            and without ``--examples``. A row never sees itself as an example.
        keep_draft_concepts: ``refine``: keep the draft when the model drops a finding
            the draft asserts (True), or only when the gate leaves nothing (False).
        correct_spelling: correct typing errors in the findings against the words of
            the example bank (else of the habit model's training reports, for its body
            site) before drafting and prompting (the record's ``spelling_corrected``
            lists the replacements; the gate checks against the corrected findings).
        follow_layout: the examples-aware draft is a numbered list when most of the
            nearest example impressions are (:meth:`ExampleHabits.writes_numbered`);
            not in the ``plain`` style; a learnt ``profile`` has the last word.
        habit_model: without example habits (no bank, ``examples_draft`` off, or a
            training prompt without examples), draft in the phrasing and layout a learned
            habit model predicts from the findings (:class:`LearnedHabits`): ``"shipped"``
            (default: the model shipped with radlite, chest radiographs), a folder from
            ``radlite train impression-habits``, or None / ``"none"`` for the built-in
            normal statement.
        profile: a style profile JSON (:mod:`~radlite.tasks.impression.profile`, learnt
            by ``radlite learn impression``): numbered list and closing sentence habits.
        indication_col: input column with the indication (``Report.meta``).
        background_col: input column with background/history.
        max_chars: findings longer than this fail with a clear reason.
    """

    name = "impression"

    def __init__(self, mode: str = "draft", style: str = "concise", max_items: int = 3,
                 examples: ExampleBank | None = None, n_examples: int = 3,
                 examples_draft: bool = True, reuse_examples: bool = False, consensus: int = 5,
                 indication_col: str = "indication", background_col: str = "background",
                 max_chars: int | None = None, examples_file: str | None = None,
                 examples_share: float = 1.0, keep_draft_concepts: bool = True,
                 profile: str | None = None, correct_spelling: bool = True,
                 follow_layout: bool = True, habit_model: str | None = "shipped") -> None:
        if mode not in MODES:
            raise ConfigError(f"unknown impression mode '{mode}'; choose from {MODES}")
        if style not in styles.STYLES:
            raise ConfigError(f"unknown style '{style}'; choose from {styles.STYLES}")
        self.mode, self.style, self.max_items = mode, style, max(1, int(max_items))
        if examples is None and examples_file:
            if not Path(examples_file).is_file():
                raise ConfigError(f"examples_file {examples_file} is not a file")
            examples = bank_from_file(Path(examples_file))[0]
        self.examples, self.n_examples = examples, n_examples
        self.profile = load_profile(profile) if profile else None
        self.examples_share = float(examples_share)
        self.keep_draft_concepts = bool(keep_draft_concepts)
        self.correct_spelling = bool(correct_spelling)
        self.follow_layout = bool(follow_layout)
        self.habits = (ExampleHabits(examples, reuse=reuse_examples, consensus=consensus)
                       if examples is not None and examples_draft else None)
        self.learned: LearnedHabits | None = None
        if habit_model not in (None, "", "none"):
            self.learned = LearnedHabits(shipped_habit_model() if habit_model == "shipped"
                                         else load_habit_model(habit_model))
        self.indication_col, self.background_col = indication_col, background_col
        self.prompt = load_prompt(__package__, "draft-v1" if mode == "model" else "refine-v1")
        self.template_version = f"{mode}/{self.prompt['version']}"
        if max_chars:
            self.max_chars = int(max_chars)
        self._system = _JINJA.from_string(self.prompt["system"])
        self._user = _JINJA.from_string(self.prompt["user"])
        # the draft mode calls no model: it runs as a batched task on any backend
        # (the job runner's NullBackend included), so no model is ever loaded for it
        self.batched = mode == "draft"

    @property
    def needs_model(self) -> bool:
        """False for the extractive ``draft`` mode."""
        return self.mode != "draft"

    def run_batch(self, backend: Any, reports: Sequence[Report]) -> list[Record]:
        """``draft`` mode: the draft record of each report; the backend is never called.

        Raises:
            ConfigError: called in a mode that needs the model.
        """
        if self.mode != "draft":
            raise ConfigError(f"impression mode {self.mode!r} asks the model per report; "
                              "only the draft mode runs as a batch")
        records = []
        for report in reports:
            record = self.parse(report, "")
            record.extra.setdefault("attempts", 1)
            records.append(record)
        return records

    def exam(self, report: Report) -> Exam:
        """The report's modality and body site (given columns first, else detected)."""
        return detect_exam(report.text, report.meta.get("modality") or None,
                           report.meta.get("body_site") or None)

    @staticmethod
    def _given_modality(report: Report, exam: Exam) -> str | None:
        """The exam's modality when the input row gives one, else None."""
        return exam.modality if report.meta.get("modality") else None

    def draft(self, report: Report, use_examples: bool = True) -> str:
        """The styled extractive draft of a report: examples-aware with an example bank
        (unless ``use_examples`` is False), else in the habit model's phrasing (when
        there is one and it fits the exam, :meth:`LearnedHabits.applies`)."""
        exam = self.exam(report)
        site = exam.body_site
        habits = self.habits if use_examples and self.habits is not None else self.learned
        if habits is self.learned and habits is not None \
                and not habits.applies(site, self._given_modality(report, exam)):
            habits = None
        if habits is None:
            return styles.apply_style(extractive_draft(report.text, site, self.max_items),
                                      self.style, self.max_items)
        text = styles.apply_style(habits.draft(report.text, site, self.max_items),
                                  self.style, self.max_items)
        if self.follow_layout and self.style != "plain" \
                and habits.writes_numbered(report.text, site):
            return styles.numbered(styles.sentences(text))
        return text

    def messages(self, report: Report, use_examples: bool = True
                 ) -> tuple[dict[str, str], ...]:
        """Chat messages for a report (also used to build training examples); without
        ``use_examples`` the prompt is the one built when there is no example bank."""
        exam = self.exam(report)
        context = " ".join(v for v in (report.meta.get(self.indication_col, ""),
                                       report.meta.get(self.background_col, "")) if v)
        use_examples = use_examples and self.examples is not None
        chosen = self.examples.select(report.text, self.n_examples) if use_examples else []
        values = {"exam": exam.label(), "style_text": styles.STYLE_TEXT[self.style],
                  "max_items": self.max_items, "examples": chosen, "indication": context,
                  "findings": report.text.strip(),
                  "draft": self.draft(report, use_examples)}
        return ({"role": "system", "content": self._system.render(**values).strip()},
                {"role": "user", "content": self._user.render(**values)})

    def training_pair(self, report: Report, values: dict[str, Any]
                      ) -> tuple[tuple[dict[str, str], ...], str]:
        """The prompt :meth:`messages` builds and the gold impression as the answer.

        The row's indication, background, modality and body site (when it has them) go
        into the prompt exactly as at inference; the answer is the gold ``impression`` in
        this task's style and length (:func:`styles.apply_style`), so each style learns
        its own targets. With an example bank, ``examples_share`` of the rows get the
        nearest examples (the row itself and its augmented copies, ids ``<id>~...``,
        hidden), the others the prompt without examples.

        Raises:
            InputError: the row has no gold impression.
        """
        meta_keys = (self.indication_col, self.background_col, "modality", "body_site")
        meta = {k: str(values[k]) for k in meta_keys if values.get(k) not in (None, "")}
        gold = str(values.get("impression") or "").strip()
        if not gold:
            raise InputError(f"row {report.id}: no gold impression to learn")
        report = Report(report.id, report.text, {**report.meta, **meta})
        source = report.id.split("~", 1)[0]
        hidden = self.examples.hiding([source]) if self.examples else nullcontext()
        with hidden:
            messages = self.messages(report, _in_share(source, self.examples_share))
        return messages, styles.apply_style(gold, self.style, self.max_items)

    def spelled(self, report: Report) -> tuple[Report, list[tuple[str, str]]]:
        """The report with typing errors in its findings corrected
        (:mod:`radlite.text.spelling`) against the example bank's vocabulary, else, for
        an exam the habit model fits, the habit model's; and the replacements. The report
        is unchanged without either or with ``correct_spelling`` off."""
        speller = None
        if self.correct_spelling and self.examples is not None:
            speller = self.examples.speller if self.examples.examples else None
        elif self.correct_spelling and self.learned is not None:
            exam = self.exam(report)
            if self.learned.applies(exam.body_site, self._given_modality(report, exam)):
                speller = self.learned.model.speller
        if speller is None:
            return report, []
        text, changes = speller.correct(report.text)
        return (Report(report.id, text, report.meta), changes) if changes else (report, [])

    def build_request(self, report: Report, attempt: int = 0) -> GenerationRequest:
        report = self.spelled(report)[0]
        return GenerationRequest(
            messages=self.messages(report), max_new_tokens=int(self.prompt["max_new_tokens"]),
            key=report.id, **attempt_sampling(attempt))

    def compose(self, report: Report, text: str) -> tuple[str, list[gate.Flag]]:
        """The final impression for model output ``text`` and the flags removed on the way."""
        draft = self.draft(report)
        if self.mode == "draft":
            return draft, []
        answer = styles.clean_output(text)
        if self.mode == "model":
            return styles.apply_style(answer, self.style, self.max_items), []
        kept, removed = gate.supported_sentences(report.text, answer)
        lost = self.keep_draft_concepts and asserted_concepts(draft) - asserted_concepts(" ".join(kept))
        if not kept or lost:
            return draft, removed
        return styles.apply_style(" ".join(kept), self.style, self.max_items), removed

    def parse(self, report: Report, text: str) -> Record:
        report, spelling = self.spelled(report)
        impression, removed = self.compose(report, text)
        if self.profile is not None:
            impression = self.profile.apply(impression)
        flags = gate.check(report.text, impression)
        exam = self.exam(report)
        return Record(
            id=report.id, task=self.name, status="ok",
            values={"impression": impression,
                    "flags": json.dumps([f.to_dict() for f in flags], ensure_ascii=False),
                    "notice": styles.DRAFT_NOTICE},
            extra={"notice": styles.DRAFT_NOTICE, "modality": exam.modality,
                   "body_site": exam.body_site, "exam_detected": exam.detected,
                   "removed_by_gate": [f.to_dict() for f in removed],
                   "spelling_corrected": [list(pair) for pair in spelling]},
        )

    def columns(self) -> list[str]:
        return ["impression", "flags", "notice"]

    def provenance(self) -> dict[str, Any]:
        out = {**super().provenance(), "style": self.style, "max_items": self.max_items,
               "examples_draft": self.habits is not None}
        if self.learned is not None:
            out |= {"habit_model": self.learned.model.hash, "follow_layout": self.follow_layout}
        if self.habits is not None:
            out |= {"retrieval": self.habits.bank.retrieval, "consensus": self.habits.consensus,
                    "correct_spelling": self.correct_spelling, "follow_layout": self.follow_layout}
        if self.profile is not None:
            out["profile"] = {"numbered": self.profile.numbered, "closing": self.profile.closing}
        return out
