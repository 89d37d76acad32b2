"""What the app hands out: the short answer, exports, the highlighted page image."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from index.present.answer import answer_for
from index.present.export import to_bibtex, to_csv, to_ris
from index.present.page_image import render_page
from index.query import Filters
from index.search.searcher import open_searcher
from kb.bench.answer_eval import reads_as_sentence

from .pdf_factory import report_pdf


@pytest.fixture(scope="module")
def result(corpus_store):
    searcher = open_searcher(corpus_store)
    return searcher, searcher.search("evaluering av områdesatsing som statlig virkemiddel", k=5)


@pytest.mark.slow
def test_short_answer_sentences_are_quoted_from_their_hits(result, corpus_store):
    searcher, found = result
    answer = answer_for(found, searcher, corpus_store.answer)
    assert not answer.withheld and 2 <= len(answer.sentences) <= corpus_store.answer.max_sentences + 2
    by_rank = {hit.rank: hit for hit in found.hits}
    for sentence in answer.sentences:
        passage = by_rank[sentence.hit_rank].passage
        assert passage.text[sentence.start : sentence.end] == sentence.text
        assert reads_as_sentence(sentence.text), sentence.text
    data = answer.to_json()
    assert set(data) == {"sentences", "withheld", "reason", "disagreements"} and {"text", "hit"} <= set(data["sentences"][0])
    within = [(s.hit_rank, s.start) for s in answer.sentences]
    assert all(a < b for a, b in zip(within, within[1:], strict=False) if a[0] == b[0])  # source order inside a passage


@pytest.mark.slow
@pytest.mark.parametrize("query", ["xqzvbn plorkt", "<script>alert(1)</script>", "qwerty uiop zxcv"])
def test_nonsense_gets_no_answer(result, corpus_store, query):
    searcher, _ = result
    found = searcher.search(query)
    answer = answer_for(found, searcher, corpus_store.answer)
    assert answer.withheld and answer.sentences == [] and answer.reason


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
    assert "author = {Høiseth-Gilje, Kaja and Schwabe, Henrik and Rødal, Mathie and Holmdal, Liva Myrvold}" in bib
    assert "@techreport{menon2025p" in bib and menon.citation
    ris = to_ris(found.hits)
    assert ris.count("TY  - ") == len(found.hits) == ris.count("ER  - ")
    assert "PY  - 2025" in ris and "AU  - Høiseth-Gilje, Kaja" in ris



@pytest.mark.slow
def test_one_author_for_the_nou_in_every_format(result):
    searcher, _ = result
    hits = searcher.search("områdesatsing", k=3, filters=Filters(doc_ids=("nou-2020-16",))).hits
    assert hits and all(h.citation.startswith("Kommunal- og moderniseringsdepartementet (2020)") for h in hits)
    assert to_bibtex(hits).count("author = {{Kommunal- og moderniseringsdepartementet}}") == len(hits)
    assert to_ris(hits).count("AU  - Kommunal- og moderniseringsdepartementet\n") == len(hits)
    assert {r["author"] for r in csv.DictReader(io.StringIO(to_csv(hits)))} == {"Kommunal- og moderniseringsdepartementet"}


def test_page_image_highlights_the_passage(tmp_path: Path):
    path = report_pdf(tmp_path / "rapport.pdf", with_scan=False)
    sentence = "Groruddalssatsingen var et tiårig samarbeid mellom staten og Oslo kommune."
    plain = render_page(path, 2, "")
    passage = render_page(path, 2, sentence)
    quoted = render_page(path, 2, sentence, quote=sentence)
    assert plain.startswith(b"\x89PNG") and passage.startswith(b"\x89PNG")
    assert len({plain, passage, quoted}) == 3  # the passage lightly, the quote in a colour of its own


@pytest.mark.slow
def test_context_and_library_show_each_sentence_once(result):
    from index.present.context import after_part, before_part, reading_parts

    searcher, found = result
    passages = searcher.passages_of("nou-2020-16")[:6]
    assert any(b.start < a.end for a, b in zip(passages, passages[1:], strict=False))  # the splitter overlaps them
    clean = "".join(text for _, text in reading_parts(passages))
    assert clean == passages[0].text + "".join(p.text[max(0, passages[i].end - p.start) :] for i, p in enumerate(passages[1:]))
    hit = found.hits[0]
    before, after = searcher.neighbours(hit.passage)
    joined = before_part(before, hit.passage) + hit.passage.text + after_part(hit.passage, after)
    span = (after.end if after else hit.passage.end) - (before.start if before else hit.passage.start)
    assert len(joined) <= span and joined.count(hit.passage.text) == 1  # no text twice (only the blank lines between may drop)
