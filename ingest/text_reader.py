"""Plain text files -> blocks (headings, paragraphs, notes).

Text extracted from PDFs comes in three shapes, and the corpus has all three:
- one paragraph per line (NOU 2020:16);
- lines wrapped at a fixed width, paragraphs separated by blank lines (KMD);
- wrapped lines each followed by a blank line, so blank lines say nothing and a
  paragraph ends where a short line ends a sentence (IMDi).
The reader measures which shape it has, then joins lines into paragraphs,
repairs line-end hyphens, finds headings and lifts footnotes out of the text.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

import charset_normalizer

from ingest.headings import HeadingLeveler, looks_like_title, numbered_level
from ingest.records import Block, IngestError
from ingest.textclean import join_lines, normalize_chars, squeeze_spaces, vocabulary

_BULLET = re.compile(r"^(?:[•·▪●○◦■□➢►\-–*]\s+|\(?[0-9a-z]{1,2}[.)]\s+)")
_SENTENCE_END = re.compile(r"[.!?:»”\")]$")
_FIGURE_MARKER = re.compile(r"\[:figur:[^\]]*\]")
_FOOTNOTE_REF = re.compile(r"\[footnoteRef:(\d+)\]")
_NOTE_START = re.compile(r"\[(\d+):\s?")
_PAGE_NOTE = re.compile(r"^(\d{1,3})\s+(\S.*)$")
_NOTE_CUES = re.compile(r"\((?:19|20)\d\d\)|https?://|www\.|^(?:Kjelde|Kilde|Sjå|Se|Jf|Jfr|Source|Ibid)\b|St\.\s?meld|Meld\.\s?St|NOU \d", re.IGNORECASE)
_LAYOUT_MARKERS = frozenset({"Rammeslutt"})  # the NOU's end-of-box marker
_PAGE_NUMBER = re.compile(r"^\d{1,3}$")


def decode(data: bytes, path: str) -> str:
    """Bytes -> text: UTF-8 (with or without BOM), UTF-16 by BOM, else the best guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if data.count(b"\x00") > len(data) // 100:
        raise IngestError(path, "binary data, not text", "binary")
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise IngestError(path, "cannot tell the text encoding", "encoding")
    return str(best)


@dataclass(frozen=True)
class Layout:
    wrapped: bool  # lines are wrapped at a fixed width, not one paragraph each
    double_spaced: bool  # every line is followed by a blank line
    width: int  # a typical full line's length


def measure_layout(lines: list[str]) -> Layout:
    filled = [len(line.strip()) for line in lines if line.strip()]
    if not filled:
        return Layout(False, False, 0)
    wrapped = statistics.median(filled) < 110
    width = sorted(filled)[int(len(filled) * 0.9)]
    mid_sentence_gaps = sum(
        1
        for i in range(len(lines) - 2)
        if lines[i].strip() and not lines[i + 1].strip() and lines[i + 2][:1].islower() and not _SENTENCE_END.search(lines[i].strip())
    )
    return Layout(wrapped, mid_sentence_gaps > 0.15 * len(filled), width)


def extract_bracket_notes(line: str) -> tuple[str, list[tuple[str, str]]]:
    """Remove `[footnoteRef:N]` markers and lift `[N: note text]` out of a line."""
    line = _FOOTNOTE_REF.sub("", line)
    notes: list[tuple[str, str]] = []
    while match := _NOTE_START.search(line):
        depth, end = 1, match.end()
        while end < len(line) and depth:
            depth += {"[": 1, "]": -1}.get(line[end], 0)
            end += 1
        notes.append((match.group(1), squeeze_spaces(line[match.end() : end - 1])))
        line = line[: match.start()] + line[end:]
    return squeeze_spaces(line), notes


def _is_page_note(lines: list[str], index: int, last_note: int, body_before: str) -> bool:
    match = _PAGE_NOTE.match(lines[index].strip())
    if not match or numbered_level(lines[index]) and match.group(2).isupper():
        return False
    number = int(match.group(1))
    if not last_note < number <= last_note + 15:
        return False
    glued = re.search(rf"[^\W\d_]{{2}}[.,;:)»”]?{number}(?!\d)", body_before[-3000:])
    return bool(_NOTE_CUES.search(match.group(2)) or glued)


