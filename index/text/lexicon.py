"""The corpus vocabulary: analysis, compounds, written forms, typo correction.

Shared by both store backends (the files backend reads it from its lexical
index folder, PostgreSQL from its `lexicon` table) and by the searcher, which
turns a query into terms and the embedder's query text with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from index.text.analysis import Analyzer, fold


@dataclass
class Corrections:
    """Query words replaced by close vocabulary words: {"omrdesatsing": "områdesatsing"}."""

    pairs: dict[str, str] = field(default_factory=dict)


class Lexicon:
    """The corpus vocabulary: analysis, compounds, written forms, typo correction.

    Shared by both store backends; the files backend adds BM25 scoring to it.
    """

    def __init__(self, vocabulary: Iterable[str], compounds: dict[str, tuple[str, ...]], surface: dict[str, str]):
        self.analyzer = Analyzer(compounds)
        self.surface = surface
        self.vocabulary = set(vocabulary)
        self._choices = sorted(t for t in self.vocabulary if len(t) >= 3 and not t.isdigit())
        self._grams: TrigramIndex | None = None
        self.correct = lru_cache(maxsize=4096)(self._correct)  # a query's typo is looked up for both retrievers

    # -- querying -----------------------------------------------------------------
    def query_terms(self, text: str, correct: bool = True) -> tuple[list[str], Corrections]:
        """Analyzed query terms; unknown words get their closest vocabulary term too."""
        terms: list[str] = []
        corrections = Corrections()
        for word, _, _ in self.analyzer.words(text):
            term = self.analyzer.term(word)
            if not term:
                continue
            terms.append(term)
            terms.extend(self.analyzer.compounds.get(term, ()))
            if correct and term not in self.vocabulary and not term.isdigit() and len(term) >= 4:
                better = self.correct(term)
                if better:
                    terms.append(better)
                    corrections.pairs[word] = self.surface.get(better, better)
        return terms, corrections

    def dense_query(self, text: str) -> str:
        """The query as the embedder should see it: typos corrected, æøå restored.

        "okonomiske rammer" -> "økonomiske rammer" when the corpus writes the word
        with its Norwegian letters; "grattis" -> "gratis". The lexical side does
        not need this (folding and fuzzy matching cover it), the embedder does.
        """
        out, cursor = [], 0
        for word, start, end in self.analyzer.words(text):
            term = self.analyzer.term(word)
            better = None
            if term and term in self.vocabulary:
                written = self.surface.get(term, "")
                if len(word) >= 4 and fold(word) == word and fold(written) != written:
                    better = written  # the corpus writes this word with æ, ø or å
            elif term and not term.isdigit() and len(term) >= 4:
                corrected = self.correct(term)
                better = self.surface.get(corrected) if corrected else None
            out.append(text[cursor:start] + (better or text[start:end]))
            cursor = end
        return "".join(out) + text[cursor:]

    def _correct(self, term: str) -> str | None:
        """The closest vocabulary term to a misspelt or OCR-damaged one, if close enough.

        A large vocabulary is not scanned whole: only the terms that share the most letter
        trigrams with the word are compared (`TrigramIndex`)."""
        if len(self._choices) <= SCAN_ALL:
            return self.correct_by_scan(term)
        if self._grams is None:
            self._grams = TrigramIndex(self._choices)
        return _closest(term, self._grams.candidates(term))

    def correct_by_scan(self, term: str) -> str | None:
        """The closest term by comparing the word with every term of the vocabulary."""
        return _closest(term, self._choices)

    def prepare(self) -> None:
        """Build what typo correction needs now rather than on the first misspelt query."""
        if len(self._choices) > SCAN_ALL and self._grams is None:
            self._grams = TrigramIndex(self._choices)

    def has_phrase(self, text: str, phrase: str) -> bool:
        """Whether the phrase's terms occur next to each other in `text` (same analysis)."""
        wanted = self.analyzer.terms(phrase)
        if not wanted:
            return True
        have = self.analyzer.terms(text)
        width = len(wanted)
        return any(have[i : i + width] == wanted for i in range(len(have) - width + 1))


def _closest(term: str, choices: Sequence[str]) -> str | None:
    cutoff = 80 if len(term) >= 7 else 84
    match = process.extractOne(term, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return match[0] if match else None


SCAN_ALL = 50_000  # up to this many terms a typo is compared with every one (a few milliseconds)
CANDIDATES = 3000  # terms compared with a typo in a larger vocabulary


class TrigramIndex:
    """Terms by the letter trigrams they hold ("  omr", " om", …, with word-boundary padding), to find
    the few thousand terms most like a misspelt word without comparing it with all of them. On
    423,401 terms of Debian's Norwegian word lists it finds the same best match as a full scan for
    300 of 300 random one-letter typos, in 4 ms instead of 98 (docs/performance.md)."""

    def __init__(self, terms: Sequence[str]):
        self.terms = terms
        postings: dict[str, list[int]] = {}
        for number, term in enumerate(terms):
            for gram in _trigrams(term):
                postings.setdefault(gram, []).append(number)
        self.postings = {gram: np.array(ids, dtype=np.int32) for gram, ids in postings.items()}

    def candidates(self, word: str, top: int = CANDIDATES) -> list[str]:
        lists = [self.postings[g] for g in _trigrams(word) if g in self.postings]
        if not lists:
            return []
        counts = np.bincount(np.concatenate(lists))
        found = np.flatnonzero(counts)
        if len(found) > top:
            found = found[np.argpartition(-counts[found], top - 1)[:top]]
        return [self.terms[i] for i in found]


def _trigrams(term: str) -> set[str]:
    padded = f"  {term} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}
