"""The overview tab ("Sammenstilling"): one row per place and measure in the top results, each
cell a verbatim quote with its source number; grouped by document or place; CSV and XLSX."""

from __future__ import annotations

import streamlit as st

from app_pages.render import esc
from app_pages.texts import lang, t
from index.present.overview import Overview, OverviewRow
from index.present.overview_export import overview_csv, overview_xlsx
from index.query import Filters, Mode
from kb.service import OVERVIEW_HITS, KnowledgeBase


def render(kb: KnowledgeBase, query: str, mode: Mode, filters: Filters) -> None:
    view = kb.overview(query, mode, filters, lang())
    if not view.rows:
        st.info(t("overview_empty"))
        return
    st.caption(t("overview_intro", n=OVERVIEW_HITS))
    st.caption(t("overview_counts", rows=len(view.rows), docs=len(view.documents()), places=len(view.places())))
    render_conflicts(view)
    labels = {g: t(f"group_{g}") for g in ("document", "place")}  # made now: a label function may run after the render
    by = st.radio(t("overview_group"), tuple(labels), key="overview_by", horizontal=True, format_func=labels.__getitem__)
    for heading, rows in groups(view, by, kb):
        st.markdown(f"**{esc(heading)}**", unsafe_allow_html=True)
        st.dataframe([_cells(row) for row in rows], hide_index=True, width="stretch")
    render_downloads(view)


def groups(view: Overview, by: str, kb: KnowledgeBase) -> list[tuple[str, list[OverviewRow]]]:
    out: dict[str, list[OverviewRow]] = {}
    for row in view.rows:
        if by == "document":
            d = row.hit.document
            key = f"{d.title or d.doc_id} ({d.year or 'u.å.'})"
        else:
            key = row.place or t("overview_no_place")
        out.setdefault(key, []).append(row)
    return list(out.items())


def _cells(row: OverviewRow) -> dict[str, str]:
    marker = f" [{row.hit.rank}]"
    return {
        t("place"): row.place,
        t("measure"): row.measure,
        t("theme"): row.theme,
        t("overview_done"): row.done.text + marker,
        t("overview_outcome"): (row.outcome.text + marker) if row.outcome else "",
        t("overview_source"): f"[{row.hit.rank}] {row.hit.citation}",
    }


def render_conflicts(view: Overview) -> None:
    for conflict in view.conflicts:
        values = "; ".join(f"{esc(value)} «{esc(s.text)}» **\\[{s.hit_rank}\\]**" for value, s in conflict.values)
        st.warning(t(f"disagree_{conflict.kind}").format(about=esc(conflict.about)) + " " + values)


def render_downloads(view: Overview) -> None:
    st.caption(t("overview_download"))
    left, right = st.columns(2)
    language = lang()
    left.download_button("CSV", overview_csv(view, language), file_name="sammenstilling.csv", mime="text/csv", key="overview_csv")
    right.download_button(
        "XLSX",
        overview_xlsx(view, language),
        file_name="sammenstilling.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="overview_xlsx",
    )
