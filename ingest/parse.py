"""One document file -> ParsedDocument, choosing the reader by extension and content."""

from __future__ import annotations

from pathlib import Path

from ingest.assemble import assemble
from ingest.markdown_reader import read_markdown
from ingest.pdf_reader import read_pdf
from ingest.records import IngestError, ParsedDocument
from ingest.text_reader import read_text
from settings import IngestSettings

# Bump when a change to the readers or the splitter changes what they produce:
# the store then re-parses every document instead of trusting unchanged bytes.
# 3: a box title set apart is a heading; a sentence wrapped after its first line is not.
# 4: OCR only where the text layer is bad (ingest/ocr.py); photo pages are left alone.
PARSER_VERSION = 4


def parse_bytes(name: str, data: bytes, cfg: IngestSettings, password: str | None = None) -> ParsedDocument:
    """Parse a document's bytes; `name` gives the type and appears in error messages."""
    suffix = Path(name).suffix.lower()
    if not data:
        raise IngestError(name, "empty file (0 bytes)", "empty")
    if len(data) > cfg.max_file_mb * 1024 * 1024:
        mb = round(len(data) / 1024 / 1024)
        raise IngestError(name, f"{mb} MB, larger than the limit of {cfg.max_file_mb:g} MB (ingest.max_file_mb)", "too_large", {"mb": mb, "limit": cfg.max_file_mb})
    if suffix == ".pdf":
        return read_pdf(data, name, cfg, password)
    if data.lstrip()[:5] == b"%PDF-":
        raise IngestError(name, "a PDF file with a text file's name; rename it to .pdf", "pdf_named_text")
    if suffix == ".md":
        return assemble(read_markdown(data, name))
    if suffix == ".txt":
        return assemble(read_text(data, name))
    raise IngestError(name, f"unsupported file type '{suffix}' (use PDF, TXT or MD)", "unsupported", {"suffix": suffix})
