"""The examples-aware draft: the extractive draft in the user's own phrasing habits.

Key term: the *habits* of an example bank, what the user's past reports (findings,
impression) say about how their department writes impressions. Five deterministic,
model-free rules use the past reports most similar to the current findings
(:meth:`ExampleBank.scored`: word n-gram TF-IDF by default):

1. *Normal phrasing*: when the findings assert nothing significant, the draft is the
   most common impression among the ``k_normal`` nearest *normal examples* (normal
   findings and an impression that asserts nothing), ties to the nearest one, e.g.
   "No acute cardiopulmonary disease." instead of the built-in wording. The same
   phrase opens a draft whose findings are only non-acute.
2. *Item habits*: a non-acute draft item (e.g. hyperexpansion, mild scarring) is left
   out when fewer than ``keep_share`` of the ``k_vote`` nearest examples whose findings
   assert that concept mention it in their impression. Items naming an acute concept
   (``acute`` in concepts.yaml: effusion, pneumothorax, consolidation...) are always
   kept, whatever the examples do.
3. *Concept-matched reuse* (``reuse=True``): the impression of one of the ``k_reuse``
   nearest examples is reused verbatim when its findings assert the same significant
   concepts as the current findings, its impression asserts exactly those concepts,
   and the consistency gate finds nothing in it against the current findings.
4. *Consensus* (``consensus=k``, on by default): the final draft is the candidate that
   agrees most with the ``k`` nearest example impressions -- the expected ROUGE-L
   against them, each weighted by its findings' similarity (minimum Bayes risk
   selection). Candidates are the draft of rules 1-3 and those ``k`` impressions
   verbatim (list marks removed), each only when the gate passes it against the
   current findings and it asserts every finding the draft asserts (so a finding such
   as an effusion is never dropped for a department's "No acute disease."). Ties keep
   the draft.
5. *Layout* (:meth:`ExampleHabits.writes_numbered`): when most of the 5 nearest example
   impressions are numbered lists ("1. No acute disease."), the draft is one too, even
   with a single item; the writer's own layout.

Every phrase taken from an example passes :func:`radlite.tasks.impression.gate.check`
against the current findings, so nothing the findings negate, never mention, put on
the other side or measure differently gets in. Limits: the draft imitates the
department's habits (including habits a reader may not want) and is only as good,
and as current, as the examples.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from radlite.tasks.impression import gate
from radlite.tasks.impression.detect import normal_impression
from radlite.tasks.impression.draft import DraftItem, positive_items
from radlite.tasks.impression.examples import ExampleBank
from radlite.tasks.impression.lexicon import concepts, mentions, sentence_mentions
from radlite.text.overlap import rouge_l
from radlite.text.sentences import split_items

_LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s*")
_FIRST_ITEM = re.compile(r"^\s*1[.)]\s")
LAYOUT_K = 5


def tidy(text: str) -> str:
    """One-line form of an impression: no list marks, one final period per sentence."""
    out = []
    for sent in split_items(text):
        piece = re.sub(r"[\s.]*$", "", _LIST_MARK.sub("", sent.text)).strip()
        if piece:
            out.append(piece + ".")
    return re.sub(r"\s+", " ", " ".join(out)).strip()


def positive_concepts(text: str, minor: bool = True) -> frozenset[str]:
    """Concepts that ``text`` asserts or hedges (not negated); ``minor=False`` drops minor ones."""
    spec = concepts()
    return frozenset(m.concept for m in mentions(text)
                     if m.status != "negated" and (minor or not spec[m.concept]["minor"]))


def asserted_concepts(text: str) -> frozenset[str]:
    """Concepts that ``text`` asserts outright (not hedged, not negated)."""
    return frozenset(m.concept for m in mentions(text) if m.status == "asserted")


def _item_concepts(item: DraftItem) -> set[str]:
    spec = concepts()
    return {m.concept for m in sentence_mentions(item.source)
            if m.status != "negated" and not spec[m.concept]["minor"]}


def item_kept(item: DraftItem, share_of: Callable[[str], float | None],
              keep_share: float = 0.5) -> bool:
    """Whether a draft item goes in the impression (rule 2): always when it names an acute
    concept or none; else when, for one of its concepts, the share of past impressions
    that mention the concept when their findings assert it (``share_of``; None: no
    evidence) is at least ``keep_share``, or when there is no evidence at all."""
    names = _item_concepts(item)
    spec = concepts()
    if not names or any(spec[c]["acute"] for c in names):
        return True
    shares = [s for s in (share_of(c) for c in names) if s is not None]
    return not shares or max(shares) >= keep_share


def mention_shares(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """For each concept, the share of ``(findings, impression)`` pairs asserting it in the
    findings whose impression mentions it too."""
    asserted: Counter[str] = Counter()
    mentioned: Counter[str] = Counter()
    for findings, impression in pairs:
        said = positive_concepts(impression)
        for concept in positive_concepts(findings):
            asserted[concept] += 1
            mentioned[concept] += concept in said
    return {c: mentioned[c] / n for c, n in sorted(asserted.items())}


@dataclass(frozen=True)
class _Profile:
    """What the lexicon finds in one past report."""

    findings_normal: bool
    impression_normal: bool
    findings_concepts: frozenset[str]
    significant: frozenset[str]
    impression_concepts: frozenset[str]
    phrase: str


class ExampleHabits:
    """Drafts impressions from findings in the phrasing habits of an example bank.

    Args:
        bank: the user's past reports.
        k_normal: normal examples voting on the normal phrasing.
        k_vote: examples voting on whether a non-acute concept goes in the impression.
        keep_share: a non-acute item is kept when at least this share of its voters
            mention the concept in their impression (or when no example asserts it).
        reuse: also reuse a whole example impression when its concepts match.
        k_reuse: how many nearest examples are candidates for reuse.
        consensus: nearest example impressions for the consensus choice (rule 4);
            0 turns it off.
    """

    def __init__(self, bank: ExampleBank, k_normal: int = 5, k_vote: int = 5,
                 keep_share: float = 0.5, reuse: bool = False, k_reuse: int = 1,
                 consensus: int = 5) -> None:
        self.bank, self.k_normal, self.k_vote = bank, k_normal, k_vote
        self.keep_share, self.reuse, self.k_reuse = keep_share, reuse, k_reuse
        self.consensus = max(0, int(consensus))

    @cached_property
    def profiles(self) -> list[_Profile]:
        """Lexicon facts of every example (computed once)."""
        out = []
        for ex in self.bank.examples:
            fc = positive_concepts(ex.findings)
            significant = positive_concepts(ex.findings, minor=False)
            ic = positive_concepts(ex.impression)
            normal_findings = not any(not i.minor for i in positive_items(ex.findings))
            out.append(_Profile(normal_findings, not ic and bool(tidy(ex.impression)),
                                fc, significant, ic, tidy(ex.impression)))
        return out

    def normal_phrase(self, findings: str, order: list[int] | None = None) -> str | None:
        """The department's normal impression for ``findings``, or None without one.

        The most common phrase among the ``k_normal`` nearest normal examples whose
        impression the gate passes against ``findings``; ties go to the nearest.
        """
        order = self.bank.ranked(findings) if order is None else order
        voters: list[str] = []
        for i in order:
            prof = self.profiles[i]
            if prof.findings_normal and prof.impression_normal \
                    and not gate.check(findings, prof.phrase):
                voters.append(prof.phrase)
                if len(voters) >= self.k_normal:
                    break
        if not voters:
            return None
        counts = Counter(voters)
        return max(counts, key=lambda p: (counts[p], -voters.index(p)))

    def mention_share(self, concept: str, order: list[int]) -> float | None:
        """Share of the ``k_vote`` nearest examples asserting ``concept`` in their
        findings whose impression mentions it too; None when no example asserts it."""
        votes = [concept in self.profiles[i].impression_concepts for i in order
                 if concept in self.profiles[i].findings_concepts][: self.k_vote]
        return sum(votes) / len(votes) if votes else None

    def keep_item(self, item: DraftItem, order: list[int]) -> bool:
        """Whether a draft item goes in: always for acute concepts, else by the examples."""
        return item_kept(item, lambda c: self.mention_share(c, order), self.keep_share)

    def reused(self, findings: str, order: list[int]) -> str | None:
        """A nearest example impression whose concepts match ``findings`` and that the
        gate passes; None when there is none among the ``k_reuse`` nearest."""
        target = positive_concepts(findings, minor=False)
        if not target:
            return None
        for i in order[: self.k_reuse]:
            prof = self.profiles[i]
            if prof.significant == target and prof.impression_concepts == target \
                    and prof.phrase and not gate.check(findings, prof.phrase):
                return prof.phrase
        return None

    def consensus_choice(self, findings: str, draft: str,
                         scored: list[tuple[int, float]]) -> str:
        """The candidate closest, by expected ROUGE-L, to the nearest example impressions
        (rule 4); ``draft`` when no example passes or on a tie."""
        nearest = [(tidy(self.bank.examples[i].impression), max(0.0, weight))
                   for i, weight in scored[: self.consensus]]
        must = asserted_concepts(draft)
        candidates = [draft] + [text for text, _ in nearest
                                if text and not must - asserted_concepts(text)
                                and not gate.check(findings, text)]
        if len(candidates) == 1:
            return draft

        def agreement(candidate: str) -> float:
            return sum(weight * rouge_l(candidate, text) for text, weight in nearest)

        return max(candidates, key=agreement)

    def writes_numbered(self, findings: str, body_site: str = "chest") -> bool:
        """Whether most of the :data:`LAYOUT_K` nearest example impressions are numbered
        lists (rule 5); ``body_site`` is not used (the examples are the site's)."""
        nearest = [self.bank.examples[i].impression for i in self.bank.ranked(findings)[:LAYOUT_K]]
        return bool(nearest) and 2 * sum(bool(_FIRST_ITEM.match(t)) for t in nearest) > len(nearest)

    def draft(self, findings: str, body_site: str = "chest", max_items: int = 3) -> str:
        """The examples-aware draft of ``findings`` (see the module docstring).

        Without examples that pass, this is the extractive draft with the built-in
        normal statement.
        """
        scored = self.bank.scored(findings)
        text = self._rules_draft(findings, body_site, max_items, [i for i, _ in scored])
        return self.consensus_choice(findings, text, scored) if self.consensus else text

    def _rules_draft(self, findings: str, body_site: str, max_items: int,
                     order: list[int]) -> str:
        """Rules 1-3: the extractive draft in the examples' normal phrasing and item habits."""
        normal = self.normal_phrase(findings, order) or normal_impression(body_site)
        items = [i for i in positive_items(findings) if not i.minor]
        if not items:
            return normal
        if self.reuse:
            phrase = self.reused(findings, order)
            if phrase:
                return phrase
        kept = [i for i in items if self.keep_item(i, order)]
        if not kept:
            return normal
        body = " ".join(item.text for item in kept[: max(1, max_items)])
        if any(item.acute for item in kept):
            return body
        return normal + " " + body
