"""The reference basket as RIS, BibTeX, CSL-JSON, CSV and a Norwegian APA 7 reference list.

Every format has one record per document (in reference-list order); the quotes from it become
the record's notes, each with the page or section it stands on ("s. 14–15: «…»"). Authors,
types and escaping are the ones the hit exports use (`index/present/export.py`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from index.present.basket import BasketItem, DocumentQuotes, apa_text, by_document
from index.present.export import BIB_TYPES, RIS_TYPES, bib_escape, bib_names
from index.quote.authors import creators, publisher_name
from index.quote.cite import reference
from ingest.records import Document

_CSL_TYPES = {"NOU": "report", "rapport": "report", "evaluering": "report", "avtale": "document"}


def to_ris(records: list[DocumentQuotes]) -> str:
    """One RIS record per document; N1 lines: the quoted places, then each quote with its place."""
    out = []
    for record in records:
        d = record.document
        lines = [f"TY  - {RIS_TYPES.get(d.doc_type or '', 'GEN')}", f"ID  - {d.doc_id}", f"TI  - {_one_line(d.title)}"]
        lines += [f"AU  - {c.inverted()}" for c in creators(d)]
        lines += [f"PB  - {publisher_name(d)}", f"PY  - {d.year or ''}", f"LA  - {d.language or ''}"]
        lines.append(f"N1  - Siterte steder: {'; '.join(record.locators)}")
        lines += [f"N1  - {_one_line(note)}" for note in record.notes()]
        lines += ["ER  - "]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _one_line(text: str | None) -> str:
    """RIS and CSV cells on one line: the quote's line breaks as spaces."""
    return " ".join((text or "").split())


def _bib_key(document: Document, taken: set[str]) -> str:
    ascii_id = unicodedata.normalize("NFKD", document.doc_id).encode("ascii", "ignore").decode()
    key = re.sub(r"[^A-Za-z0-9]+", "", ascii_id) or "doc"
    unique, number = key, 1
    while unique in taken:
        number += 1
        unique = f"{key}{number}"
    taken.add(unique)
    return unique


def to_bibtex(records: list[DocumentQuotes]) -> str:
    """One entry per document: `note` lists the quoted places, `annote` the quotes (one a paragraph)."""
    entries, taken = [], set()
    for record in records:
        d = record.document
        kind = BIB_TYPES.get(d.doc_type or "", "misc")
        fields = {
            "title": d.title,
            "institution" if kind == "techreport" else "publisher": publisher_name(d),
            "year": str(d.year or ""),
            "language": d.language or "",
            "note": "Siterte steder: " + "; ".join(record.locators),
        }
        lines = ["  author = {" + bib_names(d) + "}"]
        lines += [f"  {key} = {{{bib_escape(value)}}}" for key, value in fields.items() if value]
        lines.append("  annote = {" + "\n\n".join(bib_escape(_one_line(n)) for n in record.notes()) + "}")
        entries.append(f"@{kind}{{{_bib_key(d, taken)},\n" + ",\n".join(lines) + "\n}")
    return "\n\n".join(entries) + "\n"


def _csl_names(document: Document) -> list[dict[str, str]]:
    return [{"family": c.family, "given": c.given} if c.person else {"literal": c.name} for c in creators(document)]


def to_csl_json(records: list[DocumentQuotes]) -> str:
    """CSL-JSON (Zotero, Pandoc, citeproc): an array, one item per document, the quotes in `note`."""
    items = []
    for record in records:
        d = record.document
        item = {
            "id": d.doc_id,
            "type": _CSL_TYPES.get(d.doc_type or "", "document"),
            "title": d.title,
            "author": _csl_names(d),
            "publisher": publisher_name(d),
            "language": d.language or "",
            "note": "\n".join(record.notes()),
        }
        if d.year:
            item["issued"] = {"date-parts": [[d.year]]}
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("reference", "title", "author", "year", "publisher", "type", "doc_id", "quotes", "places", "notes")


def to_csv(records: list[DocumentQuotes]) -> str:
    """One row per document, with a UTF-8 byte-order mark so Excel reads æøå; `notes` holds the
    quotes, one a line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        d = record.document
        writer.writerow([
            reference(d, record.year_label), d.title, "; ".join(c.inverted() for c in creators(d)), d.year or "",
            publisher_name(d), d.doc_type or "", d.doc_id, len(record.items), "; ".join(record.locators),
            "\n".join(_one_line(note) for note in record.notes()),
        ])  # fmt: skip
    return "\ufeff" + out.getvalue()


BASKET_EXPORTS: dict[str, tuple[Callable[[list[DocumentQuotes]], str], str, str]] = {
    "RIS": (to_ris, "referanser.ris", "application/x-research-info-systems"),
    "BibTeX": (to_bibtex, "referanser.bib", "application/x-bibtex"),
    "CSL-JSON": (to_csl_json, "referanser.json", "application/vnd.citationstyles.csl+json"),
    "CSV": (to_csv, "referanser.csv", "text/csv"),
    "APA": (apa_text, "referanseliste.txt", "text/plain"),
}


def export_basket(items: Iterable[BasketItem], kind: str, documents: Mapping[str, Document] | None = None) -> tuple[str, str, str]:
    """The basket in format `kind` (a key of BASKET_EXPORTS): (data, file name, MIME type)."""
    write, file_name, mime = BASKET_EXPORTS[kind]
    return write(by_document(items, documents)), file_name, mime
