"""Streamlit app: search the områdesatsing knowledge base and cite what it says.

Run with `make run` (http://localhost:8501). Pages: search, library, add documents.
Every page talks to the knowledge base through kb/service.py.
"""

from __future__ import annotations

import streamlit as st

from app_pages import add, library, search
from app_pages.render import esc
from app_pages.resources import get_service, get_settings
from app_pages.texts import t
from index.backends.base import StoreError

st.set_page_config(page_title="Områdesatsing – kunnskapsbase", page_icon="📚", layout="wide")

PAGES = ("search", "library", "add")
# Radio groups whose option labels are texts in the UI language. The browser keeps a radio's
# choice as its label, so after a switch of language it would match no option and show none
# chosen; setting the value again makes the server send it with the new label.
RELABELED = ("page", "mode", "overview_by")  # app.py, app_pages/search.py, app_pages/overview.py


def choose_language() -> None:
    if "ui_lang" not in st.session_state:
        wanted = st.query_params.get("ui", get_settings().app.language)
        st.session_state["ui_lang"] = wanted if wanted in ("nb", "en") else "nb"
    st.sidebar.radio(
        "Språk / Language", ("nb", "en"), key="ui_lang", horizontal=True, format_func=lambda x: {"nb": "Norsk (bokmål)", "en": "English"}[x],
        on_change=relabel,
    )  # fmt: skip


def relabel() -> None:
    for key in RELABELED:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def choose_page() -> str:
    if "page" not in st.session_state:
        wanted = st.query_params.get("page", "search")
        st.session_state["page"] = wanted if wanted in PAGES else "search"
    labels = {p: t(f"page_{p}") for p in PAGES}  # in the language of this run
    return st.sidebar.radio(t("nav"), PAGES, key="page", format_func=labels.__getitem__)


def main() -> None:
    choose_language()
    page = choose_page()
    st.title(t("app_title"))
    service = get_service()
    if page == "add":
        add.render(service)
        return
    try:
        kb = service.current()
    except StoreError as exc:  # a database that does not answer, a store built with another embedder
        st.error(t("store_error", reason=esc(str(exc))))
        return
    if kb is None:
        st.info(t("no_index"))
        return
    search.render_semantic_status(service, kb)
    if page == "library":
        library.render(service, kb)
    else:
        search.render(kb)


main()
