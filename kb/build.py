"""Parsing tied to indexing: one ingest run into the configured store, with its index.

This is where the two stages meet: ingest's pipeline decides what changed and
hands documents to a sink (kb/sinks.py); the files sink builds the version's
index (index/builder/), the postgres sink embeds each document as it stores it.

Words first: `semantic=False` publishes a files-store version with its BM25 index
only, searchable in seconds; a run with `semantic=True` afterwards finds the
documents unchanged, makes the embeddings (cached ones are read back) and
publishes the complete version. Either may be killed at any moment: the version
published last stays searchable, and the next run does the rest.
"""

from __future__ import annotations

from index.builder.indexer import IndexBuild, Progress
from ingest.pipeline import IngestReport, OnFile, Sink, run_ingest
from ingest.records import IngestError
from kb.progress import ProgressFile, current_build
from kb.sinks import FileSink, PgSink
from settings import Settings


def make_sink(settings: Settings, with_index: bool = True, on_progress: Progress | None = None, semantic: bool = True) -> Sink:
    if settings.store.backend == "postgres":
        if not with_index:
            raise IngestError("--no-index", "the postgres backend stores passages with their vectors; drop --no-index")
        return PgSink(settings)
    return FileSink(settings, IndexBuild(on_progress, dense=semantic) if with_index else None)


def ingest_corpus(
    settings: Settings, with_index: bool = True, on_file: OnFile | None = None, on_progress: Progress | None = None, semantic: bool = True
) -> IngestReport:
    """Ingest the corpus folder into the configured store and index it (or report it up to date);
    `semantic=False`: publish it searchable by words, without embeddings (files backend)."""
    progress = ProgressFile(settings, on_progress)
    if semantic and with_index and current_build(settings) is None:  # never over another run's record
        progress("preparing", 0, 0)  # the app knows a build is on its way before the first batch
    try:
        return run_ingest(settings, make_sink(settings, with_index, progress, semantic), on_file)
    finally:
        progress.clear()
