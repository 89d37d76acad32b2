"""The library page: every document with its metadata and what the ingest found (pages, pages
read by OCR, warnings); open one to read its passages, edit its metadata or delete it.

An edit or a deletion is made in the corpus at once and published by a background
ingest job (kb/library.py, kb/jobs.py); the page shows the job's progress and its
outcome, then the published version.
"""

from __future__ import annotations

import streamlit as st

from app_pages.job_view import show_job
from app_pages.metadata import fields_from_state, metadata_fields
from app_pages.reasons import refusal
from app_pages.render import esc
from app_pages.texts import TEXTS, t
from app_pages.warnings import warning_text
from index.present.context import reading_parts
from ingest.records import Document, IngestError
from kb.service import KnowledgeBase, Service


def render(service: Service, kb: KnowledgeBase) -> None:
    st.caption(t("library_intro"))
    if error := st.session_state.get("library_error"):
        st.error(refusal(error, "not_done"))
    if job_id := st.session_state.get("library_job"):
        status = show_job(service, job_id)
        if status is not None and service.published_name() != kb.name:
            st.rerun()  # the job published after this render took its view: show the new version
    documents = sorted(kb.documents.values(), key=lambda d: (-(d.year or 0), d.doc_id))
    st.table([table_row(d) for d in documents])
    titles = {d.doc_id: d.title or d.doc_id for d in documents}
    if st.session_state.get("library_doc") not in (None, *titles):
        st.session_state["library_doc"] = None  # deleted in the version just published (set, so the browser shows it too)
    chosen = st.selectbox(
        t("open_doc"), [None, *titles], key="library_doc", format_func=lambda d: "—" if d is None else f"{titles[d]} ({d})"
    )
    if chosen:
        render_document(service, kb, kb.documents[chosen])


def table_row(d: Document) -> dict[str, object]:
    return {
        "id": d.doc_id,
        t("title"): d.title,
        t("publisher"): d.publisher or "",
        t("year"): str(d.year or ""),
        t("doc_type"): d.doc_type or "",
        t("lang_filter"): d.language or "",
        t("pages_ocr"): f"{d.pages} ({d.ocr_pages})" if d.pages else "",
        t("passages"): str(d.passages),
        t("warnings"): str(len(d.warnings) or ""),
    }


def render_document(service: Service, kb: KnowledgeBase, document: Document) -> None:
    st.subheader(document.title or document.doc_id)
    st.caption(facts(document))
    for warning in document.warnings:
        st.warning(warning_text(warning))
    with st.expander(t("edit_metadata")):
        prefix = f"edit_{document.doc_id}_{kb.name}"  # a newly published version fills the form afresh
        with st.form(f"edit_form_{document.doc_id}"):
            metadata_fields(prefix, document)
            st.form_submit_button(t("save_metadata"), on_click=save_edit, args=(service, document, prefix), key=f"edit_save_{document.doc_id}")
    with st.expander(t("delete_doc")):
        confirmed = st.checkbox(t("delete_confirm", title=document.title, file=document.file), key=f"delete_confirm_{document.doc_id}")
        st.button(t("delete_button"), disabled=not confirmed, on_click=delete, args=(service, document), key=f"delete_{document.doc_id}", type="primary")
    render_passages(kb, document.doc_id)


def facts(d: Document) -> str:
    """"fil.pdf · sider: 12 (lest med OCR: 3) · 40 avsnitt · advarsler: 2 · lagt inn … · metadata fra: …"."""
    parts = [esc(d.file)]
    if d.pages:
        parts.append(t("pages_read", pages=d.pages, ocr=d.ocr_pages))
    parts.append(f"{d.passages} {t('passages').lower()}")
    parts.append(t("warning_count", count=len(d.warnings)) if d.warnings else t("no_warnings"))
    parts.append(f"{t('ingested').lower()} {(d.ingested_at or '')[:16].replace('T', ' ')}")
    source = f"source_{d.metadata_source.replace(' ', '_')}"
    parts.append(f"{t('metadata_source').lower()}: {t(source) if source in TEXTS else d.metadata_source}")
    return " · ".join(parts)


def save_edit(service: Service, document: Document, prefix: str) -> None:
    _start(lambda: service.edit_document(document, fields_from_state(prefix)))


def delete(service: Service, document: Document) -> None:
    if _start(lambda: service.delete_document(document)):
        st.session_state["library_doc"] = None  # set, not removed: the browser would keep showing its own choice


def _start(change) -> bool:
    """Make the change and remember its job (or why it was not made) for the page; True when made."""
    state = st.session_state
    state.pop("library_error", None)
    try:
        state["library_job"] = change()
        return True
    except IngestError as exc:
        state["library_error"] = exc
        state.pop("library_job", None)  # an earlier job's outcome is not this change's
        return False


def render_passages(kb: KnowledgeBase, doc_id: str) -> None:
    section = None
    for passage, text in reading_parts(kb.passages_of(doc_id)):  # each sentence once: overlaps are shown once
        if not text.strip():
            continue
        if passage.section != section:
            section = passage.section
            st.markdown("#### " + esc(" › ".join(section) or "—"), unsafe_allow_html=True)
        where = passage.location(t("page_word")) if passage.page_start else ""
        st.caption(f"#{passage.ordinal + 1} {where} · {passage.language}")
        st.markdown(esc(text.strip()), unsafe_allow_html=True)
