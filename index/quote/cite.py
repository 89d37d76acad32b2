"""Citations in Norwegian APA style: who (year). Title, kap. 2.3 / s. 14–15."""

from __future__ import annotations

import re

from ingest.records import Document, Passage

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s")
_CHAPTER = re.compile(r"^(?:Kapittel|Kapitel|Chapter)\s+(\w+)", re.IGNORECASE)
_PART = re.compile(r"^(?:Del|Part)\s+([IVXL\d]+)\b")


def short_publisher(document: Document) -> str:
    """The organisation to cite: "Menon Economics, på oppdrag for KDD" -> "Menon Economics"."""
    publisher = (document.publisher or "").strip()
    if publisher:
        return re.split(r",\s*(?:på oppdrag|on behalf)", publisher, maxsplit=1)[0].strip()
    return (document.author or "").strip() or "Ukjent utgiver"


def section_locator(section: tuple[str, ...]) -> str:
    """ "kap. 2.3" from the deepest numbered heading; else the part or heading name."""
    for heading in reversed(section):
        if match := _NUMBERED.match(heading):
            return f"kap. {match.group(1)}"
        if match := _CHAPTER.match(heading):
            return f"kap. {match.group(1)}"
    for heading in reversed(section):
        if match := _PART.match(heading):
            last = section[-1]
            return f"del {match.group(1)}" + (f", «{last}»" if last != heading else "")
    return f"«{section[-1]}»" if section else ""


def locator(passage: Passage) -> str:
    """ "s. 14–15" where the passage has pages, else the chapter or section."""
    span = passage.page_span()
    return f"s. {span}" if span else section_locator(passage.section)


def citation(document: Document, passage: Passage) -> str:
    year = document.year or "u.å."
    title = (document.title or document.doc_id or "").strip().rstrip(".")
    where = locator(passage)
    return f"{short_publisher(document)} ({year}). {title}" + (f", {where}" if where else "") + "."
