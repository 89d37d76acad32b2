"""The text and Markdown readers on the real corpus files and on small inputs."""

from __future__ import annotations

import pytest

from ingest.assemble import assemble
from ingest.markdown_reader import read_markdown
from ingest.records import IngestError, ParsedDocument
from ingest.text_reader import read_text

from .conftest import CORPUS


def parse(name: str) -> ParsedDocument:
    data = (CORPUS / name).read_bytes()
    reader = read_markdown if name.endswith(".md") else read_text
    return assemble(reader(data, name))


@pytest.fixture(scope="module")
def imdi() -> ParsedDocument:
    return parse("imdi-2014-tverrsektorielt-samarbeid.txt")


@pytest.fixture(scope="module")
def nou() -> ParsedDocument:
    return parse("nou-2020-16-levekar-i-byer.txt")


@pytest.fixture(scope="module")
def menon() -> ParsedDocument:
    return parse("menon-2025-evaluering-omradesatsing.md")


def headings(doc: ParsedDocument) -> list[str]:
    return [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "heading"]


def test_imdi_line_end_hyphens_are_joined_and_real_hyphens_stay(imdi: ParsedDocument):
    assert "i den norske velferdspolitikken har lenge vore" in imdi.text
    assert "velferdspolitik-" not in imdi.text
    assert "Oslo Sør-satsinga" in imdi.text
    assert "Arbeids- og velferdsdirektoratet" in imdi.text


def test_imdi_headings_and_section_paths(imdi: ParsedDocument):
    found = headings(imdi)
    assert "Kapittel 1: Innleiing om områderetta innsats for betre levekår" in found
    assert "1.2 Om behovet for å utforske tverrsektorielt samarbeid i områdesatsing" in found
    block = next(b for b in imdi.blocks if imdi.text[b.start : b.end].startswith("Føremålet med rapporten"))
    assert block.section[:2] == ("Kapittel 1: Innleiing om områderetta innsats for betre levekår", "1.1 Om rapporten")


def test_imdi_page_footnotes_leave_the_running_text(imdi: ParsedDocument):
    notes = [imdi.text[b.start : b.end] for b in imdi.blocks if b.kind == "note"]
    assert any(note.startswith("10 Sjå fotnote 9.") for note in notes)
    body = imdi.text[: min(b.start for b in imdi.blocks if b.kind == "note")]
    assert "Sjå fotnote 9." not in body
    assert "vesentleg større omfang. Dette er den største" in body  # superscript 11 dropped


def test_nou_footnote_markers_removed_and_notes_kept_apart(nou: ParsedDocument):
    assert "[footnoteRef:" not in nou.text
    assert "såkalt etnisk segregering" in nou.text
    note = next(b for b in nou.blocks if b.kind == "note" and b.note_id == "1")
    assert nou.text[note.start : note.end].startswith("1 En etnisk gruppe er en gruppe")
    body_end = min(b.start for b in nou.blocks if b.kind == "note")
    assert "En etnisk gruppe er en gruppe som innenfor" not in nou.text[:body_end]
    assert "[:figur:" not in nou.text and "\nRammeslutt\n" not in nou.text


def test_nou_parts_are_top_level_sections(nou: ParsedDocument):
    block = next(b for b in nou.blocks if nou.text[b.start : b.end].startswith("Segregerte byer kan gjøre det vanskelig"))
    assert block.section[0] == "Del I"


def test_markdown_markup_and_html_do_not_reach_the_text(menon: ParsedDocument):
    for markup in ("**", "<sup>", "</b>", "<li>", "](http", "# "):
        assert markup not in menon.text
    assert "Les mer om vårt arbeid på menon.no." in menon.text
    assert "Overordnede mål for områdesatsingene" in menon.text  # from an HTML block


def test_markdown_numbered_headings_give_the_section(menon: ParsedDocument):
    block = next(b for b in menon.blocks if menon.text[b.start : b.end].startswith("Områdesatsinger skal fungere som et virkemiddel"))
    assert block.section == ("2 Organisering og ansvarsdeling",)
    deeper = next(b for b in menon.blocks if b.kind == "heading" and menon.text[b.start : b.end] == "Dokumentstudier")
    assert deeper.section == ("1 Innledning og bakgrunn", "1.4 Metode og datainnsamling", "Dokumentstudier")


def test_markdown_superscript_notes_are_notes(menon: ParsedDocument):
    note = next(b for b in menon.blocks if b.kind == "note" and b.note_id == "3")
    assert menon.text[note.start : note.end].startswith("3 Tjernshaugen, Andreas; levekår i Store norske leksikon")


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "cp1252", "utf-8-sig"])
def test_other_encodings_are_decoded(encoding: str):
    text = "Områdeløft i Bergen\n\nSatsingen styrket nærmiljøet på Løvstakksiden og ga gode resultater for barn og unge i bydelen.\n"
    doc = assemble(read_text(text.encode(encoding), "notat.txt"))
    assert "Områdeløft i Bergen" in doc.text and "nærmiljøet på Løvstakksiden" in doc.text


def test_binary_or_empty_text_is_refused():
    with pytest.raises(IngestError, match="binary data"):
        read_text(b"\x00\x01\x02\xff" * 200, "bilde.txt")
    with pytest.raises(IngestError, match="no text"):
        read_text(b"  \n \n", "tom.txt")
