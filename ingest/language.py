"""Per-passage language: Norwegian bokmål (nb), nynorsk (nn) or English (en).

lingua tells English from Norwegian reliably. Between bokmål and nynorsk it is
overconfident (a bokmål agreement scored 1.0 nynorsk), and OCR text without
æøå blurs them further, so that choice is made by counting function words that
only one of the two written standards uses, falling back to the document's
language when the counts do not settle it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

MIN_CHARS = 40  # below this the detector guesses; keep the document's language

NYNORSK_WORDS = frozenset(
    "ikkje eg ein eit dei korleis kva frå òg vere vore mykje berre desse sjå heile noko nokre "
    "fleire kvar ho dykk vart blei saman kvarandre utan sidan difor "
    "innanfor hjå medan enno framleis eigne eigen gjer gjere tenester".split()
)
BOKMAL_WORDS = frozenset(
    "ikke jeg en et de hvordan hva fra også være vært mye bare disse se hele noe noen flere hver "
    "hun dere sammen hverandre uten siden derfor innenfor hos mens ennå fortsatt egne egen gjør "
    "gjøre tjenester".split()
)
_TOKEN = re.compile(r"[a-zæøåòé]+")


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(Language.BOKMAL, Language.NYNORSK, Language.ENGLISH).build()


def norwegian_standard(text: str, default: str) -> str:
    """'nn' or 'nb' by marker words; `default` when they are even."""
    tokens = _TOKEN.findall(text.lower())
    nynorsk = sum(1 for t in tokens if t in NYNORSK_WORDS)
    bokmal = sum(1 for t in tokens if t in BOKMAL_WORDS)
    if nynorsk > 1.5 * bokmal and nynorsk >= 2:
        return "nn"
    if bokmal > 1.5 * nynorsk and bokmal >= 2:
        return "nb"
    return default if default in ("nb", "nn") else "nb"


def detect_language(text: str, default: str = "nb") -> str:
    """The language of `text`, or the document's language when it is too short to tell."""
    if len(text) < MIN_CHARS:
        return default
    if _detector().detect_language_of(text) == Language.ENGLISH:
        return "en"
    return norwegian_standard(text, default)


def is_english(text: str) -> bool:
    """Whether a query is written in English (lingua is reliable on questions of a few words)."""
    values = {v.language: v.value for v in _detector().compute_language_confidence_values(text)}
    return values.get(Language.ENGLISH, 0.0) > 0.5
