"""What the app hands out: the short answer, exports, the highlighted page image."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from index.present.answer import short_answer
from index.present.export import to_bibtex, to_csv, to_ris
from index.present.page_image import render_page
from index.search.searcher import open_searcher

from .pdf_factory import report_pdf


@pytest.fixture(scope="module")
def result(corpus_store):
    searcher = open_searcher(corpus_store)
    return searcher, searcher.search("evaluering av områdesatsing som statlig virkemiddel", k=5)


@pytest.mark.slow
def test_short_answer_sentences_are_quoted_from_their_hits(result):
    searcher, found = result
    sentences = short_answer(found.hits, set(found.terms), searcher.lexicon.analyzer)
    assert 3 <= len(sentences) <= 5
    by_rank = {hit.rank: hit for hit in found.hits}
    for sentence in sentences:
        passage = by_rank[sentence.hit_rank].passage
        assert passage.text[sentence.start : sentence.end] == sentence.text


@pytest.mark.slow
def test_exports_carry_the_citation_data(result):
    _, found = result
    rows = list(csv.DictReader(io.StringIO(to_csv(found.hits))))
    assert [r["citation"] for r in rows] == [h.citation for h in found.hits]
    assert rows[0]["excerpt"] == found.hits[0].excerpt.text
    bib = to_bibtex(found.hits)
    assert bib.count("\n@") + bib.startswith("@") == len(found.hits)
    menon = next(h for h in found.hits if h.passage.doc_id == "menon-2025")
    assert "title = {Evaluering av områdesatsing som statlig virkemiddel}" in bib
    assert "author = {{Kaja Høiseth-Gilje} and {Henrik Schwabe}" in bib
    assert "@techreport{menon2025p" in bib and menon.citation
    ris = to_ris(found.hits)
    assert ris.count("TY  - ") == len(found.hits) == ris.count("ER  - ")
    assert "PY  - 2025" in ris and "AU  - Kaja Høiseth-Gilje" in ris


def test_page_image_highlights_the_passage(tmp_path: Path):
    path = report_pdf(tmp_path / "rapport.pdf", with_scan=False)
    plain = render_page(path, 2, "")
    marked = render_page(path, 2, "Groruddalssatsingen var et tiårig samarbeid mellom staten og Oslo kommune.")
    assert plain.startswith(b"\x89PNG") and marked.startswith(b"\x89PNG")
    assert marked != plain
