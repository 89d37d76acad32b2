"""The reference basket: its count and contents in the sidebar (remove one, empty it, download it
one record per document, the APA 7 reference list), and the buttons that put an excerpt or an
answer sentence in it. The basket is a file under app.user_dir (kb/user), so it survives page
changes, reloads and restarts."""

from __future__ import annotations

import streamlit as st

from app_pages.render import esc
from app_pages.resources import get_user_data
from app_pages.texts import t
from index.present.answer import Answer
from index.present.basket import BasketItem, DocumentQuotes, apa_reference_list, by_document, item_from_hit, item_from_sentence
from index.present.basket_export import BASKET_EXPORTS
from index.search.hits import Hit, SearchResult
from kb.service import KnowledgeBase

SHOWN_CHARS = 160


def render_sidebar(kb: KnowledgeBase) -> None:
    basket = get_user_data().basket
    items = basket.items()
    st.sidebar.markdown(f"**{t('basket_count', n=len(items))}**")
    with st.sidebar.expander(t("basket_show"), key="basket_box"):
        if not items:
            st.caption(t("basket_empty"))
            return
        records = by_document(items, kb.documents)
        st.caption(t("basket_docs", items=len(items), docs=len(records)))
        for item in items:
            with st.container(border=True):
                st.markdown(f"«{esc(_shortened(item.quote))}»", unsafe_allow_html=True)
                st.caption(esc(item.citation), unsafe_allow_html=True)
                st.button(t("basket_remove"), key=f"basket_rm_{item.item_id}", on_click=basket.remove, args=(item.item_id,))
        st.button(t("basket_clear"), key="basket_clear", on_click=basket.clear)
        _downloads(records)
        _references(records)


def _shortened(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1].rsplit(" ", 1)[0] + " …"


def _downloads(records: list[DocumentQuotes]) -> None:
    st.caption(t("basket_export"))
    with st.container(horizontal=True):
        for kind, (write, file_name, mime) in BASKET_EXPORTS.items():
            label = t("basket_apa_file") if kind == "APA" else kind
            st.download_button(label, write(records), file_name=file_name, mime=mime, key=f"basket_export_{kind}", on_click="ignore")


def _references(records: list[DocumentQuotes]) -> None:
    """The list as it will be pasted: titles in italics, one entry a paragraph."""
    st.markdown(f"**{t('basket_references')}**")
    entries = [f"{esc(head)}<em>{esc(title)}</em>{esc(tail)}" for head, title, tail in apa_reference_list(records)]
    st.markdown("\n\n".join(entries), unsafe_allow_html=True)


def toggle_button(item: BasketItem, inside: bool, key: str) -> None:
    """ "Add to basket", or for an item already there "In the basket – remove"."""
    basket = get_user_data().basket
    if inside:
        st.button(t("basket_in"), key=key, on_click=basket.remove, args=(item.item_id,))
    else:
        st.button(t("basket_add"), key=key, on_click=basket.add, args=(item,))


def hit_button(hit: Hit, result: SearchResult, inside: set[str]) -> None:
    item = item_from_hit(hit, result.query)
    toggle_button(item, item.item_id in inside, f"basket_hit_{hit.passage.passage_id}")


def sentence_buttons(answer: Answer, result: SearchResult) -> None:
    """A popover under the short answer: each sentence with its own button."""
    by_rank = {hit.rank: hit for hit in result.hits}
    inside = get_user_data().basket.ids()
    with st.popover(t("basket_sentences")):
        for sentence in answer.sentences:
            item = item_from_sentence(sentence, by_rank[sentence.hit_rank], result.query)
            st.markdown(f"{esc(sentence.text)} **\\[{sentence.hit_rank}\\]**", unsafe_allow_html=True)
            toggle_button(item, item.item_id in inside, f"basket_sentence_{item.item_id}")
