"""BM25 scoring for the files backend: bm25s's index arrays, read directly, with the corpus lexicon."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import bm25s
import numpy as np

from index.arrays import LOAD_LOCK
from index.builder.lexical import LEXICON, LexicalBuilder
from index.text.lexicon import Lexicon


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

    def scores(self, terms: list[str], mask: np.ndarray | None = None, weights: Mapping[str, float] | None = None) -> np.ndarray:
        """BM25 score of every passage for the query terms (0 where masked out); a term counts
        once, with its weight (1 unless `weights` says otherwise).

        Reads bm25s's index arrays directly: a term's postings have distinct
        passages, so plain fancy-index addition is exact, and many times faster than
        the np.add.at bm25s uses without numba (it matters at a million passages).
        """
        index = self.bm25.scores
        scores = np.zeros(index["num_docs"], dtype=np.float32)
        data, indices, indptr = index["data"], index["indices"], index["indptr"]
        for term in dict.fromkeys(t for t in terms if t in self.vocabulary):
            term_id = self.bm25.vocab_dict[term]
            weight = weights.get(term, 1.0) if weights else 1.0
            start, end = int(indptr[term_id]), int(indptr[term_id + 1])
            scores[indices[start:end]] += data[start:end] if weight == 1.0 else weight * data[start:end]
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
