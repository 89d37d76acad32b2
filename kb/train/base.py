"""The reranker's starting point: e5-small's lower layers, its vocabulary cut to our languages.

multilingual-e5-small's 250,037-row embedding matrix is 96 M of its 118 M parameters; Norwegian
and English text uses a small part of it. `small_base` keeps the first `layers` transformer
layers and the tokens that the store's passages, the commonest Norwegian and English words and
the single characters of the Latin, Greek and Cyrillic scripts (so any word still splits into
known pieces) are made of. The unigram tokenizer keeps the kept pieces' scores, so a kept word
splits as before; a dropped piece's word splits into smaller kept ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

SCRIPT_LIMIT = 0x3000  # single-character pieces below this codepoint (Latin … punctuation, arrows) are all kept
COMMON_WORDS = {"nb": 50_000, "en": 30_000, "da": 10_000, "sv": 10_000}  # wordfreq lists (no nynorsk list: Danish/Swedish cover its forms)


def kept_ids(tokenizer, texts: Iterable[str]) -> list[int]:
    """Token ids that `texts` and the common words use, the special tokens and the script's characters."""
    from wordfreq import top_n_list

    vocab = tokenizer.get_vocab()
    ids = {vocab[t] for t in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")}
    for piece, i in vocab.items():
        bare = piece.removeprefix("▁")
        if len(bare) <= 1 and (not bare or ord(bare) < SCRIPT_LIMIT):
            ids.add(i)
    words = [w for lang, n in COMMON_WORDS.items() for w in top_n_list(lang, n)]
    batch: list[str] = []
    for text in [*texts, *words, *(w.capitalize() for w in words)]:
        batch.append(text)
        if len(batch) == 512:
            ids.update(i for enc in tokenizer.encode_batch(batch, add_special_tokens=False) for i in enc.ids)
            batch = []
    ids.update(i for enc in tokenizer.encode_batch(batch, add_special_tokens=False) for i in enc.ids)
    return sorted(ids)


def small_base(e5_folder: Path, out: Path, layers: int, texts: Iterable[str]) -> dict:
    """Write a BertForSequenceClassification folder (one logit) from e5-small; returns its facts."""
    import torch
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertForSequenceClassification, BertModel, PreTrainedTokenizerFast

    tokenizer = Tokenizer.from_file(str(e5_folder / "tokenizer.json"))
    keep = kept_ids(tokenizer, texts)
    source = BertModel.from_pretrained(str(e5_folder), add_pooling_layer=False)
    source.config.id2label, source.config.label2id = {0: "LABEL_0"}, {"LABEL_0": 0}
    config = BertConfig(**{**source.config.to_dict(), "num_hidden_layers": layers, "vocab_size": len(keep), "num_labels": 1})
    config.architectures = ["BertForSequenceClassification"]
    model = BertForSequenceClassification(config)
    weights = {k: v for k, v in source.state_dict().items() if not k.startswith("encoder.layer.") or int(k.split(".")[2]) < layers}
    weights["embeddings.word_embeddings.weight"] = source.embeddings.word_embeddings.weight.detach()[torch.tensor(keep)].clone()
    # The pooler starts as the identity (tanh of the <s> token's state), not as noise.
    weights["pooler.dense.weight"] = torch.eye(config.hidden_size)
    weights["pooler.dense.bias"] = torch.zeros(config.hidden_size)
    missing, unexpected = model.bert.load_state_dict(weights, strict=False)
    if unexpected or missing:
        raise RuntimeError(f"e5-small weights do not fit the reranker: missing {missing}, unexpected {unexpected}")
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    pruned = pruned_tokenizer(json.loads((e5_folder / "tokenizer.json").read_text(encoding="utf-8")), keep)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(json.dumps(pruned)), bos_token="<s>", eos_token="</s>", sep_token="</s>",
        cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=512,
    )  # fmt: skip
    fast.save_pretrained(str(out))
    return {"layers": layers, "vocabulary": len(keep), "of_vocabulary": tokenizer.get_vocab_size()}


def pruned_tokenizer(data: dict, keep: list[int]) -> dict:
    """The tokenizer.json of the kept pieces, renumbered in their old order."""
    new_id = {old: new for new, old in enumerate(keep)}
    model = data["model"]
    model["vocab"] = [model["vocab"][old] for old in keep]
    model["unk_id"] = new_id[model["unk_id"]]
    for token in data.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    post = data.get("post_processor") or {}
    for token in (post.get("special_tokens") or {}).values():
        token["ids"] = [new_id[i] for i in token["ids"]]
    return data
