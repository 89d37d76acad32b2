"""The library page: every document with its metadata; open one to read its passages."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import esc, t
from index.search import BaseSearcher as Searcher


def render(searcher: Searcher) -> None:
    st.caption(t("library_intro"))
    rows = [
        {
            "id": doc_id,
            t("title"): d.get("title"),
            t("publisher"): d.get("publisher"),
            t("year"): d.get("year"),
            t("doc_type"): d.get("doc_type"),
            t("lang_filter"): d.get("language"),
            t("pages"): d.get("pages") or None,
            t("passages"): d.get("passages"),
            t("ingested"): (d.get("ingested_at") or "")[:16].replace("T", " "),
            t("metadata_source"): d.get("metadata_source"),
        }
        for doc_id, d in sorted(searcher.documents.items(), key=lambda item: (-(item[1].get("year") or 0), item[0]))
    ]
    st.dataframe(rows, hide_index=True, use_container_width=True)
    titles = {row["id"]: row[t("title")] for row in rows}
    chosen = st.selectbox(
        t("open_doc"), [None, *titles], key="library_doc", format_func=lambda d: "—" if d is None else f"{titles[d]} ({d})"
    )
    if chosen:
        render_document(searcher, chosen)


def render_document(searcher: Searcher, doc_id: str) -> None:
    document = searcher.documents[doc_id]
    st.subheader(document.get("title") or doc_id)
    section = None
    for passage in searcher.passages_of(doc_id):
        if passage.section != section:
            section = passage.section
            st.markdown("#### " + esc(" › ".join(section) or "—"), unsafe_allow_html=True)
        where = f"{t('page_word')} {passage.page_label_start or passage.page_start}" if passage.page_start else ""
        st.caption(f"#{passage.ordinal + 1} {where} · {passage.language}")
        st.markdown(esc(passage.text), unsafe_allow_html=True)
