"""Property-based tests (hypothesis): normalization, the splitter and fusion hold for any input."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.query import parse_query
from index.search.fusion import reciprocal_rank_fusion, weighted_fusion
from ingest.assemble import assemble
from ingest.records import Block
from ingest.splitter import split_document
from ingest.textclean import join_lines, normalize_chars
from settings import IngestSettings

WORD = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzæøåABCÆØÅ-\u00ad"), min_size=1, max_size=12)
LINE = st.lists(WORD, min_size=0, max_size=12).map(" ".join)


@given(st.text())
def test_normalization_is_idempotent_and_leaves_no_control_characters(text: str):
    once = normalize_chars(text)
    assert normalize_chars(once) == once
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]", once)


@given(st.lists(LINE, max_size=8))
def test_joining_lines_only_changes_spaces_and_hyphens(lines: list[str]):
    joined = join_lines(lines, Counter())
    assert "\n" not in joined and "  " not in joined and joined == joined.strip()

    def letters(text: str) -> str:
        return re.sub(r"[\s\-\u00ad]", "", text)

    assert letters(joined) == letters("".join(lines))


SENTENCE = st.lists(st.sampled_from(["tiltak", "bydel", "Oslo", "levekår", "NAV", "skole", "område", "x" * 30]), min_size=1, max_size=40).map(
    lambda words: " ".join(words).capitalize() + "."
)
BLOCK = st.one_of(
    st.builds(lambda s: Block("heading", s.rstrip("."), level=1), SENTENCE),
    st.builds(lambda ss: Block("paragraph", " ".join(ss)), st.lists(SENTENCE, min_size=1, max_size=12)),
    st.builds(lambda s: Block("note", "1 " + s, note_id="1"), SENTENCE),
)
SIZES = st.tuples(st.integers(20, 80), st.integers(0, 60), st.integers(0, 19)).map(
    lambda t: IngestSettings(min_words=t[0], target_words=t[0] + t[1] // 2, max_words=t[0] + t[1], overlap_words=min(t[2], t[0] - 1))
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(BLOCK, min_size=1, max_size=15), SIZES)
def test_passages_cover_the_document_and_point_at_their_text(blocks: list[Block], cfg: IngestSettings):
    doc = assemble(blocks)
    passages = split_document(doc, "d", cfg)
    covered = [False] * len(doc.text)
    for passage in passages:
        assert doc.text[passage.start : passage.end] == passage.text
        covered[passage.start : passage.end] = [True] * (passage.end - passage.start)
        headings = sum(len(doc.text[b.start : b.end].split()) for b in doc.blocks if b.kind == "heading" and passage.start <= b.start < passage.end)
        assert len(passage.text.split()) <= cfg.max_words + headings
    for block in doc.blocks:
        assert all(covered[i] or doc.text[i].isspace() for i in range(block.start, block.end))
    assert len({p.passage_id for p in passages}) == len(passages)
    heading_ends = {b.end for b in doc.blocks if b.kind == "heading"}
    for passage in passages:  # a heading ends a passage only when no text follows it at all
        if passage.end in heading_ends:
            assert all(b.kind == "heading" for b in doc.blocks if b.start > passage.end and b.kind != "note")


RANKED = st.lists(st.tuples(st.integers(0, 30), st.floats(-5, 5, allow_nan=False)), max_size=20).map(
    lambda items: sorted({i: s for i, s in items}.items(), key=lambda p: -p[1])
)


@given(RANKED, RANKED, st.floats(0.1, 3), st.floats(0.1, 3))
def test_fusion_keeps_every_id_once_best_first(lexical, dense, wl, wd):
    lists, weights = {"lexical": lexical, "dense": dense}, {"lexical": wl, "dense": wd}
    expected = {i for i, _ in lexical} | {i for i, _ in dense}
    for fused in (reciprocal_rank_fusion(lists, weights), weighted_fusion(lists, weights)):
        ids = [i for i, _ in fused]
        assert len(ids) == len(set(ids)) and set(ids) == expected
        scores = [s for _, s in fused]
        assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= wl + wd + 1e-9 for _, s in weighted_fusion(lists, weights))
    assert all(s > 0 for _, s in reciprocal_rank_fusion(lists, weights))


@given(st.text(max_size=300))
def test_any_query_text_parses(query: str):
    parsed = parse_query(query)
    assert not re.search(r"[\"“”«»]", parsed.text)
    assert all(p and not re.search(r"[\"“”«»]", p) for p in parsed.phrases)
