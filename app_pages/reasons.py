"""Why something was refused or failed, in the page's language.

Ingest reports a reason three ways at once (ingest/records.py IngestError): readable
English for the CLI, and a code with values that this module words through the
texts (`why_<code>` in app_pages/texts.py). A reason without a known code is shown
in its English words rather than lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app_pages.render import esc
from app_pages.texts import TEXTS, lang, t
from ingest.records import IngestError
from kb.jobs import FileFailure

NOT_A_PDF = {"HTML": "HTML", "ZIP archive": "zip", "unknown data": "unknown"}  # pdf_reader.open_pdf's kinds


def reason_text(code: str, values: Mapping[str, Any], english: str) -> str:
    """The reason in the UI language (escaped for st.markdown)."""
    key = f"why_{code}"
    if not code or key not in TEXTS:
        return esc(english)
    shown = {name: esc(_number(value)) for name, value in values.items()}
    if code == "upload_kind":
        shown = {"named": t(f"kind_named_{values['named']}"), "holds": t(f"kind_holds_{values['holds']}")}
    elif code == "not_pdf":
        shown["kind"] = t(f"kind_not_pdf_{NOT_A_PDF.get(values.get('kind', ''), 'unknown')}")
    return t(key, **shown)


def refusal(error: IngestError, key: str = "refused") -> str:
    """'Avvist: file: why' for an upload (`key` "not_done": 'Ikke gjort: …' for an edit or deletion)."""
    return t(key, reason=f"{esc(error.path)}: {reason_text(error.code, error.values, error.reason)}")


def failure(file: str, failed: FileFailure) -> str:
    """'Avvist: file: why' for a file the ingest job could not read (and whether its old version stays)."""
    if not failed.code or f"why_{failed.code}" not in TEXTS:
        return t("refused", reason=f"{esc(file)}: {esc(failed.reason)}")
    said = reason_text(failed.code, failed.values, failed.reason)
    return t("refused", reason=f"{esc(file)}: {said}" + (t("why_kept_previous") if failed.kept_previous else ""))


def _number(value: Any) -> str:
    """12.5 -> "12,5" in Norwegian."""
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if lang() == "nb" else text
    return str(value)
