"""The search page: query box, filters in the sidebar, a short cited answer, excerpts."""

from __future__ import annotations

import streamlit as st

from app_pages.render import esc, highlighted
from app_pages.resources import get_settings
from app_pages.texts import TEXTS, t
from index.present.answer import AnswerSentence
from index.present.context import after_part, before_part
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
    state.setdefault("f_places", [x for x in params.get_all("place") if x in places(kb)])
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
    for key, name in (("f_docs", "doc"), ("f_types", "type"), ("f_langs", "lang"), ("f_places", "place")):
        if state[key]:
            params[name] = state[key]
    low, high = year_bounds(kb)
    if tuple(state["f_years"]) != (low, high):
        params["y0"], params["y1"] = str(state["f_years"][0]), str(state["f_years"][1])
    if state.get("ui_lang", "nb") != "nb":
        params["ui"] = state["ui_lang"]
    st.query_params.from_dict(params)


def doc_types(kb: KnowledgeBase) -> list[str]:
    return sorted({d.doc_type for d in kb.documents.values() if d.doc_type})


def places(kb: KnowledgeBase) -> list[str]:
    return sorted({p for d in kb.documents.values() for p in d.places})


def year_bounds(kb: KnowledgeBase) -> tuple[int, int]:
    years = [d.year for d in kb.documents.values() if d.year] or [2000]
    return min(years), max(max(years), min(years) + 1)


def sidebar_filters(kb: KnowledgeBase) -> Filters:
    with st.sidebar:
        st.header(t("filters"))
        st.radio(t("mode"), MODES, key="mode", format_func=lambda m: t(f"mode_{m}"))
        titles = {doc_id: d.title or doc_id for doc_id, d in kb.documents.items()}
        st.multiselect(
            t("documents"),
            list(titles),
            key="f_docs",
            placeholder=t("all"),
            format_func=lambda d: f"{titles[d][:60]} ({kb.documents[d].year or 'u.å.'})",
        )
        st.multiselect(t("doc_type"), doc_types(kb), key="f_types", placeholder=t("all"))
        low, high = year_bounds(kb)
        st.slider(t("years"), low, high, key="f_years")
        st.multiselect(
            t("lang_filter"),
            LANGS,
            key="f_langs",
            placeholder=t("all"),
            format_func=lambda x: {"nb": "bokmål", "nn": "nynorsk", "en": "English"}[x],
        )
        st.multiselect(t("place"), places(kb), key="f_places", placeholder=t("all"))
    low, high = year_bounds(kb)
    years = st.session_state["f_years"]
    return Filters(
        doc_ids=tuple(st.session_state["f_docs"]),
        types=tuple(st.session_state["f_types"]),
        languages=tuple(st.session_state["f_langs"]),
        places=tuple(st.session_state["f_places"]),
        year_from=years[0] if years[0] > low else None,
        year_to=years[1] if years[1] < high else None,
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
    return True


def _quoted(sentence: AnswerSentence) -> str:
    return f"{esc(sentence.text)} **\\[{sentence.hit_rank}\\]**"


def render_hit(hit: Hit, result: SearchResult, kb: KnowledgeBase) -> None:
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
    filters = sidebar_filters(kb)
    st.text_input(t("search_label"), key="q", help=t("search_help"), placeholder="sysselsetting i Groruddalen")
    write_url_state(kb)
    query = st.session_state["q"].strip()
    if not query:
        return
    try:
        result = kb.search(query, k=get_settings().search.k, mode=st.session_state["mode"], filters=filters)
    except QueryError as exc:
        st.info(str(exc))
        return
    if result.corrections:
        st.info(f"{t('also_searched')}: " + ", ".join(esc(v) for v in dict.fromkeys(result.corrections.values())))
    if not result.hits:
        st.warning(t("filters_empty") if result.message.startswith("no documents") else t("no_hits"))
        st.info(t("no_hits_advice"))
        return
    answered = render_answer(result, kb)
    st.subheader(t("excerpts") if answered else t("closest"))
    st.caption(f"{len(result.hits)} " + t("took", ms=result.took_ms) + " · " + t("searched_as", mode=t(f"mode_{result.mode}").split(" (")[0].lower()))
    for hit in result.hits:
        render_hit(hit, result, kb)
    render_exports(result, kb)
