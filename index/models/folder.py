"""A model folder named in config.yaml, checked before it is loaded.

A user may put any sentence-transformers embedder or CrossEncoder folder in `embedder.model`
or `rerank.model` (one made here, or bge-m3, multilingual-e5-large, a bge reranker fetched
where there is internet). `check_folder` says what is wrong in words that name the file, so a
typo in the config or a half-copied download is not a stack trace.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

Kind = Literal["embedder", "cross-encoder"]
WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
TOKENIZERS = ("tokenizer.json", "sentencepiece.bpe.model", "vocab.txt", "spiece.model", "tokenizer.model")


class ModelFolderError(Exception):
    """A model folder that cannot be used; the message names the file and the reason."""


def check_folder(folder: Path, kind: Kind) -> Path:
    """`folder`, if it holds a usable model of `kind`; ModelFolderError otherwise."""
    folder = folder.expanduser()
    if not folder.is_dir():
        raise ModelFolderError(f"{folder}: no such model folder ({kind})")
    config = _json(folder / "config.json")
    if not any((folder / name).is_file() for name in WEIGHTS):
        raise ModelFolderError(f"{folder}: no weights file ({' or '.join(WEIGHTS[::2])})")
    if not any((folder / name).is_file() for name in TOKENIZERS):
        raise ModelFolderError(f"{folder}: no tokenizer file ({' or '.join(TOKENIZERS[:2])})")
    architectures = " ".join(config.get("architectures") or [])
    if kind == "cross-encoder" and "ForSequenceClassification" not in architectures:
        raise ModelFolderError(f"{folder / 'config.json'}: not a cross-encoder (architectures: {architectures or 'none'})")
    if kind == "embedder" and "ForSequenceClassification" in architectures:
        raise ModelFolderError(f"{folder / 'config.json'}: a cross-encoder, not an embedder; name it in rerank.model")
    if (folder / "modules.json").exists():
        _json(folder / "modules.json")
    return folder


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelFolderError(f"{path}: missing; not a Hugging Face model folder") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelFolderError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(data, (dict, list)):
        raise ModelFolderError(f"{path}: expected a JSON object")
    return data if isinstance(data, dict) else {}
