"""How a passage is represented to each retriever: what the embedder sees, what BM25 indexes."""

from __future__ import annotations

from ingest.records import Passage


def embedding_text(passage: Passage) -> str:
    """What the embedder sees: the section path gives a passage its context."""
    section = " / ".join(passage.section)
    if section and not passage.text.startswith(passage.section[-1]):
        return f"{section}\n{passage.text}"
    return passage.text


def lexical_text(passage: Passage) -> str:
    """What BM25 indexes: the section path too, so "tiltak i Oslo Sør" finds the
    passages under "3.2 Oslo Sørsatsinga / Eksempel på tiltak"."""
    return " ".join(passage.section) + "\n" + passage.text
