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
    doc_ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.types or self.languages or self.places) and self.year_from is None and self.year_to is None
