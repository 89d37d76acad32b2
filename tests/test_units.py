"""Sentence segmentation that knows documents, on real text from the corpus; and the short
answer's pronoun rule and source order (with stand-in vectors: plumbing only)."""

from __future__ import annotations

import numpy as np

from index.present.answer import compose
from index.search.hits import Hit, SearchResult
from index.text.analysis import Analyzer
from ingest.markdown_reader import read_markdown
from ingest.records import Document, Passage
from ingest.units import passage_units
from settings import AnswerSettings

from .conftest import CORPUS


def kinds(text: str, section: tuple[str, ...] = (), is_note: bool = False) -> list[tuple[str, str]]:
    return [(u.kind, text[u.start : u.end]) for u in passage_units(text, section, is_note)]


def test_a_bullet_list_gives_one_item_per_bullet_without_the_bullet():
    text = (
        "· Tiltaket Norskoffensiv i Groruddalen skal bidra til auka sysselsetting. Tiltaket er eit gratis lågterskeltilbod om norskopplæring til vaksne.\n\n"
        "· Styrka levekårsatsing er ei satsing der bydelane har etablert ulike kvalifiserings- og sysselsettingstiltak. Innretninga av tiltaket varierer mellom bydelane."
    )
    found = kinds(text)
    assert [k for k, _ in found] == ["item"] * 4
    assert found[2][1] == "Styrka levekårsatsing er ei satsing der bydelane har etablert ulike kvalifiserings- og sysselsettingstiltak."
    assert all("·" not in quote for _, quote in found)


def test_bullets_run_together_in_one_paragraph_are_cut_apart():
    text = "Tiltakene er: • Gratis kjernetid i barnehage for alle fire- og femåringer. • Norskopplæring for foreldre i bydelen."
    found = kinds(text)
    assert ("item", "Gratis kjernetid i barnehage for alle fire- og femåringer.") in found
    assert ("item", "Norskopplæring for foreldre i bydelen.") in found


def test_a_heading_and_its_first_sentence_are_two_units():
    section = ("Kapittel 3: Omtale av områderetta satsingar", "3.6 Fjell 2020 i Drammen")
    text = "3.6 Fjell 2020 i Drammen\n\nI 2009 starta kommunen eit forprosjekt for utvikling av området, og hausten 2011 blei hovudprosjektet sett i verk."
    assert kinds(text, section) == [
        ("heading", "3.6 Fjell 2020 i Drammen"),
        ("sentence", "I 2009 starta kommunen eit forprosjekt for utvikling av området, og hausten 2011 blei hovudprosjektet sett i verk."),
    ]
    assert kinds("New Deal for Communities i Storbritannia\n\nStorbritannia har hatt en rekke støtteordninger.")[0][0] == "heading"


def test_footnote_lines_are_notes_not_sentences():
    text = (
        "5 Prop. 1 S (2024-2025) Kommunal- og distriktsdepartementets budsjettforslag for 2025\n\n"
        "17 Dette er et resultat av innsatsen under områdesatsing i Oslo, men er et eksempel på en nyvinning.\n\n"
        "38 prosent av innvandrarbarna bur i familiar med låg inntekt."
    )
    assert [k for k, _ in kinds(text)] == ["note", "note", "sentence"]
    assert all(k == "note" for k, _ in kinds("Utvalget viser til NOU 2020:16.", is_note=True))


def test_a_table_of_contents_is_one_unit_never_quoted():
    path = CORPUS / "menon-2025-evaluering-omradesatsing.md"
    blocks = read_markdown(path.read_bytes(), path.name)
    contents = next(b.text for b in blocks if b.text.startswith("Sammendrag 4 1 Innledning"))  # the reader's paragraph
    found = passage_units(contents)
    assert [u.kind for u in found] == ["toc"] and not found[0].quotable


def test_captions_tables_and_cut_fragments():
    assert kinds("Figur 3 Bygdevekstavtalens fasedelte løp.")[0][0] == "caption"
    assert kinds("Figur 4.2 viser andel barn 0–17 år i lavinntektshusholdninger i 2018.")[0][0] == "sentence"
    assert kinds("Barnehagen tilbyr gratis kjernetid for fire- og femåringar. Foto: Marianne Gjørv.")[1] == ("caption", "Foto: Marianne Gjørv.")
    assert kinds("60 000 10 600")[0][0] == "table"
    assert kinds("Tiltaket er nytt. Figur 3.2: Omtale av forsøket med gratis kjernetid i barnehage.")[1][0] == "caption"
    inner = "På kommunen sin erfaringsdelingskonferanse i 2012 kom det fram at områdeutviklinga er Figur 3.3: Oversikt over organiseringa."
    assert kinds(inner)[0][0] == "fragment"
    quoted = "Planen sier: “Satsingen skal styrke bomiljøet. Bomiljø og fysisk opprustning vil være en sentral del av satsingen.”"
    assert [k for k, _ in kinds(quoted)] == ["sentence", "fragment"]  # the quotation's second half stands on nothing
    for line in ("Mer om Fjell 2020 finnes HER.", "Barstad, Havnen, Serlie, Skardhamar (2006).", "4) and the Action Program for Oslo-South, that is, the areas."):
        assert kinds(line)[0][0] == "fragment", line
    tail = kinds("Tiltaket er innretta mot minoritetsspråklege barn. Alle barn i desse bydelane – også norskspråklege")
    assert [k for k, _ in tail] == ["sentence", "fragment"]


