"""Adding documents: upload, check, save into the corpus, ingest, searchable at once."""

from __future__ import annotations

import streamlit as st

from app_pages.shared import get_settings, t
from index.build import IndexBuild
from index.store import StoreError
from ingest.pipeline import run_ingest
from ingest.records import IngestError
from ingest.upload import UploadMeta, save_upload


def render() -> None:
    settings = get_settings()
    st.caption(t("add_intro"))
    with st.form("add_form", clear_on_submit=False):
        files = st.file_uploader(t("files"), type=["pdf", "txt", "md"], accept_multiple_files=True, key="upload_files")
        title = st.text_input(t("title"), key="upload_title")
        publisher = st.text_input(t("publisher"), key="upload_publisher")
        year = st.number_input(t("year"), min_value=1900, max_value=2100, value=None, step=1, key="upload_year")
        doc_type = st.text_input(t("doc_type"), key="upload_type", placeholder="rapport, evaluering, NOU, avtale …")
        submitted = st.form_submit_button(t("add_button"))
    if not submitted:
        return
    if not files:
        st.warning(t("need_file"))
        return
    added = []
    for upload in files:
        meta = UploadMeta(title=title or upload.name, publisher=publisher, year=int(year) if year else None, doc_type=doc_type)
        try:
            file_name, doc_id = save_upload(upload.name, upload.getvalue(), meta, settings)
        except IngestError as exc:
            st.error(t("refused", reason=f"{upload.name}: {exc.reason}"))
            continue
        added.append((file_name, doc_id))
    if not added:
        return
    bar = st.progress(0.0, text=t("ingesting", file=", ".join(f for f, _ in added)))
    try:
        report = run_ingest(settings, IndexBuild(), lambda path, n, total: bar.progress(n / total, text=t("ingesting", file=path.name)))
    except (StoreError, IngestError) as exc:
        st.error(str(exc))
        return
    bar.progress(1.0)
    failed = {o.file: o.message for o in report.failed}
    for file_name, doc_id in added:
        if file_name in failed:
            st.error(t("refused", reason=f"{file_name}: {failed[file_name]}"))
        else:
            st.success(t("added", file=file_name, doc=doc_id))
