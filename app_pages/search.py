"""The search page: query box, filters in the sidebar, a short cited answer, excerpts."""

from __future__ import annotations

import streamlit as st

from app_pages import basket, facets, history, hit_tools, overview
from app_pages.passage_view import render_context, render_pdf_tools
from app_pages.render import esc, highlighted
from app_pages.resources import get_settings
from app_pages.texts import TEXTS, t
from index.present.answer import AnswerSentence
from index.query import MODES, Filters, QueryError
from index.search.hits import Hit, SearchResult
from kb.service import EXPORTS, KnowledgeBase, Service

LANGS = ("nb", "nn", "en")


def read_url_state(kb: KnowledgeBase) -> None:
    """Fill missing widget values from the URL, so a shared link gives the same search.

    Streamlit forgets a widget's value while its page is not shown; the URL keeps
    the search, so coming back from the library restores it too.
    """
    state, params = st.session_state, st.query_params
    state.setdefault("q", params.get("q", ""))
    if "mode" not in state:
        mode = params.get("mode", get_settings().search.mode)
        state["mode"] = mode if mode in MODES else "hybrid"
    state.setdefault("f_docs", [d for d in params.get_all("doc") if d in kb.documents])
    state.setdefault("f_types", [x for x in params.get_all("type") if x in doc_types(kb)])
    state.setdefault("f_langs", [x for x in params.get_all("lang") if x in LANGS])
    facets.read_url(kb)
    if "f_years" not in state:
        low, high = year_bounds(kb)
        try:
            state["f_years"] = (max(low, int(params.get("y0", low))), min(high, int(params.get("y1", high))))
        except ValueError:
            state["f_years"] = (low, high)


def write_url_state(kb: KnowledgeBase) -> None:
    state = st.session_state
    params: dict[str, str | list[str]] = {"q": state["q"]} if state["q"] else {}
    if state["mode"] != "hybrid":
        params["mode"] = state["mode"]
    for key, name in (("f_docs", "doc"), ("f_types", "type"), ("f_langs", "lang")):
        if state[key]:
            params[name] = state[key]
    params.update(facets.url_params())
    low, high = year_bounds(kb)
    if tuple(state["f_years"]) != (low, high):
        params["y0"], params["y1"] = str(state["f_years"][0]), str(state["f_years"][1])
    if state.get("ui_lang", "nb") != "nb":
        params["ui"] = state["ui_lang"]
    st.query_params.from_dict(params)


def doc_types(kb: KnowledgeBase) -> list[str]:
    return sorted({d.doc_type for d in kb.documents.values() if d.doc_type})


def year_bounds(kb: KnowledgeBase) -> tuple[int, int]:
    years = [d.year for d in kb.documents.values() if d.year] or [2000]
    return min(years), max(max(years), min(years) + 1)


def sidebar_filters(kb: KnowledgeBase) -> Filters:
    with st.sidebar:
        st.header(t("filters"))
        modes = {m: t(f"mode_{m}") for m in MODES}  # made now: a label function may run after the render
        st.radio(t("mode"), MODES, key="mode", format_func=modes.__getitem__)
        titles = {doc_id: d.title or doc_id for doc_id, d in kb.documents.items()}
        st.multiselect(
            t("documents"),
            list(titles),
            key="f_docs",
            placeholder=t("all"),
            format_func=lambda d: f"{titles[d][:60]} ({kb.documents[d].year or 'u.å.'})",
            select_all=False,  # Streamlit's "Select all" option is English in either language
        )
        st.multiselect(t("doc_type"), doc_types(kb), key="f_types", placeholder=t("all"), select_all=False)
        low, high = year_bounds(kb)
        st.slider(t("years"), low, high, key="f_years")
        st.multiselect(
            t("lang_filter"),
            LANGS,
            key="f_langs",
            placeholder=t("all"),
            format_func=lambda x: {"nb": "bokmål", "nn": "nynorsk", "en": "English"}[x],
            select_all=False,
        )
        tags = facets.render(kb)
    low, high = year_bounds(kb)
    years = st.session_state["f_years"]
    return Filters(
        doc_ids=tuple(st.session_state["f_docs"]),
        types=tuple(st.session_state["f_types"]),
        languages=tuple(st.session_state["f_langs"]),
        places=tags["places"],
        year_from=years[0] if years[0] > low else None,
        year_to=years[1] if years[1] < high else None,
        themes=tags["themes"],
        measures=tags["measures"],
    )


WITHHELD_REASONS = ("markup", "unknown_words", "too_far")


def render_answer(result: SearchResult, kb: KnowledgeBase) -> bool:
    """The short answer, or a plain statement that the sources do not answer; True when answered."""
    answer = kb.answer(result)
    if answer.withheld and answer.reason == "no_sentences":
        st.info(t("no_answer_no_sentences"))
        return False
    if answer.withheld:
        st.warning(t("no_answer"))
        st.caption(t(f"no_answer_{answer.reason}") if answer.reason in WITHHELD_REASONS else "")
        return False
    st.subheader(t("answer"))
    if any(s.place for s in answer.sentences):  # several places: one line per source, its place first
        lines, current = [], None
        for s in answer.sentences:
            quoted = _quoted(s)
            if s.hit_rank == current:
                lines[-1] += " " + quoted
            else:
                lines.append(f"- **{esc(s.place or '')}:** {quoted}" if s.place else f"- {quoted}")
            current = s.hit_rank
        st.markdown("\n".join(lines), unsafe_allow_html=True)
    else:
        st.markdown(" ".join(_quoted(s) for s in answer.sentences), unsafe_allow_html=True)
    for disagreement in answer.disagreements:
        values = "; ".join(f"{esc(value)} «{esc(s.text)}» **\\[{s.hit_rank}\\]**" for value, s in disagreement.values)
        st.warning(t(f"disagree_{disagreement.kind}").format(about=esc(disagreement.about)) + " " + values)
    st.caption(t("answer_note"))
    basket.sentence_buttons(answer, result)
    return True


