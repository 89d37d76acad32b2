"""Hostile files, crashes at every stage, concurrent use and odd queries: nothing is lost."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from index.backends.files.store import Store
from index.query import Filters, QueryError
from index.search.searcher import open_searcher
from ingest.__main__ import main as ingest_main
from ingest.pdf_reader import ocr_languages
from kb.build import ingest_corpus
from settings import Settings

from .conftest import CORPUS, ROOT, write_config
from .pdf_factory import (
    active_content_pdf,
    empty_pages_pdf,
    encrypted_pdf,
    image_only_pdf,
    report_pdf,
    simple_pdf,
    text_pages_pdf,
)

pytestmark = pytest.mark.slow
GOOD = "groruddalen-2015-intensjonsavtale.txt"


def hostile_corpus(folder: Path) -> dict[str, str | None]:
    """Build the hostile files; return file name -> expected failure (None: ingests)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / GOOD, folder / GOOD)
    whole = report_pdf(folder / "hel.pdf", with_scan=False).read_bytes()
    (folder / "hel.pdf").unlink()
    (folder / "tom.pdf").write_bytes(b"")
    (folder / "avkuttet.pdf").write_bytes(whole[: len(whole) // 2])
    encrypted_pdf(folder / "hemmelig.pdf")
    encrypted_pdf(folder / "hemmelig-med-passord.pdf")
    (folder / "nettside.pdf").write_text("<!DOCTYPE html><html><body>404</body></html>", encoding="utf-8")
    (folder / "arkiv.pdf").write_bytes(b"PK\x03\x04" + os.urandom(500))
    image_only_pdf(folder / "skannet.pdf")
    empty_pages_pdf(folder / "tusenvis-tomme-sider.pdf", 3500)
    empty_pages_pdf(folder / "tomme-sider.pdf", 1500)
    active_content_pdf(folder / "skript-og-vedlegg.pdf")
    (folder / "latin1.txt").write_bytes("Nærmiljøet på Haugerud\n\nBeboerne ønsket flere møteplasser og grøntområder i bydelen.\n".encode("latin-1"))
    (folder / "utf16.txt").write_bytes("Områdeløftet på Saupstad\n\nTrondheim kommune åpnet et nytt bydelshus for beboerne.\n".encode("utf-16"))
    (folder / "lang-linje.txt").write_text("Innledning\n\n" + "x" * 60_000 + "\n\nTil slutt et vanlig avsnitt om Fjell i Drammen.\n", encoding="utf-8")
    simple_pdf(folder / "Rapport om Tøyen og Grønland 2019.pdf", ["Områdesatsingen på Tøyen og Grønland ga nye aktivitetstilbud for ungdom. " * 5])
    (folder / "catalog.yaml").write_text(
        "documents:\n  - id: hemmelig-med-passord\n    file: hemmelig-med-passord.pdf\n    title: Fortrolig notat\n    password: hemmelig\n",
        encoding="utf-8",
    )
    return {
        "tom.pdf": "empty file (0 bytes)",
        "hemmelig.pdf": "encrypted PDF that needs a password (add its `password:` to catalog.yaml)",
        "nettside.pdf": "not a PDF: the file holds HTML",
        "arkiv.pdf": "not a PDF: the file holds ZIP archive",
        "tusenvis-tomme-sider.pdf": "3500 pages, more than the limit of 3000 (ingest.max_pages)",
        "tomme-sider.pdf": "no text found: the pages are empty",
        "skannet.pdf": None if ocr_languages("nor+eng") else "no text found: page 1 has no text layer; OCR is not available (install tesseract-ocr-nor)",
    }


def test_hostile_files_are_named_with_a_reason_and_the_rest_is_searchable(corpus_store: Settings, tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    expected = hostile_corpus(corpus)
    config = write_config(corpus_store.with_overrides(corpus=corpus, store=tmp_path / "store"), tmp_path / "config.yaml")
    started = time.monotonic()
    code = ingest_main(["--config", str(config)])
    seconds = time.monotonic() - started
    err = capsys.readouterr().err
    assert "Traceback" not in err
    failures = {line.split("  ", 1)[1].split(": ", 1)[0]: line.split(": ", 1)[1] for line in err.splitlines() if line.startswith("failed  ")}
    assert failures == {name: reason for name, reason in expected.items() if reason}
    assert code == 1
    assert "avkuttet.pdf: the file was damaged and repaired by MuPDF" in err
    assert "skript-og-vedlegg.pdf: 1 attached file(s) not ingested" in err and "contains JavaScript, which is never run" in err
    assert seconds < 300
    settings = corpus_store.with_overrides(corpus=corpus, store=tmp_path / "store")
    searcher = open_searcher(settings)
    for query, doc_id in (
        ("intensjonsavtale om videre områderettet innsats etter 2016", "groruddalen-2015-intensjonsavtale"),
        ("møteplasser og grøntområder på Haugerud", "latin1"),
        ("bydelshus Saupstad", "utf16"),
        ("aktivitetstilbud for ungdom på Tøyen", "rapport-om-toyen-og-gronland-2019"),
        ("Fortrolig notat om områdeløft i Bergen", "hemmelig-med-passord"),
        ("lekeplasser på Løvstakksiden", "skript-og-vedlegg"),
        ("vanlig avsnitt om Fjell i Drammen", "lang-linje"),
    ):
        assert searcher.search(query, k=3, mode="lexical").hits[0].passage.doc_id == doc_id, query
    long_line = searcher.passages_of("lang-linje")
    assert max(len(p.text) for p in long_line) <= 300 * 20
    assert "".join(p.text for p in long_line).count("x") >= 60_000  # nothing lost


def test_time_per_document_is_bounded(tmp_path: Path, make_settings):
    settings = make_settings(corpus=tmp_path / "corpus")
    settings = settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"timeout_s": 2})})
    text_pages_pdf(settings.corpus.dir / "veldig-langt.pdf", 1500)
    shutil.copy(CORPUS / GOOD, settings.corpus.dir / GOOD)
    started = time.monotonic()
    report = ingest_corpus(settings, with_index=False)
    assert time.monotonic() - started < 60
    assert [(o.file, o.message) for o in report.failed] == [("veldig-langt.pdf", "parsing took longer than 2 s (ingest.timeout_s)")]
    assert "groruddalen-2015-intensjonsavtale" in Store(settings.store.dir).require_current().documents()


