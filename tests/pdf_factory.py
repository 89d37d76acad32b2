"""Small real PDFs built with PyMuPDF for the tests (no fakes of the parser's input)."""

from __future__ import annotations

from pathlib import Path

import pymupdf

PAGE_W, PAGE_H = 595, 842
BODY = 10
LEFT_X, RIGHT_X, COLUMN_W = 56, 310, 230

HEADER = "Områdesatsing i norske byer – rapport 2024"
FOOTER = "Kommunal- og distriktsdepartementet"

LEFT_COLUMN = [
    "Groruddalssatsingen var et tiårig samarbeid",
    "mellom staten og Oslo kommune. Målet var",
    "å forbedre miljø- og leveforhold og styrke",
    "den norske velferdspolitik-",
    "ken i de mest utsatte områdene.",
]
RIGHT_COLUMN = [
    "Oslo Sør-satsinga ble evaluert i 2017. Eva-",
    "lueringen fant at innsatsen styrket nærmil-",
    "jøet, men at sysselsettingen endret seg lite.",
    "Høyre kolonne leses etter venstre kolonne.",
]


def _header_footer(page: pymupdf.Page, number: int) -> None:
    page.insert_text((LEFT_X, 30), HEADER, fontsize=8, fontname="helv")
    page.insert_text((LEFT_X, PAGE_H - 25), FOOTER, fontsize=8, fontname="helv")
    page.insert_text((PAGE_W - 70, PAGE_H - 25), str(number), fontsize=8, fontname="helv")


def _lines(page: pymupdf.Page, x: float, y: float, lines: list[str], size: float = BODY) -> float:
    for line in lines:
        page.insert_text((x, y), line, fontsize=size, fontname="helv")
        y += size * 1.35
    return y


def report_pdf(path: Path, with_scan: bool = True) -> Path:
    """A four-page report: title page, two-column page, one-column page, scanned page.

    Page labels: the title page is "i", the body counts from 1 (physical page 2
    is printed page 1), as in real reports.
    """
    doc = pymupdf.open()
    title = doc.new_page(width=PAGE_W, height=PAGE_H)
    title.insert_text((LEFT_X, 200), "Evaluering av områdesatsing", fontsize=24, fontname="hebo")
    title.insert_text((LEFT_X, 240), "Sluttrapport fra testutvalget", fontsize=14, fontname="helv")

    two = doc.new_page(width=PAGE_W, height=PAGE_H)
    _header_footer(two, 1)
    two.insert_text((LEFT_X, 90), "1 Innledning", fontsize=16, fontname="hebo")
    two.insert_text((LEFT_X, 125), "1.1 Bakgrunn for satsingen", fontsize=12.5, fontname="hebo")
    _lines(two, LEFT_X, 150, LEFT_COLUMN)
    _lines(two, RIGHT_X, 150, RIGHT_COLUMN)

    one = doc.new_page(width=PAGE_W, height=PAGE_H)
    _header_footer(one, 2)
    one.insert_text((LEFT_X, 90), "2 Resultater", fontsize=16, fontname="hebo")
    y = _lines(one, LEFT_X, 120, ["Tiltakene for barnehage og skole ga gode resultater i Groruddalen."])
    one.insert_text((LEFT_X, y + 14), "2.1 Sysselsetting", fontsize=12.5, fontname="hebo")
    _lines(one, LEFT_X, y + 40, ["Gratis kjernetid i barnehagen ble trukket fram som et vellykket tiltak."])

    if with_scan:
        _scanned_page(doc, 3)
    doc.set_page_labels(
        [
            {"startpage": 0, "prefix": "", "style": "r", "firstpagenum": 1},
            {"startpage": 1, "prefix": "", "style": "D", "firstpagenum": 1},
        ]
    )
    doc.save(path)
    return path


def _scanned_page(doc: pymupdf.Document, number: int | None) -> None:
    """A page that is only a picture of text, as a scanner makes it."""
    source = pymupdf.open()
    page = source.new_page(width=PAGE_W, height=PAGE_H)
    page.insert_text((LEFT_X, 100), "3 Skannet vedlegg", fontsize=18, fontname="hebo")
    page.insert_text((LEFT_X, 140), "Denne siden er et bilde av tekst om bydelene i Groruddalen.", fontsize=13, fontname="helv")
    pixmap = page.get_pixmap(dpi=200)
    scan = doc.new_page(width=PAGE_W, height=PAGE_H)
    scan.insert_image(scan.rect, pixmap=pixmap)
    if number is not None:
        _header_footer(scan, number)


