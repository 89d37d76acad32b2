"""Who a document is by, decided once for every output (APA citation, BibTeX, RIS, CSV).

The catalog's `author` lists people or organisations, separated by ";" ("Kaja
Høiseth-Gilje; Henrik Schwabe" or "Family, Given"). When it names people, they
are the authors everywhere and the publisher is the report's publisher. When it
names only organisations (a committee, a working group) or nothing, the
publishing organisation is the author everywhere, as Norwegian APA practice
cites government reports; the catalog's own wording stays in the CSV's note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import Document

_ORGANISATION = re.compile(
    r"departement|direktorat|kommune|utvalg|gruppe|regjering|\bstat|byråd|\bAS\b|ASA|Economics|analyse|institutt|"
    r"\bNAV\b|senter|forening|forbund|universitet|høgskole|fylke|etat|tilsyn|\(|\bog\b|\bved\b|ledet",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"[A-ZÆØÅÄÖÉ][\wæøåäöéü'’-]*\.?")


@dataclass(frozen=True)
class Creator:
    name: str  # as written: "Kaja Høiseth-Gilje", "Kommunal- og distriktsdepartementet"
    family: str = ""  # people only
    given: str = ""

    @property
    def person(self) -> bool:
        return bool(self.family)

    def inverted(self) -> str:
        """ "Høiseth-Gilje, Kaja" for a person; the name for an organisation."""
        return f"{self.family}, {self.given}" if self.person else self.name

    def apa(self) -> str:
        """ "Høiseth-Gilje, K." / "Holmdal, L. M."; an organisation as it is."""
        if not self.person:
            return self.name
        initials = " ".join(part[0] + "." for part in re.split(r"\s+", self.given) if part)
        return f"{self.family}, {initials}"


def person(entry: str) -> Creator | None:
    """A person's name ("Given Family" or "Family, Given"), or None when it is not one."""
    entry = " ".join(entry.split())
    if "," in entry:
        family, given = (p.strip() for p in entry.split(",", 1))
        words = [family, *given.split()]
    else:
        words = entry.split()
        family, given = (words[-1], " ".join(words[:-1])) if len(words) > 1 else ("", "")
    if not (2 <= len(words) <= 4) or _ORGANISATION.search(entry) or not all(_NAME_WORD.fullmatch(w) for w in words):
        return None
    return Creator(entry, family, given)


def creators(document: Document) -> list[Creator]:
    """The document's authors: the people the catalog names, else the publishing organisation."""
    entries = [e.strip() for e in (document.author or "").split(";") if e.strip()]
    people = [person(e) for e in entries]
    if entries and all(people):
        return [p for p in people if p]
    return [Creator(publisher_name(document))]


def publisher_name(document: Document) -> str:
    """The organisation to cite: "Menon Economics, på oppdrag for KDD" -> "Menon Economics"."""
    publisher = (document.publisher or "").strip()
    if publisher:
        return re.split(r",\s*(?:på oppdrag|on behalf)", publisher, maxsplit=1)[0].strip()
    return (document.author or "").strip() or "Ukjent utgiver"


def apa_authors(document: Document) -> str:
    """The author part of an APA reference: "A, B., C, D. & E, F." or the organisation."""
    names = [c.apa() for c in creators(document)]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " & " + names[-1]
