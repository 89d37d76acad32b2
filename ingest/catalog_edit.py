"""Changing `corpus/catalog.yaml` from the app: add, edit or remove one document's entry.

The catalog is written by people too, so a change keeps its comments, blank lines,
key order and flow lists (ruamel.yaml round trip). The new text is validated as a
catalog before it replaces the old one, and it replaces it atomically: a failed
change leaves the file as it was.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ingest.catalog import CatalogError, parse_catalog

# The order a new key takes among an entry's keys (the bundled catalog's order).
KEY_ORDER = ("id", "file", "title", "title_is_descriptive", "publisher", "author", "year", "type", "language", "place", "notes", "password")
ENTRY_LINE = re.compile(r"^  - ")  # an entry of the documents list, as _round_trip indents it


@dataclass(frozen=True)
class EntryFields:
    """The bibliographic fields a person gives a document (upload form, library page)."""

    title: str
    publisher: str = ""
    author: str = ""
    year: int | None = None
    doc_type: str = ""
    language: str = ""
    places: tuple[str, ...] = ()
    notes: str = ""

    def catalog_values(self) -> dict[str, Any]:
        """Catalog key -> value; None for a field left empty (its key is removed)."""
        places = [p.strip() for p in self.places if p.strip()]
        text = {"title": self.title, "publisher": self.publisher, "author": self.author, "type": self.doc_type,
                "language": self.language, "notes": self.notes}  # fmt: skip
        values: dict[str, Any] = {key: (value.strip() or None) for key, value in text.items()}
        return values | {"year": self.year, "place": places or None}


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step (a reader sees the old file or the new one)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def add_entry(path: Path, doc_id: str, file: str, fields: EntryFields) -> None:
    """Append an entry for `file` (CatalogError when the result is not a valid catalog)."""
    _change(path, lambda documents: documents.append(_new_entry(doc_id, file, fields)))


def set_entry(path: Path, doc_id: str, file: str, fields: EntryFields) -> None:
    """Give `file`'s entry these fields (other keys, comments and entries untouched); a file
    without an entry gets one, with `doc_id` so its stored passages keep their ids."""

    def change(documents: CommentedSeq) -> None:
        entry = _find(documents, file)
        if entry is None:
            documents.append(_new_entry(doc_id, file, fields))
            return
        for key, value in fields.catalog_values().items():
            if value is None:
                _remove_key(entry, key)
            elif entry.get(key) != value:
                _set_key(entry, key, _flow(value) if key == "place" else value)

    _change(path, change)


def remove_entry(path: Path, file: str) -> bool:
    """Remove `file`'s entry; False when it had none."""
    removed = []

    def change(documents: CommentedSeq) -> None:
        entry = _find(documents, file)
        if entry is not None:
            documents.remove(entry)
            removed.append(file)

    _change(path, change)
    return bool(removed)


def _change(path: Path, change: Callable[[CommentedSeq], None]) -> None:
    yaml = _round_trip()
    try:
        data = yaml.load(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc}") from exc
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise CatalogError(f"{path}: the catalog is not a mapping with a 'documents' list")
    if data.get("documents") is None:
        data["documents"] = CommentedSeq()
    change(data["documents"])
    out = io.StringIO()
    yaml.dump(data, out)
    text = _spaced(out.getvalue())
    parse_catalog(text, path)  # an invalid result is refused before anything is written
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot write the catalog: {exc}") from exc


def _spaced(text: str) -> str:
    """One blank line before each entry, as the catalog is written by hand (an entry that was
    moved, added or lost its last key may have lost or never had one)."""
    lines: list[str] = []
    for line in text.split("\n"):
        previous = lines[-1].strip() if lines else ""
        if ENTRY_LINE.match(line) and previous and not previous.startswith("#") and previous != "documents:":
            lines.append("")
        lines.append(line)
    return "\n".join(lines)


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # a long title stays on its line
    yaml.preserve_quotes = True
    return yaml


def _find(documents: CommentedSeq, file: str) -> CommentedMap | None:
    return next((entry for entry in documents if isinstance(entry, dict) and entry.get("file") == file), None)


def _new_entry(doc_id: str, file: str, fields: EntryFields) -> CommentedMap:
    entry = CommentedMap(id=doc_id, file=file)
    for key in KEY_ORDER:
        value = fields.catalog_values().get(key)
        if value is not None:
            entry[key] = _flow(value) if key == "place" else value
    return entry


def _flow(places: list[str]) -> CommentedSeq:
    seq = CommentedSeq(places)
    seq.fa.set_flow_style()  # place: [Oslo, Groruddalen], as people write it
    return seq


def _set_key(entry: CommentedMap, key: str, value: Any) -> None:
    if key in entry:
        entry[key] = value  # the key keeps its place and its comment
        return
    rank = KEY_ORDER.index(key)
    keys = list(entry)
    position = next((i for i, k in enumerate(keys) if k in KEY_ORDER and KEY_ORDER.index(k) > rank), len(keys))
    entry.insert(position, key, value)
    if position == len(keys) and keys:
        _move_comment(entry, keys[-1], key)  # the blank line after an entry stays after it


def _remove_key(entry: CommentedMap, key: str) -> None:
    if key not in entry:
        return
    keys = list(entry)
    if keys[-1] == key and len(keys) > 1:
        _move_comment(entry, key, keys[-2])
    del entry[key]


def _move_comment(entry: CommentedMap, source: str, target: str) -> None:
    """Hand the comment (and blank lines) after `source`'s value to `target`, unless it has its own."""
    comments = entry.ca.items
    if source in comments and target not in comments and not isinstance(entry[target], list | dict):
        comments[target] = comments.pop(source)
