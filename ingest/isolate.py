"""Parsing one document in a child process, with a time limit and a memory limit.

A hostile or broken file can make a parser run for ever, allocate without end,
or crash the process (MuPDF is C code). Each document is parsed and split in a
long-lived worker process: past `ingest.timeout_s` the worker is killed and the
file reported; its address space is capped at `ingest.max_memory_mb`, so a
runaway allocation fails inside the worker; a crash is reported as such. The
next document gets a fresh worker, and the ingest goes on.
"""

from __future__ import annotations

import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from ingest.parse import parse_bytes
from ingest.records import IngestError, ParsedDocument, Passage
from ingest.spawn import bare_main
from ingest.splitter import split_document
from settings import IngestSettings


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _ready() -> bool:
    return True


def _parse_and_split(name: str, data: bytes, cfg: IngestSettings, password: str | None, doc_id: str, language: str):
    try:
        parsed = parse_bytes(name, data, cfg, password)
        return parsed, split_document(parsed, doc_id, cfg, language)
    except MemoryError:
        raise IngestError(name, f"needs more than {cfg.max_memory_mb} MB to parse (ingest.max_memory_mb)", "memory", {"mb": cfg.max_memory_mb}) from None


class ParseWorker:
    """Runs `parse_bytes` + `split_document` in a child process, one document at a time."""

    def __init__(self, cfg: IngestSettings):
        self.cfg = cfg
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._kill()

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            with bare_main():  # the executor starts its process on the first submit
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_limit_memory,
                    initargs=(self.cfg.max_memory_mb,),
                )
                # Start the worker and load the parsers now: their import time must
                # not count against the first document's time limit.
                self._pool.submit(_ready).result(timeout=300)
        return self._pool

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        for process in list((pool._processes or {}).values()):
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def parse(self, name: str, data: bytes, password: str | None, doc_id: str, language: str) -> tuple[ParsedDocument, list[Passage]]:
        """Parse and split one document; IngestError names the file and what went wrong."""
        future = self._start().submit(_parse_and_split, name, data, self.cfg, password, doc_id, language)
        try:
            return future.result(timeout=self.cfg.timeout_s)
        except FutureTimeout:
            self._kill()
            raise IngestError(name, f"parsing took longer than {self.cfg.timeout_s:g} s (ingest.timeout_s)", "timeout", {"seconds": self.cfg.timeout_s}) from None
        except BrokenProcessPool:
            self._kill()
            raise IngestError(name, "the parser crashed on this file (damaged or hostile content)", "crashed") from None
        except IngestError:
            raise
        except Exception as exc:  # a parser bug or a library error on odd input: report, go on
            raise IngestError(name, f"unexpected {type(exc).__name__} while parsing: {exc}", "unexpected", {"detail": f"{type(exc).__name__}: {exc}"}) from None
