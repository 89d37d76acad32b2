"""`python -m ingest` end to end on a private copy of the corpus (passages only)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from index.backends.files.store import Store, StoreError
from ingest.__main__ import main
from kb.build import ingest_corpus

from .pdf_factory import encrypted_pdf, report_pdf, simple_pdf

GRORUDDALEN = "groruddalen-2015-intensjonsavtale.txt"


@pytest.fixture
def ingested(corpus_copy: Path, make_settings):
    settings = make_settings(corpus=corpus_copy)
    report = ingest_corpus(settings, with_index=False)
    return settings, report


def test_first_run_ingests_the_bundled_corpus(ingested):
    settings, report = ingested
    assert report.published and report.count("new") == 5 and not report.failed
    version = Store(settings.store.dir).require_current()
    documents = version.documents()
    assert set(documents) == {"imdi-2014", "kmd-2019", "menon-2025", "groruddalen-2015", "nou-2020-16"}
    assert documents["menon-2025"].publisher.startswith("Menon Economics")
    manifest = version.manifest()
    assert manifest.corpus.passages == sum(d.passages for d in documents.values())
    text = version.text("groruddalen-2015")
    assert all(text[p.start : p.end] == p.text for p in version.passages("groruddalen-2015"))


def test_unchanged_corpus_is_skipped_quickly(ingested):
    settings, first = ingested
    started = time.monotonic()
    again = ingest_corpus(settings, with_index=False)
    assert time.monotonic() - started < 10
    assert not again.published and again.version == first.version
    assert again.count("unchanged") == 5


def test_changed_file_is_replaced_and_removed_file_disappears(ingested, corpus_copy: Path):
    settings, first = ingested
    store = Store(settings.store.dir)
    old_ids = {p.passage_id for p in store.require_current().passages("groruddalen-2015")}
    path = corpus_copy / GRORUDDALEN
    path.write_text(path.read_text(encoding="utf-8") + "\n\n5. Tillegg\nPartene skal møtes hvert år for å gjøre opp status for arbeidet.\n", encoding="utf-8")
    (corpus_copy / "kmd-2019-statlige-omradesatsinger.txt").unlink()
    report = ingest_corpus(settings, with_index=False)
    statuses = {o.file: o.status for o in report.outcomes}
    assert statuses[GRORUDDALEN] == "changed" and statuses["kmd-2019-statlige-omradesatsinger.txt"] == "removed"
    assert report.count("unchanged") == 3
    version = store.require_current()
    assert "kmd-2019" not in version.documents()
    passages = version.passages("groruddalen-2015")
    assert any("gjøre opp status for arbeidet" in p.text for p in passages)
    assert old_ids & {p.passage_id for p in passages}  # untouched passages keep their ids


def test_pdf_without_catalog_entry_takes_metadata_from_the_pdf(corpus_copy: Path, make_settings):
    simple_pdf(corpus_copy / "notat-bergen.pdf", ["Områdeløft i Bergen ga nye møteplasser i bydelen. " * 8], title="Notat om områdeløft i Bergen", author="Bergen kommune")
    report_pdf(corpus_copy / "Sluttrapport 2021.pdf", with_scan=False)
    settings = make_settings(corpus=corpus_copy)
    report = ingest_corpus(settings, with_index=False)
    documents = Store(settings.store.dir).require_current().documents()
    assert documents["notat-bergen"].title == "Notat om områdeløft i Bergen"
    assert documents["notat-bergen"].author == "Bergen kommune" and documents["notat-bergen"].year == 2023
    assert documents["notat-bergen"].metadata_source == "pdf metadata"
    first_page = documents["sluttrapport-2021"]
    assert first_page.title == "Evaluering av områdesatsing" and first_page.metadata_source == "first page"
    assert first_page.year == 2021  # from the file name
    sources = {o.file: o.metadata_source for o in report.outcomes}
    assert sources["notat-bergen.pdf"] == "pdf metadata"


def test_bad_files_are_reported_and_the_rest_is_ingested(corpus_copy: Path, make_settings, capsys):
    (corpus_copy / "tom.pdf").write_bytes(b"")
    (corpus_copy / "nettside.pdf").write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")
    encrypted_pdf(corpus_copy / "hemmelig.pdf")
    settings = make_settings(corpus=corpus_copy)
    code = main(["--no-index", "--corpus", str(corpus_copy), "--store", str(settings.store.dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "tom.pdf: empty file (0 bytes)" in err
    assert "nettside.pdf: not a PDF: the file holds HTML" in err
    assert "hemmelig.pdf: encrypted PDF that needs a password" in err
    assert "Traceback" not in err
    assert len(Store(settings.store.dir).require_current().documents()) == 5


def test_a_broken_new_version_keeps_the_stored_one(ingested, corpus_copy: Path):
    settings, _ = ingested
    simple_pdf(corpus_copy / "rapport.pdf", ["Tiltakene i Fjell i Drammen styrket nærmiljøet. " * 10])
    ingest_corpus(settings, with_index=False)
    store = Store(settings.store.dir)
    before = [p.text for p in store.require_current().passages("rapport")]
    (corpus_copy / "rapport.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(300))
    report = ingest_corpus(settings, with_index=False)
    failed = report.failed[0]
    assert failed.file == "rapport.pdf" and "previously ingested version is kept" in failed.message
    assert [p.text for p in store.require_current().passages("rapport")] == before


def test_a_second_ingest_is_refused_while_one_writes(ingested):
    settings, _ = ingested
    store = Store(settings.store.dir)
    with store.lock(), pytest.raises(StoreError, match="another ingest is writing"):
        ingest_corpus(settings, with_index=False)


def test_an_interrupted_build_leaves_the_published_version(ingested, corpus_copy: Path, monkeypatch):
    settings, first = ingested
    (corpus_copy / GRORUDDALEN).write_text("1. Ny avtale\nStaten og kommunen fornyer samarbeidet om Groruddalen i ti nye år.\n", encoding="utf-8")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("ingest.isolate.ParseWorker.parse", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest_corpus(settings, with_index=False)
    store = Store(settings.store.dir)
    assert store.require_current().name == first.version
    assert not list((settings.store.dir / "versions").glob(".building-*"))
    assert "Intensjonsavtale mellom staten" in store.require_current().text("groruddalen-2015")


def _unique_text(title: str, topic: str) -> str:
    """A short document no embedding cache has seen (a fresh token in every paragraph)."""
    token = uuid.uuid4().hex[:10]
    paragraphs = [
        f"{topic} i bydelen ble drevet av beboere, frivillige og bydelen sammen i tre sesonger (ref. {token}-{i}). "
        f"Evalueringen viste at {topic.lower()} skapte nye møteplasser mellom generasjoner og naboer."
        for i in range(6)
    ]
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def test_words_first_then_the_embeddings(make_settings, tmp_path: Path):
    """A version searchable by words is published without embeddings; the next plain run adds them
    to the unchanged documents and publishes the complete version. A document added later, words
    first, is found by words while the others keep their vectors."""
    from index.present.answer import answer_for
    from index.search.searcher import open_searcher
    from kb.progress import current_build

    from .conftest import ROOT

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hage.txt").write_text(_unique_text("Notat om nabolagshagen på Lindeberg", "Nabolagshagen"), encoding="utf-8")
    settings = make_settings(corpus)
    settings = settings.model_copy(update={"store": settings.store.model_copy(update={"cache_dir": ROOT / "var" / "test-cache"})})

    assert ingest_corpus(settings, semantic=False).published
    words = open_searcher(settings)
    assert not words.backend.semantic_ready and not words.backend.dense_available
    result = words.search("nabolagshagen på Lindeberg", mode="hybrid")
    assert result.mode == "lexical" and result.semantic_pending and result.hits
    assert not answer_for(result, words, settings.answer).withheld  # the short answer works by words too
    assert not ingest_corpus(settings, semantic=False).published  # words first again: nothing to do

    report = ingest_corpus(settings)
    assert report.published and report.count("unchanged") == 1 and set(report.stage_seconds) == {"embed", "tag", "index"}
    complete = open_searcher(settings)
    assert complete.backend.semantic_ready
    hybrid = complete.search("nabolagshagen på Lindeberg", mode="hybrid")
    assert hybrid.mode == "hybrid" and not hybrid.semantic_pending and hybrid.vector is not None
    assert not ingest_corpus(settings).published and current_build(settings) is None

    (corpus / "lekeplass.txt").write_text(_unique_text("Notat om lekeplassen på Furuset", "Lekeplassdugnaden"), encoding="utf-8")
    assert ingest_corpus(settings, semantic=False).published
    partial = open_searcher(settings)
    assert partial.backend.dense_available and not partial.backend.semantic_ready
    old = partial.search("nabolagshagen på Lindeberg", mode="hybrid")
    assert old.mode == "hybrid" and old.semantic_pending and old.vector is not None
    assert partial.search("lekeplassdugnaden på Furuset", mode="hybrid").hits[0].passage.doc_id == "lekeplass"
    assert ingest_corpus(settings).published and open_searcher(settings).backend.semantic_ready
