"""A short answer built only from the corpus: the best sentences of the top hits,
each with the number of the hit it comes from. Every sentence is an exact slice
of its passage, so no sentence is shown without a source."""

from __future__ import annotations

from dataclasses import dataclass

from index.quote.excerpt import matched_words
from index.search.hits import Hit
from index.text.analysis import Analyzer
from ingest.sentences import sentence_spans

MAX_SENTENCES = 5
MIN_SENTENCES = 3
PER_HIT = 2


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    hit_rank: int  # the citation marker [n]
    start: int  # offsets in the hit's passage text
    end: int


def _candidates(hit: Hit, terms: set[str], analyzer: Analyzer) -> list[tuple[float, AnswerSentence]]:
    """Sentences of the hit's excerpt, scored by the distinct query terms they hold."""
    base = hit.excerpt.start
    out = []
    for start, end in sentence_spans(hit.excerpt.text):
        text = hit.excerpt.text[start:end]
        if len(text.split()) < 5 or not (text[0].isupper() or text[0].isdigit()):
            continue  # a heading, or a fragment cut by the layout, not a statement
        found = {analyzer.term(text[s:e].casefold()) for s, e in matched_words(text, terms, analyzer)}
        out.append((len(found), AnswerSentence(text, hit.rank, base + start, base + end)))
    return out


def short_answer(hits: list[Hit], terms: set[str], analyzer: Analyzer) -> list[AnswerSentence]:
    """Three to five sentences from the top hits, best first within rank order."""
    chosen: list[AnswerSentence] = []
    seen: set[str] = set()
    for hit in hits:
        scored = sorted(_candidates(hit, terms, analyzer), key=lambda pair: -pair[0])
        taken = 0
        for score, sentence in scored:
            key = sentence.text.casefold()
            if key in seen or (score == 0 and len(chosen) >= MIN_SENTENCES):
                continue
            chosen.append(sentence)
            seen.add(key)
            taken += 1
            if taken == PER_HIT or len(chosen) == MAX_SENTENCES:
                break
        if len(chosen) == MAX_SENTENCES:
            break
    return chosen
