"""Adding documents: upload, give each file its metadata, check, save into the corpus; a
background job makes them searchable.

The page never runs the ingest itself: it starts a job (kb/jobs.py) and polls its
progress (app_pages/job_view.py). The job's id is kept in the URL, so a reload shows
the same progress. After a submission that saved something, the form starts empty
(its widgets get new keys: a file uploader cannot be emptied otherwise).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app_pages.job_view import show_job
from app_pages.metadata import fields_from_state, metadata_fields
from app_pages.reasons import refusal
from app_pages.render import esc
from app_pages.resources import get_settings
from app_pages.texts import t
from index.backends.base import StoreError
from ingest.records import IngestError
from kb.service import Service


def form_round() -> int:
    """Which fresh copy of the form is shown (raised after each successful submission)."""
    return st.session_state.setdefault("upload_round", 0)


# The file uploader's own words ("Upload", "200MB per file") are English in Streamlit; these rules
# put the page's words in their place (the pinned Streamlit's element test ids).
UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{ content: "{button}"; font-size: 1rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{limit}"; font-size: 0.875rem; }}
</style>"""


def render(service: Service) -> None:
    st.caption(t("add_intro"))
    limit = get_settings().app.upload_max_mb
    st.html(UPLOADER_CSS.format(button=t("upload_button"), limit=t("upload_limit", mb=f"{limit:g}")))
    number = form_round()
    files = st.file_uploader(t("files"), type=["pdf", "txt", "md"], accept_multiple_files=True, key=f"upload_files_{number}")
    for error in st.session_state.get("upload_refused", []):
        st.error(refusal(error))
    if files:
        with st.form(f"add_form_{number}"):
            if len(files) > 1:
                st.caption(t("per_file_metadata"))
            for upload in files:
                with st.container(border=True):
                    st.markdown(f"**{esc(upload.name)}**", unsafe_allow_html=True)
                    metadata_fields(field_prefix(number, upload.file_id), title_hint=upload.name)
            st.form_submit_button(t("add_button"), on_click=submit, args=(service,), key=f"upload_submit_{number}")
    job_id = st.session_state.get("upload_job") or st.query_params.get("job")
    if job_id:
        show_job(service, job_id)


def field_prefix(number: int, file_id: str) -> str:
    return f"upload_{number}_{file_id}"


def submit(service: Service) -> None:
    """The form's callback: save the files with their metadata, start the job, empty the form."""
    state = st.session_state
    number = form_round()
    files = state.get(f"upload_files_{number}") or []  # the form is shown only with files chosen
    uploads = []
    for upload in files:
        fields = fields_from_state(field_prefix(number, upload.file_id))
        uploads.append((upload.name, upload.getvalue(), fields if fields.title.strip() else replace(fields, title=upload.name)))
    try:
        refused, job_id = service.add_documents(uploads)
    except StoreError as exc:  # the library cannot be read, so duplicates cannot be told
        state["upload_refused"] = [IngestError(", ".join(u[0] for u in uploads), str(exc))]
        return
    state["upload_refused"] = refused
    if job_id:
        state["upload_job"], state["upload_round"] = job_id, number + 1
        st.query_params["job"] = job_id
    else:
        state.pop("upload_job", None)
        st.query_params.pop("job", None)
