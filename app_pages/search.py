"""The search page: query box, filters in the sidebar, a short cited answer, excerpts."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages.shared import esc, get_settings, highlighted, t
from index.answer import short_answer
from index.excerpt import matched_words
from index.export import to_bibtex, to_csv, to_ris
from index.search import MODES, Filters, Hit, QueryError, SearchResult
from index.search import BaseSearcher as Searcher
from ingest.pdf_render import render_page

LANGS = ("nb", "nn", "en")


def read_url_state(searcher: Searcher) -> None:
    """Fill missing widget values from the URL, so a shared link gives the same search.

    Streamlit forgets a widget's value while its page is not shown; the URL keeps
    the search, so coming back from the library restores it too.
    """
    state, params = st.session_state, st.query_params
    state.setdefault("q", params.get("q", ""))
    if "mode" not in state:
        mode = params.get("mode", get_settings().search.mode)
        state["mode"] = mode if mode in MODES else "hybrid"
    state.setdefault("f_docs", [d for d in params.get_all("doc") if d in searcher.documents])
    state.setdefault("f_types", [x for x in params.get_all("type") if x in doc_types(searcher)])
    state.setdefault("f_langs", [x for x in params.get_all("lang") if x in LANGS])
    state.setdefault("f_places", [x for x in params.get_all("place") if x in places(searcher)])
    if "f_years" not in state:
        low, high = year_bounds(searcher)
        try:
            state["f_years"] = (max(low, int(params.get("y0", low))), min(high, int(params.get("y1", high))))
        except ValueError:
            state["f_years"] = (low, high)


def write_url_state(searcher: Searcher) -> None:
    state = st.session_state
    params: dict[str, str | list[str]] = {"q": state["q"]} if state["q"] else {}
    if state["mode"] != "hybrid":
        params["mode"] = state["mode"]
    for key, name in (("f_docs", "doc"), ("f_types", "type"), ("f_langs", "lang"), ("f_places", "place")):
        if state[key]:
            params[name] = state[key]
    low, high = year_bounds(searcher)
    if tuple(state["f_years"]) != (low, high):
        params["y0"], params["y1"] = str(state["f_years"][0]), str(state["f_years"][1])
    if state.get("ui_lang", "nb") != "nb":
        params["ui"] = state["ui_lang"]
    st.query_params.from_dict(params)


def doc_types(searcher: Searcher) -> list[str]:
    return sorted({d.get("doc_type") for d in searcher.documents.values() if d.get("doc_type")})


def places(searcher: Searcher) -> list[str]:
    return sorted({p for d in searcher.documents.values() for p in d.get("places") or ()})


def year_bounds(searcher: Searcher) -> tuple[int, int]:
    years = [d["year"] for d in searcher.documents.values() if d.get("year")] or [2000]
    return min(years), max(max(years), min(years) + 1)


def sidebar_filters(searcher: Searcher) -> Filters:
    with st.sidebar:
        st.header(t("filters"))
        st.radio(t("mode"), MODES, key="mode", format_func=lambda m: t(f"mode_{m}"))
        titles = {doc_id: d.get("title") or doc_id for doc_id, d in searcher.documents.items()}
        st.multiselect(
            t("documents"),
            list(titles),
            key="f_docs",
            placeholder=t("all"),
            format_func=lambda d: f"{titles[d][:60]} ({searcher.documents[d].get('year') or 'u.å.'})",
        )
        st.multiselect(t("doc_type"), doc_types(searcher), key="f_types", placeholder=t("all"))
        low, high = year_bounds(searcher)
        st.slider(t("years"), low, high, key="f_years")
        st.multiselect(
            t("lang_filter"),
            LANGS,
            key="f_langs",
            placeholder=t("all"),
            format_func=lambda x: {"nb": "bokmål", "nn": "nynorsk", "en": "English"}[x],
        )
        st.multiselect(t("place"), places(searcher), key="f_places", placeholder=t("all"))
    low, high = year_bounds(searcher)
    years = st.session_state["f_years"]
    return Filters(
        doc_ids=tuple(st.session_state["f_docs"]),
        types=tuple(st.session_state["f_types"]),
        languages=tuple(st.session_state["f_langs"]),
        places=tuple(st.session_state["f_places"]),
        year_from=years[0] if years[0] > low else None,
        year_to=years[1] if years[1] < high else None,
    )


def render_answer(result: SearchResult, searcher: Searcher) -> None:
    sentences = short_answer(result.hits, set(result.terms), searcher.lexical.analyzer)
    if not sentences:
        return
    st.subheader(t("answer"))
    body = " ".join(f"{esc(s.text)} **\\[{s.hit_rank}\\]**" for s in sentences)
    st.markdown(body, unsafe_allow_html=True)
    st.caption(t("answer_note"))


def where(hit: Hit) -> str:
    p = hit.passage
    if p.page_start is not None:
        start = p.page_label_start or p.page_start
        end = p.page_label_end or p.page_end
        return f"{t('page_word')} {start}" + (f"–{end}" if end != start else "")
    return " › ".join(p.section)


def render_hit(hit: Hit, result: SearchResult, searcher: Searcher) -> None:
    d, p = hit.document, hit.passage
    with st.container(border=True):
        st.markdown(
            f"**\\[{hit.rank}\\] {esc(d.get('title') or p.doc_id)}**  \n{esc(d.get('publisher') or '')} · {d.get('year') or 'u.å.'} · {esc(where(hit))}",
            unsafe_allow_html=True,
        )
        st.markdown("> " + highlighted(hit.excerpt.text, hit.excerpt.matches, hit.excerpt.start), unsafe_allow_html=True)
        with st.expander(t("context")):
            before, after = searcher.neighbours(p)
            if before:
                st.caption(t("before"))
                st.markdown(esc(before.text), unsafe_allow_html=True)
            st.markdown(highlighted(p.text, matched_words(p.text, set(result.terms), searcher.lexical.analyzer)), unsafe_allow_html=True)
            if after:
                st.caption(t("after"))
                st.markdown(esc(after.text), unsafe_allow_html=True)
        st.caption(t("cite"))
        st.code(hit.citation, language=None, wrap_lines=True)
        if hit.sources:
            st.caption(t("also_in") + ": " + "; ".join(s["citation"] for s in hit.sources))
        render_pdf_tools(hit)


def render_pdf_tools(hit: Hit) -> None:
    path = Path(get_settings().corpus.dir) / hit.document.get("file", "")
    if path.suffix.lower() != ".pdf" or not path.exists() or hit.passage.page_start is None:
        return
    left, right = st.columns(2)
    if left.toggle(t("show_page"), key=f"page_{hit.passage.passage_id}"):
        try:
            st.image(render_page(path, hit.passage.page_start, hit.passage.text))
        except (ValueError, RuntimeError) as exc:
            st.warning(str(exc))
    right.download_button(
        t("download_doc"), path.read_bytes(), file_name=path.name, mime="application/pdf", key=f"dl_{hit.passage.passage_id}"
    )


def render_exports(result: SearchResult) -> None:
    st.subheader(t("export"))
    columns = st.columns(3)
    columns[0].download_button("CSV", to_csv(result.hits), file_name="treff.csv", mime="text/csv", key="export_csv")
    columns[1].download_button("BibTeX", to_bibtex(result.hits), file_name="treff.bib", mime="application/x-bibtex", key="export_bib")
    columns[2].download_button(
        "RIS", to_ris(result.hits), file_name="treff.ris", mime="application/x-research-info-systems", key="export_ris"
    )


def render(searcher: Searcher) -> None:
    read_url_state(searcher)
    filters = sidebar_filters(searcher)
    st.text_input(t("search_label"), key="q", help=t("search_help"), placeholder="sysselsetting i Groruddalen")
    write_url_state(searcher)
    query = st.session_state["q"].strip()
    if not query:
        return
    try:
        result = searcher.search(query, k=get_settings().search.k, mode=st.session_state["mode"], filters=filters)
    except QueryError as exc:
        st.info(str(exc))
        return
    if result.corrections:
        st.info(f"{t('also_searched')}: " + ", ".join(esc(v) for v in dict.fromkeys(result.corrections.values())))
    if not result.hits:
        st.warning(t("filters_empty") if result.message.startswith("no documents") else t("no_hits"))
        st.info(t("no_hits_advice"))
        return
    render_answer(result, searcher)
    st.subheader(t("excerpts"))
    st.caption(f"{len(result.hits)} " + t("took", ms=result.took_ms))
    for hit in result.hits:
        render_hit(hit, result, searcher)
    render_exports(result)
