"""Library management: catalog edits and removals that keep the file's comments, deletion,
duplicate uploads refused, refusals as codes, the OCR page count kept per document."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.backends.files.store import Store
from ingest.catalog import CatalogError, load_catalog
from ingest.catalog_edit import EntryFields, remove_entry, set_entry
from ingest.pdf_reader import ocr_languages
from ingest.records import Document, IngestError
from ingest.upload import save_upload
from kb.build import ingest_corpus
from kb.jobs import IngestJobs
from kb.library import Library
from settings import IngestSettings

from .conftest import CORPUS
from .pdf_factory import image_only_pdf

IMDI = "imdi-2014-tverrsektorielt-samarbeid.txt"
KMD = "kmd-2019-statlige-omradesatsinger.txt"
GRORUDDALEN = "groruddalen-2015-intensjonsavtale.txt"


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    shutil.copy(CORPUS / "catalog.yaml", path)
    return path


def entry_block(text: str, doc_id: str) -> str:
    """One entry's lines as written in the file, from its `- id:` line to the next entry."""
    start = text.index(f"  - id: {doc_id}\n")
    end = text.find("\n  - id:", start + 1)
    return text[start : end if end >= 0 else len(text)].rstrip("\n")


def test_an_edit_changes_one_entry_and_keeps_comments_and_the_others(catalog: Path):
    before = catalog.read_text(encoding="utf-8")
    fields = EntryFields(title="Samarbeid på tvers", publisher="IMDi", author="", year=2015, doc_type="rapport", language="nn",
                         places=("Oslo", "Groruddalen"), notes="Redigert i appen.")  # fmt: skip
    set_entry(catalog, "imdi-2014", IMDI, fields)
    after = catalog.read_text(encoding="utf-8")
    assert after.split("documents:")[0] == before.split("documents:")[0]  # the header comments
    assert "    language: nn        # nynorsk, with an English summary section\n" in after
    for doc_id in ("kmd-2019", "menon-2025", "groruddalen-2015", "nou-2020-16"):
        assert entry_block(after, doc_id) == entry_block(before, doc_id)
    edited = entry_block(after, "imdi-2014")
    assert "    place: [Oslo, Groruddalen]" in edited and "author:" not in edited and "title_is_descriptive: true" in edited
    assert "\n\n  - id: kmd-2019" in after  # the blank line between entries stays
    entry = load_catalog(catalog)[IMDI]
    assert (entry.id, entry.title, entry.publisher, entry.author, entry.year) == ("imdi-2014", "Samarbeid på tvers", "IMDi", None, 2015)
    assert entry.place == ["Oslo", "Groruddalen"] and entry.notes == "Redigert i appen."


def test_a_file_without_an_entry_gets_one_with_its_stored_id(catalog: Path):
    set_entry(catalog, "notat-2024", "notat.txt", EntryFields(title="Notat: hager", year=2024, places=("Bergen",)))
    entry = load_catalog(catalog)["notat.txt"]
    assert (entry.id, entry.title, entry.year, entry.place) == ("notat-2024", "Notat: hager", 2024, ["Bergen"])
    assert "\n\n  - id: notat-2024\n" in catalog.read_text(encoding="utf-8")


def test_removing_an_entry_keeps_the_rest(catalog: Path):
    before = catalog.read_text(encoding="utf-8")
    assert remove_entry(catalog, KMD)
    after = catalog.read_text(encoding="utf-8")
    assert KMD not in after and set(load_catalog(catalog)) == set(load_catalog(CORPUS / "catalog.yaml")) - {KMD}
    for doc_id in ("imdi-2014", "menon-2025", "groruddalen-2015", "nou-2020-16"):
        assert entry_block(after, doc_id) == entry_block(before, doc_id)
    assert not remove_entry(catalog, KMD)


def test_an_invalid_edit_is_refused_and_changes_nothing(catalog: Path):
    before = catalog.read_text(encoding="utf-8")
    with pytest.raises(CatalogError, match="year"):
        set_entry(catalog, "imdi-2014", IMDI, EntryFields(title="Gammel", year=1066))
    assert catalog.read_text(encoding="utf-8") == before
    assert not list(catalog.parent.glob(".*.tmp"))  # no temporary file left behind


def test_the_same_bytes_are_refused_naming_the_document(corpus_copy: Path, make_settings):
    settings = make_settings(corpus=corpus_copy)
    data = (CORPUS / GRORUDDALEN).read_bytes()
    catalog = settings.corpus.catalog_path.read_text(encoding="utf-8")
    with pytest.raises(IngestError) as refused:  # a file in the corpus folder, ingested or not yet
        save_upload("kopi av avtalen.txt", data, EntryFields(title="Kopi"), settings)
    assert refused.value.code == "duplicate"
    assert refused.value.values == {"title": load_catalog(settings.corpus.catalog_path)[GRORUDDALEN].title, "doc": "groruddalen-2015"}
    assert "already in the library" in refused.value.reason and "(groruddalen-2015)" in refused.value.reason
    assert settings.corpus.catalog_path.read_text(encoding="utf-8") == catalog and not (corpus_copy / "kopi-av-avtalen.txt").exists()
    import hashlib

    stored = {"gammel": Document("gammel", "gammel.txt", "Et lagret dokument", sha256=hashlib.sha256(b"Tekst om hager.\n").hexdigest())}
    with pytest.raises(IngestError) as refused:  # a stored document whose file is gone from the folder
        save_upload("hager.txt", b"Tekst om hager.\n", EntryFields(title="Hager"), settings, stored)
    assert refused.value.values == {"title": "Et lagret dokument", "doc": "gammel"}


