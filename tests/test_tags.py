"""Passage tags (index/tags): places, measures, themes, their storage, filters and the labels."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from index.query import Filters
from index.tags.measures import MeasureMatcher, find_measures
from index.tags.places import PlaceFinder
from index.tags.tagger import PassageTags, TagTable
from index.tags.taxonomy import gazetteer, themes
from index.tags.themes import ThemeRule, ThemeScorer
from kb.bench.tags_eval import LABELS, evaluate_tags, load_labels

from .conftest import CORPUS, ROOT


@pytest.fixture(scope="module")
def finder() -> PlaceFinder:
    return PlaceFinder(gazetteer(), ["Oslo Sør", "Groruddalen"])


def test_the_gazetteer_has_every_municipality_and_oslos_districts():
    places = gazetteer()
    assert sum(p.kind == "municipality" for p in places) == 357
    oslo = {p.name for p in places if p.parent == "Oslo" and p.kind == "district"}
    assert {"Stovner", "Grorud", "Alna", "Søndre Nordstrand", "Gamle Oslo"} <= oslo and len(oslo) == 15


def test_places_are_found_as_names(finder: PlaceFinder):
    assert finder.find("Tiltaket ble prøvd i Stovner og på Furuset, senere i Groruddalens skoler.") == ["Stovner", "Furuset", "Groruddalen"]
    assert finder.find("Vi dro til Oslo. Ferdig.") == ["Oslo"]
    assert finder.find("Omradesatsingen pa Toyen") == ["Tøyen"]  # OCR without æøå
    assert finder.find("Groruddalssatsingen varte ti år.") == []  # a compound is not the place
    assert finder.find("Oslo Sør-satsingen ble evaluert.") == []
    assert finder.find("Handlingsprogram Oslo indre øst ble avsluttet.") == []  # a programme's name
    assert finder.find("erfaringer fra NAV Oslo") == []  # an organisation's name
    assert finder.find("(Ruud og Vestby 2017)") == []  # an author
    assert finder.find("Det krever et fjell av papirer. Moss vokser.") == []  # ordinary words
    assert finder.find("Områdesatsingen på Fjell i Drammen") == ["Fjell", "Drammen"]


def test_a_place_filter_includes_the_places_inside_it():
    table = TagTable([PassageTags(places=("Stovner",)), PassageTags(places=("Bergen",)), PassageTags(places=("Oslo",))], {"Stovner": "Oslo"})
    assert table.rows_with("places", ["Oslo"]).tolist() == [0, 2]
    assert table.rows_with("places", ["stovner"]).tolist() == [0]


def test_measures_are_found_by_the_patterns_names_recur_in():
    texts = [
        "I Groruddalen ble Groruddalssatsingen startet i 2007. Områdesatsing er et virkemiddel.",
        "Evalueringen av Groruddalssatsinga viste resultater. Mange kommuner driver områdesatsing.",
        "Tiltaket «Nyttig arbeid» ga ungdom jobb. Husbanken ga tilskudd via Husbanken.",
        "Forsøket med gratis kjernetid i barnehage ble utvidet. Forsøket med gratis kjernetid virket.",
        "Gratis kjernetid ble innført. Jobbsjansen og Jobbsjansen for kvinner ble prøvd på Fjell.",
        "Deretter kom Områdeløft Fjell, og Områdeløft Fjell fikk midler.",
    ]
    measures = {m.name: m for m in find_measures(texts, frozenset({"Groruddalen", "Fjell"}))}
    assert measures["Groruddalssatsingen"].forms == ("Groruddalssatsingen", "Groruddalssatsinga")  # one measure
    assert "Nyttig arbeid" in measures and "gratis kjernetid" in measures and "Områdeløft Fjell" in measures
    assert not {"Områdesatsing", "Husbanken"} & set(measures)  # a kind of thing; an organisation
    matcher = MeasureMatcher(list(measures.values()))
    assert matcher.find("GRATIS KJERNETID og Groruddalssatsinga") == ["gratis kjernetid", "Groruddalssatsingen"]


def test_themes_from_cues_alone_and_with_vectors():
    scorer = ThemeScorer(themes(), None, ThemeRule(2.0, 4.1, 1.5, 2))
    assert scorer.tag("Barnehagen og skolen ga leksehjelp til elevene i barnehager.", None)[0] == "oppvekst"
    assert scorer.tag("Været var fint.", None) == []
    rng = np.random.default_rng(1)
    descriptions = rng.normal(size=(len(themes()), 16)).astype(np.float32)
    descriptions /= np.linalg.norm(descriptions, axis=1, keepdims=True)
    passages = [d + rng.normal(scale=0.3, size=16).astype(np.float32) for d in descriptions for _ in range(5)]
    passages = [p / np.linalg.norm(p) for p in passages]
    scorer = ThemeScorer(themes(), descriptions, ThemeRule(0.0, 1.0, 9.0, 2)).fit(passages)
    assert scorer.tag("", passages[7])[0] == themes()[1].id  # near the second description


def test_tag_table_round_trip(tmp_path):
    table = TagTable([PassageTags(("arbeid",), ("Jobbsjansen",), ("Fjell",)), PassageTags()], {"Fjell": "Drammen"})
    table.save(tmp_path)
    again = TagTable.load(tmp_path)
    assert again.get(0) == table.get(0) and again.get(5) == PassageTags() and again.parents == {"Fjell": "Drammen"}
    assert again.values("themes") == {"arbeid": 1}


def test_the_labels_are_many_and_well_formed():
    """(That each quote is in a passage of the bundled corpus is checked on the store below.)"""
    labels = load_labels(LABELS)
    assert len(labels) >= 100 and len({label["id"] for label in labels}) == len(labels)
    ids = {t.id for t in themes()}
    bundled = {d["id"] for d in yaml.safe_load((CORPUS / "catalog.yaml").read_text(encoding="utf-8"))["documents"]}
    pdfs = {d["id"] for d in yaml.safe_load((ROOT / "tests" / "eval" / "pdf-catalog.yaml").read_text(encoding="utf-8"))["documents"]}
    for label in labels:
        assert set(label["themes"]) <= ids and len(label["quote"]) >= 40
        assert label["doc_id"] in bundled | pdfs


def test_stored_tags_filter_search_and_meet_the_labels(corpus_store):
    from index.search.searcher import open_searcher

    searcher = open_searcher(corpus_store)
    try:
        hits = searcher.search("sysselsetting og arbeid", k=10, filters=Filters(themes=("arbeid",))).hits
        assert hits and all("arbeid" in hit.tags.themes for hit in hits)
        oslo = searcher.search("tiltak i bydelene", k=10, filters=Filters(places=("Oslo",))).hits
        inside = searcher.backend.tags.within("Oslo")
        assert oslo and all(set(hit.tags.places) & inside for hit in oslo)
        assert any(set(hit.tags.places) - {"Oslo"} for hit in oslo)  # a district counts for Oslo
        kjernetid = searcher.search("barnehage", k=5, filters=Filters(measures=("gratis kjernetid",))).hits
        assert kjernetid and all("gratis kjernetid" in hit.tags.measures for hit in kjernetid)
        assert json.loads(json.dumps(hits[0].to_json()))["themes"]
        labels = load_labels()
        report = evaluate_tags(searcher, labels)
        assert report["missing"] == sum(label["doc_id"] not in searcher.documents for label in labels)  # the PDFs' labels
        for part in ("tune", "held-out"):  # far above chance, below which a change would be a regression
            assert report[part]["places"]["precision"] >= 0.85
            assert report[part]["measures"]["precision"] >= 0.75
            assert report[part]["themes"]["precision"] >= 0.65 and report[part]["themes"]["recall"] >= 0.55
    finally:
        searcher.close()


def test_the_theme_check_picks_its_weight_on_tune_and_reports_both_halves():
    # plumbing of kb/bench/tags_check.py with stand-in scores: the tagger's score knows nothing,
    # the cross-encoder's logit knows each passage's one theme
    from index.tags.taxonomy import themes
    from kb.bench.evaluate import split
    from kb.bench.tags_check import report

    ids = [t.id for t in themes()]
    labels = [{"id": f"t{i:03d}", "themes": [ids[i % len(ids)]]} for i in range(60)]
    assert {split(x["id"]) for x in labels} == {"tune", "held-out"}
    base = np.zeros((60, len(ids)))
    logits = np.array([[5.0 if j == i % len(ids) else 0.0 for j in range(len(ids))] for i in range(60)])
    out = report(labels, base, logits, most=2)
    assert out["tagger + cross-encoder"]["weight"] > 0
    assert out["tagger + cross-encoder"]["held-out"] == {"precision": 1.0, "recall": 1.0, "passages": sum(split(x["id"]) == "held-out" for x in labels)}
    assert out["tagger alone"]["held-out"]["precision"] < 0.5
