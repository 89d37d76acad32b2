"""The texts of the overview, the tag facets and the ingest warnings (nb, en); app_pages/texts.py
merges them into TEXTS."""

from __future__ import annotations

TAG_TEXTS: dict[str, tuple[str, str]] = {
    # passage tags and the overview (index/tags, index/present/overview.py)
    "theme": ("Tema", "Theme"),
    "measure": ("Tiltak", "Measure"),
    "facet_help_themes": (
        "Avsnitt merket med temaet (tallet er antall avsnitt i biblioteket).",
        "Passages tagged with the theme (the number counts passages in the library).",
    ),
    "facet_help_measures": (
        "Avsnitt som nevner tiltaket eller programmet ved navn.",
        "Passages that name the measure or programme.",
    ),
    "facet_help_places": (
        "Avsnitt som nevner stedet eller et sted i det (Oslo tar med bydelene).",
        "Passages that name the place or a place within it (Oslo includes its districts).",
    ),
    "tab_hits": ("Treff", "Results"),
    "tab_overview": ("Sammenstilling", "Overview"),
    "overview_intro": (
        "Hva ble prøvd hvor, og hva kom ut av det: én rad per sted og tiltak i de {n} beste treffene. Hver celle er et ordrett sitat; tallet viser til kilden.",
        "What was tried where, and what came of it: one row per place and measure in the {n} best results. Every cell is a verbatim quote; the number points to the source.",
    ),
    "overview_group": ("Grupper etter", "Group by"),
    "group_document": ("dokument", "document"),
    "group_place": ("sted", "place"),
    "overview_done": ("Hva ble gjort", "What was done"),
    "overview_outcome": ("Hva kom ut av det", "What came of it"),
    "overview_source": ("Kilde", "Source"),
    "overview_empty": (
        "Treffene nevner ingen steder eller tiltak ved navn; prøv et spørsmål om tiltak, f.eks. «tiltak for sysselsetting».",
        "The results name no places or measures; try a question about measures, e.g. “employment measures”.",
    ),
    "overview_counts": ("{rows} rader fra {docs} dokumenter og {places} steder", "{rows} rows from {docs} documents and {places} places"),
    "overview_no_place": ("(uten sted)", "(no place)"),
    "overview_download": ("Last ned sammenstillingen", "Download the overview"),
    "conflict_intro": ("Kildene er uenige", "The sources disagree"),

    # a document's ingest warnings (app_pages/warnings.py); the English is the ingest's own words
    "warn_ocr": ("OCR:", "OCR:"),
    "warn_ocr_read": ("{n} side(r) lest med OCR ({why}; sidene {pages})", "{n} page(s) read by OCR ({why}; pages {pages})"),
    "warn_ocr_images": ("{n} bildeside(r) uten tekst er ikke lest (sidene {pages})", "{n} image page(s) without text left alone (pages {pages})"),
    "warn_ocr_empty": ("{n} side(r) der OCR ikke fant tekst (sidene {pages})", "{n} page(s) where OCR found no text (pages {pages})"),
    "warn_ocr_kept": (
        "{n} side(r) der tekstlaget er beholdt fordi OCR leste dårligere (sidene {pages})",
        "{n} page(s) whose text layer was kept (OCR read worse) (pages {pages})",
    ),
    "warn_with": ("{n} {why}", "{n} with {why}"),
    "warn_why_no_layer": ("uten tekstlag", "no text layer"),
    "warn_why_unmapped": ("med uleselig tekst (skrift uten Unicode-tabell)", "unreadable text (fonts without Unicode mapping)"),
    "warn_and_more": (" og {n} til", " and {n} more"),
    "warn_no_ocr": ("side {n}: {why}; OCR er ikke tilgjengelig ({detail})", "page {n} has {why}; OCR is not available ({detail})"),
    "warn_repaired": ("filen var skadet og ble reparert av MuPDF", "the file was damaged and repaired by MuPDF"),
    "warn_attachments": ("{n} vedlagt(e) fil(er) er ikke lagt inn", "{n} attached file(s) not ingested"),
    "warn_javascript": ("inneholder JavaScript, som aldri kjøres", "contains JavaScript, which is never run"),

}
