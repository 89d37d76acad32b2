"""Streamlit app: search the områdesatsing knowledge base and cite what it says.

Run with `make run` (http://localhost:8501). Pages: search, library, add documents.
"""

from __future__ import annotations

import streamlit as st

from app_pages import add, library, search
from app_pages.shared import esc, get_searcher, get_settings, t
from index.store import StoreError

st.set_page_config(page_title="Områdesatsing – kunnskapsbase", page_icon="📚", layout="wide")

PAGES = ("search", "library", "add")


def choose_language() -> None:
    if "ui_lang" not in st.session_state:
        wanted = st.query_params.get("ui", get_settings().app.language)
        st.session_state["ui_lang"] = wanted if wanted in ("nb", "en") else "nb"
    st.sidebar.radio(
        "Språk / Language", ("nb", "en"), key="ui_lang", horizontal=True, format_func=lambda x: {"nb": "Norsk (bokmål)", "en": "English"}[x]
    )


def choose_page() -> str:
    if "page" not in st.session_state:
        wanted = st.query_params.get("page", "search")
        st.session_state["page"] = wanted if wanted in PAGES else "search"
    return st.sidebar.radio(t("nav"), PAGES, key="page", format_func=lambda p: t(f"page_{p}"))


def main() -> None:
    choose_language()
    page = choose_page()
    st.title(t("app_title"))
    if page == "add":
        add.render()
        return
    try:
        searcher = get_searcher()
    except StoreError as exc:  # a database that does not answer, a store built with another embedder
        st.error(t("store_error", reason=esc(str(exc))))
        return
    if searcher is None:
        st.info(t("no_index"))
        return
    if page == "library":
        library.render(searcher)
    else:
        search.render(searcher)


main()
