"""`corpus/catalog.yaml`: bibliographic data per file, and guesses for files without it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.records import Document


class CatalogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    file: str
    title: str
    title_is_descriptive: bool = False
    publisher: str | None = None
    author: str | None = None
    year: int | None = Field(None, ge=1800, le=2200)
    type: str | None = None
    language: str | None = None
    place: list[str] = []
    notes: str | None = None
    password: str | None = None  # for encrypted PDFs; never copied into the store


class CatalogError(Exception):
    pass


def load_catalog(path: Path) -> dict[str, CatalogEntry]:
    """Entries keyed by file name; a missing catalog is an empty one."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc}") from exc
    return parse_catalog(text, path)


def parse_catalog(text: str, path: Path) -> dict[str, CatalogEntry]:
    """The entries of a catalog's text, keyed by file name; CatalogError naming `path` when invalid."""
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc}") from exc
    entries: dict[str, CatalogEntry] = {}
    for index, item in enumerate(raw.get("documents") or []):
        try:
            entry = CatalogEntry.model_validate(item)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise CatalogError(f"{path}: entry {index + 1} is invalid: {problems}") from exc
        if entry.file in entries:
            raise CatalogError(f"{path}: file {entry.file} is listed twice")
        entries[entry.file] = entry
    ids = [e.id for e in entries.values()]
    if len(ids) != len(set(ids)):
        raise CatalogError(f"{path}: document ids must be unique")
    return entries


def slug(text: str) -> str:
    """An ASCII id from a file name: "Levekår i byer.pdf" -> "levekar-i-byer"."""
    ascii_text = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("Æ", "Ae"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "document"


def from_catalog(entry: CatalogEntry) -> Document:
    return Document(
        doc_id=entry.id,
        file=entry.file,
        title=entry.title,
        publisher=entry.publisher,
        author=entry.author,
        year=entry.year,
        doc_type=entry.type,
        language=entry.language,
        places=tuple(entry.place),
        title_is_descriptive=entry.title_is_descriptive,
        metadata_source="catalog",
        notes=entry.notes,
    )


def guessed(file: str, doc_id: str, found: Mapping[str, Any]) -> Document:
    """Metadata for a file with no catalog entry: from the PDF, its first page, or its name."""
    stem = Path(file).stem
    year_in_name = re.search(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)", stem)
    title = (found.get("title") or "").strip()
    source = found.get("source") if title else "file name"
    if not title:
        title = re.sub(r"[-_]+", " ", stem).strip().capitalize()
    year = found.get("year") or (int(year_in_name.group(1)) if year_in_name else None)
    return Document(
        doc_id=doc_id,
        file=file,
        title=title,
        author=(found.get("author") or None),
        year=year,
        metadata_source=source or "file name",
    )
