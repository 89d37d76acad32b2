"""Rendering helpers: text from documents and users made safe to show, matched words marked."""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$>:])")


def esc(text: str) -> str:
    """Text from documents or users, safe inside st.markdown: no HTML, no Markdown."""
    escaped = html.escape(text, quote=False)
    return _MARKDOWN_SPECIALS.sub(lambda m: f"&#{ord(m.group(1))};", escaped).replace("\n", "<br>")


def highlighted(text: str, matches: list[tuple[int, int]] | tuple, offset: int = 0) -> str:
    """Escaped text with the matched words wrapped in <mark>."""
    parts, cursor = [], 0
    for start, end in sorted(matches):
        start, end = start - offset, end - offset
        if start < cursor or start < 0 or end > len(text):
            continue
        parts.append(esc(text[cursor:start]))
        parts.append(f"<mark>{esc(text[start:end])}</mark>")
        cursor = end
    parts.append(esc(text[cursor:]))
    return "".join(parts)
