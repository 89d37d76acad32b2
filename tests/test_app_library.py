"""The library and add pages with AppTest: per-file metadata, duplicates refused, the form
emptied, an edit and a deletion published with their outcome, messages in the UI language."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.catalog import load_catalog
from ingest.pdf_reader import ocr_languages
from kb.build import ingest_corpus
from settings import IngestSettings

from .pdf_factory import image_only_pdf
from .test_app import app_for

pytestmark = pytest.mark.slow

GRORUDDALEN = "groruddalen-2015-intensjonsavtale.txt"


def messages(elements) -> list[str]:
    return [html.unescape(e.value) for e in elements]


def fields(at: AppTest, prefix: str) -> dict[str, dict]:
    """The metadata widgets under `prefix`, per file id: {file id: {field: widget}}."""
    found: dict[str, dict] = {}
    for widget in [*at.text_input, *at.number_input, *at.text_area, *at.selectbox]:
        if widget.key and widget.key.startswith(prefix):
            owner, name = widget.key[len(prefix) :].rsplit("_", 1)
            found.setdefault(owner, {})[name] = widget
    return found


def choose_files(at: AppTest, files: list[tuple[str, bytes]], form: int = 0) -> AppTest:
    at.radio(key="page").set_value("add").run()
    return at.file_uploader(key=f"upload_files_{form}").set_value([(name, data, "text/plain") for name, data in files]).run()


def test_several_files_each_with_its_metadata_then_an_empty_form(private_store, tmp_path, monkeypatch):
    at = app_for(private_store, tmp_path, monkeypatch)
    at.run()
    choose_files(at, [("hager.txt", "Notat om hager på Romsås.\n".encode()), ("plasser.txt", "Notat om møteplasser i Fjell.\n".encode())])
    assert at.caption[-1].value == "Hver fil får sine egne opplysninger."
    by_file = list(fields(at, "upload_0_").values())
    assert len(by_file) == 2
    for widgets, (title, place, year) in zip(by_file, [("Hager på Romsås", "Oslo, Romsås", 2023), ("Møteplasser i Fjell", "Drammen", 2021)], strict=True):
        widgets["title"].input(title)
        widgets["places"].input(place)
        widgets["year"].set_value(year)
    at.button(key="upload_submit_0").click().run()
    assert not at.exception and not at.error
    assert sorted(messages(at.success)) == ["La til hager.txt som «hager».", "La til plasser.txt som «plasser»."]
    catalog = load_catalog(private_store.corpus.catalog_path)
    assert (catalog["hager.txt"].title, catalog["hager.txt"].place, catalog["hager.txt"].year) == ("Hager på Romsås", ["Oslo", "Romsås"], 2023)
    assert (catalog["plasser.txt"].title, catalog["plasser.txt"].place, catalog["plasser.txt"].year) == ("Møteplasser i Fjell", ["Drammen"], 2021)
    assert at.file_uploader(key="upload_files_1").value == [] and not fields(at, "upload_1_")  # the form starts empty


@pytest.mark.parametrize(("ui", "said"), [("nb", "den samme filen finnes allerede i biblioteket"), ("en", "the same file is already in the library")])
def test_a_file_already_in_the_library_is_refused_naming_it(private_store, tmp_path, monkeypatch, ui, said):
    at = app_for(private_store, tmp_path, monkeypatch)
    at.query_params["ui"], at.query_params["page"] = ui, "add"  # (AppTest cannot rerun the search page in English: its mode labels)
    at.run()
    choose_files(at, [("kopi.txt", (private_store.corpus.dir / GRORUDDALEN).read_bytes())])
    at.button(key="upload_submit_0").click().run()
    assert not at.exception and not at.success
    title = load_catalog(private_store.corpus.catalog_path)[GRORUDDALEN].title
    quoted = f"«{title}»" if ui == "nb" else f"“{title}”"
    assert messages(at.error) == [f"{'Avvist' if ui == 'nb' else 'Refused'}: kopi.txt: {said}: {quoted} (groruddalen-2015)"]
    assert not (private_store.corpus.dir / "kopi.txt").exists()
    assert at.file_uploader(key="upload_files_0").value  # a refused file stays in the form


def open_document(at: AppTest, doc_id: str) -> AppTest:
    at.radio(key="page").set_value("library").run()
    return at.selectbox(key="library_doc").set_value(doc_id).run()


def test_edit_a_document_from_the_library(private_store, tmp_path, monkeypatch):
    at = app_for(private_store, tmp_path, monkeypatch)
    at.run()
    open_document(at, "groruddalen-2015")
    assert "ingen advarsler" in at.caption[1].value and "metadata fra: katalogen" in at.caption[1].value and "Sider (lest med OCR)" in at.table[0].value.columns
    (widgets,) = fields(at, "edit_groruddalen-2015_").values()
    assert widgets["title"].value.startswith("Intensjonsavtale mellom staten") and widgets["places"].value == "Oslo, Groruddalen"
    widgets["title"].input("Intensjonsavtale om Groruddalen")
    widgets["publisher"].input("Oslo kommune")
    widgets["notes"].input("")
    at.button(key="edit_save_groruddalen-2015").click().run()
    assert not at.exception and not at.error
    assert messages(at.success)[0].startswith("Opplysningene om «groruddalen-2015» er lagret i katalogen og publisert (versjon v")
    table = at.table[0].value
    row = table[table["id"] == "groruddalen-2015"].iloc[0]
    assert (row["Tittel"], row["Utgiver"]) == ("Intensjonsavtale om Groruddalen", "Oslo kommune")
    entry = load_catalog(private_store.corpus.catalog_path)[GRORUDDALEN]
    assert (entry.title, entry.publisher, entry.notes, entry.place) == ("Intensjonsavtale om Groruddalen", "Oslo kommune", None, ["Oslo", "Groruddalen"])


def test_delete_a_document_after_confirming(private_store, tmp_path, monkeypatch):
    at = app_for(private_store, tmp_path, monkeypatch)
    at.run()
    open_document(at, "kmd-2019")
    assert at.button(key="delete_kmd-2019").disabled  # nothing is deleted without the confirmation
    at.checkbox(key="delete_confirm_kmd-2019").check().run()
    at.button(key="delete_kmd-2019").click().run()
    assert not at.exception and not at.error
    assert messages(at.success)[0].startswith("«kmd-2019» (kmd-2019-statlige-omradesatsinger.txt) er slettet; versjon v")
    assert "kmd-2019" not in set(at.table[0].value["id"]) and at.selectbox(key="library_doc").value is None
    assert not (private_store.corpus.dir / "kmd-2019-statlige-omradesatsinger.txt").exists()


def test_a_delete_that_fails_says_which_file_and_why(private_store, tmp_path, monkeypatch):
    unlink = Path.unlink

    def refuse(self, missing_ok=False):
        if self.name == "kmd-2019-statlige-omradesatsinger.txt":
            raise PermissionError(13, "Permission denied")
        return unlink(self, missing_ok)

    at = app_for(private_store, tmp_path, monkeypatch)
    at.run()
    open_document(at, "kmd-2019")
    monkeypatch.setattr(Path, "unlink", refuse)
    at.checkbox(key="delete_confirm_kmd-2019").check().run()
    at.button(key="delete_kmd-2019").click().run()
    assert not at.exception and not at.success
    said = "Ikke gjort: kmd-2019-statlige-omradesatsinger.txt: filen kunne ikke fjernes fra korpusmappen: Permission denied"
    assert messages(at.error) == [said]
    assert "kmd-2019-statlige-omradesatsinger.txt" in load_catalog(private_store.corpus.catalog_path)


def test_switching_language_keeps_the_chosen_page(corpus_store, tmp_path, monkeypatch):
    """The browser keeps a radio's choice as its label: after a switch the server must send it again
    with the new label, or the group shows nothing chosen (seen in Chromium before the fix)."""
    at = app_for(corpus_store, tmp_path, monkeypatch)
    at.run()
    at.radio(key="page").set_value("library").run()
    at.radio(key="ui_lang").set_value("en").run()
    assert not at.exception
    page = at.radio(key="page")
    assert (page.value, page.proto.raw_value, page.proto.set_value) == ("library", "Library", True)
    assert at.title[0].value == "Knowledge base for area-based initiatives" and "Title" in at.table[0].value.columns


@pytest.mark.skipif(ocr_languages(IngestSettings().ocr.language) is None, reason="Tesseract with Norwegian data is not installed")
def test_the_library_shows_pages_read_by_ocr_and_warnings(make_settings, tmp_path, monkeypatch):
    settings = make_settings()
    image_only_pdf(settings.corpus.dir / "skannet.pdf")
    assert ingest_corpus(settings, semantic=False).published  # searchable by words is enough here
    at = app_for(settings, tmp_path, monkeypatch)
    at.query_params["page"] = "library"
    at.run()
    assert not at.exception
    row = at.table[0].value.iloc[0]
    assert (row["id"], row["Sider (lest med OCR)"], row["Advarsler"]) == ("skannet", "1 (1)", "1")
    at.selectbox(key="library_doc").set_value("skannet").run()
    assert "sider: 1 (lest med OCR: 1)" in at.caption[1].value and "advarsler: 1" in at.caption[1].value
    assert [w for w in messages(at.warning) if w.startswith("OCR")] == ["OCR: 1 side(r) lest med OCR (1 uten tekstlag; sidene 1)"]  # app_pages/warnings.py
