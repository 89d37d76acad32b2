"""The library page: every document with its metadata; open one to read its passages."""

from __future__ import annotations

import streamlit as st

from app_pages.render import esc
from app_pages.texts import t
from index.present.context import reading_parts
from kb.service import KnowledgeBase


def render(kb: KnowledgeBase) -> None:
    st.caption(t("library_intro"))
    rows = [
        {
            "id": doc_id,
            t("title"): d.title,
            t("publisher"): d.publisher,
            t("year"): d.year,
            t("doc_type"): d.doc_type,
            t("lang_filter"): d.language,
            t("pages"): d.pages or None,
            t("passages"): d.passages,
            t("ingested"): (d.ingested_at or "")[:16].replace("T", " "),
            t("metadata_source"): d.metadata_source,
        }
        for doc_id, d in sorted(kb.documents.items(), key=lambda item: (-(item[1].year or 0), item[0]))
    ]
    st.dataframe(rows, hide_index=True, use_container_width=True)
    titles = {row["id"]: row[t("title")] for row in rows}
    chosen = st.selectbox(
        t("open_doc"), [None, *titles], key="library_doc", format_func=lambda d: "—" if d is None else f"{titles[d]} ({d})"
    )
    if chosen:
        render_document(kb, chosen)


def render_document(kb: KnowledgeBase, doc_id: str) -> None:
    document = kb.documents[doc_id]
    st.subheader(document.title or doc_id)
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
