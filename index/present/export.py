"""Cited results as CSV, BibTeX and RIS, with the same citation data the app shows."""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from index.quote.authors import creators
from index.quote.cite import locator
from index.search.hits import Hit
from ingest.records import Document

BIB_TYPES = {"NOU": "techreport", "rapport": "techreport", "evaluering": "techreport", "avtale": "misc"}
RIS_TYPES = {"NOU": "GOVDOC", "rapport": "RPRT", "evaluering": "RPRT", "avtale": "GEN"}


CSV_COLUMNS = (
    "rank", "citation", "title", "publisher", "author", "year", "type", "doc_id",
    "page_start", "page_end", "page_label", "section", "excerpt", "passage_id",
)  # fmt: skip


def _csv_row(hit: Hit) -> list:
    d, p = hit.document, hit.passage
    return [
        hit.rank, hit.citation, d.title, d.publisher, "; ".join(c.inverted() for c in creators(d)), d.year, d.doc_type, p.doc_id,
        p.page_start, p.page_end, p.page_label_start, " > ".join(hit.section), hit.excerpt.text, p.passage_id,
    ]  # fmt: skip


def to_csv(hits: list[Hit]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(hit) for hit in hits)
    return out.getvalue()


def bib_escape(text: str) -> str:
    return re.sub(r"([{}&%$#_])", r"\\\1", text or "")


def _bib_key(hit: Hit) -> str:
    ascii_id = unicodedata.normalize("NFKD", hit.passage.doc_id).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "", ascii_id) + f"p{hit.rank}"


def bib_names(document: Document) -> str:
    """BibTeX authors: "Family, Given and …"; an organisation braced so it is not read as a name."""
    return " and ".join(bib_escape(c.inverted()) if c.person else "{" + bib_escape(c.name) + "}" for c in creators(document))


def to_bibtex(hits: list[Hit]) -> str:
    entries = []
    for hit in hits:
        d = hit.document
        kind = BIB_TYPES.get(d.doc_type or "", "misc")
        fields = {
            "title": d.title,
            "institution" if kind == "techreport" else "publisher": d.publisher,
            "year": str(d.year or ""),
            "pages": hit.passage.page_label_start or "",
            "note": locator(hit.passage),
            "language": hit.passage.language,
        }
        lines = ["  author = {" + bib_names(d) + "}"]
        lines += [f"  {key} = {{{bib_escape(value)}}}" for key, value in fields.items() if value]
        entries.append(f"@{kind}{{{_bib_key(hit)},\n" + ",\n".join(lines) + "\n}")
    return "\n\n".join(entries) + "\n"


def to_ris(hits: list[Hit]) -> str:
    records = []
    for hit in hits:
        d, p = hit.document, hit.passage
        lines = [f"TY  - {RIS_TYPES.get(d.doc_type or '', 'GEN')}", f"TI  - {d.title or ''}"]
        lines += [f"AU  - {c.inverted()}" for c in creators(d)]
        lines += [f"PB  - {d.publisher or ''}", f"PY  - {d.year or ''}"]
        if p.page_start is not None:
            lines += [f"SP  - {p.page_label_start or p.page_start}", f"EP  - {p.page_label_end or p.page_end}"]
        lines += [f"N1  - {hit.citation}", f"AB  - {hit.excerpt.text}", f"LA  - {p.language}", "ER  - "]
        records.append("\n".join(lines))
    return "\n".join(records) + "\n"
