"""Passages: sizes, sentence and heading boundaries, coverage, stable ids."""

from __future__ import annotations

import re

import pytest

from ingest.assemble import assemble
from ingest.parse import parse_bytes
from ingest.records import Block, ParsedDocument, Passage
from ingest.sentences import sentence_spans
from ingest.splitter import split_document
from settings import IngestSettings

from .conftest import CORPUS

CFG = IngestSettings()
DOCS = {
    "imdi-2014": "imdi-2014-tverrsektorielt-samarbeid.txt",
    "kmd-2019": "kmd-2019-statlige-omradesatsinger.txt",
    "menon-2025": "menon-2025-evaluering-omradesatsing.md",
    "groruddalen-2015": "groruddalen-2015-intensjonsavtale.txt",
    "nou-2020-16": "nou-2020-16-levekar-i-byer.txt",
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[ParsedDocument, list[Passage]]]:
    out = {}
    for doc_id, name in DOCS.items():
        doc = parse_bytes(name, (CORPUS / name).read_bytes(), CFG)
        out[doc_id] = (doc, split_document(doc, doc_id, CFG))
    return out


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize("doc_id", DOCS)
def test_passages_are_exact_slices_of_the_clean_text(corpus, doc_id: str):
    doc, passages = corpus[doc_id]
    for passage in passages:
        assert doc.text[passage.start : passage.end] == passage.text


@pytest.mark.parametrize("doc_id", DOCS)
def test_passages_cover_every_block(corpus, doc_id: str):
    doc, passages = corpus[doc_id]
    covered = [False] * len(doc.text)
    for passage in passages:
        covered[passage.start : passage.end] = [True] * (passage.end - passage.start)
    for block in doc.blocks:
        missing = [i for i in range(block.start, block.end) if not covered[i] and not doc.text[i].isspace()]
        assert not missing, f"{doc_id}: text at {block.start} not in any passage: {doc.text[block.start:block.end][:80]!r}"


@pytest.mark.parametrize("doc_id", DOCS)
def test_sizes_stay_within_bounds(corpus, doc_id: str):
    _, passages = corpus[doc_id]
    sizes = [words(p.text) for p in passages]
    assert max(sizes) <= CFG.max_words
    body = [words(p.text) for p in passages if not p.is_note]
    short = [s for s in body if s < CFG.min_words]
    assert len(short) <= max(2, len(body) // 20), f"{doc_id}: too many short passages: {short}"


@pytest.mark.parametrize("doc_id", DOCS)
def test_no_passage_ends_on_a_heading_or_inside_a_sentence(corpus, doc_id: str):
    doc, passages = corpus[doc_id]
    heading_ends = {b.end for b in doc.blocks if b.kind == "heading"}
    sentence_ends = {end for b in doc.blocks for _, end in sentence_spans(doc.text, b.start, b.end)}
    sentence_ends |= {b.end for b in doc.blocks}
    for passage in passages:
        assert passage.end not in heading_ends, f"ends on a heading: {passage.text[-80:]!r}"
        if words(passage.text) < CFG.max_words:  # only an over-long sentence may be cut at a word gap
            assert passage.end in sentence_ends, f"cut inside a sentence: {passage.text[-80:]!r}"


def test_ids_are_stable_unique_and_linked(corpus):
    doc, passages = corpus["imdi-2014"]
    again = split_document(doc, "imdi-2014", CFG)
    assert [p.passage_id for p in passages] == [p.passage_id for p in again]
    assert len({p.passage_id for p in passages}) == len(passages)
    assert all(re.fullmatch(r"[0-9a-f]{16}", p.passage_id) for p in passages)
    for before, after in zip(passages, passages[1:], strict=False):
        assert before.next_id == after.passage_id and after.prev_id == before.passage_id
    assert passages[0].prev_id is None and passages[-1].next_id is None


def test_same_text_keeps_its_id_when_text_before_it_changes():
    paragraphs = [f"Avsnitt {n} forteller om tiltak nummer {n} i bydelen, og om hva beboerne mente om det." * 3 for n in range(12)]
    cfg = IngestSettings(target_words=40, min_words=30, max_words=80, overlap_words=0)

    def ids(texts: list[str]) -> dict[str, str]:
        doc = assemble([Block("paragraph", t) for t in texts])
        return {p.text: p.passage_id for p in split_document(doc, "d", cfg)}

    before, after = ids(paragraphs), ids(["Et nytt første avsnitt om noe helt annet i Groruddalen.", *paragraphs])
    shared = set(before) & set(after)
    assert shared and all(before[text] == after[text] for text in shared)


def test_overlap_repeats_whole_sentences_but_not_across_headings():
    sentences = " ".join(f"Setning nummer {n} handler om områdeløft og nærmiljø i byen." for n in range(40))
    doc = assemble([Block("heading", "1 Innledning", level=1), Block("paragraph", sentences), Block("heading", "2 Resultater", level=1), Block("paragraph", sentences)])
    cfg = IngestSettings(target_words=100, min_words=60, max_words=120, overlap_words=25)
    passages = split_document(doc, "d", cfg)
    first, second = passages[0], passages[1]
    assert second.start < first.end  # overlap
    assert doc.text[second.start : first.end].endswith(".")
    starts_section_two = next(p for p in passages if p.text.startswith("2 Resultater"))
    assert starts_section_two.section == ("2 Resultater",)


def test_languages_per_passage_in_the_nynorsk_report(corpus):
    _, passages = corpus["imdi-2014"]
    by_section = {p.section[0]: p.language for p in passages}
    assert by_section["Summary"] == "en"
    assert by_section["Samandrag"] == "nn"
    _, kmd = corpus["kmd-2019"]
    assert {p.language for p in kmd} == {"nb"}  # OCR'd bokmål without æøå
