"""Recognising headings in plain text and giving them levels for the section path.

Numbered headings carry their own level ("2.3 Involvering" is level 2); "Del I"
is level 0 and "Kapittel 3:" level 1. Unnumbered headings nest under the last
numbered one; a run of headings with no text between them nests one level per
heading ("Del I" / "Innledning" / "Perspektiv og …").
"""

from __future__ import annotations

import re

NUMBERED = re.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(?P<title>[A-ZÆØÅ].*)$")
CHAPTER = re.compile(r"^(?:Kapittel|Kapitel|Chapter)\s+(?:\d{1,2}|[IVXL]{1,6})\s*(?:[:.]\s*\S.*|[:.]?)$", re.IGNORECASE)
PART = re.compile(r"^(?:Del|Part)\s+(?:[IVXL]{1,6}|\d{1,2})\s*(?:[:.]\s*\S.*|[:.]?)$")
_TERMINAL = re.compile(r"[.,;:]$")
_NUMBERED_TERMINAL = re.compile(r"[.,;]$")


def numbered_level(text: str) -> int | None:
    """Level of a numbered, chapter or part heading line; None if it is not one."""
    line = text.strip()
    if PART.match(line):
        return 0
    if CHAPTER.match(line):
        return 1
    match = NUMBERED.match(line)
    if not match or len(line.split()) > 16 or _NUMBERED_TERMINAL.search(line):
        return None
    depth = match.group("number").count(".") + 1
    if depth == 1 and not looks_like_title(match.group("title"), max_words=10):
        return None  # "25 SSB har konstruert …:" is a footnote, not chapter 25
    return depth


def looks_like_title(text: str, max_words: int = 14) -> bool:
    """A short line that starts with a capital and does not end like a sentence."""
    line = text.strip()
    words = line.split()
    if not words or len(words) > max_words or len(line) > 120:
        return False
    if not (line[0].isupper() or line[0].isdigit()) or _TERMINAL.search(line):
        return False
    return sum(ch.isalpha() for ch in line) >= 3


class HeadingLeveler:
    """Assigns levels to headings as a document is read top to bottom."""

    def __init__(self) -> None:
        self.anchor = 0  # level of the last numbered (structural) heading
        self.last_unnumbered: int | None = None
        self.previous_was_heading = False

    def structural(self, level: int) -> int:
        self.anchor = level
        self.last_unnumbered = None
        self.previous_was_heading = True
        return level

    def unnumbered(self, depth_hint: int | None = None) -> int:
        """Level of an unnumbered heading; `depth_hint` is a Markdown '#' count."""
        if depth_hint is not None:
            level = self.anchor + max(depth_hint - 1, 1) if self.anchor else depth_hint
        elif self.previous_was_heading:
            level = min((self.last_unnumbered or self.anchor) + 1, self.anchor + 2)
        else:
            level = self.last_unnumbered or self.anchor + 1
        self.last_unnumbered = level
        self.previous_was_heading = True
        return level

    def body(self) -> None:
        self.previous_was_heading = False
