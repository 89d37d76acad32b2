"""Train the cross-encoder on groups (one answer, hard negatives): a listwise softmax loss.

Each step scores a few groups' (query, window) pairs; the loss is the cross-entropy of the
answer among its group, the ranking the reranker is for. Seeded, one pass over the groups,
linear warm-up and decay; the weights are saved in half precision.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.train.pairs import Group


@dataclass(frozen=True)
class FitSettings:
    negatives: int = 5
    groups_per_step: int = 4
    learning_rate: float = 6e-5
    head_learning_rate: float = 1e-3  # the new pooler and classifier start from nothing
    warmup: float = 0.1
    max_length: int = 128
    epochs: int = 1
    seed: int = 20


def fit(folder: Path, groups: Sequence[Group], settings: FitSettings, log: Callable[[str], None] = print) -> dict:
    """Train the model in `folder` in place on `groups`; returns the loss curve's ends and the time taken."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), dtype=torch.float32)
    model.train()
    head = [p for n, p in model.named_parameters() if n.startswith(("bert.pooler.", "classifier."))]
    body = [p for n, p in model.named_parameters() if not n.startswith(("bert.pooler.", "classifier."))]
    order = [g for _ in range(settings.epochs) for g in rng.sample(list(groups), len(groups))]
    steps = math.ceil(len(order) / settings.groups_per_step)
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": settings.learning_rate}, {"params": head, "lr": settings.head_learning_rate}], weight_decay=0.01
    )

    def loss_at(step: int):
        batch = order[step * settings.groups_per_step : (step + 1) * settings.groups_per_step]
        return _group_loss(model, tokenizer, batch, settings, rng)

    summary = run_steps(optimizer, list(model.parameters()), steps, settings.warmup, loss_at, log, every=50)
    model.eval()
    model.half().save_pretrained(str(folder))
    return summary


def run_steps(optimizer, parameters: list, steps: int, warmup: float, loss_at: Callable[[int], object], log: Callable[[str], None], every: int) -> dict:
    """`steps` optimizer steps on `loss_at(step)` with linear warm-up and decay and gradients clipped
    at 1; logs the mean loss every `every` steps; returns the loss curve's ends and the time taken."""
    import torch

    warm = max(1, int(steps * warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    started, losses = time.perf_counter(), []
    for step in range(steps):
        loss = loss_at(step)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        if step % every == 0 or step == steps - 1:
            recent = losses[-every:]
            log(f"step {step + 1}/{steps}  loss {sum(recent) / len(recent):.3f}  {time.perf_counter() - started:.0f} s")
    head, tail = losses[:every], losses[-every:]
    return {"steps": steps, "loss_first": round(sum(head) / len(head), 4), "loss_last": round(sum(tail) / len(tail), 4), "seconds": round(time.perf_counter() - started)}


def _group_loss(model, tokenizer, batch: Sequence[Group], settings: FitSettings, rng: random.Random):
    import torch

    queries, texts, sizes = [], [], []
    for group in batch:
        negatives = list(group.negatives)
        rng.shuffle(negatives)
        candidates = [group.positive, *negatives[: settings.negatives]]
        queries += [group.query] * len(candidates)
        texts += candidates
        sizes.append(len(candidates))
    encoded = tokenizer(queries, texts, truncation="only_second", max_length=settings.max_length, padding=True, return_tensors="pt")
    logits = model(**encoded).logits.squeeze(-1)
    loss, offset = logits.new_zeros(()), 0
    for size in sizes:
        loss = loss + torch.nn.functional.cross_entropy(logits[offset : offset + size].unsqueeze(0), torch.zeros(1, dtype=torch.long))
        offset += size
    return loss / len(sizes)
