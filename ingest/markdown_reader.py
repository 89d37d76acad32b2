"""Markdown files -> blocks, with markup and stray HTML kept out of the text.

markdown-it-py parses the file; headings become heading blocks (levels from
their numbering where they have one, since converted reports mix '#' depths),
paragraphs and list items become paragraphs, and a paragraph that opens with a
superscript number ("<sup>3</sup> Tjernshaugen …") is a footnote.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.headings import HeadingLeveler, numbered_level
from ingest.records import Block, IngestError
from ingest.text_reader import decode, extract_bracket_notes
from ingest.textclean import join_lines, normalize_chars, vocabulary

_NOTE = re.compile(r"^\s*<sup>\s*(\w{1,4})\s*</sup>\s*(.+)$", re.DOTALL)
_BLOCK_TAGS = frozenset({"p", "li", "div", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote"})


class _HtmlText(HTMLParser):
    """Text of an HTML fragment, one entry per block element; <sup> content dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = [""]
        self.in_sup = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "sup":
            self.in_sup += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "sup":
            self.in_sup = max(0, self.in_sup - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("")

    def handle_data(self, data: str) -> None:
        if not self.in_sup:
            self.parts[-1] += data


def html_text(fragment: str) -> list[str]:
    parser = _HtmlText()
    parser.feed(fragment)
    parser.close()
    return [part.strip() for part in parser.parts if part.strip()]


def inline_text(token: Token) -> str:
    """Plain text of an inline token: emphasis, links, code and tags unwrapped."""
    out: list[str] = []
    in_sup = 0
    for child in token.children or []:
        if child.type == "html_inline":
            tag = child.content.lower().replace(" ", "")
            in_sup += 1 if tag.startswith("<sup") else -1 if tag.startswith("</sup") else 0
            in_sup = max(in_sup, 0)
            if tag.startswith("<br"):
                out.append("\n")
        elif in_sup:
            continue
        elif child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)
    return "".join(out)


class MarkdownReader:
    def __init__(self, text: str):
        self.text = text
        self.vocab = vocabulary(text.split("\n"))
        self.levels = HeadingLeveler()
        self.blocks: list[Block] = []

    def paragraph(self, raw: str) -> None:
        text, notes = extract_bracket_notes(join_lines(raw.split("\n"), self.vocab))
        if text:
            self.blocks.append(Block("paragraph", text))
            self.levels.body()
        self.blocks.extend(Block("note", f"{n} {t}", note_id=n) for n, t in notes)

    def heading(self, token: Token, inline: Token) -> None:
        text = join_lines(inline_text(inline).split("\n"), self.vocab)
        if not text:
            return
        hashes = int(token.tag[1:])
        numbered = numbered_level(text)
        if numbered is not None:
            level = self.levels.structural(numbered)
        elif hashes == 1:
            level = self.levels.structural(1)
        else:
            level = self.levels.unnumbered(depth_hint=hashes)
        self.blocks.append(Block("heading", text, level=level))

    def inline(self, token: Token) -> None:
        note = _NOTE.match(token.content)
        if note:
            body = join_lines(inline_text(token).split("\n"), self.vocab)
            self.blocks.append(Block("note", f"{note.group(1)} {body}", note_id=note.group(1)))
            return
        self.paragraph(inline_text(token))

    def read(self) -> list[Block]:
        tokens = MarkdownIt("commonmark").enable("table").parse(self.text)
        for index, token in enumerate(tokens):
            if token.type == "heading_open":
                self.heading(token, tokens[index + 1])
            elif token.type == "inline" and tokens[index - 1].type != "heading_open":
                if tokens[index - 1].type in ("th_open", "td_open"):
                    continue  # table cells are read as rows below
                self.inline(token)
            elif token.type == "tr_open":
                self.table_row(tokens, index)
            elif token.type == "html_block":
                for part in html_text(token.content):
                    self.paragraph(part)
            elif token.type in ("fence", "code_block"):
                self.paragraph(token.content)
        return self.blocks

    def table_row(self, tokens: list[Token], index: int) -> None:
        cells = []
        for token in tokens[index + 1 :]:
            if token.type == "tr_close":
                break
            if token.type == "inline":
                cells.append(inline_text(token).strip())
        if any(cells):
            self.paragraph("; ".join(cell for cell in cells if cell))


def read_markdown(data: bytes, path: str) -> list[Block]:
    text = normalize_chars(decode(data, path))
    if not text.strip():
        raise IngestError(path, "the file holds no text", "no_text")
    return MarkdownReader(text).read()
