"""The one text normaliser: full-width forms folded to ASCII, then what each reader drops. The
classifier, the repeat fingerprints, place finding and the case search index all read text
through it, so a message typed on a phone, in Word or copied from a form gives each of them the
same text.

Not NFKC: it would take most of the time of a prediction, for punctuation that every Chinese
text has in full width anyway. Folding is one character for one, so offsets into the folded
text still index the original (place finding quotes spans of the appeal).
"""

from __future__ import annotations

import re

# Full-width letters and digits: the only folding that changes what a reader sees as a word.
_FULL_WIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_ALNUM_TO_ASCII = {
    code: code - 0xFEE0
    for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
# Every full-width ASCII character and the ideographic space, for readers that keep punctuation.
_ALL_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Punctuation, spaces, and particles and pronouns, which carry no matter: dropping them lets a
# reworded appeal share more shingles with the first.
_NO_MATTER = re.compile(r"[\W_的了着呢吗吧啊呀嘛哦么我您你]+")
# Whitespace and punctuation: what the search index drops. Deleting characters keeps every
# substring a substring, so the index's terms of a text hold the terms of any part of it.
_NO_WORD = re.compile(r"[\W_]+")


def fold_width(text: str, *, punctuation: bool = False) -> str:
    """Full-width letters and digits to ASCII (with `punctuation`, every full-width ASCII
    character and the ideographic space too), one character for one."""
    if punctuation:
        return text.translate(_ALL_TO_ASCII)
    # Only texts that have a full-width letter or digit pay for `translate`: the full-width
    # comma in nearly every Chinese text made it the costliest step of a bulk load.
    if _FULL_WIDTH_ALNUM.search(text):
        return text.translate(_ALNUM_TO_ASCII)
    return text


def normalise(text: str, *, drop: str = "space") -> str:
    """Folded and lower-cased, without what `drop` names: `space` (whitespace: the classifier's
    grams), `punctuation` (whitespace and punctuation: the search index's terms) or `particles`
    (whitespace, punctuation, particles and pronouns: the repeat fingerprints, which compare
    matters, not wording)."""
    text = fold_width(text).lower()
    if drop == "space":
        return "".join(text.split())
    if drop == "punctuation":
        return _NO_WORD.sub("", text)
    if drop == "particles":
        return _NO_MATTER.sub("", text)
    raise ValueError(f"unknown drop {drop!r}")
