"""Citations in Norwegian APA style: who (year). Title, kap. 2.3 / s. 14–15."""

from __future__ import annotations

import re

from index.quote.authors import apa_authors, creators, publisher_name
from ingest.headings import numbered_level
from ingest.records import Document, Passage
from ingest.units import passage_units

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s")
_CHAPTER = re.compile(r"^(?:Kapittel|Kapitel|Chapter)\s+(\w+)", re.IGNORECASE)
_PART = re.compile(r"^(?:Del|Part)\s+([IVXL\d]+)\b")


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


def section_at(passage: Passage, offset: int) -> tuple[str, ...]:
    """The section path at `offset` in the passage: its own path, changed by every heading
    the passage holds before that point ("1. Bakgrunn" in the middle of the opening passage,
    "3.6 Fjell 2020 i Drammen" after the end of 3.5)."""
    path = list(passage.section)
    for unit in passage_units(passage.text, passage.section, passage.is_note):
        if unit.start >= offset:
            break
        if unit.kind == "heading":
            path = _enter(path, " ".join(passage.text[unit.start : unit.end].split()))
    return tuple(path)


def _enter(path: list[str], heading: str) -> list[str]:
    if heading in path:  # the passage's own heading, repeated at its start
        return path[: path.index(heading) + 1]
    level = numbered_level(heading)
    levels = [numbered_level(h) for h in path]
    if level is not None:  # under the nearest heading of a higher level
        parents = [i for i, own in enumerate(levels) if own is not None and own < level]
        return [*path[: parents[-1] + 1], heading] if parents else [heading]
    if path and levels[-1] is None:  # an unnumbered heading: a sibling of the unnumbered one before it …
        return [*path[:-1], heading]
    return [*path, heading]  # … or a child of a numbered one


def locator(passage: Passage, section: tuple[str, ...] | None = None) -> str:
    """ "s. 14–15" where the passage has pages, else the chapter or section."""
    span = passage.page_span()
    return f"s. {span}" if span else section_locator(passage.section if section is None else section)


def citation(document: Document, passage: Passage, section: tuple[str, ...] | None = None) -> str:
    """The citation of `passage`; `section`, where given, is the section of the quoted words."""
    year = document.year or "u.å."
    title = (document.title or document.doc_id or "").strip().rstrip(".")
    where = locator(passage, section)
    cited = f"{apa_authors(document)} ({year}). {title}" + (f", {where}" if where else "") + "."
    if creators(document)[0].person:  # people wrote it: the publisher follows the title
        cited += f" {publisher_name(document)}."
    return cited


def reference_parts(document: Document, year_label: str | None = None) -> tuple[str, str, str]:
    """The document's entry in an APA 7 reference list (bokmål) in three parts, so the title can be
    set in italics: "Who. (2020). ", "Title", ". Publisher." (`year_label`: "2020a", "u.å.-b")."""
    who = apa_authors(document)
    year = year_label or str(document.year or "u.å.")
    title = (document.title or document.doc_id or "").strip().rstrip(".")
    tail = "" if title.endswith(("?", "!")) else "."
    if creators(document)[0].person:  # as in `citation`: an organisation author is also the publisher
        tail += f" {publisher_name(document)}."
    return f"{who}{'' if who.endswith('.') else '.'} ({year}). ", title, tail


def reference(document: Document, year_label: str | None = None) -> str:
    """The reference-list entry as plain text."""
    return "".join(reference_parts(document, year_label))
