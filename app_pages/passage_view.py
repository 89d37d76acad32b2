"""A hit's passage in its context (between its neighbours) and, for a PDF, its page and file."""

from __future__ import annotations

import streamlit as st

from app_pages.render import esc, highlighted
from app_pages.texts import t
from index.present.context import after_part, before_part
from index.search.hits import Hit, SearchResult
from kb.service import KnowledgeBase


def render_context(hit: Hit, result: SearchResult, kb: KnowledgeBase) -> None:
    """The passage between its neighbours, each sentence once; the cited passage framed, the excerpt marked."""
    before, after = kb.neighbours(hit.passage)
    if text := before_part(before, hit.passage).strip():
        st.caption(t("before"))
        st.markdown(esc(text), unsafe_allow_html=True)
    excerpt = (hit.excerpt.start, hit.excerpt.end)
    with st.container(border=True):
        st.caption(t("cited_passage"))
        st.markdown(highlighted(hit.passage.text, [excerpt]), unsafe_allow_html=True)
    if text := after_part(hit.passage, after).strip():
        st.caption(t("after"))
        st.markdown(esc(text), unsafe_allow_html=True)


def render_pdf_tools(hit: Hit, kb: KnowledgeBase) -> None:
    path = kb.source_pdf(hit)
    if path is None:
        return
    left, right = st.columns(2)
    if left.toggle(t("show_page"), key=f"page_{hit.passage.passage_id}"):
        try:
            st.image(kb.page_image(hit))
        except (ValueError, RuntimeError) as exc:
            st.warning(str(exc))
    right.download_button(
        t("download_doc"), path.read_bytes(), file_name=path.name, mime="application/pdf", key=f"dl_{hit.passage.passage_id}"
    )
