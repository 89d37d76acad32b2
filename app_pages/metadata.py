"""The metadata fields of one document, for the upload form and the library's edit form."""

from __future__ import annotations

import streamlit as st

from app_pages.texts import t
from ingest.catalog_edit import EntryFields
from ingest.records import Document

LANGUAGES = ("", "nb", "nn", "en")
LANGUAGE_NAMES = {"": "—", "nb": "bokmål (nb)", "nn": "nynorsk (nn)", "en": "English (en)"}  # the same in both UI languages


def metadata_fields(prefix: str, document: Document | None = None, title_hint: str = "") -> None:
    """Widgets for a document's fields, keyed `<prefix>_<field>`, filled from `document`; read them
    back with `fields_from_state(prefix)` (in a form's callback or after its submit)."""
    d = document
    st.text_input(t("title"), value=d.title if d else "", key=f"{prefix}_title", placeholder=title_hint)
    left, right = st.columns(2)
    left.text_input(t("publisher"), value=(d.publisher or "") if d else "", key=f"{prefix}_publisher")
    right.text_input(t("author"), value=(d.author or "") if d else "", key=f"{prefix}_author", help=t("author_help"))
    left, middle, right = st.columns(3)
    left.number_input(t("year"), min_value=1800, max_value=2200, value=d.year if d else None, step=1, key=f"{prefix}_year")
    middle.text_input(t("doc_type"), value=(d.doc_type or "") if d else "", key=f"{prefix}_type", placeholder="rapport, evaluering, NOU, avtale …")
    language = (d.language or "") if d else ""
    right.selectbox(
        t("doc_language"), LANGUAGES, index=LANGUAGES.index(language) if language in LANGUAGES else 0, key=f"{prefix}_language",
        format_func=LANGUAGE_NAMES.__getitem__,
    )  # fmt: skip
    st.text_input(t("places"), value=", ".join(d.places) if d else "", key=f"{prefix}_places", help=t("places_help"))
    st.text_area(t("notes"), value=(d.notes or "") if d else "", key=f"{prefix}_notes", height=80)


def fields_from_state(prefix: str) -> EntryFields:
    state = st.session_state
    year = state.get(f"{prefix}_year")
    return EntryFields(
        title=state.get(f"{prefix}_title", ""),
        publisher=state.get(f"{prefix}_publisher", ""),
        author=state.get(f"{prefix}_author", ""),
        year=int(year) if year else None,
        doc_type=state.get(f"{prefix}_type", ""),
        language=state.get(f"{prefix}_language", ""),
        places=tuple(p.strip() for p in state.get(f"{prefix}_places", "").split(",") if p.strip()),
        notes=state.get(f"{prefix}_notes", ""),
    )
