"""Layout repair shared by all readers: characters, whitespace and line-end hyphens.

Only layout is repaired here (ligatures, odd spaces, words split over two lines).
Words themselves are never rewritten: OCR damage such as "omradesatsing" stays in
the text that is quoted, and is handled by the lexical index's normalization.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

SOFT_HYPHEN = "\u00ad"

_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
# Bullets from symbol fonts land in the private use area; show them as a bullet.
_BULLETS = {"\uf0b7": "•", "\uf0a7": "•", "\uf076": "•", "\uf0d8": "•", "\uf0fc": "•", "\u25aa": "•"}
_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\ufffe]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MULTI_SPACE = re.compile(r" {2,}")

# Words after which a line-end hyphen is the compound's own ("miljø- og leveforhold").
_CONJUNCTIONS = frozenset({"og", "eller", "samt", "enn", "til", "and", "or", "nor", "to", "und", "&"})
_WORD = re.compile(r"[^\W\d_](?:[\w\-]*[^\W_])?")
_LAST_WORD = re.compile(r"([\w\-]+)-$")
_FIRST_WORD = re.compile(r"^([\w\-]+)")


def normalize_chars(text: str) -> str:
    """NFC, ligatures, bullets, odd spaces and control characters; keeps newlines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(str.maketrans({**_LIGATURES, **_BULLETS}))
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    return _CONTROL.sub("", text)


def squeeze_spaces(text: str) -> str:
    """Collapse runs of spaces and trim; a paragraph is one line of text."""
    return _MULTI_SPACE.sub(" ", text.replace("\n", " ")).strip()


def vocabulary(lines: Iterable[str]) -> Counter[str]:
    """Count lower-cased words, hyphenated forms included, away from line ends.

    The counts decide whether a word broken at a line end was one word
    ("velferdspolitik-" + "ken") or a real compound with a hyphen ("Sør-satsinga").
    """
    counts: Counter[str] = Counter()
    for line in lines:
        body = line.rstrip()
        if body.endswith("-") or body.endswith(SOFT_HYPHEN):
            body = body.rsplit(" ", 1)[0] if " " in body else ""
        counts.update(word.lower() for word in _WORD.findall(body.replace(SOFT_HYPHEN, "")))
    return counts


def join_broken_word(prefix: str, suffix: str, vocab: Counter[str]) -> str:
    """Decide how `prefix-` at a line end and `suffix` on the next line join.

    Returns the separator to put between `prefix` (without its hyphen) and the
    next line: "" (one word), "-" (hyphenated compound) or "- " (a compound's
    elided part before "og"/"eller").
    """
    if suffix.lower() in _CONJUNCTIONS:
        return "- "
    if not suffix[:1].isalpha() or suffix[:1].isupper():
        return "-"
    if len(prefix) > 1 and prefix.isupper():
        return "-"  # acronyms: "NAV-kontor", "EFTA-domstolen"
    joined = vocab[(prefix + suffix).lower()]
    hyphenated = vocab[f"{prefix}-{suffix}".lower()]
    if hyphenated > joined:
        return "-"
    return ""


def join_lines(lines: list[str], vocab: Counter[str]) -> str:
    """Join the lines of one paragraph, repairing line-end hyphenation."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out.endswith(SOFT_HYPHEN):
            out = out[:-1] + line
            continue
        last = _LAST_WORD.search(out)
        first = _FIRST_WORD.match(line)
        if last and first and out[-2:-1].isalpha():
            separator = join_broken_word(last.group(1).rsplit("-", 1)[-1], first.group(1), vocab)
            out = out[:-1] + separator + line
        else:
            out = out + " " + line
    return squeeze_spaces(out.replace(SOFT_HYPHEN, ""))
