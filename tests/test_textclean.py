from collections import Counter

from ingest.ocr import layer_readable
from ingest.textclean import join_lines, normalize_chars, vocabulary


def test_line_end_hyphen_inside_a_word_is_joined():
    assert join_lines(["den norske velferdspolitik-", "ken er universell"], Counter()) == "den norske velferdspolitikken er universell"


def test_compound_hyphen_before_og_is_kept_with_its_space():
    assert join_lines(["forbedre miljø-", "og leveforhold"], Counter()) == "forbedre miljø- og leveforhold"


def test_hyphen_before_a_capital_is_kept():
    assert join_lines(["arbeidet i Oslo Sør-", "Satsinga"], Counter()) == "arbeidet i Oslo Sør-Satsinga"


def test_vocabulary_keeps_a_real_compound_hyphen():
    vocab = vocabulary(["Oslo Sør-satsinga starta i 2007.", "Oslo Sør-satsinga blei evaluert."])
    assert join_lines(["innsatsen i Oslo Sør-", "satsinga var brei"], vocab) == "innsatsen i Oslo Sør-satsinga var brei"


def test_acronym_prefix_keeps_its_hyphen():
    assert join_lines(["ved NAV-", "kontoret i bydelen"], Counter()) == "ved NAV-kontoret i bydelen"


def test_soft_hyphen_is_joined_and_removed():
    assert join_lines(["høye utgif\u00ad", "ter til oppvarming og kraft\u00adpriser"], Counter()) == "høye utgifter til oppvarming og kraftpriser"


def test_ligatures_spaces_and_private_bullets_are_normalized():
    assert normalize_chars("e\ufb03sient\u00a0tiltak\u2009for\tbyen \uf0b7 punkt\u200b") == "effisient tiltak for byen • punkt"


def test_junk_from_fonts_without_unicode_is_not_text():
    assert not layer_readable('"7+%- 0(, 3&!" #5$ %7+')
    assert layer_readable("Områdesatsingen i Groruddalen ga gode resultater for barn og unge.")
