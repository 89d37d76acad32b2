"""The service the app calls: search, answer, library and adding documents.

`Service` is created once per app process (settings in, cached by the app). It
hands out a `KnowledgeBase` for what is published now, one per published store
version or database generation, so a page render works on one consistent view
and an ingest that publishes is picked up by the next render. The app never
touches a backend, a store folder or SQL itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from index.backends import open_backend, published
from index.present.answer import Answer, answer_for
from index.present.export import to_bibtex, to_csv, to_ris
from index.present.overview import Overview, overview
from index.present.page_image import render_page
from index.query import Filters, Mode
from index.quote.excerpt import matched_words
from index.search.hits import Hit, SearchResult
from index.search.searcher import Searcher
from ingest.catalog_edit import EntryFields
from ingest.records import Document, IngestError, Passage
from kb.jobs import IngestJobs, JobStatus
from kb.library import Library, Upload
from kb.progress import BuildProgress, current_build
from settings import Settings

OVERVIEW_HITS = 25  # hits the overview reads
KEEP_OPEN = 2  # published views kept open: the newest, and the one a render may still be using


@dataclass(frozen=True)
class Export:
    data: str
    file_name: str
    mime: str


EXPORTS = {
    "CSV": (to_csv, "treff.csv", "text/csv"),
    "BibTeX": (to_bibtex, "treff.bib", "application/x-bibtex"),
    "RIS": (to_ris, "treff.ris", "application/x-research-info-systems"),
}


class KnowledgeBase:
    """One published state of the knowledge base, as the pages see it."""

    def __init__(self, searcher: Searcher, settings: Settings, name: str = ""):
        self.searcher = searcher
        self.settings = settings
        self.corpus = settings.corpus.dir
        self.name = name  # what is published (a store version or a database generation)

    @property
    def semantic_ready(self) -> bool:
        """False while this version is searchable by words only (its embeddings are being made)."""
        return self.searcher.backend.semantic_ready

    @property
    def dense_available(self) -> bool:
        """False while no passage can be found by meaning (a first words-first version)."""
        return self.searcher.backend.dense_available

    @property
    def documents(self) -> Mapping[str, Document]:
        return self.searcher.documents

    def search(self, query: str, k: int | None = None, mode: Mode | None = None, filters: Filters | None = None) -> SearchResult:
        return self.searcher.search(query, k, mode, filters)

    def overview(self, query: str, mode: Mode | None = None, filters: Filters | None = None, language: str = "nb") -> Overview:
        """What was tried where and what came of it, across the top OVERVIEW_HITS hits (index/present/overview.py)."""
        result = self.search(query, k=OVERVIEW_HITS, mode=mode, filters=filters)
        return overview(result, self.searcher.backend.place_parents(), language)

    def tag_counts(self, kind: str) -> dict[str, int]:
        """A passage tag's values ("themes", "measures", "places") with their passage counts, most first."""
        return self.searcher.backend.tag_values(kind)

    def answer(self, result: SearchResult) -> Answer:
        """The short answer: sentences quoted from the top hits, each with its hit's number, or
        withheld when nothing in the sources comes close to the question."""
        return answer_for(result, self.searcher, self.settings.answer)

    def matches(self, text: str, terms: list[str]) -> list[tuple[int, int]]:
        """Where the query's words stand in `text`, for highlighting."""
        return matched_words(text, set(terms), self.searcher.lexicon.analyzer)

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self.searcher.passages_of(doc_id)

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        return self.searcher.neighbours(passage)

    def source_pdf(self, hit: Hit) -> Path | None:
        """The hit's PDF in the corpus folder, when it is one and still there."""
        path = self.corpus / hit.document.file
        return path if path.suffix.lower() == ".pdf" and path.exists() and hit.passage.page_start is not None else None

    def page_image(self, hit: Hit) -> bytes:
        """The hit's first page as a PNG, its passage lightly and its excerpt strongly highlighted
        (ValueError/RuntimeError when it cannot be drawn)."""
        path = self.source_pdf(hit)
        if path is None:
            raise ValueError(f"{hit.document.file}: no page to show")
        p = hit.passage
        return render_page(path, p.page_start or 1, p.text, hit.excerpt.text, last_page=p.page_end)

    @staticmethod
    def export(result: SearchResult, kind: str) -> Export:
        write, file_name, mime = EXPORTS[kind]
        return Export(write(result.hits), file_name, mime)


class Service:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.jobs = IngestJobs(settings)
        self.library = Library(settings, self.jobs)
        self._open: OrderedDict[str, KnowledgeBase] = OrderedDict()
        self._lock = threading.Lock()

    def current(self) -> KnowledgeBase | None:
        """What is published now (None before the first ingest); StoreError when it cannot be read."""
        name = published(self.settings)
        if name is None:
            return None
        with self._lock:
            if name not in self._open:
                searcher = Searcher(open_backend(self.settings, name), self.settings)
                searcher.warm()
                self._open[name] = KnowledgeBase(searcher, self.settings, name)
                while len(self._open) > KEEP_OPEN:
                    self._open.popitem(last=False)  # closed when the last render using it lets go
            return self._open[name]

    def add_documents(self, uploads: list[Upload]) -> tuple[list[IngestError], str | None]:
        """Check and save each upload (bytes already in the library are refused), then make the
        saved ones searchable in a background job. Returns the refusals and the job's id (None
        when nothing was saved)."""
        kb = self.current()
        return self.library.add(uploads, kb.documents if kb else {})

    def edit_document(self, document: Document, fields: EntryFields) -> str:
        """Write new metadata into the catalog; a job publishes it (its id). IngestError: not done."""
        return self.library.edit(document, fields)

    def delete_document(self, document: Document) -> str:
        """Remove the document's file and catalog entry; a job publishes the version without it."""
        return self.library.delete(document)

    def job(self, job_id: str) -> JobStatus | None:
        return self.jobs.status(job_id)

    def published_name(self) -> str | None:
        """What is published now, cheaply (to notice a newer version without opening it)."""
        return published(self.settings)

    def build_progress(self) -> BuildProgress | None:
        """The index build running now, if any (its stage and how far it has come)."""
        return current_build(self.settings)
