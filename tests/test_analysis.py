"""Norwegian analysis, phrases, typo correction, citations and excerpts (no index needed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from index.backends.files.bm25 import LexicalIndex
from index.query import parse_query
from index.quote.cite import citation, section_locator
from index.quote.excerpt import make_excerpt
from index.text.analysis import Analyzer, compound_map
from ingest.records import Document, Passage

TEXTS = [
    "Områdesatsingene i Groruddalen har gitt gode resultater for levekårene.",
    "Forsøket med gratis kjernetid i barnehagen økte deltakelsen blant fireåringer.",
    "Kjernetid er også et tilbud i Bergen, men ikke gratis for alle.",
    "Omradesatsing og levekar i utsatte byomrader krever samarbeid mellom sektorer.",
    "Satsingen i Oslo Sør-satsinga ble evaluert, og sysselsettingstiltak ble prøvd ut.",
    "Bydelen satte i gang nye tiltak for barn og unge.",
]


@pytest.fixture(scope="module")
def lexical(tmp_path_factory: pytest.TempPathFactory) -> LexicalIndex:
    return LexicalIndex.build(TEXTS, tmp_path_factory.mktemp("lex"))


def ranked(index: LexicalIndex, query: str) -> list[int]:
    terms, _ = index.query_terms(query)
    scores = index.scores(terms)
    return [int(i) for i in scores.argsort()[::-1] if scores[i] > 0]


def test_folding_and_stemming_meet_the_ocr_spelling():
    analyzer = Analyzer()
    assert analyzer.terms("levekår") == analyzer.terms("levekar")
    assert analyzer.terms("områdesatsingene") == analyzer.terms("omradesatsing")


def test_stopwords_in_both_written_standards_are_dropped():
    assert Analyzer().terms("korleis og hvordan er det i dei områda") == Analyzer().terms("områda")


def test_compound_parts_come_from_the_vocabulary():
    analyzer = Analyzer()
    counts = {t: 1 for t in analyzer.terms("område satsing levekår utfordring områdesatsing levekårsutfordringer")}
    parts = compound_map(counts, analyzer.stemmer.stemWord)
    assert parts[analyzer.term("områdesatsing")] == (analyzer.term("område"), analyzer.term("satsing"))
    assert analyzer.term("utfordringer") in parts[analyzer.term("levekårsutfordringer")]


def test_ocr_spelling_finds_the_correct_spelling_and_back(lexical: LexicalIndex):
    assert ranked(lexical, "levekår i utsatte byområder")[0] == 3  # text 3 is the OCR'd one
    assert set(ranked(lexical, "omradesatsing")[:2]) == {0, 3}
    assert set(ranked(lexical, "områdesatsingene")[:2]) == {0, 3}


def test_part_of_a_compound_finds_the_whole(lexical: LexicalIndex):
    assert 0 in ranked(lexical, "satsing")  # "Områdesatsingene"
    assert 4 in ranked(lexical, "tiltak")  # "sysselsettingstiltak"


def test_phrase_matches_only_adjacent_words(lexical: LexicalIndex):
    assert lexical.has_phrase(TEXTS[1], "gratis kjernetid")
    assert not lexical.has_phrase(TEXTS[2], "gratis kjernetid")  # both words, not together
    assert parse_query('"gratis kjernetid" i Bergen').phrases == ("gratis kjernetid",)
    assert parse_query('unbalanced "quote').phrases == () and parse_query('unbalanced "quote').text == "unbalanced  quote"


def test_typos_are_corrected_to_written_forms(lexical: LexicalIndex):
    _, corrections = lexical.query_terms("grattis kjernetidd")
    assert corrections.pairs == {"grattis": "gratis", "kjernetidd": "kjernetid"}
    _, none = lexical.query_terms("gratis kjernetid")
    assert none.pairs == {}


def test_save_and_load_give_the_same_scores(lexical: LexicalIndex, tmp_path: Path):
    LexicalIndex.build(TEXTS, tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    terms, _ = loaded.query_terms("gratis kjernetid")
    assert list(loaded.scores(terms)) == pytest.approx(list(lexical.scores(terms)))


def passage(section: tuple[str, ...], text: str = "tekst", **pages) -> Passage:
    return Passage("0" * 16, "d", 0, text, 0, len(text), section, "nb", **pages)


DOC = Document("menon-2025", "menon.md", "Evaluering av områdesatsing som statlig virkemiddel", year=2025, publisher="Menon Economics, på oppdrag for Kommunal- og distriktsdepartementet (KDD)")


def test_citation_with_chapter_from_the_section_path():
    cite = citation(DOC, passage(("2 Organisering og ansvarsdeling", "2.3 Involvering av statlige aktører", "Våre vurderinger")))
    assert cite == "Menon Economics (2025). Evaluering av områdesatsing som statlig virkemiddel, kap. 2.3."


def test_citation_uses_printed_page_numbers():
    cite = citation(replace(DOC, publisher="KMD"), passage(("1 Innledning",), page_start=16, page_end=17, page_label_start="14", page_label_end="15"))
    assert cite.endswith("virkemiddel, s. 14–15.")
    cite = citation(replace(DOC, publisher="KMD"), passage((), page_start=3, page_end=3))
    assert cite.endswith("virkemiddel, s. 3.")


def test_section_locators():
    assert section_locator(("Kapittel 3: Omtale av områderetta satsingar", "Eksempel på tiltak")) == "kap. 3"
    assert section_locator(("Del I", "Innledning")) == "del I, «Innledning»"
    assert section_locator(("Summary",)) == "«Summary»"


def test_excerpt_is_an_exact_slice_with_the_matched_words():
    text = (
        "Innledning\n\nSatsingen startet i 2007. Den omfattet fire bydeler. "
        "Forsøket med gratis kjernetid i barnehage ga høy deltakelse. Evalueringen kom i 2014."
    )
    analyzer = Analyzer()
    excerpt = make_excerpt(text, set(analyzer.terms("gratis kjernetid barnehage")), analyzer)
    assert text[excerpt.start : excerpt.end] == excerpt.text
    assert excerpt.text.startswith("Forsøket med gratis kjernetid")
    assert {text[s:e] for s, e in excerpt.matches} == {"gratis", "kjernetid", "barnehage"}


def test_a_citation_names_the_section_the_excerpt_sits_under():
    from index.quote.cite import section_at

    text = "Intensjonsavtale mellom staten og Oslo kommune.\n\n1. Bakgrunn\n\nStaten og Oslo kommune startet i 2007 Groruddalssatsingen."
    agreement = passage((), text=text)
    assert section_at(agreement, 0) == () and section_at(agreement, text.index("Staten")) == ("1. Bakgrunn",)
    text = "Siste setning om Oslo indre aust.\n\n3.4 Områdeløft i Trondheim\n\nTrondheim kommune har eit områdeløft.\n\nEksempel på tiltak\n\nEit tiltak."
    imdi = passage(("Kapittel 3: Omtale av områderetta satsingar", "3.3 Handlingsprogram Oslo indre aust", "Erfaringar så langt"), text=text)
    assert section_at(imdi, text.index("Trondheim kommune")) == ("Kapittel 3: Omtale av områderetta satsingar", "3.4 Områdeløft i Trondheim")
    assert section_at(imdi, text.index("Eit tiltak"))[-2:] == ("3.4 Områdeløft i Trondheim", "Eksempel på tiltak")
    nou = passage(("Del III", "Årsaker og konsekvenser", "Stavanger"), text="Om Stavanger.\n\nBergen\n\nBergen kommune har satsinga.")
    assert section_at(nou, 30) == ("Del III", "Årsaker og konsekvenser", "Bergen")


def test_one_author_per_document_people_as_people_organisations_as_organisations():
    from index.quote.authors import apa_authors, creators

    menon = replace(DOC, author="Kaja Høiseth-Gilje; Henrik Schwabe; Mathie Rødal; Liva Myrvold Holmdal")
    assert [c.inverted() for c in creators(menon)] == ["Høiseth-Gilje, Kaja", "Schwabe, Henrik", "Rødal, Mathie", "Holmdal, Liva Myrvold"]
    assert apa_authors(menon) == "Høiseth-Gilje, K., Schwabe, H., Rødal, M. & Holmdal, L. M."
    assert citation(menon, passage(("1 Innledning",))).endswith("kap. 1. Menon Economics.")
    nou = Document("nou", "nou.txt", "NOU 2020:16 Levekår i byer", year=2020, publisher="Kommunal- og moderniseringsdepartementet", author="By- og levekårsutvalget")
    assert [c.name for c in creators(nou)] == ["Kommunal- og moderniseringsdepartementet"] and not creators(nou)[0].person
    assert creators(replace(nou, author="Staten ved regjeringen; Oslo kommune ved byrådet"))[0].name == "Kommunal- og moderniseringsdepartementet"
    assert creators(replace(nou, author="Brattbakk, Ingar"))[0].inverted() == "Brattbakk, Ingar"
