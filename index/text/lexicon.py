"""The corpus vocabulary: analysis, compounds, written forms, typo correction.

Shared by both store backends (the files backend reads it from its lexical
index folder, PostgreSQL from its `lexicon` table) and by the searcher, which
turns a query into terms and the embedder's query text with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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

    def correct(self, term: str) -> str | None:
        """The closest vocabulary term to a misspelt or OCR-damaged one, if close enough."""
        cutoff = 80 if len(term) >= 7 else 84
        match = process.extractOne(term, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return match[0] if match else None

    def has_phrase(self, text: str, phrase: str) -> bool:
        """Whether the phrase's terms occur next to each other in `text` (same analysis)."""
        wanted = self.analyzer.terms(phrase)
        if not wanted:
            return True
        have = self.analyzer.terms(text)
        width = len(wanted)
        return any(have[i : i + width] == wanted for i in range(len(have) - width + 1))