def _quoted(sentence: AnswerSentence) -> str:
    return f"{esc(sentence.text)} **\\[{sentence.hit_rank}\\]**"


def render_hits(result: SearchResult, kb: KnowledgeBase, filters: Filters) -> None:
    """The hits in rank order, or under one header per document ("3 treff i NOU 2020:16")."""
    hit_tools.group_toggle()
    actions = hit_tools.HitActions(result, filters)
    for group in hit_tools.grouped(result.hits):
        if st.session_state.get("group_docs"):
            st.markdown(f"#### {esc(hit_tools.group_header(group))}", unsafe_allow_html=True)
        for hit in group:
            render_hit(hit, result, kb, actions)


def render_hit(hit: Hit, result: SearchResult, kb: KnowledgeBase, actions: hit_tools.HitActions | None = None) -> None:
    d, p = hit.document, hit.passage
    with st.container(border=True):
        st.markdown(
            f"**\\[{hit.rank}\\] {esc(d.title or p.doc_id)}**  \n{esc(d.publisher or '')} · {d.year or 'u.å.'} · {esc(hit.location(t('page_word')))}",
            unsafe_allow_html=True,
        )
        st.markdown("> " + highlighted(hit.excerpt.text, hit.excerpt.matches, hit.excerpt.start), unsafe_allow_html=True)
        with st.expander(t("context")):
            render_context(hit, result, kb)
        st.caption(t("cite"))
        st.code(hit.citation, language=None, wrap_lines=True)
        if hit.sources:
            st.caption(t("also_in") + ": " + "; ".join(s.citation for s in hit.sources))
        render_pdf_tools(hit, kb)
        if actions is not None:
            actions.render(hit)


def render_exports(result: SearchResult, kb: KnowledgeBase) -> None:
    st.subheader(t("export"))
    for column, kind in zip(st.columns(len(EXPORTS)), EXPORTS, strict=True):
        export = kb.export(result, kind)
        column.download_button(kind, export.data, file_name=export.file_name, mime=export.mime, key=f"export_{kind.lower()[:3]}")


SEMANTIC_POLL_S = 3


def render_semantic_status(service: Service, kb: KnowledgeBase) -> None:
    """While the published version is searchable by words only: say what works now and how far the
    semantic index has come; the page reruns by itself when a newer version is published."""
    if not kb.semantic_ready:
        _semantic_progress(service, kb.name, kb.dense_available)


@st.fragment(run_every=SEMANTIC_POLL_S)
def _semantic_progress(service: Service, shown: str, partial: bool) -> None:
    if service.published_name() != shown:
        st.rerun()  # the whole page, on the newer version
    progress = service.build_progress()
    if progress is None:
        st.info(t("semantic_missing_new" if partial else "semantic_missing"))
    elif progress.stage == "embedding":
        key = "semantic_building_new" if partial else "semantic_building"
        st.info(t(key, done=_count(progress.done), total=_count(progress.total)))
    else:
        st.info(t("semantic_finishing", stage=t(f"stage_{progress.stage}") if f"stage_{progress.stage}" in TEXTS else progress.stage))


def _count(number: int) -> str:
    """1 095 in Norwegian, 1,095 in English."""
    return f"{number:,}".replace(",", "\u00a0" if st.session_state.get("ui_lang", "nb") == "nb" else ",")


def render(kb: KnowledgeBase) -> None:
    read_url_state(kb)
    hit_tools.read_exclusions(kb)
    filters = hit_tools.with_exclusions(sidebar_filters(kb))
    basket.render_sidebar(kb)
    st.text_input(t("search_label"), key="q", help=t("search_help"), placeholder="sysselsetting i Groruddalen")
    write_url_state(kb)
    hit_tools.write_exclusions()
    query = st.session_state["q"].strip()
    history.render_sidebar(searched=bool(query))
    hit_tools.render_feedback_sidebar()
    hit_tools.render_exclusion_chips(kb)
    if not query:
        return
    try:
        result = kb.search(query, k=get_settings().search.k, mode=st.session_state["mode"], filters=filters)
    except QueryError as exc:
        st.info(str(exc))
        return
    if result.model_notice:
        st.caption(t(result.model_notice, reason=esc(result.model_problem)) if result.model_problem else t(result.model_notice))
    if result.corrections:
        st.info(f"{t('also_searched')}: " + ", ".join(esc(v) for v in dict.fromkeys(result.corrections.values())))
    if not result.hits:
        st.warning(t("filters_empty") if result.message.startswith("no documents") else t("no_hits"))
        st.info(t("no_hits_advice"))
        return
    answered = render_answer(result, kb)
    hits_tab, overview_tab = st.tabs([t("tab_hits"), t("tab_overview")])
    with hits_tab:
        st.subheader(t("excerpts") if answered else t("closest"))
        st.caption(f"{len(result.hits)} " + t("took", ms=result.took_ms) + " · " + t("searched_as", mode=t(f"mode_{result.mode}").split(" (")[0].lower()))
        render_hits(result, kb, filters)
        render_exports(result, kb)
    with overview_tab:
        overview.render(kb, query, st.session_state["mode"], filters)
