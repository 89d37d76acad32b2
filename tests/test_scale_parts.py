"""The parts that make a million passages fit: out-of-core BM25, the passage table, ANN."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.backends.files.bm25 import LexicalIndex
from index.backends.files.dense import DenseIndex
from index.builder.table import PassageTable, TableWriter
from index.text.analysis import Analyzer, compound_map, surface_forms
from ingest.parse import parse_bytes
from ingest.splitter import split_document
from settings import IndexSettings, IngestSettings

from .conftest import CORPUS


@pytest.fixture(scope="module")
def passages():
    name = "kmd-2019-statlige-omradesatsinger.txt"
    doc = parse_bytes(name, (CORPUS / name).read_bytes(), IngestSettings())
    return split_document(doc, "kmd-2019", IngestSettings())


def test_streaming_bm25_scores_exactly_like_bm25s(passages, tmp_path: Path):
    texts = [p.text for p in passages] + ["", "…"]  # passages without terms too
    ours = LexicalIndex.build(texts, tmp_path / "ours", k1=1.2, b=0.75)
    plain = Analyzer()
    counts, _ = surface_forms(plain, texts)
    analyzer = Analyzer(compound_map(counts, plain.stemmer.stemWord))
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([analyzer.index_terms(t) or [""] for t in texts], show_progress=False)
    for query in ("områdesatsing i Oslo", "Husbankens områdeløft", "satsing", "levekår utsatte byområder", "programfinansiering"):
        terms, _ = ours.query_terms(query, correct=False)
        known = [t for t in dict.fromkeys(terms) if t in reference.vocab_dict]
        assert known
        np.testing.assert_allclose(ours.scores(terms), reference.get_scores(known), rtol=1e-5, atol=1e-6)


def test_passage_table_round_trip(passages, tmp_path: Path):
    writer = TableWriter(tmp_path)
    writer.add(passages[:10])
    writer.add(passages[10:])
    writer.finish()
    table = PassageTable(tmp_path)
    assert len(table) == len(passages)
    assert table.get([5, 0, 17]) == [passages[5], passages[0], passages[17]]
    assert table.by_id(passages[3].next_id) == passages[4]
    assert table.document("kmd-2019") == passages
    assert list(table) == passages
    assert table.doc_ids == ["kmd-2019"] and set(table.languages.tolist()) == {0}


@pytest.mark.parametrize("kind", ["hnsw", "hnsw_sq8", "ivf_sq8"])
def test_approximate_indexes_find_the_exact_neighbours(kind: str, tmp_path: Path):
    rng = np.random.default_rng(3)
    centers = rng.normal(size=(50, 64))
    vectors = centers[rng.integers(0, 50, 20_000)] + 0.3 * rng.normal(size=(20_000, 64))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", vectors)
    cfg = IndexSettings(exact_max_vectors=1000, ivf_nprobe=16, rerank=100, exact_filter_max=1000)
    index = DenseIndex.build(np.load(tmp_path / "vectors.npy", mmap_mode="r"), cfg, tmp_path, kind)
    assert index.kind == kind
    loaded = DenseIndex.load(tmp_path, cfg)
    recalls = []
    for query in vectors[rng.choice(20_000, 50, replace=False)]:
        exact = {row for row, _ in loaded.exact(query, 10, np.arange(20_000))}
        recalls.append(len(exact & {row for row, _ in loaded.search(query, 10)}) / 10)
    assert np.mean(recalls) >= 0.95
    allowed = np.arange(0, 20_000, 3)  # a broad filter goes through FAISS's ID selector
    hits = loaded.search(vectors[1], 10, allowed_rows=allowed)
    assert len(hits) == 10 and all(row % 3 == 0 for row, _ in hits)
    exact = {row for row, _ in loaded.exact(vectors[1], 10, allowed)}
    assert len(exact & {row for row, _ in hits}) >= 8
    few = loaded.search(vectors[0], 10, allowed_rows=allowed[:5])  # a narrow one is scanned exactly
    assert sorted(row for row, _ in few) == sorted(allowed[:5].tolist())
