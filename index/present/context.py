"""A passage in its surroundings, each sentence once.

Neighbouring passages overlap by a few sentences (ingest's splitter), and each is
an exact slice of its document's clean text, so the overlap is found from their
offsets: the context view shows the text before the cited passage, the passage,
and the text after it; the library reads a document's passages without repeats.
"""

from __future__ import annotations

from ingest.records import Passage


def before_part(before: Passage | None, passage: Passage) -> str:
    """The neighbour's text that comes before `passage` starts."""
    if before is None:
        return ""
    return before.text[: max(0, min(len(before.text), passage.start - before.start))]


def after_part(passage: Passage, after: Passage | None) -> str:
    """The neighbour's text that comes after `passage` ends."""
    if after is None:
        return ""
    return after.text[max(0, passage.end - after.start) :]


def reading_parts(passages: list[Passage]) -> list[tuple[Passage, str]]:
    """Each passage with the part of its text that the passage before it has not shown."""
    out, shown_to = [], None
    for passage in sorted(passages, key=lambda p: p.start):
        skip = 0 if shown_to is None else max(0, min(len(passage.text), shown_to - passage.start))
        out.append((passage, passage.text[skip:]))
        shown_to = passage.end if shown_to is None else max(shown_to, passage.end)
    return out