# -- crashes -----------------------------------------------------------------------

_SLOW_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
import {module} as target
def slow(*args, **kwargs):
    open({marker!r}, "w").close()
    time.sleep(600)
setattr({holder}, {name!r}, slow)
from ingest.__main__ import main
sys.exit(main(["--config", {config!r}]))
"""

PHASES = {  # where an ingest is stopped: module, class (or ""), function
    "parsing": ("ingest.isolate", "ParseWorker", "parse"),
    "embedding": ("index.builder.embed", "PassageEncoder", "encode"),
    "writing the index": ("faiss", "", "write_index"),
}


def ranking(settings: Settings, queries=("sysselsetting", "gratis kjernetid", "samarbeid mellom stat og kommune")):
    searcher = open_searcher(settings)
    return [[h.passage.passage_id for h in searcher.search(q, k=5).hits] for q in queries]


def test_sigkill_at_every_stage_loses_nothing(corpus_store: Settings, tmp_path: Path):
    settings = corpus_store.with_overrides(corpus=tmp_path / "corpus", store=tmp_path / "store")
    settings.corpus.dir.mkdir()
    shutil.copy(CORPUS / GOOD, settings.corpus.dir / GOOD)
    ingest_corpus(settings)
    store = Store(settings.store.dir)
    before, answers = store.require_current().name, ranking(settings)
    for name in ("imdi-2014-tverrsektorielt-samarbeid.txt", "catalog.yaml"):
        shutil.copy(CORPUS / name, settings.corpus.dir / name)
    unique = uuid.uuid4().hex  # new text, so the shared embedding cache cannot answer for it
    (settings.corpus.dir / "nytt-notat.txt").write_text(f"Nytt notat {unique}\n\nSysselsetting i Groruddalen krever samarbeid mellom NAV og bydelene ({unique}).\n", encoding="utf-8")
    config = write_config(settings, tmp_path / "config.yaml")
    for phase, (module, owner, function) in PHASES.items():
        marker = tmp_path / f"reached-{function}"
        holder = f"target.{owner}" if owner else "target"
        code = _SLOW_CHILD.format(root=str(ROOT), module=module, holder=holder, name=function, marker=str(marker), config=str(config))
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 180
            while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert marker.exists(), f"the ingest never reached {phase}"
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        assert store.require_current().name == before, phase
        assert ranking(settings) == answers, phase
    report = ingest_corpus(settings)
    assert report.published and not report.failed
    assert not list((settings.store.dir / "versions").glob(".building-*"))
    uninterrupted = settings.with_overrides(store=tmp_path / "uninterrupted")
    ingest_corpus(uninterrupted)
    resumed, clean = store.require_current(), Store(uninterrupted.store.dir).require_current()
    assert resumed.documents().keys() == clean.documents().keys()
    for doc_id in clean.documents():
        assert [p.passage_id for p in resumed.passages(doc_id)] == [p.passage_id for p in clean.passages(doc_id)]
    assert ranking(settings) == ranking(uninterrupted)


# -- concurrent use ---------------------------------------------------------------------


def test_searches_during_ingests_see_one_version_or_the_other(corpus_store: Settings, tmp_path: Path):
    settings = corpus_store.with_overrides(corpus=tmp_path / "corpus", store=tmp_path / "store")
    settings.corpus.dir.mkdir()
    shutil.copy(CORPUS / GOOD, settings.corpus.dir / GOOD)
    ingest_corpus(settings)
    stop, errors, seen = threading.Event(), [], set()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                searcher = open_searcher(settings)
                ids = {p.passage_id for doc in searcher.backend.version.documents() for p in searcher.backend.version.passages(doc)}
                for hit in searcher.search("samarbeid mellom staten og Oslo kommune", k=5).hits:
                    if hit.passage.passage_id not in ids:
                        errors.append(f"{searcher.backend.version.name}: hit from another version")
                seen.add(searcher.backend.version.name)
            except Exception as exc:  # any failure is what this test looks for
                errors.append(repr(exc))

    threads = [threading.Thread(target=search_loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for round_number in range(4):
            note = settings.corpus.dir / "notat.txt"
            note.write_text(f"Notat {round_number}\n\nSamarbeid mellom staten og Oslo kommune, runde {round_number}.\n", encoding="utf-8")
            assert ingest_corpus(settings).published
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(seen) >= 2


def test_a_second_ingest_at_the_same_time_is_refused(corpus_store: Settings, tmp_path: Path):
    settings = corpus_store.with_overrides(corpus=tmp_path / "corpus", store=tmp_path / "store")
    settings.corpus.dir.mkdir()
    for name in (GOOD, "kmd-2019-statlige-omradesatsinger.txt", "catalog.yaml"):
        shutil.copy(CORPUS / name, settings.corpus.dir)
    config = write_config(settings, tmp_path / "config.yaml")
    marker = tmp_path / "parsing"
    code = _SLOW_CHILD.format(root=str(ROOT), module="ingest.isolate", holder="target.ParseWorker", name="parse", marker=str(marker), config=str(config))
    first = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "ingest", "--config", str(config)], cwd=ROOT, capture_output=True, text=True)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert second.returncode == 3 and "another ingest is writing to this store" in second.stderr
    assert Store(settings.store.dir).current() is None  # nothing half-written was published
    assert ingest_corpus(settings).published
    assert set(Store(settings.store.dir).require_current().documents()) == {"groruddalen-2015", "kmd-2019"}


# -- queries ----------------------------------------------------------------------------

ODD_QUERIES = [
    "🙂 områdesatsing ✨", "עברית ومرحبا", "e\u0301e\u0301 combining", "\x00null\x01", "og i det som", "a" * 5000,
    '"unbalanced quote', '"', "''", "*", "title:levekår OR body:(x AND y)", "NEAR/3 levekår", r"\d+[a-z]*$^", "(((", "levekår\\",
    "SELECT * FROM passages; --", "<script>alert(1)</script>", "   \t\n levekår  \n", "ÆØÅ æøå", "%s %d {0}",
]


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_odd_queries_get_an_answer_or_a_clear_message(corpus_store: Settings, mode: str):
    searcher = open_searcher(corpus_store)
    for query in ODD_QUERIES:
        try:
            result = searcher.search(query, k=5, mode=mode, filters=Filters(languages=("nb", "nn")))
        except QueryError as exc:
            assert "empty" in str(exc), query
            continue
        assert json.dumps(result.to_json())  # serializable, every field
        assert result.hits or result.message, query
    with pytest.raises(QueryError, match="empty"):
        searcher.search("   ")
    assert searcher.search("og i det som", mode="lexical").hits == []
