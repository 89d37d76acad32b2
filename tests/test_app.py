"""The Streamlit app with AppTest, on the corpus index built once per session."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from index.backends.files.store import Store
from settings import Settings

from .conftest import ROOT, write_config

pytestmark = pytest.mark.slow


def app_for(settings: Settings, tmp_path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("KB_CONFIG", str(write_config(settings, tmp_path / "config.yaml")))
    st.cache_resource.clear()  # settings and searcher are cached per process
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def text_of(at: AppTest) -> str:
    return html.unescape("\n".join(m.value for m in at.markdown))


def citations(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def test_query_in_the_url_shows_a_cited_answer(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "gratis kjernetid i barnehage"
    at.run()
    assert not at.exception
    assert at.text_input(key="q").value == "gratis kjernetid i barnehage"
    assert [h.value for h in at.subheader][:2] == ["Kort svar fra kildene", "Siterte utdrag"]
    answer = html.unescape(at.markdown[0].value)
    assert "**\\[1\\]**" in answer and "kjernetid" in answer
    assert len(citations(at)) == 10 and all(c.endswith(".") and "(20" in c for c in citations(at))
    assert "<mark>kjernetid</mark>" in text_of(at)


@pytest.mark.parametrize("query", ["xqzvbn plorkt", "<script>alert(1)</script>"])
def test_a_nonsense_query_gets_no_short_answer(corpus_store, tmp_path, monkeypatch, query):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = query
    at.run()
    assert not at.exception
    headings = [h.value for h in at.subheader]
    assert "Kort svar fra kildene" not in headings and "Nærmeste utdrag (ikke et svar)" in headings
    assert at.warning and at.warning[0].value.startswith("Kildene svarer ikke på dette spørsmålet")


def test_the_answer_says_where_the_sources_disagree(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "Groruddalssatsingen skoleutvikling"
    at.run()
    assert not at.exception
    said = [w.value for w in at.warning if w.value.startswith("Kildene oppgir ulike perioder for Groruddalssatsing")]
    assert said and "2012–2016" in said[0] and "2007" in said[0]


def test_filters_narrow_the_results_and_go_into_the_url(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "samarbeid mellom stat og kommune"
    at.run()
    assert {c.split(" (")[0] for c in citations(at)} != {"Integrerings- og mangfaldsdirektoratet (IMDi)"}
    at.multiselect(key="f_langs").select("nn").run()
    assert not at.exception
    assert citations(at) and all(c.startswith("Integrerings- og mangfaldsdirektoratet (IMDi) (2014)") for c in citations(at))
    assert at.query_params["lang"] == "nn"  # AppTest gives a single value as a string


def test_document_filter_from_the_url(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "levekår"
    at.query_params["doc"] = "menon-2025"
    at.query_params["mode"] = "lexical"
    at.run()
    assert not at.exception
    assert at.radio(key="mode").value == "lexical"
    assert citations(at) and all(c.startswith("Høiseth-Gilje, K., Schwabe, H., Rødal, M. & Holmdal, L. M. (2025)") for c in citations(at))


def test_no_results_gives_advice(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = '"kvantefysikk i barnehagen"'
    at.run()
    assert not at.exception
    assert at.warning[0].value == "Ingen treff."
    assert "fjern avgrensninger" in at.info[0].value


def test_english_interface(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.query_params["q"] = "grattis kjernetid"
    at.query_params["ui"] = "en"
    at.run()
    assert at.title[0].value == "Knowledge base for area-based initiatives"
    assert at.info[0].value.startswith("Also searched for: gratis")


def test_library_lists_documents_and_opens_one(corpus_store, tmp_path, monkeypatch):
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.run()
    at.radio(key="page").set_value("library").run()
    assert not at.exception
    table = at.table[0].value
    assert set(table["id"]) == {"imdi-2014", "kmd-2019", "menon-2025", "groruddalen-2015", "nou-2020-16"}
    at.selectbox(key="library_doc").set_value("groruddalen-2015").run()
    text = text_of(at)
    assert "1. Bakgrunn" in text and "Staten og Oslo kommune startet i 2007 Groruddalssatsingen" in text


def upload(at: AppTest, name: str, data: bytes, title: str, mime: str = "text/plain", form: int = 0) -> AppTest:
    """Choose the file, fill in its fields (keyed by the form's round and the file's id), submit."""
    at.radio(key="page").set_value("add").run()
    at.file_uploader(key=f"upload_files_{form}").set_value([(name, data, mime)]).run()
    field = {w.key.rsplit("_", 1)[1]: w for w in [*at.text_input, *at.number_input] if w.key.startswith(f"upload_{form}_")}
    field["title"].input(title)
    field["publisher"].input("Bydel Testdalen")
    field["year"].set_value(2024)
    at.button(key=f"upload_submit_{form}").click()
    return at.run()


HOSTILE = (
    "Notat om nabolagshagen på Lindeberg\n\n"
    "Nabolagshagen på Lindeberg ble drevet av beboere og bydelen sammen i tre sesonger. "
    "Evalueringen viste at hagen skapte nye møteplasser. <script>alert('x')</script> "
    "Les mer på [lenke](http://evil.example) og **fet** tekst.\n"
)


def test_uploaded_file_is_searchable_at_once_and_shown_escaped(private_store, tmp_path, monkeypatch):
    at = app_for(private_store, tmp_path, monkeypatch)
    at.run()
    upload(at, "../nabolagshage notat.txt", HOSTILE.encode("utf-8"), "Notat om nabolagshagen")
    assert not at.exception and not at.error
    assert html.unescape(at.success[0].value) == "La til nabolagshage-notat.txt som «nabolagshage-notat»."
    job = at.query_params["job"]
    reloaded = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # a reload keeps the job's outcome
    reloaded.query_params["page"], reloaded.query_params["job"] = "add", job
    reloaded.run()
    assert not reloaded.exception and [s.value for s in reloaded.success] == [at.success[0].value]
    assert at.file_uploader(key="upload_files_1").value == []  # the form starts empty after a success
    assert (private_store.corpus.dir / "nabolagshage-notat.txt").exists()
    assert not (private_store.corpus.dir.parent / "nabolagshage notat.txt").exists()
    at.radio(key="page").set_value("search").run()
    at.text_input(key="q").input("nabolagshagen på Lindeberg").run()
    assert not at.exception
    assert citations(at)[0] == "Bydel Testdalen (2024). Notat om nabolagshagen, «Notat om nabolagshagen på Lindeberg»."
    raw = "\n".join(m.value for m in at.markdown)
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert "](http" not in raw and "&#91;lenke&#93;" in raw


def test_bad_upload_is_refused_and_changes_nothing(private_store, tmp_path, monkeypatch):
    catalog = private_store.corpus.catalog_path.read_text(encoding="utf-8")
    files = sorted(p.name for p in private_store.corpus.dir.iterdir())
    version = Store(private_store.store.dir).require_current().name
    at = app_for(private_store, tmp_path, monkeypatch)
    at.run()
    upload(at, "rapport.pdf", b"<html><body>Ikke funnet</body></html>", "Falsk rapport", "application/pdf")
    assert not at.exception
    assert html.unescape(at.error[0].value) == "Avvist: rapport.pdf: navnet sier PDF, men filen inneholder tekst"
    assert private_store.corpus.catalog_path.read_text(encoding="utf-8") == catalog
    assert sorted(p.name for p in private_store.corpus.dir.iterdir()) == files
    assert Store(private_store.store.dir).require_current().name == version


def test_a_database_that_does_not_answer_is_a_clear_message(corpus_store, tmp_path, monkeypatch):
    store = corpus_store.store.model_copy(update={"backend": "postgres", "dsn": "postgresql://kb@127.0.0.1:1/kb"})
    at = app_for(corpus_store.model_copy(update={"store": store}), tmp_path, monkeypatch)
    at.query_params["q"] = "levekår"
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] and "PostgreSQL (127.0.0.1:1/kb) is not answering" in html.unescape(at.error[0].value)
