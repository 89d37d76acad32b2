"""The progress and outcome of a background ingest job (an upload, an edit or a deletion).

While the job runs the page reruns every half second; when it ends, the outcome is
said per file in the page's language.
"""

from __future__ import annotations

import time

import streamlit as st

from app_pages.reasons import failure
from app_pages.render import esc
from app_pages.texts import t
from kb.jobs import JobStatus
from kb.service import Service

POLL_S = 0.5


def show_job(service: Service, job_id: str) -> JobStatus | None:
    """Progress while the job runs (the page reruns until it ends), then its outcome."""
    status = service.job(job_id)
    if status is None:
        st.warning(t("job_missing", job=esc(job_id)))
        return None
    if status.active:
        st.progress(status.fraction, text=progress_text(status))
        time.sleep(POLL_S)
        st.rerun()
    if status.state == "failed":
        st.error(t("job_failed", reason=esc(status.error)))
        return status
    for file_name, doc_id in status.files.items():
        if file_name in status.failed:
            st.error(failure(file_name, status.failed[file_name]))
        else:
            key = "added" if status.action == "add" else f"done_{status.action}"
            st.success(t(key, file=esc(file_name), doc=esc(doc_id), version=esc(status.version)))
    return status


def progress_text(status: JobStatus) -> str:
    if status.state == "queued":
        return t("queued")
    if status.stage == "embedding":
        return t("embedding_searchable" if status.searchable else "embedding", done=status.done, total=status.total)
    if status.action != "add":
        return t("publishing_change")
    return t("ingesting", file=status.current or ", ".join(status.files))