def test_refusals_carry_a_code_and_values_and_stay_english_for_the_cli(corpus_copy: Path, make_settings):
    settings = make_settings(corpus=corpus_copy)
    with pytest.raises(IngestError) as refused:
        save_upload("rapport.pdf", b"<html><body>Ikke funnet</body></html>", EntryFields(title="Falsk"), settings)
    error = refused.value
    assert (error.code, error.values) == ("upload_kind", {"named": "pdf", "holds": "text"})
    assert str(error) == "rapport.pdf: the name says PDF, but the file holds text"


def test_uploads_get_their_own_metadata(corpus_copy: Path, make_settings):
    settings = make_settings(corpus=corpus_copy)
    first = save_upload("a.txt", "Notat om hager på Romsås.\n".encode(), EntryFields(title="Hager", publisher="Bydel Grorud", year=2023), settings)
    second = save_upload("b.md", "# Møteplasser\n\nNotat om møteplasser i Fjell.\n".encode(), EntryFields(title="Møteplasser", author="Kari Nordmann",
                         places=("Drammen", "Fjell")), settings)  # fmt: skip
    catalog = load_catalog(settings.corpus.catalog_path)
    assert (catalog["a.txt"].title, catalog["a.txt"].publisher, catalog["a.txt"].year) == ("Hager", "Bydel Grorud", 2023)
    assert (catalog["b.md"].title, catalog["b.md"].author, catalog["b.md"].place) == ("Møteplasser", "Kari Nordmann", ["Drammen", "Fjell"])
    assert (first, second) == (("a.txt", "a"), ("b.md", "b"))


@pytest.mark.skipif(ocr_languages(IngestSettings().ocr.language) is None, reason="Tesseract with Norwegian data is not installed")
def test_the_ocr_page_count_is_stored_with_the_document(make_settings, tmp_path: Path):
    settings = make_settings()
    image_only_pdf(settings.corpus.dir / "skannet.pdf")
    (settings.corpus.dir / "notat.txt").write_text("Et notat om hager.\n\nHagen ble drevet av beboerne.\n", encoding="utf-8")
    report = ingest_corpus(settings, with_index=False)
    assert not report.failed
    documents = {d.file: d for d in Store(settings.store.dir).require_current().documents().values()}
    assert documents["skannet.pdf"].ocr_pages == 1 and documents["notat.txt"].ocr_pages == 0
    assert any(w.startswith("OCR: 1 page(s) read by OCR") for w in documents["skannet.pdf"].warnings)


def test_a_document_stored_before_the_count_takes_it_from_its_ocr_warning():
    old = {"doc_id": "a", "file": "a.pdf", "title": "A", "warnings": ["OCR: 3 page(s) read by OCR (3 with no text layer; pages 1, 2, 4)"]}
    assert Document.from_dict(old).ocr_pages == 3
    assert Document.from_dict({**old, "warnings": []}).ocr_pages == 0
    assert Document.from_dict({**old, "ocr_pages": 5}).ocr_pages == 5


def test_a_delete_that_fails_says_which_file_and_why_and_changes_nothing(corpus_copy: Path, make_settings, monkeypatch):
    settings = make_settings(corpus=corpus_copy)
    catalog = settings.corpus.catalog_path.read_text(encoding="utf-8")
    document = Document("kmd-2019", KMD, "Statens samarbeid")

    unlink = Path.unlink

    def refuse(self, missing_ok=False):
        if self.name == KMD:
            raise PermissionError(13, "Permission denied")
        return unlink(self, missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(IngestError) as failed:
        Library(settings, IngestJobs(settings)).delete(document)
    assert (failed.value.path, failed.value.code) == (KMD, "delete_failed")
    assert str(failed.value) == f"{KMD}: could not remove the file from the corpus folder: Permission denied"
    assert settings.corpus.catalog_path.read_text(encoding="utf-8") == catalog and (corpus_copy / KMD).exists()


def finished(jobs: IngestJobs, job_id: str, seconds: float = 300):
    import time

    deadline = time.monotonic() + seconds
    while (status := jobs.status(job_id)) is not None and status.active and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status is not None and status.state == "done", status
    return status


@pytest.mark.slow
def test_an_edit_and_a_delete_are_each_published_in_one_version(private_store):
    store = Store(private_store.store.dir)
    before = store.require_current()
    kept = {doc_id: [p.passage_id for p in before.passages(doc_id)] for doc_id in ("imdi-2014", "menon-2025", "nou-2020-16")}
    jobs = IngestJobs(private_store)
    library = Library(private_store, jobs)
    documents = before.documents()

    fields = EntryFields(title="Avtale om Groruddalen", publisher="Oslo kommune", year=2016, doc_type="avtale", language="nb", places=("Oslo",))
    edited = finished(jobs, library.edit(documents["groruddalen-2015"], fields))
    version = store.require_current()
    assert edited.action == "edit" and edited.version == version.name and int(version.name[1:]) == int(before.name[1:]) + 1
    document = version.documents()["groruddalen-2015"]
    assert (document.title, document.publisher, document.year, document.places) == ("Avtale om Groruddalen", "Oslo kommune", 2016, ("Oslo",))
    assert document.passages == documents["groruddalen-2015"].passages and version.manifest().index.semantic_ready

    deleted = finished(jobs, library.delete(documents["kmd-2019"]))
    after = store.require_current()
    assert deleted.action == "delete" and deleted.version == after.name and int(after.name[1:]) == int(version.name[1:]) + 1
    assert "kmd-2019" not in after.documents() and not after.passages("kmd-2019")
    assert not (private_store.corpus.dir / KMD).exists() and KMD not in load_catalog(private_store.corpus.catalog_path)
    assert {doc_id: [p.passage_id for p in after.passages(doc_id)] for doc_id in kept} == kept  # nothing else lost
    assert after.manifest().index.semantic_ready  # the others keep their vectors
