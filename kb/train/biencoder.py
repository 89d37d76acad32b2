"""Fine-tune the embedder itself (e5-small, all twelve layers) on the reranker's groups.

The loss is sentence-transformers' MultipleNegativesRankingLoss: each query against its
answer window, one of its hard negatives, and every other window in the step. The scale is
e5's own training temperature (0.01), so similarities keep the range the answer floor was
measured on; the word embeddings stay frozen (most of the weights, and the rare tokens the
groups never show would otherwise drift). Groups in one step never share a positive or a
query, else an answer would be taught as its own negative. A manual loop: the `datasets`
package that the sentence-transformers trainer needs is not installed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.train.fit import run_steps
from kb.train.pairs import Group


@dataclass(frozen=True)
class BiSettings:
    groups_per_step: int = 16
    learning_rate: float = 1e-5
    scale: float = 100.0  # 1 / e5's temperature
    warmup: float = 0.1
    max_length: int = 128  # windows are at most 60 words
    epochs: int = 1
    seed: int = 20


def fit_biencoder(
    base: Path, out: Path, groups: Sequence[Group], settings: BiSettings, prefixes: tuple[str, str], log: Callable[[str], None] = print
) -> dict:
    """Train a copy of the sentence-transformers model in `base`; write it to `out`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    model = SentenceTransformer(str(base), device="cpu")
    model.max_seq_length = settings.max_length
    model.train()
    for name, parameter in model.named_parameters():
        parameter.requires_grad = "word_embeddings" not in name
    loss_fn = MultipleNegativesRankingLoss(model, scale=settings.scale)
    batches = [b for _ in range(settings.epochs) for b in distinct_batches(groups, settings.groups_per_step, rng)]
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.01)
    query_prefix, passage_prefix = prefixes

    def loss_at(step: int):
        batch = batches[step]
        columns = (
            [query_prefix + g.query for g in batch],
            [passage_prefix + g.positive for g in batch],
            [passage_prefix + hard_negative(g, batch, rng) for g in batch],
        )
        return loss_fn([model.tokenize(column) for column in columns], None)

    summary = run_steps(optimizer, trainable, len(batches), settings.warmup, loss_at, log, every=20)
    model.eval()
    model.save(str(out))
    return summary


def distinct_batches(groups: Sequence[Group], size: int, rng: random.Random) -> list[list[Group]]:
    """The groups shuffled into batches of `size` in which no positive or query repeats."""
    pending = rng.sample(list(groups), len(groups))
    batches: list[list[Group]] = []
    while pending:
        batch, seen, rest = [], set(), []
        for group in pending:
            keys = {("p", group.positive), ("q", group.query.casefold())}
            if len(batch) < size and not keys & seen:
                batch.append(group)
                seen |= keys
            else:
                rest.append(group)
        batches.append(batch)
        pending = rest
    return [b for b in batches if len(b) > 1] if len(batches) > 1 else batches


def hard_negative(group: Group, batch: Sequence[Group], rng: random.Random) -> str:
    """One of the group's negatives that is no other query's answer in the batch."""
    answers = {g.positive for g in batch}
    return rng.choice([n for n in group.negatives if n not in answers] or list(group.negatives))
