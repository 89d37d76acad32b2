"""Parsing tied to indexing: one ingest run into the configured store, with its index.

This is where the two stages meet: ingest's pipeline decides what changed and
hands documents to a sink (kb/sinks.py); the files sink builds the version's
index (index/builder/), the postgres sink embeds each document as it stores it.
"""

from __future__ import annotations

from index.builder.indexer import IndexBuild, Progress
from ingest.pipeline import IngestReport, OnFile, Sink, run_ingest
from ingest.records import IngestError
from kb.sinks import FileSink, PgSink
from settings import Settings


def make_sink(settings: Settings, with_index: bool = True, on_progress: Progress | None = None) -> Sink:
    if settings.store.backend == "postgres":
        if not with_index:
            raise IngestError("--no-index", "the postgres backend stores passages with their vectors; drop --no-index")
        return PgSink(settings)
    return FileSink(settings, IndexBuild(on_progress) if with_index else None)


def ingest_corpus(
    settings: Settings, with_index: bool = True, on_file: OnFile | None = None, on_progress: Progress | None = None
) -> IngestReport:
    """Ingest the corpus folder into the configured store and index it (or report it up to date)."""
    return run_ingest(settings, make_sink(settings, with_index, on_progress), on_file)
