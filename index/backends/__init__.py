"""Store backends behind one contract (base.py): the files store, or PostgreSQL + pgvector.

This is the one place that chooses a backend from the settings.
"""

from __future__ import annotations

from pathlib import Path

from index.backends.base import Backend, StoreError
from settings import Settings


def published(settings: Settings) -> str | None:
    """A name for what the configured backend publishes now (None before the first ingest).

    It changes with every ingest, so a caller can keep one backend per name.
    """
    if settings.store.backend == "postgres":
        from index.backends.postgres.connection import PostgresError, published_generation

        try:
            dsn = settings.store.postgres_dsn
        except ValueError as exc:  # backend postgres without a DSN
            raise PostgresError(str(exc)) from None
        generation = published_generation(dsn)
        return f"postgres:{dsn}:{generation}" if generation else None
    from index.backends.files.store import Store
    from index.builder.indexer import INDEX_DIR

    try:
        version = Store(settings.store.dir).current()
    except StoreError:
        return None
    return str(version.path) if version is not None and (version.path / INDEX_DIR).exists() else None


def open_backend(settings: Settings, name: str | None = None) -> Backend:
    """The configured backend, over what it publishes now (or, for files, the version `name`)."""
    if settings.store.backend == "postgres":
        from index.backends.postgres.backend import PgBackend
        from index.backends.postgres.connection import PostgresError

        try:
            return PgBackend(settings)
        except ValueError as exc:  # backend postgres without a DSN
            raise PostgresError(str(exc)) from exc
    from index.backends.files.backend import FilesBackend
    from index.backends.files.store import Version

    return FilesBackend(settings, Version(Path(name)) if name else None)
