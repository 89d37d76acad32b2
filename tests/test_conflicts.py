"""Sources that disagree: periods and amounts for one programme, read from sentences (index/present/conflicts.py)."""

from __future__ import annotations

import re
from pathlib import Path

from index.present.conflicts import Statement, facts_in, find_conflicts, same_thing

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _sentence(file: str, opening: str) -> str:
    """A sentence of a bundled document, its lines joined as the reader joins them."""
    text = re.sub(r"\s+", " ", (CORPUS / file).read_text(encoding="utf-8"))
    start = text.index(opening)
    return text[start : text.index(". ", start) + 1]


def test_a_period_belongs_to_the_name_before_it_or_the_sentences_subject():
    facts = facts_in("Handlingsprogrammet for Oslo indre øst (1997–2006) var en felles satsing mellom stat og kommune.", 0, "a")
    assert [(f.about, f.value) for f in facts] == [("Handlingsprogrammet for Oslo indre øst", "1997–2006")]
    facts = facts_in("Kvarterløfta var ein heilskapleg innsats i 12 område i Danmark i perioden 1997–2007.", 0, "a")
    assert [(f.about, f.value) for f in facts] == [("Kvarterløfta", "1997–2007")]


def test_a_second_period_in_a_sentence_is_not_given_to_its_subject():
    text = "Groruddalssatsingen var i første omgang tiårig (2007–2016), men en ny avtale er undertegnet for ytterligere ti år (2017–2026)."
    assert [(f.about, f.value) for f in facts_in(text, 0, "nou")] == [("Groruddalssatsingen", "2007–2016")]


def test_places_statistics_and_page_ranges_are_not_programme_periods():
    assert facts_in("I Oslo økte andelen fra 2009–2019 i alle bydeler.", 0, "a") == []
    assert facts_in("Se Hansen (2006), s. 1990–2010 i vedlegget.", 0, "a") == []
    assert facts_in("Kommunal- og moderniseringsdepartementet ga 13 millioner kroner.", 0, "a") == []


def test_constructed_pairs_disagree_only_across_documents_and_only_when_nothing_is_shared():
    one = Statement("Områdeløftet Nordbyen (2014–2019) ble evaluert i 2020.", "a")
    other = Statement("Områdeløftet Nordbyen varte fra 2015 til 2020.", "b")
    same_doc = Statement("Områdeløftet Nordbyen (2015–2020) fikk nye midler.", "a")
    agree = Statement("Områdeløftet Nordbyen (2014–2019) hadde tre delmål.", "b")
    conflicts = find_conflicts([one, other])
    assert [(c.kind, c.about, [f.value for f in c.facts]) for c in conflicts] == [("period", "Områdeløftet Nordbyen", ["2014–2019", "2015–2020"])]
    assert find_conflicts([one, same_doc]) == []  # one document: not sources disagreeing
    assert find_conflicts([one, agree]) == []
    assert find_conflicts([one, Statement("Områdeløftet Sørbyen (2015–2020) ble evaluert.", "b")]) == []  # another programme


def test_constructed_amounts():
    a = Statement("Programmet for Nordbyen fikk 50 millioner kroner i 2019.", "a")
    b = Statement("Programmet for Nordbyen fikk 65 mill. kr fra staten.", "b")
    [conflict] = find_conflicts([a, b])
    assert conflict.kind == "amount" and [f.value for f in conflict.facts] == ["50 million kroner", "65 million kroner"]


def test_names_meet_across_nynorsk_bokmal_and_lost_letters():
    assert same_thing("Groruddalssatsinga", "Groruddalssatsingen")
    assert same_thing("Områdesatsingen i Oslo sør", "Omradesatsingen i Oslo sor")
    assert not same_thing("Groruddalssatsingen", "ny tiårig Groruddalssatsing")


def test_a_real_case_from_the_corpus_the_groruddalen_programme_periods():
    """IMDi (nynorsk) puts a school project inside "Groruddalssatsinga (2012–2016)"; the NOU gives the
    programme 2007–2016: the answer shows both, with their words, and says they differ."""
    imdi = _sentence("imdi-2014-tverrsektorielt-samarbeid.txt", "Som ein del av Groruddalssatsinga")
    nou = _sentence("nou-2020-16-levekar-i-byer.txt", "Groruddalssatsingen var i første omgang tiårig")
    oslo = _sentence("nou-2020-16-levekar-i-byer.txt", "Handlingsprogrammet for Oslo indre øst (1997")
    [conflict] = find_conflicts([Statement(imdi, "imdi-2014"), Statement(nou, "nou-2020-16"), Statement(oslo, "nou-2020-16")])
    assert conflict.kind == "period" and same_thing(conflict.about, "Groruddalssatsingen")
    assert [(f.value, f.doc_id) for f in conflict.facts] == [("2012–2016", "imdi-2014"), ("2007–2016", "nou-2020-16")]
