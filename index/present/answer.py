"""The short answer: whole sentences quoted from the top hits, each with its hit's number.

Sentences are the quotable units of the hits' passages (ingest/units.py: never a
heading, a footnote line, a caption or a fragment). Each is scored by its own
relevance to the question: the similarity of the query embedding to the sentence
window that holds it (the vectors the dense index already stores) plus the share
of the query's terms it holds. They are then chosen greedily for relevance and
against repetition (maximal marginal relevance, across hits and documents), and
shown grouped by hit in source order; a sentence that opens with a pronoun brings
the sentence before it. When nothing in the sources comes close enough to the
question (index/present/floor.py) there is no answer, only the closest passages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.builder.represent import windows
from index.present.conflicts import Statement, find_conflicts
from index.present.floor import Evidence, judge
from index.quote.excerpt import matched_words
from index.search.hits import Hit, SearchResult
from index.search.searcher import Searcher
from index.text.analysis import Analyzer
from ingest.records import Passage
from ingest.units import Unit, passage_units
from settings import AnswerSettings

# A sentence that opens with one of these leans on the sentence before it ("De mente …").
_ANAPHOR = re.compile(
    r"(?:De|Dei|Dette|Desse|Disse|Denne|Han|Hun|Ho|Sistnevnte|Sistnemnde|Begge|Slike|Slik|They|These|This|Those|It|He|She|Both)\b"
)
_WORD = re.compile(r"\w+")

WindowVectors = Callable[[Sequence[int]], list[np.ndarray]]
Check = Callable[[str, Sequence[str]], "np.ndarray | None"]  # (question, sentences) → probabilities


@dataclass(frozen=True)
class AnswerSentence:
    text: str  # a verbatim slice of the hit's passage text
    hit_rank: int  # the citation marker [n]
    start: int  # offsets in the hit's passage text
    end: int
    place: str | None = None  # set when the answer draws on several places

    def to_json(self) -> dict[str, Any]:
        data = {"text": self.text, "hit": self.hit_rank, "start": self.start, "end": self.end}
        return data | ({"place": self.place} if self.place else {})


@dataclass(frozen=True)
class Disagreement:
    """The top hits give different values for one thing: each value with the words that give it."""

    kind: str  # "period" or "amount"
    about: str
    values: list[tuple[str, AnswerSentence]]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "about": self.about, "values": [{"value": v} | s.to_json() for v, s in self.values]}


@dataclass(frozen=True)
class Answer:
    sentences: list[AnswerSentence]
    withheld: bool
    reason: str  # why it was withheld ("" when it was not)
    evidence: Evidence | None = None
    disagreements: list[Disagreement] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sentences": [s.to_json() for s in self.sentences], "withheld": self.withheld, "reason": self.reason,
            "disagreements": [d.to_json() for d in self.disagreements],
        }


@dataclass
class _Candidate:
    hit: Hit
    unit: Unit
    units: list[Unit]  # the passage's units, for the sentence before
    relevance: float
    similarity: float | None  # to the query embedding (None in lexical search)
    words: set[str] = field(default_factory=set)


def answer_for(result: SearchResult, searcher: Searcher, cfg: AnswerSettings) -> Answer:
    """The answer to a searcher's result (what the app and `search --json` show)."""
    check = searcher.checker.probabilities if searcher.checker.state == "ready" else None
    return compose(result, searcher.window_vectors, searcher.lexicon.analyzer, searcher.lexicon.vocabulary, cfg, check)


def compose(
    result: SearchResult, window_vectors: WindowVectors, analyzer: Analyzer, vocabulary: set[str], cfg: AnswerSettings, check: Check | None = None
) -> Answer:
    """The answer the app shows and `search --json` prints for `result`; `check` (the answer
    check's cross-encoder, when it is loaded) adds its probability to each sentence's relevance
    and its best probability to the evidence."""
    hits = result.hits[: cfg.hits]
    if not hits:
        return Answer([], True, "no_hits")
    candidates = _candidates(hits, result, window_vectors, analyzer, cfg)
    checked = _check(candidates, result.query, check, cfg) if check is not None and result.vector is not None else None
    best = max((c.similarity for c in candidates if c.similarity is not None), default=None)
    evidence = Evidence.of(result, best, analyzer, vocabulary, checked=checked)
    verdict = judge(evidence, cfg) or ("" if candidates else "no_sentences")
    if verdict:
        return Answer([], True, verdict, evidence)
    chosen = _select(candidates, cfg)
    return Answer(_arrange(chosen, hits, result), False, "", evidence, disagreements(result.hits))


def disagreements(hits: list[Hit]) -> list[Disagreement]:
    """Periods and amounts the hits give differently for one programme (index/present/conflicts.py),
    read from their sentences and headings."""
    spans: list[AnswerSentence] = []
    statements: list[Statement] = []
    for hit in hits:
        for unit in passage_units(hit.passage.text, hit.passage.section, hit.passage.is_note):
            if unit.quotable or unit.kind == "heading":
                text = hit.passage.text[unit.start : unit.end]
                spans.append(AnswerSentence(text, hit.rank, unit.start, unit.end))
                statements.append(Statement(text, hit.document.doc_id))
    return [Disagreement(c.kind, c.about, [(f.value, spans[f.source]) for f in c.facts]) for c in find_conflicts(statements)]


