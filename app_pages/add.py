"""Adding documents: upload, check, save into the corpus; a background job makes them searchable.

The page never runs the ingest itself: it starts a job (kb/jobs.py) and polls its
progress, rerunning every half second until the job ends. The job's id is kept in
the URL, so a reload shows the same progress.
"""

from __future__ import annotations

import time

import streamlit as st

from app_pages.texts import t
from ingest.upload import UploadMeta
from kb.jobs import JobStatus
from kb.service import Service

POLL_S = 0.5


def render(service: Service) -> None:
    st.caption(t("add_intro"))
    with st.form("add_form", clear_on_submit=False):
        files = st.file_uploader(t("files"), type=["pdf", "txt", "md"], accept_multiple_files=True, key="upload_files")
        title = st.text_input(t("title"), key="upload_title")
        publisher = st.text_input(t("publisher"), key="upload_publisher")
        year = st.number_input(t("year"), min_value=1900, max_value=2100, value=None, step=1, key="upload_year")
        doc_type = st.text_input(t("doc_type"), key="upload_type", placeholder="rapport, evaluering, NOU, avtale …")
        submitted = st.form_submit_button(t("add_button"))
    if submitted:
        submit(service, files, UploadMeta(title=title, publisher=publisher, year=int(year) if year else None, doc_type=doc_type))
    job_id = st.session_state.get("upload_job") or st.query_params.get("job")
    if job_id:
        show_job(service, job_id)


def submit(service: Service, files, meta: UploadMeta) -> None:
    if not files:
        st.warning(t("need_file"))
        return
    uploads = [(f.name, f.getvalue(), UploadMeta(meta.title or f.name, meta.publisher, meta.year, meta.doc_type)) for f in files]
    refused, job_id = service.add_documents(uploads)
    for reason in refused:
        st.error(t("refused", reason=reason))
    st.session_state["upload_job"] = job_id
    if job_id:
        st.query_params["job"] = job_id
    else:
        st.query_params.pop("job", None)


def show_job(service: Service, job_id: str) -> None:
    status = service.job(job_id)
    if status is None:
        st.warning(t("job_missing", job=job_id))
        return
    if status.active:
        st.progress(status.fraction, text=progress_text(status))
        time.sleep(POLL_S)
        st.rerun()
    if status.state == "failed":
        st.error(t("job_failed", reason=status.error))
        return
    for file_name, doc_id in status.added.items():
        if file_name in status.failed:
            st.error(t("refused", reason=f"{file_name}: {status.failed[file_name]}"))
        else:
            st.success(t("added", file=file_name, doc=doc_id))


def progress_text(status: JobStatus) -> str:
    if status.state == "queued":
        return t("queued")
    if status.stage == "embedding":
        return t("embedding_searchable" if status.searchable else "embedding", done=status.done, total=status.total)
    return t("ingesting", file=status.current or ", ".join(status.added))