def simple_pdf(path: Path, paragraphs: list[str], *, title: str = "", author: str = "") -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=PAGE_W, height=PAGE_H)
    box = pymupdf.Rect(LEFT_X, 60, PAGE_W - 56, PAGE_H - 60)
    page.insert_textbox(box, "\n\n".join(paragraphs), fontsize=BODY, fontname="helv")
    doc.set_metadata({"title": title, "author": author, "creationDate": "D:20230115000000"})
    doc.save(path)
    return path


def encrypted_pdf(path: Path, user_password: str = "hemmelig") -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Fortrolig notat om områdeløft i Bergen.", fontsize=11)
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=user_password, owner_pw="eier")
    return path


def image_only_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    _scanned_page(doc, None)
    doc.save(path)
    return path


def empty_pages_pdf(path: Path, pages: int) -> Path:
    """Thousands of pages with nothing on them."""
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page(width=PAGE_W, height=PAGE_H)
    doc.save(path)
    return path


def text_pages_pdf(path: Path, pages: int, title: str = "Langt vedlegg") -> Path:
    """A long PDF with a paragraph of text on every page (slow enough to time out)."""
    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        page.insert_text((LEFT_X, 80), f"{title} side {number + 1}", fontsize=14, fontname="hebo")
        _lines(page, LEFT_X, 110, [f"Tiltak nummer {number} i bydelen ble fulgt opp av kommunen og staten."] * 30)
    doc.save(path)
    return path


def active_content_pdf(path: Path) -> Path:
    """A PDF with an attached file and JavaScript run on opening."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Områdeløft med vedlegg og skript i Bergen kommune.", fontsize=11)
    page.insert_text((72, 96), "Beboerne på Løvstakksiden fikk nye møteplasser og lekeplasser.", fontsize=11)
    doc.embfile_add("vedlegg.txt", b"et vedlegg som ikke skal leses inn")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", "<</S/JavaScript/JS(app.alert('hei'))>>")
    doc.save(path)
    return path


TOC_ENTRIES = [
    ("1 Innledning", 3), ("1.1 Bakgrunn for områdesatsingen", 4), ("1.2 Mandat og metode", 6),
    ("2 Erfaringer fra bydelene", 9), ("2.1 Sysselsetting og kvalifisering", 11), ("2.2 Barnehage og skole", 15),
    ("2.3 Bolig og nærmiljø", 19), ("3 Vurderinger og anbefalinger", 23), ("Vedlegg 1 Tabeller", 31),
]


def toc_and_photo_pdf(path: Path) -> Path:
    """A born-digital report: a table of contents with dot leaders, three pages of text, and a
    full-page picture with no text in it (shapes, as a photo or an illustration page)."""
    doc = pymupdf.open()
    toc = doc.new_page(width=PAGE_W, height=PAGE_H)
    toc.insert_text((LEFT_X, 80), "Innhold", fontsize=18, fontname="hebo")
    y = 120.0
    for title, number in TOC_ENTRIES:
        toc.insert_text((LEFT_X, y), f"{title} {'.' * (70 - len(title))} {number}", fontsize=BODY, fontname="helv")
        y += BODY * 1.8
    for number in range(3):
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        page.insert_text((LEFT_X, 80), f"{number + 1} Kapittel om områdesatsing", fontsize=16, fontname="hebo")
        _lines(page, LEFT_X, 110, ["Bydelen samarbeidet med kommunen og staten om tiltak for barn, unge og familier."] * 20)
    source = pymupdf.open()
    art = source.new_page(width=PAGE_W, height=PAGE_H)
    for i in range(12):
        art.draw_circle((60 + 45 * i, 200 + 30 * (i % 5)), 25 + 3 * i, color=(0.2, 0.3 + 0.05 * i, 0.6), fill=(0.1 * (i % 7), 0.5, 0.08 * i))
        art.draw_rect(pymupdf.Rect(20 * i, 500 + 10 * i, 20 * i + 180, 640 + 12 * i), color=None, fill=(0.9, 0.07 * i, 0.3))
    photo = doc.new_page(width=PAGE_W, height=PAGE_H)
    photo.insert_image(photo.rect, pixmap=art.get_pixmap(dpi=150))
    doc.save(path)
    return path
