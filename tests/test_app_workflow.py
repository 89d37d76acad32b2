"""The researcher's workflow in the app (AppTest): the basket, excluding a document, hits grouped
per document, feedback, history and saved searches, all kept under a temporary app.user_dir."""

from __future__ import annotations

import html
import json

import pytest
from streamlit.testing.v1 import AppTest

from kb.user import UserData

from .conftest import ROOT
from .test_app import app_for, citations

pytestmark = pytest.mark.slow


def buttons(at: AppTest, prefix: str) -> list:
    return [b for b in at.button if (b.key or "").startswith(prefix)]


def sidebar_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.sidebar.markdown)


def user_of(tmp_path) -> UserData:
    return UserData(tmp_path / "var" / "user")  # app.user_dir beside the test's config file


def test_the_basket_collects_excerpts_and_sentences_and_survives_a_reload(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "gratis kjernetid i barnehage"
    at.run()
    assert "🧺 Referansekurv: 0" in sidebar_text(at)
    buttons(at, "basket_hit_")[0].click().run()
    buttons(at, "basket_hit_")[1].click().run()
    assert not at.exception and "🧺 Referansekurv: 2" in sidebar_text(at)
    assert [b.label for b in buttons(at, "basket_hit_")[:3]] == ["✓ I kurven – fjern", "✓ I kurven – fjern", "🧺 Legg i kurven"]
    buttons(at, "basket_sentence_")[0].click().run()  # a sentence of the short answer
    items = user_of(tmp_path).basket.items()
    assert [i.kind for i in items] == ["excerpt", "excerpt", "sentence"] and all(i.query == "gratis kjernetid i barnehage" for i in items)

    reloaded = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # a reload: a new session, the same user files
    reloaded.query_params["q"] = "samarbeid mellom stat og kommune"
    reloaded.run()
    assert not reloaded.exception and "🧺 Referansekurv: 3" in sidebar_text(reloaded)
    assert {d.label for d in reloaded.get("download_button")} >= {"RIS", "BibTeX", "CSL-JSON", "CSV", "APA-liste"}
    assert any("<em>" in m.value and "(20" in html.unescape(m.value) for m in reloaded.sidebar.markdown)  # the APA list, titles in italics
    buttons(reloaded, "basket_rm_")[0].click().run()
    assert "🧺 Referansekurv: 2" in sidebar_text(reloaded)
    reloaded.button(key="basket_clear").click().run()
    assert "🧺 Referansekurv: 0" in sidebar_text(reloaded) and user_of(tmp_path).basket.items() == []


def test_not_this_one_leaves_the_document_out_and_goes_into_the_url(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "levekår i byer"
    at.query_params["mode"] = "lexical"
    at.run()
    before = citations(at)
    nou = next(i for i, c in enumerate(before) if c.startswith("Kommunal- og moderniseringsdepartementet (2020)"))
    buttons(at, "exclude_")[nou].click().run()  # "ikke denne" on the NOU's hit
    assert not at.exception
    assert citations(at) and not any(c.startswith("Kommunal- og moderniseringsdepartementet (2020)") for c in citations(at))
    assert at.query_params["x"] == "nou-2020-16"
    chip = at.button(key="include_nou-2020-16")
    assert chip.label == "Utelatt: NOU 2020:16 ✕"
    chip.click().run()
    assert citations(at) == before and "x" not in at.query_params


def test_hits_grouped_per_document(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "levekår i byer"
    at.run()
    at.toggle(key="group_docs").set_value(True).run()
    assert not at.exception
    headers = [html.unescape(m.value) for m in at.markdown if m.value.startswith("#### ")]
    counts = [int(h.split()[1]) for h in headers]
    assert len(headers) >= 2 and sum(counts) == len(citations(at)) == 10
    assert any(h.startswith("#### ") and "treff i NOU 2020:16" in h for h in headers)


def test_feedback_history_and_saved_searches(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "bemanningsnorm i barnehagen"
    at.query_params["type"] = "NOU"
    at.run()
    buttons(at, "judge_relevant_")[0].click().run()
    buttons(at, "judge_not_relevant_")[1].click().run()
    assert not at.exception and "Du merket dette utdraget som relevant." in [c.value for c in at.caption]
    [good, bad] = user_of(tmp_path).feedback.records()
    assert (good.relevant, good.rank, bad.relevant, bad.rank) == (True, 1, False, 2) and good.filters == {"types": ["NOU"]}
    line = json.loads(user_of(tmp_path).feedback.eval_jsonl())
    assert line["query"] == "bemanningsnorm i barnehagen" and line["gold"][0]["quote"] == good.quote

    at.text_input(key="save_name").input("Bemanning i NOU-en")
    at.button(key="save_search").click().run()
    at.text_input(key="q").input("levekår i byer").run()
    assert not at.exception
    searches = user_of(tmp_path).searches
    assert [e.query for e in searches.recent()] == ["levekår i byer", "bemanningsnorm i barnehagen"]
    [saved] = searches.saved()
    assert saved.name == "Bemanning i NOU-en" and saved.url() == "?q=bemanningsnorm+i+barnehagen&type=NOU"
    links = sidebar_text(at)
    assert "(?q=levek%C3%A5r+i+byer&type=NOU)" in links and "(?q=bemanningsnorm+i+barnehagen&type=NOU)" in links
