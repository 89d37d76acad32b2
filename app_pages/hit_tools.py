"""What a user does with a hit besides reading it: put it in the basket, leave its document out
("ikke denne", kept in the URL as `x=doc_id` and shown as removable chips), judge it relevant or
not (kept as feedback under app.user_dir); and the hits grouped per document."""

from __future__ import annotations

import re
from dataclasses import replace

import streamlit as st

from app_pages import basket
from app_pages.resources import get_user_data
from app_pages.texts import t
from index.present.basket import short_title
from index.query import Filters
from index.search.hits import Hit, SearchResult
from kb.service import KnowledgeBase
from kb.user.feedback import feedback_for

EXCLUDED = "f_exclude"  # session state: the documents left out, in the order they were excluded
_LABEL_SPECIALS = re.compile(r"([\\`*_{}\[\]()#|~<>$])")


def label_text(text: str) -> str:
    """Text from documents or users, safe in a widget label (labels read Markdown, not HTML)."""
    return _LABEL_SPECIALS.sub(r"\\\1", text)


def read_exclusions(kb: KnowledgeBase) -> None:
    """The excluded documents from the URL, the first time the page is shown in this session."""
    st.session_state.setdefault(EXCLUDED, [x for x in st.query_params.get_all("x") if x in kb.documents])


def with_exclusions(filters: Filters) -> Filters:
    return replace(filters, exclude_doc_ids=tuple(st.session_state.get(EXCLUDED, ())))


def write_exclusions() -> None:
    """Put the excluded documents into the URL (after the other filters were written there)."""
    if st.session_state.get(EXCLUDED):
        st.query_params["x"] = list(st.session_state[EXCLUDED])
    elif "x" in st.query_params:
        del st.query_params["x"]


def _exclude(doc_id: str) -> None:
    excluded = st.session_state.setdefault(EXCLUDED, [])
    if doc_id not in excluded:
        excluded.append(doc_id)


def _include(doc_id: str) -> None:
    st.session_state[EXCLUDED] = [x for x in st.session_state.get(EXCLUDED, []) if x != doc_id]


def render_exclusion_chips(kb: KnowledgeBase) -> None:
    """One chip per excluded document ("Utelatt: NOU 2020:16 ✕"); a click takes it back."""
    excluded = st.session_state.get(EXCLUDED, [])
    if not excluded:
        return
    with st.container(horizontal=True):
        for doc_id in excluded:
            name = short_title(kb.documents[doc_id]) if doc_id in kb.documents else doc_id
            st.button(t("excluded_chip", doc=label_text(name)), key=f"include_{doc_id}", help=t("excluded_help"), on_click=_include, args=(doc_id,))


def grouped(hits: list[Hit]) -> list[tuple[Hit, ...]]:
    """The hits as one group, or one group per document (in the order of each document's best hit)."""
    if not st.session_state.get("group_docs"):
        return [tuple(hits)]
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.passage.doc_id, []).append(hit)
    return [tuple(group) for group in groups.values()]


def group_header(group: tuple[Hit, ...]) -> str:
    """ "3 treff i NOU 2020:16" """
    name = short_title(group[0].document)
    return t("group_header_one", doc=name) if len(group) == 1 else t("group_header", n=len(group), doc=name)


def group_toggle() -> None:
    st.toggle(t("group_docs"), key="group_docs")


class HitActions:
    """The buttons under every hit of one result, with what the user's files say about them,
    read once per render."""

    def __init__(self, result: SearchResult, filters: Filters):
        user = get_user_data()
        self.result, self.filters = result, filters
        self.in_basket = user.basket.ids()
        self.judged = user.feedback.judged(result.query)

    def render(self, hit: Hit) -> None:
        pid = hit.passage.passage_id
        with st.container(horizontal=True):
            basket.hit_button(hit, self.result, self.in_basket)
            st.button(t("exclude"), key=f"exclude_{pid}", help=t("exclude_help"), on_click=_exclude, args=(hit.passage.doc_id,))
            judged = self.judged.get(pid)
            for relevant, label in ((True, "relevant"), (False, "not_relevant")):
                kind = "primary" if judged is relevant else "secondary"
                st.button(t(label), key=f"judge_{label}_{pid}", type=kind, on_click=_judge, args=(hit, self.result, self.filters, relevant))
        if judged is not None:
            st.caption(t("judged_relevant" if judged else "judged_not_relevant"))


def _judge(hit: Hit, result: SearchResult, filters: Filters, relevant: bool) -> None:
    get_user_data().feedback.add(feedback_for(hit, result, filters, relevant))


def render_feedback_sidebar() -> None:
    """How many judgements there are, and the evaluation-set download."""
    log = get_user_data().feedback
    records = log.records()
    with st.sidebar.expander(t("feedback_count", n=len(records)), key="feedback_box"):
        if not records:
            st.caption(t("feedback_none"))
            return
        st.download_button(
            t("feedback_download"), log.eval_jsonl(), file_name="tilbakemeldinger.jsonl", mime="application/jsonl",
            key="feedback_download", on_click="ignore",
        )  # fmt: skip
