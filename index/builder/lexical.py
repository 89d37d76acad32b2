"""Building the BM25 index out of core, in bm25s's own file format.

bm25s builds its index from Python lists of every document's tokens, which for
a million passages means gigabytes of Python objects. This builder streams
instead, with memory bounded by one batch:

1. `add()` analyzes passages and appends their term ids to a file on disk,
   counting terms and their written forms as it goes;
2. `finish()` finds compounds in the vocabulary, then reads the term ids back in
   batches, adds compound parts, counts term frequencies per passage with numpy
   and writes runs sorted by term; and finally scatters the runs into the CSC
   arrays (one column per term) with bm25s's Lucene weights,
   idf = ln(1 + (N - df + 0.5) / (df + 0.5)) and tf / (tf + k1 (1 - b + b dl / avgdl)).

The result loads with `bm25s.BM25.load` and scores exactly as `bm25s.BM25.index`
would (a test checks this on the corpus).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np

from index.arrays import load_npz
from index.text.analysis import Analyzer, compound_map

LEXICON = "lexicon.json"
BATCH_DOCS = 20_000


class LexicalBuilder:
    def __init__(self, folder: Path, k1: float = 1.2, b: float = 0.75):
        self.folder = folder
        self.k1, self.b = k1, b
        self.tmp = folder / "build-tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.analyzer = Analyzer()
        self.vocab: dict[str, int] = {}
        self.counts: list[int] = []
        self.written: list[Counter[str]] = []
        self.tokens = open(self.tmp / "tokens.u32", "wb")
        self.lengths: list[int] = []

    def add(self, texts: list[str]) -> None:
        """Analyze a batch of passages (their section path and text) and spool their terms."""
        vocab, counts, written = self.vocab, self.counts, self.written
        for text in texts:
            ids = []
            for term, piece in self.analyzer.term_pieces(text):
                term_id = vocab.get(term)
                if term_id is None:
                    term_id = vocab[term] = len(counts)
                    counts.append(0)
                    written.append(Counter())
                counts[term_id] += 1
                written[term_id][piece] += 1
                ids.append(term_id)
            self.tokens.write(np.asarray(ids, dtype=np.uint32).tobytes())
            self.lengths.append(len(ids))

    def finish(self) -> None:
        self.tokens.close()
        terms = list(self.vocab)
        compounds = compound_map(Counter(dict(zip(terms, self.counts, strict=True))), self.analyzer.stemmer.stemWord)
        empty_id = self.vocab.setdefault("", len(terms))  # bm25s's token for passages without terms
        expand_start, expand_ids = self._expansions(terms, compounds, empty_id)
        dl, df, runs = self._write_runs(expand_start, expand_ids, empty_id)
        self._write_index(dl, df, runs)
        surface = {term: forms.most_common(1)[0][0] for term, forms in zip(terms, self.written, strict=True)}
        self.surface, self.term_counts = surface, dict(zip(terms, self.counts, strict=True))
        lexicon = {"compounds": {k: list(v) for k, v in compounds.items()}, "surface": surface}
        (self.folder / LEXICON).write_text(json.dumps(lexicon, ensure_ascii=False), encoding="utf-8")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _expansions(self, terms: list[str], compounds: dict[str, tuple[str, ...]], empty_id: int) -> tuple[np.ndarray, np.ndarray]:
        """CSR table: term id -> [itself, its compound parts...]."""
        lists = [[i, *(self.vocab[p] for p in compounds.get(t, ()))] for i, t in enumerate(terms)] + [[empty_id]]
        start = np.zeros(len(lists) + 1, dtype=np.int64)
        start[1:] = np.cumsum([len(x) for x in lists])
        return start, np.fromiter((i for x in lists for i in x), dtype=np.int64, count=int(start[-1]))

    def _write_runs(self, expand_start: np.ndarray, expand_ids: np.ndarray, empty_id: int):
        n_docs, n_terms = len(self.lengths), len(self.vocab)
        lengths = np.asarray(self.lengths, dtype=np.int64)
        offsets = np.zeros(n_docs + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(lengths)
        tokens = np.memmap(self.tmp / "tokens.u32", dtype=np.uint32, mode="r") if offsets[-1] else np.zeros(0, np.uint32)
        dl = np.zeros(n_docs, dtype=np.float64)
        df = np.zeros(n_terms, dtype=np.int64)
        runs = []
        for first in range(0, n_docs, BATCH_DOCS):
            last = min(first + BATCH_DOCS, n_docs)
            ids = np.asarray(tokens[offsets[first] : offsets[last]], dtype=np.int64)
            docs = np.repeat(np.arange(first, last), lengths[first:last])
            empty = np.flatnonzero(lengths[first:last] == 0) + first
            ids, docs = np.concatenate([ids, np.full(len(empty), empty_id)]), np.concatenate([docs, empty])
            reps = expand_start[ids + 1] - expand_start[ids]
            within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
            ids, docs = expand_ids[np.repeat(expand_start[ids], reps) + within], np.repeat(docs, reps)
            dl[first:last] = np.bincount(docs - first, minlength=last - first)
            keys, tf = np.unique(docs * n_terms + ids, return_counts=True)
            run_terms, run_docs = keys % n_terms, keys // n_terms
            order = np.argsort(run_terms, kind="stable")  # by term, documents ascending within
            run = self.tmp / f"run-{len(runs):05d}.npz"
            np.savez(run, terms=run_terms[order], docs=run_docs[order].astype(np.int32), tf=tf[order].astype(np.float32))
            df += np.bincount(run_terms, minlength=n_terms)
            runs.append(run)
        return dl, df, runs

    def _write_index(self, dl: np.ndarray, df: np.ndarray, runs: list[Path]) -> None:
        n_docs = len(dl)
        avgdl = dl.mean() if n_docs else 1.0
        with np.errstate(divide="ignore"):
            idf = np.where(df > 0, np.log(1 + (n_docs - df + 0.5) / (df + 0.5)), 0).astype(np.float32)
        indptr = np.zeros(len(df) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(df)
        nnz = int(indptr[-1])
        data = np.lib.format.open_memmap(self.folder / "data.csc.index.npy", mode="w+", dtype=np.float32, shape=(nnz,))
        indices = np.lib.format.open_memmap(self.folder / "indices.csc.index.npy", mode="w+", dtype=np.int32, shape=(nnz,))
        filled = indptr[:-1].copy()
        for run in runs:
            part = load_npz(run)
            terms, docs, tf = part["terms"], part["docs"], part["tf"]
            counts = np.bincount(terms, minlength=len(df))
            term_start = np.cumsum(counts) - counts
            dest = filled[terms] + (np.arange(len(terms)) - term_start[terms])
            norm = self.k1 * ((1 - self.b) + self.b * dl[docs] / avgdl)
            data[dest] = (idf[terms] * (tf / (tf + norm))).astype(np.float32)
            indices[dest] = docs
            filled += counts
        data.flush()
        indices.flush()
        del data, indices
        np.save(self.folder / "indptr.csc.index.npy", indptr)
        (self.folder / "vocab.index.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        params = {
            "k1": self.k1,
            "b": self.b,
            "delta": 0.5,
            "method": "lucene",
            "idf_method": "lucene",
            "dtype": "float32",
            "int_dtype": "int32",
            "num_docs": n_docs,
            "version": bm25s.__version__,
            "backend": "numpy",
        }
        (self.folder / "params.index.json").write_text(json.dumps(params, indent=1), encoding="utf-8")
