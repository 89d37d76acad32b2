"""BM25 over Norwegian-analyzed terms (bm25s), quoted phrases, typo correction."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from index.analysis import Analyzer, fold
from index.arrays import LOAD_LOCK
from index.lexical_build import LEXICON, LexicalBuilder

_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]+)[\"“”«»]")
_STRAY_QUOTES = re.compile(r"[\"“”«»]")


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the query without quote marks
    phrases: tuple[str, ...] = ()


def parse_query(query: str) -> ParsedQuery:
    """Quoted parts are phrases; an unbalanced quote mark is ignored."""
    phrases = tuple(p.strip() for p in _QUOTED.findall(query) if p.strip())
    return ParsedQuery(_STRAY_QUOTES.sub(" ", query).strip(), phrases)


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


class LexicalIndex(Lexicon):
    """BM25 over the analyzed passages (bm25s format), with the corpus lexicon."""

    def __init__(self, bm25: bm25s.BM25, compounds: dict[str, tuple[str, ...]], surface: dict[str, str]):
        super().__init__(bm25.vocab_dict, compounds, surface)
        self.bm25 = bm25

    @classmethod
    def build(cls, texts: Iterable[str], folder: Path, k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        """Index `texts` (a passage's section path and text: headings name the topic)."""
        builder = LexicalBuilder(folder, k1, b)
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) == 1000:
                builder.add(batch)
                batch = []
        builder.add(batch)
        builder.finish()
        return cls.load(folder)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        with LOAD_LOCK:  # bm25s reads .npy headers too; see index/arrays.py
            bm25 = bm25s.BM25.load(folder, mmap=True, show_progress=False, verbosity=0)
        lexicon = json.loads((folder / LEXICON).read_text(encoding="utf-8"))
        compounds = {k: tuple(v) for k, v in lexicon["compounds"].items()}
        return cls(bm25, compounds, lexicon["surface"])

    def scores(self, terms: list[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every passage for the query terms (0 where masked out).

        Reads bm25s's index arrays directly: a term's postings have distinct
        passages, so plain fancy-index addition is exact, and many times faster than
        the np.add.at bm25s uses without numba (it matters at a million passages).
        """
        index = self.bm25.scores
        scores = np.zeros(index["num_docs"], dtype=np.float32)
        data, indices, indptr = index["data"], index["indices"], index["indptr"]
        for term_id in {self.bm25.vocab_dict[t] for t in terms if t in self.vocabulary}:
            start, end = int(indptr[term_id]), int(indptr[term_id + 1])
            scores[indices[start:end]] += data[start:end]
        return scores * mask if mask is not None else scores


def top_rows(scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    """The `n` best rows with a positive score, best first."""
    positive = np.flatnonzero(scores > 0)
    if positive.size == 0:
        return []
    if positive.size > n:
        positive = positive[np.argpartition(-scores[positive], n - 1)[:n]]
    order = positive[np.argsort(-scores[positive], kind="stable")]
    return [(int(row), float(scores[row])) for row in order]
