"""The user's files under `app.user_dir`: JSON replaced atomically, JSONL appended.

A file that cannot be read (a hand edit gone wrong, a disk that filled up) is moved aside as
`<name>.broken` and the data starts empty, so the app keeps working and nothing is overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def read_json(path: Path, default: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _move_aside(path, exc)
        return default
    if not isinstance(data, dict):
        _move_aside(path, ValueError("not a JSON object"))
        return default
    return data


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write to a temporary file beside `path`, then rename: a reader sees the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL file; a line that does not parse (a write cut short) is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            log.warning("%s:%d: skipped a line that is not JSON", path, number)
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _move_aside(path: Path, reason: Exception) -> None:
    log.warning("%s cannot be read (%s); moved to %s.broken", path, reason, path.name)
    try:
        os.replace(path, path.with_name(path.name + ".broken"))
    except OSError:
        pass
