"""Citations in Norwegian APA style: who (year). Title, kap. 2.3 / s. 14–15."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ingest.records import Passage

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s")
_CHAPTER = re.compile(r"^(?:Kapittel|Kapitel|Chapter)\s+(\w+)", re.IGNORECASE)
_PART = re.compile(r"^(?:Del|Part)\s+([IVXL\d]+)\b")


def short_publisher(document: Mapping[str, Any]) -> str:
    """The organisation to cite: "Menon Economics, på oppdrag for KDD" -> "Menon Economics"."""
    publisher = (document.get("publisher") or "").strip()
    if publisher:
        return re.split(r",\s*(?:på oppdrag|on behalf)", publisher, maxsplit=1)[0].strip()
    return (document.get("author") or "").strip() or "Ukjent utgiver"


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


def page_locator(passage: Passage) -> str:
    """ "s. 14" or "s. 14–15", with the printed page numbers where the PDF has them."""
    if passage.page_start is None:
        return ""
    start = passage.page_label_start or str(passage.page_start)
    end = passage.page_label_end or str(passage.page_end or passage.page_start)
    return f"s. {start}" if start == end else f"s. {start}–{end}"


def locator(passage: Passage) -> str:
    return page_locator(passage) or section_locator(passage.section)


def citation(document: Mapping[str, Any], passage: Passage) -> str:
    year = document.get("year") or "u.å."
    title = (document.get("title") or document.get("doc_id") or "").strip().rstrip(".")
    where = locator(passage)
    return f"{short_publisher(document)} ({year}). {title}" + (f", {where}" if where else "") + "."
