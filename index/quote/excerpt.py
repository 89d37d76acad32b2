"""Query-focused excerpts: the best one to three sentences of a passage, verbatim."""

from __future__ import annotations

from dataclasses import dataclass

from index.text.analysis import Analyzer
from ingest.sentences import passage_sentences

MAX_SENTENCES = 3
MAX_WORDS = 70


@dataclass(frozen=True)
class Excerpt:
    """An exact slice of the passage text, and where the query's words are in it."""

    text: str
    start: int  # offsets in the passage text
    end: int
    matches: tuple[tuple[int, int], ...]  # offsets in the passage text


def matched_words(text: str, terms: set[str], analyzer: Analyzer, seen: dict[str, bool] | None = None) -> list[tuple[int, int]]:
    """Offsets of words whose term (or a compound part of it) is one of `terms`.

    `seen` remembers each word's answer (for the same terms): passages repeat
    their words, and the hits of one query share most of them.
    """
    found = []
    seen = {} if seen is None else seen
    for word, start, end in analyzer.words(text):
        match = seen.get(word)
        if match is None:
            match = seen[word] = _matches(word, terms, analyzer)
        if match:
            found.append((start, end))
    return found


def _matches(word: str, terms: set[str], analyzer: Analyzer) -> bool:
    for piece in [word, *word.replace("’", "-").replace("'", "-").split("-")]:
        term = analyzer.term(piece)
        if term and (term in terms or terms.intersection(analyzer.compounds.get(term, ()))):
            return True
    return False


def make_excerpt(text: str, terms: set[str], analyzer: Analyzer, seen: dict[str, bool] | None = None) -> Excerpt:
    """Choose the window of up to three sentences that holds most distinct query terms."""
    sentences = passage_sentences(text)
    matches = matched_words(text, terms, analyzer, seen)
    seen_terms = [{analyzer.term(text[s:e].casefold()) for s, e in matches if start <= s < end} for start, end in sentences]
    best, best_score = (0, 1), (-1.0, 0)
    for first in range(len(sentences)):
        for count in range(1, MAX_SENTENCES + 1):
            last = first + count - 1
            if last >= len(sentences):
                break
            words = len(text[sentences[first][0] : sentences[last][1]].split())
            if words > MAX_WORDS and count > 1:
                break
            distinct = set().union(*seen_terms[first : last + 1])
            score = (len(distinct) - 0.05 * count, -first)
            if score > best_score:
                best, best_score = (first, count), score
    if best_score[0] <= 0:  # nothing matched (a dense-only hit): the opening text
        best = (_first_text_sentence(text, sentences), 2)
    first, count = best
    last = min(first + count, len(sentences)) - 1
    start, end = sentences[first][0], sentences[last][1]
    return Excerpt(text[start:end], start, end, tuple(m for m in matches if start <= m[0] < end))


def _first_text_sentence(text: str, sentences: list[tuple[int, int]]) -> int:
    """Skip leading headings (short lines without a full stop)."""
    for index, (start, end) in enumerate(sentences):
        if text[end - 1 : end] in ".!?:»”)" or len(text[start:end].split()) > 12:
            return index
    return 0