def test_labels_lead_ins_and_abbreviations_that_end_a_sentence():
    found = kinds("Bomiljøtiltak og områdeutvikling: Det ble satset på fysiske tiltak i alle fire bydelene.")
    assert found == [("fragment", "Bomiljøtiltak og områdeutvikling:"), ("sentence", "Det ble satset på fysiske tiltak i alle fire bydelene.")]
    assert kinds("Vidare er desse fokusområda definerte:")[0][0] == "fragment"  # a list's lead-in
    found = kinds("Satsinger finnes i Oslo, Bergen, Trondheim osv. De statlige bevilgningene er økt kraftig.")
    assert [q for _, q in found] == ["Satsinger finnes i Oslo, Bergen, Trondheim osv.", "De statlige bevilgningene er økt kraftig."]
    assert len(kinds("Som vist hos Barlindhaug mfl. 2012 er det slik.")) == 1


# -- the short answer (stand-in vectors) ---------------------------------------------------------

NOU = (
    "Utrederne som evaluerte områdesatsingen, mente at kvalifiserings- og sysselsettingstiltakene i høy grad nådde målene. "
    "De mente at et viktig suksesskriterium var at tiltakene var lokalisert på Fjell, slik at det var kjente omgivelser og kort vei fra hjemmet for deltakerne. "
    "Et annet suksesskriterium var at metodikken og innholdet i kursene var tilpasset målgruppa."
)


def _result(vector: np.ndarray) -> SearchResult:
    document = Document("nou-2020-16", "nou.txt", "NOU 2020:16 Levekår i byer", year=2020, places=("Drammen",))
    passage = Passage("a" * 16, "nou-2020-16", 0, NOU, 0, len(NOU), ("Fjell 2020",), "nb")
    from index.quote.excerpt import make_excerpt

    analyzer = Analyzer()
    hit = Hit(1, 1.0, {}, passage, document, make_excerpt(NOU, {"suksesskriterium"}, analyzer), "NOU (2020).", row=0)
    return SearchResult("suksesskriterium Fjell", "hybrid", 1.0, {}, [hit], terms=["suksesskriterium", "fjell"], vector=vector)


def test_a_sentence_that_opens_with_a_pronoun_brings_the_one_before_it():
    # three windows of one sentence each; the query is closest to the second ("De mente …")
    windows = np.eye(3, dtype=np.float32)
    vector = np.array([0.2, 0.99, 0.1], dtype=np.float32)
    cfg = AnswerSettings(max_sentences=1, floor_similarity=0.0, floor_similarity_english=0.0, floor_covered=0.0)
    answer = compose(_result(vector), lambda rows: [windows], Analyzer(), {"suksesskriterium", "fjell"}, cfg)
    assert not answer.withheld
    assert [s.text[:12] for s in answer.sentences] == ["Utrederne so", "De mente at "]  # source order, antecedent first


def test_the_floor_withholds_when_nothing_is_close():
    windows = np.eye(3, dtype=np.float32)
    cfg = AnswerSettings(floor_similarity=0.9, floor_similarity_english=0.9, floor_covered=0.0)
    answer = compose(_result(np.array([0.5, 0.5, 0.5], dtype=np.float32)), lambda rows: [windows], Analyzer(), set(), cfg)
    assert answer.withheld and answer.reason == "too_far" and answer.sentences == []


def test_the_answer_check_reorders_the_sentences_and_can_withhold():
    # the similarity prefers the second sentence; a check that is sure of the third wins
    windows = np.eye(3, dtype=np.float32)
    vector = np.array([0.2, 0.99, 0.1], dtype=np.float32)
    asked: list[tuple[str, list[str]]] = []

    def check(query, sentences):
        asked.append((query, list(sentences)))
        return np.array([1.0 if s.startswith("Et annet") else 0.0 for s in sentences])

    cfg = AnswerSettings(max_sentences=1, floor_similarity=0.0, floor_similarity_english=0.0, floor_covered=0.0, check_weight=2.0)
    answer = compose(_result(vector), lambda rows: [windows], Analyzer(), set(), cfg, check)
    assert [s.text[:8] for s in answer.sentences] == ["Et annet"]
    assert answer.evidence.checked == 1.0 and asked[0][0] == "suksesskriterium Fjell" and len(asked[0][1]) == 3
    unsure = compose(_result(vector), lambda rows: [windows], Analyzer(), set(), cfg.model_copy(update={"floor_check": 0.5}), lambda q, s: np.full(len(s), 0.2))
    assert unsure.withheld and unsure.reason == "too_far"
    plain = compose(_result(vector), lambda rows: [windows], Analyzer(), set(), cfg.model_copy(update={"floor_check": 0.5}))
    assert not plain.withheld and plain.evidence.checked is None  # no check loaded: the floor_check is not applied
