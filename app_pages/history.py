"""Recent and saved searches in the sidebar, each a link that opens the search again with its
filters. A search is kept as the URL parameters the search page writes (kb/user/searches.py)."""

from __future__ import annotations

import hashlib

import streamlit as st

from app_pages.render import esc
from app_pages.resources import get_user_data
from app_pages.texts import TEXTS, lang, t
from kb.user.searches import SearchEntry

NOT_SEARCH = ("ui", "page", "job")  # URL parameters that are not part of a search
SHOWN = 10
_FILTER_LABELS = {"doc": "documents", "type": "doc_type", "lang": "lang_filter", "place": "place", "x": "excluded_word"}


def current_params() -> dict[str, list[str]]:
    """The search the URL holds now (as write_url_state and the exclusions wrote it)."""
    return {key: st.query_params.get_all(key) for key in st.query_params if key not in NOT_SEARCH}


def render_sidebar(searched: bool) -> None:
    """Record the search shown now (when there is one), then list the recent and the saved ones."""
    searches = get_user_data().searches
    if searched:
        searches.record(current_params())
    extra = {"ui": lang()} if lang() != "nb" else {}
    with st.sidebar.expander(t("history"), key="history_box"):
        recent = searches.recent()
        for entry in recent[:SHOWN]:
            st.markdown(_link(entry, entry.query, extra), unsafe_allow_html=True)
        if recent:
            st.button(t("history_clear"), key="history_clear", on_click=searches.clear_history)
        else:
            st.caption(t("history_empty"))
    with st.sidebar.expander(t("saved"), key="saved_box"):
        for entry in searches.saved():
            st.markdown(_link(entry, entry.name, extra), unsafe_allow_html=True)
            digest = hashlib.sha1(entry.name.encode()).hexdigest()[:12]
            st.button(t("saved_delete"), key=f"saved_delete_{digest}", on_click=searches.delete, args=(entry.name,))
        if not searches.saved():
            st.caption(t("saved_empty"))
        st.text_input(t("save_name"), key="save_name")
        st.button(t("save_search"), key="save_search", on_click=_save, disabled=not searched)


def _save() -> None:
    name = st.session_state.get("save_name", "").strip()
    if name and current_params().get("q"):
        get_user_data().searches.save(name, current_params())
        st.session_state["save_name"] = ""


def _link(entry: SearchEntry, label: str, extra: dict[str, str]) -> str:
    """ "[levekår](?q=levek%C3%A5r&…)" and what narrowed it, in small type."""
    return f"[{esc(label)}]({entry.url(extra)})" + (f"  \n<small>{esc(summary)}</small>" if (summary := describe(entry)) else "")


def describe(entry: SearchEntry) -> str:
    """What narrowed the search: "Ordsøk · Dokumenter: menon-2025 · Årstall: 2015–2020"."""
    params = entry.params
    parts = [t(f"mode_{mode}") if f"mode_{mode}" in TEXTS else mode for mode in params.get("mode", [])[:1]]
    if params.get("y0") or params.get("y1"):
        parts.append(f"{t('years')}: {(params.get('y0') or [''])[0]}–{(params.get('y1') or [''])[0]}")
    for key, values in params.items():
        if key in ("q", "mode", "y0", "y1"):
            continue
        label = t(_FILTER_LABELS[key]) if key in _FILTER_LABELS else key
        parts.append(f"{label}: {', '.join(values)}")
    return " · ".join(parts)
