"""Connecting to PostgreSQL, and turning a server that does not answer into one clear message."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool, PoolTimeout

from index.backends.base import StoreError


class PostgresError(StoreError):
    """The database cannot be reached or used; the message says which and why."""


def describe(dsn: str) -> str:
    """host:port/database of a DSN, for messages (never the password)."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def connect(dsn: str, autocommit: bool = True) -> psycopg.Connection:
    try:
        conn = psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise PostgresError(f"cannot connect to PostgreSQL ({describe(dsn)}): {first_line(exc)}") from exc
    try:
        register_vector(conn)
    except psycopg.ProgrammingError as exc:  # the vector type does not exist yet
        conn.close()
        raise PostgresError(f"PostgreSQL ({describe(dsn)}) has no knowledge base schema; run `python -m index migrate`") from exc
    return conn


def pool(dsn: str, size: int, vectors: bool = True) -> ConnectionPool:
    """Connections shared by threads (Streamlit serves each session from its own)."""
    return ConnectionPool(
        dsn,
        min_size=0,
        max_size=size,
        kwargs={"autocommit": True, "connect_timeout": 10},
        configure=register_vector if vectors else None,
        max_idle=60,
        open=True,
    )


@contextmanager
def pooled(connections: ConnectionPool, dsn: str) -> Iterator[psycopg.Connection]:
    """A pooled connection; a server that stops answering becomes one clear message."""
    try:
        with connections.connection(timeout=15) as conn:
            yield conn
    except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
        raise PostgresError(f"PostgreSQL ({describe(dsn)}) is not answering: {first_line(exc)}") from None


def read_state(conn: psycopg.Connection, key: str) -> Any:
    row = conn.execute("SELECT value FROM kb_state WHERE key = %s", (key,)).fetchone()
    return row[0] if row else None


_PROBES: dict[str, ConnectionPool] = {}
_PROBES_LOCK = threading.Lock()


def published_generation(dsn: str) -> int | None:
    """The database's generation (None before the first ingest); PostgresError when it does not answer.

    Called on every page run of the app, so it borrows from a small pool kept per
    database rather than opening a connection each time.
    """
    with _PROBES_LOCK:
        probe = _PROBES.get(dsn) or _PROBES.setdefault(dsn, pool(dsn, 2, vectors=False))
    try:
        with probe.connection(timeout=10) as conn:
            if not conn.execute("SELECT to_regclass('kb_state') IS NOT NULL").fetchone()[0]:
                return None
            generation = read_state(conn, "generation")
    except (psycopg.Error, PoolTimeout) as exc:
        raise PostgresError(f"PostgreSQL ({describe(dsn)}) is not answering: {first_line(exc)}") from None
    return int(generation) if generation else None


@contextmanager
def guarded(dsn: str, doing: str) -> Iterator[None]:
    """Turn a lost server into one clear message; the transaction in flight is rolled back."""
    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise PostgresError(
            f"lost the connection to PostgreSQL ({describe(dsn)}) while {doing}: {first_line(exc)}. "
            "Documents written before are complete and this one was not written; run the ingest again when the server is back."
        ) from None
