"""Changing the library from the app: add files, edit a document's metadata, delete a document.

Each change is made in the corpus at once (the file saved or removed, the catalog
entry written, comments and other entries kept) and published by a background
ingest job (kb/jobs.py): the next version has the new file, the new metadata, or
no passages of the deleted document, and nothing else stored is lost. A change that
cannot be made changes nothing and raises IngestError naming the file and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ingest.catalog import CatalogError
from ingest.catalog_edit import EntryFields, remove_entry, set_entry, write_atomic
from ingest.records import Document, IngestError
from ingest.upload import save_upload
from kb.jobs import IngestJobs
from settings import Settings

Upload = tuple[str, bytes, EntryFields]  # (file name as given, its bytes, its metadata)


class Library:
    def __init__(self, settings: Settings, jobs: IngestJobs):
        self.settings = settings
        self.jobs = jobs
        self.catalog = settings.corpus.catalog_path

    def add(self, uploads: list[Upload], stored: Mapping[str, Document]) -> tuple[list[IngestError], str | None]:
        """Check and save each upload (the same bytes as a stored document are refused), then make
        the saved ones searchable in a job. Returns the refusals and the job's id (None: nothing saved)."""
        saved, refused = {}, []
        for name, data, fields in uploads:
            try:
                file, doc_id = save_upload(name, data, fields, self.settings, stored)
                saved[file] = doc_id
            except IngestError as exc:
                refused.append(exc)
            except CatalogError as exc:  # the catalog cannot be read: nothing is saved
                refused.append(IngestError(name, f"could not record its metadata: {exc}", "catalog_write", {"detail": str(exc)}))
        return refused, (self.jobs.start(saved) if saved else None)

    def edit(self, document: Document, fields: EntryFields) -> str:
        """Write the document's new metadata into the catalog and publish it; the job's id."""
        path = self._path(document)
        if not path.is_file():
            raise IngestError(document.file, "the file is no longer in the corpus folder", "missing")
        try:
            set_entry(self.catalog, document.doc_id, document.file, fields)
        except CatalogError as exc:
            raise IngestError(document.file, f"could not record its metadata: {exc}", "catalog_write", {"detail": str(exc)}) from exc
        return self.jobs.start({document.file: document.doc_id}, "edit")

    def delete(self, document: Document) -> str:
        """Remove the document's file and catalog entry, and publish a version without it; the job's id."""
        path = self._path(document)
        before = self.catalog.read_bytes() if self.catalog.exists() else None
        try:
            remove_entry(self.catalog, document.file)
        except CatalogError as exc:
            raise IngestError(document.file, f"could not remove its catalog entry: {exc}", "catalog_write", {"detail": str(exc)}) from exc
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            if before is not None:
                write_atomic(self.catalog, before)  # the entry comes back: the file is still there
            why = exc.strerror or str(exc)
            raise IngestError(document.file, f"could not remove the file from the corpus folder: {why}", "delete_failed", {"detail": why}) from exc
        return self.jobs.start({document.file: document.doc_id}, "delete")

    def _path(self, document: Document) -> Path:
        if Path(document.file).name != document.file:  # never a path outside the corpus folder
            raise IngestError(document.file, "not a file name in the corpus folder", "missing")
        return self.settings.corpus.dir / document.file
