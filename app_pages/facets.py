"""Passage-tag filters in the sidebar: theme, measure and place, each value with its passage count."""

from __future__ import annotations

import streamlit as st

from app_pages.texts import lang, t
from index.tags.taxonomy import theme_names
from kb.service import KnowledgeBase

# session key, URL parameter, tag kind
FACETS = (("f_themes", "theme", "themes"), ("f_measures", "measure", "measures"), ("f_places", "place", "places"))
MAX_OPTIONS = 400  # the most frequent values offered (a big library names thousands of places)


def options(kb: KnowledgeBase, kind: str) -> dict[str, int]:
    return dict(list(kb.tag_counts(kind).items())[:MAX_OPTIONS])


def read_url(kb: KnowledgeBase) -> None:
    """Fill the facet selections from the URL (a shared link gives the same filters)."""
    for key, param, kind in FACETS:
        if key not in st.session_state:
            known = options(kb, kind)
            st.session_state[key] = [v for v in st.query_params.get_all(param) if v in known]


def url_params() -> dict[str, list[str]]:
    return {param: st.session_state[key] for key, param, _ in FACETS if st.session_state.get(key)}


def render(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """The three facet selects (inside the sidebar); the chosen values by tag kind."""
    names = theme_names(lang())
    labels = {"themes": t("theme"), "measures": t("measure"), "places": t("place")}
    chosen = {}
    for key, _, kind in FACETS:
        counts = options(kb, kind)
        if not counts:
            chosen[kind] = ()
            continue
        show = (lambda v, c=counts: f"{names.get(v, v)} ({c.get(v, 0)})") if kind == "themes" else (lambda v, c=counts: f"{v} ({c.get(v, 0)})")
        st.multiselect(
            labels[kind], list(counts), key=key, placeholder=t("all"), format_func=show, help=t(f"facet_help_{kind}"), select_all=False
        )  # Streamlit's "Select all" option is English in either language
        chosen[kind] = tuple(st.session_state[key])
    return chosen
