"""What a user asks: the query text, quoted phrases, the mode and the filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Mode = Literal["hybrid", "lexical", "dense"]
MODES: tuple[Mode, ...] = ("hybrid", "lexical", "dense")
MAX_QUERY_CHARS = 2000  # longer queries are cut (an embedder reads 512 tokens anyway)

_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]+)[\"“”«»]")
_STRAY_QUOTES = re.compile(r"[\"“”«»]")


class QueryError(ValueError):
    """The query cannot be answered as given (empty, unknown mode)."""


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the query without quote marks
    phrases: tuple[str, ...] = ()


def parse_query(query: str) -> ParsedQuery:
    """Quoted parts are phrases; an unbalanced quote mark is ignored."""
    phrases = tuple(p.strip() for p in _QUOTED.findall(query) if p.strip())
    return ParsedQuery(_STRAY_QUOTES.sub(" ", query).strip(), phrases)


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to. Document fields (ids, types, years) and passage tags
    (`index/tags`): `places` keeps passages that name a place or a place inside it (the
    gazetteer's parents: "Oslo" keeps a passage naming Stovner), `themes` and `measures` those
    tagged with one of them. `exclude_doc_ids` leaves documents out ("ikke denne")."""

    doc_ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    themes: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    exclude_doc_ids: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not self.passage_tags() and not self.document_fields()

    def document_fields(self) -> bool:
        """True when a document-level field narrows the search."""
        return bool(self.doc_ids or self.types or self.languages or self.exclude_doc_ids) or self.year_from is not None or self.year_to is not None

    def passage_tags(self) -> bool:
        """True when a passage tag narrows the search."""
        return bool(self.places or self.themes or self.measures)
