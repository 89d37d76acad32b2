"""Adding documents from the app: check the file, save it safely, record its metadata.

A file is checked by its content (not its name), against the size limit, against
the documents already in the library (the same bytes are refused, naming the
document), and by parsing it, before anything is written; the name is reduced to a
safe base name inside the corpus folder; the catalog entry is added (comments and
other entries kept) and the catalog validated before it replaces the old one. A bad
file changes nothing. Every refusal is an IngestError with a code and values, so
the app words it in its own language and the CLI in English.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from ingest.catalog import CatalogError, load_catalog, slug
from ingest.catalog_edit import EntryFields, add_entry, write_atomic
from ingest.parse import parse_bytes
from ingest.records import Document, IngestError
from settings import Settings

KINDS = {".pdf": "pdf", ".txt": "text", ".md": "markdown"}
KIND_WORDS = {"pdf": "PDF", "text": "text", "markdown": "Markdown"}
CONTENT_WORDS = {"pdf": "a PDF", "binary": "binary data", "text": "text"}


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
        raise IngestError(name, "only PDF, TXT and MD files can be added", "upload_type")
    limit = settings.app.upload_max_mb
    if len(data) > limit * 1024 * 1024:
        size = round(len(data) / 2**20, 1)
        raise IngestError(name, f"the file is {size:.1f} MB; the limit is {limit:g} MB", "upload_size", {"mb": size, "limit": limit})
    kind = sniff_kind(data)
    if (suffix == ".pdf") != (kind == "pdf") or kind == "binary":
        named = KINDS[suffix]
        reason = f"the name says {KIND_WORDS[named]}, but the file holds {CONTENT_WORDS[kind]}"
        raise IngestError(name, reason, "upload_kind", {"named": named, "holds": kind})
    parse_bytes(target, data, settings.ingest)  # raises IngestError with the reason
    return target


def refuse_duplicate(name: str, data: bytes, stored: Mapping[str, Document], settings: Settings) -> None:
    """IngestError naming the document when these bytes are already in the library: a stored
    document with the same sha256, or a corpus file not yet ingested (an earlier upload)."""
    sha = hashlib.sha256(data).hexdigest()
    same = next((doc for doc in stored.values() if doc.sha256 == sha), None)
    if same is not None:
        _duplicate(name, same.title, same.doc_id)
    catalog = load_catalog(settings.corpus.catalog_path)
    for path in settings.corpus.dir.iterdir():
        if path.suffix.lower() in settings.corpus.extensions and path.is_file() and path.stat().st_size == len(data) and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
            entry = catalog.get(path.name)
            _duplicate(name, entry.title if entry else path.name, entry.id if entry else slug(path.stem))


def _duplicate(name: str, title: str, doc_id: str) -> None:
    raise IngestError(name, f"the same file is already in the library: “{title}” ({doc_id})", "duplicate", {"title": title, "doc": doc_id})


def _unique(folder: Path, name: str, listed: set[str]) -> str:
    """A name not taken by a file in the folder nor by a catalog entry (whose file may be gone)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, number = name, 2
    while (folder / candidate).exists() or candidate in listed:
        candidate, number = f"{stem}-{number}{suffix}", number + 1
    return candidate


def save_upload(name: str, data: bytes, meta: EntryFields, settings: Settings, stored: Mapping[str, Document] | None = None) -> tuple[str, str]:
    """Check, then write the file into the corpus and its entry into the catalog.

    `stored`: the documents in the library now (by id), to refuse the same bytes twice.
    Returns (file name, document id). Raises IngestError and leaves the corpus
    as it was when the file or its metadata is not acceptable.
    """
    target = check_upload(name, data, settings)
    refuse_duplicate(name, data, stored or {}, settings)
    corpus = settings.corpus.dir
    catalog_path = settings.corpus.catalog_path
    catalog = load_catalog(catalog_path)
    target = _unique(corpus, target, set(catalog))
    taken = {entry.id for entry in catalog.values()} | set(stored or {})
    doc_id, number = slug(Path(target).stem), 2
    while doc_id in taken:
        doc_id, number = f"{slug(Path(target).stem)}-{number}", number + 1
    write_atomic(corpus / target, data)
    try:
        add_entry(catalog_path, doc_id, target, dataclasses.replace(meta, title=meta.title.strip() or Path(target).stem))
    except CatalogError as exc:
        (corpus / target).unlink(missing_ok=True)
        raise IngestError(name, f"could not record its metadata: {exc}", "catalog_write", {"detail": str(exc)}) from exc
    return target, doc_id