def _candidates(hits: list[Hit], result: SearchResult, window_vectors: WindowVectors, analyzer: Analyzer, cfg: AnswerSettings) -> list[_Candidate]:
    vectors = window_vectors([hit.row for hit in hits]) if result.vector is not None else [None] * len(hits)
    terms = set(result.terms)
    seen: dict[str, bool] = {}
    out = []
    for hit, matrix in zip(hits, vectors, strict=True):
        units = passage_units(hit.passage.text, hit.passage.section, hit.passage.is_note)
        similarity = _unit_similarity(hit.passage, units, matrix, result.vector)
        for index, unit in enumerate(units):
            if not unit.quotable:
                continue
            text = hit.passage.text[unit.start : unit.end]
            found = {analyzer.term(text[s:e].casefold()) for s, e in matched_words(text, terms, analyzer, seen)}
            share = len(found) / max(1, len(set(terms)))
            relevance = similarity[index] + cfg.term_weight * share - cfg.rank_step * (hit.rank - 1)
            out.append(_Candidate(hit, unit, units, relevance, similarity[index] if result.vector is not None else None, set(_WORD.findall(text.casefold()))))
    return out


def _check(candidates: list[_Candidate], query: str, check: Check, cfg: AnswerSettings) -> float | None:
    """Add the cross-encoder's probability to each candidate's relevance; the best probability."""
    scores = check(query, [c.hit.passage.text[c.unit.start : c.unit.end] for c in candidates])
    if scores is None or not len(scores):
        return None
    for candidate, score in zip(candidates, scores, strict=True):
        candidate.relevance += cfg.check_weight * float(score)
    return float(np.max(scores))


def _unit_similarity(passage: Passage, units: list[Unit], matrix: np.ndarray | None, vector: np.ndarray | None) -> list[float]:
    """Each unit's similarity to the query: that of the best sentence window overlapping it."""
    if matrix is None or vector is None or not len(matrix):
        return [0.0] * len(units)
    spans = windows(passage)
    scores = matrix @ np.asarray(vector, dtype=np.float32)
    if len(spans) != len(scores):  # the stored windows were cut by other rules: score the passage as one
        return [float(scores.max())] * len(units)
    out = []
    for unit in units:
        overlapping = [float(score) for (s, e), score in zip(spans, scores, strict=True) if s < unit.end and unit.start < e]
        out.append(max(overlapping, default=float(scores.max())))
    return out


def _select(candidates: list[_Candidate], cfg: AnswerSettings) -> list[_Candidate]:
    """Greedy maximal marginal relevance: relevant, and unlike what is already chosen."""
    pool = sorted(candidates, key=lambda c: -c.relevance)
    chosen: list[_Candidate] = []
    while pool and len(chosen) < cfg.max_sentences:
        best = max(pool, key=lambda c: c.relevance - cfg.redundancy * _overlap(c, chosen) - cfg.same_document * _same_doc(c, chosen))
        if chosen and best.relevance < chosen[0].relevance - cfg.relevance_drop:
            break
        chosen.append(best)
        pool = [c for c in pool if c is not best and c.hit.passage.text[c.unit.start : c.unit.end] != best.hit.passage.text[best.unit.start : best.unit.end]]
    return chosen


def _overlap(candidate: _Candidate, chosen: list[_Candidate]) -> float:
    return max((len(candidate.words & c.words) / max(1, len(candidate.words | c.words)) for c in chosen), default=0.0)


def _same_doc(candidate: _Candidate, chosen: list[_Candidate]) -> float:
    return sum(c.hit.document.doc_id == candidate.hit.document.doc_id for c in chosen) / max(1, len(chosen))


def _arrange(chosen: list[_Candidate], hits: list[Hit], result: SearchResult) -> list[AnswerSentence]:
    """Grouped by hit (the group of the most relevant sentence first), in source order inside a
    group; a sentence that opens with a pronoun brings the one before it."""
    groups: dict[int, list[Unit]] = {}
    for candidate in chosen:
        units = groups.setdefault(candidate.hit.rank, [])
        units.append(candidate.unit)
        before = _antecedent(candidate)
        if before is not None and before not in units:
            units.append(before)
    by_rank = {hit.rank: hit for hit in hits}
    places = _places(chosen, result)
    out = []
    for rank, units in groups.items():
        hit = by_rank[rank]
        for unit in sorted(units, key=lambda u: u.start):
            out.append(AnswerSentence(hit.passage.text[unit.start : unit.end], rank, unit.start, unit.end, places.get(rank)))
    return out


def _antecedent(candidate: _Candidate) -> Unit | None:
    text = candidate.hit.passage.text[candidate.unit.start : candidate.unit.end]
    if not _ANAPHOR.match(text):
        return None
    index = candidate.units.index(candidate.unit)
    before = candidate.units[index - 1] if index else None
    return before if before is not None and before.quotable else None


def _places(chosen: list[_Candidate], result: SearchResult) -> dict[int, str]:
    """Each hit's place, named when the chosen sentences come from more than one place."""
    known = sorted({p for c in chosen for p in c.hit.document.places}, key=len, reverse=True)
    found: dict[int, str] = {}
    for candidate in chosen:
        hit = candidate.hit
        if hit.rank in found:
            continue
        text = hit.passage.text[candidate.unit.start : candidate.unit.end]
        for where in (text, " ".join(hit.passage.section), hit.passage.text):
            place = next((p for p in known if re.search(rf"\b{re.escape(p)}", where)), None)
            if place:
                found[hit.rank] = place
                break
        else:
            if len(hit.document.places) == 1:
                found[hit.rank] = hit.document.places[0]
    return found if len(set(found.values())) > 1 else {}
