"""Adding documents from the app: check the file, save it safely, record its metadata.

A file is checked by its content (not its name), against the size limit, and
by parsing it, before anything is written; the name is reduced to a safe base
name inside the corpus folder; the catalog entry is appended and the catalog
re-read to prove it is still valid. A bad file changes nothing.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingest.catalog import CatalogError, load_catalog, slug
from ingest.parse import parse_bytes
from ingest.records import IngestError
from settings import Settings

KINDS = {".pdf": "PDF", ".txt": "text", ".md": "Markdown"}


@dataclass(frozen=True)
class UploadMeta:
    title: str
    publisher: str = ""
    year: int | None = None
    doc_type: str = ""


def safe_name(name: str) -> str:
    """A base name without folders, control characters or odd symbols; æøå kept."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1]).strip()
    base = re.sub(r"[\x00-\x1f\x7f]", "", base)
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^\w.-]+", "-", stem if dot else base).strip(".-_") or "dokument"
    return f"{stem[:100]}.{suffix.lower()}" if dot else stem[:100]


def sniff_kind(data: bytes) -> str:
    """What the bytes are, whatever the name says: pdf, text or binary."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    if b"\x00" in data[:4096] or head.startswith((b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8")):
        return "binary"
    return "text"


def check_upload(name: str, data: bytes, settings: Settings) -> str:
    """Validate an upload; return its safe file name or raise IngestError with the reason."""
    target = safe_name(name)
    suffix = Path(target).suffix.lower()
    if suffix not in KINDS:
        raise IngestError(name, "only PDF, TXT and MD files can be added")
    limit = settings.app.upload_max_mb
    if len(data) > limit * 1024 * 1024:
        raise IngestError(name, f"the file is {len(data) / 2**20:.1f} MB; the limit is {limit:g} MB")
    kind = sniff_kind(data)
    if (suffix == ".pdf") != (kind == "pdf") or kind == "binary":
        actual = {"pdf": "a PDF", "binary": "binary data", "text": "text"}[kind]
        raise IngestError(name, f"the name says {KINDS[suffix]}, but the file holds {actual}")
    parse_bytes(target, data, settings.ingest)  # raises IngestError with the reason
    return target


def _unique(folder: Path, name: str) -> str:
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, number = name, 2
    while (folder / candidate).exists():
        candidate, number = f"{stem}-{number}{suffix}", number + 1
    return candidate


def _entry_yaml(entry: dict) -> str:
    text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000)
    return "\n" + "\n".join("  " + line if line else line for line in text.splitlines()) + "\n"


def save_upload(name: str, data: bytes, meta: UploadMeta, settings: Settings) -> tuple[str, str]:
    """Check, then write the file into the corpus and its entry into the catalog.

    Returns (file name, document id). Raises IngestError and leaves the corpus
    as it was when the file or its metadata is not acceptable.
    """
    target = check_upload(name, data, settings)
    corpus = settings.corpus.dir
    catalog_path = settings.corpus.catalog_path
    target = _unique(corpus, target)
    catalog = load_catalog(catalog_path)
    taken = {entry.id for entry in catalog.values()}
    doc_id, number = slug(Path(target).stem), 2
    while doc_id in taken:
        doc_id, number = f"{slug(Path(target).stem)}-{number}", number + 1
    entry = {"id": doc_id, "file": target, "title": meta.title.strip() or Path(target).stem}
    entry |= {k: v for k, v in (("publisher", meta.publisher.strip()), ("year", meta.year), ("type", meta.doc_type.strip())) if v}
    old_catalog = catalog_path.read_text(encoding="utf-8") if catalog_path.exists() else "documents:\n"
    _write_atomic(corpus / target, data)
    try:
        _write_atomic(catalog_path, (old_catalog.rstrip("\n") + _entry_yaml(entry)).encode("utf-8"))
        if load_catalog(catalog_path).get(target) is None:
            raise CatalogError(f"{catalog_path}: the new entry could not be read back")
    except (CatalogError, OSError) as exc:
        _write_atomic(catalog_path, old_catalog.encode("utf-8"))
        (corpus / target).unlink(missing_ok=True)
        raise IngestError(name, f"could not record its metadata: {exc}") from exc
    return target, doc_id


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