class TextReader:
    """Reads one text file; keeps the state of the line walk in one place."""

    def __init__(self, text: str):
        self.lines = [line.rstrip() for line in text.split("\n")]
        self.layout = measure_layout(self.lines)
        self.vocab: Counter[str] = vocabulary(self.lines)
        self.blocks: list[Block] = []
        self.paragraph: list[str] = []
        self.pending_notes: list[Block] = []
        self.levels = HeadingLeveler()
        self.last_note = 0
        self.chapter = 0
        self.body_text = ""

    # -- output -----------------------------------------------------------
    def flush(self) -> None:
        if self.paragraph:
            text = join_lines(self.paragraph, self.vocab)
            text, notes = extract_bracket_notes(text)
            if text:
                self.blocks.append(Block("paragraph", text))
                self.body_text = (self.body_text + " " + text)[-4000:]
                self.levels.body()
            self.blocks.extend(Block("note", f"{number} {note}", note_id=number) for number, note in notes)
            self.paragraph = []
        self.blocks.extend(self.pending_notes)
        self.pending_notes = []

    def add_heading(self, lines: list[str], level: int) -> None:
        self.flush()
        text, notes = extract_bracket_notes(join_lines(lines, self.vocab))
        self.blocks.append(Block("heading", text, level=level))
        self.blocks.extend(Block("note", f"{n} {t}", note_id=n) for n, t in notes)

    # -- line tests -------------------------------------------------------
    def next_content(self, index: int) -> int | None:
        for j in range(index + 1, min(index + 8, len(self.lines))):
            if self.lines[j].strip():
                return j
        return None

    def ends_paragraph(self, previous: str) -> bool:
        if not self.layout.wrapped:
            return True
        return bool(_SENTENCE_END.search(previous)) and len(previous) < 0.8 * self.layout.width

    def heading_run(self, index: int) -> tuple[list[str], int]:
        """The lines of a heading starting at `index`, and the index after them.

        Wrapped headings span lines; "Kapittel 1:" has its title after a blank line.
        """
        run = [self.lines[index].strip()]
        j = index + 1
        if re.match(r"^(?:Kapittel|Chapter)\s+\S+\s*:?$", run[0], re.IGNORECASE):
            nxt = self.next_content(index)
            if nxt is not None and looks_like_title(self.lines[nxt], max_words=20):
                run.append(self.lines[nxt].strip())
                j = nxt + 1
        first_extra = len(run)
        while j < len(self.lines) and len(run) < 4 and self.lines[j].strip():
            candidate = self.lines[j].strip()
            if len(candidate) > 70 or candidate.endswith(".") or _SENTENCE_END.search(run[-1]):
                break
            run.append(candidate)
            j += 1
        if j < len(self.lines) and self.lines[j].strip():  # not set apart: only its own line(s)
            run, j = run[:first_extra], index + 1 if first_extra == 1 else j - (len(run) - first_extra)
        return run, j

    def is_unnumbered_heading(self, index: int) -> bool:
        line = self.lines[index].strip()
        if not looks_like_title(line) or _BULLET.match(line) or line.count(",") >= 2:
            return False
        opens_box = self.starts_box(index)  # a box or page starts with this line: its title may fill the line
        if self.layout.wrapped and len(line) > (1.0 if opens_box else 0.8) * self.layout.width:
            return False
        if self.layout.wrapped and not self.layout.double_spaced and self.lines[index + 1 : index + 2] != [""]:
            return False  # single-spaced wrapped text sets its headings apart with a blank line
        nxt = self.next_content(index)
        for _ in range(3):
            if nxt is None:
                return False
            following = self.lines[nxt].strip()
            if self.layout.wrapped and len(following) >= 0.6 * self.layout.width:
                if _SENTENCE_END.search(following) and len(following) < 0.8 * self.layout.width and not opens_box:
                    return False  # the two lines are one short paragraph: "Drammen kommune har områdesatsinga / Fjell 2020 for …."
                return following[:1].isupper() or following[:1] in "«\"“(•"
            if len(following.split()) >= 20 or (len(following.split()) >= 6 and _SENTENCE_END.search(following)):
                return following[:1].isupper() or following[:1] in "«\"“(•"
            if not looks_like_title(following):
                return False
            nxt = self.next_content(nxt)
        return False

    # -- the walk ---------------------------------------------------------
    def read(self) -> list[Block]:
        index = 0
        previous: str | None = None  # the last line with text
        while index < len(self.lines):
            line = self.lines[index].strip()
            if not line:
                if not self.layout.double_spaced:
                    self.flush()
                index += 1
                continue
            if line in _LAYOUT_MARKERS or (self.layout.wrapped and _PAGE_NUMBER.match(line)):
                index += 1
                continue
            index = self.read_line(index, line, previous)
            previous = self.lines[index - 1].strip() or previous
        self.flush()
        return self.blocks

    def starts_box(self, index: int) -> bool:
        """Extraction marks the start of a page or text box with one leading space."""
        raw = self.lines[index]
        return raw.startswith(" ") and not raw.startswith("  ")

    def read_line(self, index: int, line: str, previous: str | None) -> int:
        """Handle the line at `index`; return the index of the next unread line."""
        if self.layout.wrapped and _is_page_note(self.lines, index, self.last_note, self.body_text + " ".join(self.paragraph)):
            return self.read_page_note(index)
        boundary = not self.paragraph or self.ends_paragraph(previous or "") or self.starts_box(index)
        level = self.chapter_level(line)
        if level is not None and (boundary or _SENTENCE_END.search(previous or "")):
            run, after = self.heading_run(index)
            self.flush()
            self.add_heading(run, self.levels.structural(level))
            return after
        if boundary and self.is_unnumbered_heading(index):
            self.flush()
            self.add_heading([line], self.levels.unnumbered())
            return index + 1
        starts_item = bool(_BULLET.match(line))
        box_break = self.starts_box(index) and bool(_SENTENCE_END.search(previous or ""))
        if self.paragraph and (starts_item or box_break or self.ends_paragraph(previous or "")):
            self.flush()
        self.paragraph.append(line)
        return index + 1

    def chapter_level(self, line: str) -> int | None:
        """Level of a numbered heading; a bare "N Title" must be the next chapter number."""
        level = numbered_level(line)
        match = re.match(r"^(\d+)\s", line)
        if level == 1 and match:
            number = int(match.group(1))
            if self.chapter and number != self.chapter + 1:
                return None  # "1 Stat og kommune …" is a list item inside chapter 4
            self.chapter = number
        return level

    def read_page_note(self, index: int) -> int:
        """A footnote at a page bottom: its first line and its wrapped continuation."""
        match = _PAGE_NOTE.match(self.lines[index].strip())
        number = match.group(1)
        self.last_note = int(number)
        lines = [self.lines[index].strip()]
        j = index + 1
        while j < len(self.lines) and len(lines) < 6:
            nxt = self.lines[j]
            if not nxt.strip() or nxt.startswith(" ") or _PAGE_NOTE.match(nxt.strip()):
                break
            lines.append(nxt.strip())
            j += 1
        self._strip_glued_reference(int(number))
        self.pending_notes.append(Block("note", join_lines(lines, self.vocab), note_id=number))
        return j

    def _strip_glued_reference(self, number: int) -> None:
        """Drop a superscript number that extraction glued to a word ("omfang11").

        The reference is looked for in the paragraph being read, then in the last
        few paragraphs before it (a page can end between reference and note).
        """
        pattern = re.compile(rf"(?<=[^\W\d_]{{2}})([.,;:)»”]?){number}(?=[\s.,;:)]|$)")
        for i in range(len(self.paragraph) - 1, -1, -1):
            if pattern.search(self.paragraph[i]):
                self.paragraph[i] = pattern.sub(r"\1", self.paragraph[i], count=1)
                return
        for i in range(len(self.blocks) - 1, max(len(self.blocks) - 6, -1), -1):
            block = self.blocks[i]
            if block.kind == "paragraph" and pattern.search(block.text):
                self.blocks[i] = Block("paragraph", pattern.sub(r"\1", block.text, count=1))
                return


def read_text(data: bytes, path: str) -> list[Block]:
    """Decode and read a plain text file into blocks."""
    text = normalize_chars(decode(data, path))
    text = _FIGURE_MARKER.sub("", text)
    if not text.strip():
        raise IngestError(path, "the file holds no text", "no_text")
    return TextReader(text).read()
