"""Digits as people type them: full-width (１３８), other scripts' decimal digits, compatibility
forms. Every check on a phone, an ID number or the last-4 check sees ASCII digits first, so the
same number typed on a Chinese keyboard is the same number."""

from __future__ import annotations

import unicodedata


def ascii_digits(text: str) -> str:
    """NFKC, then every remaining Unicode decimal digit as its ASCII digit; other characters kept."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(
        str(unicodedata.decimal(c))
        if not c.isascii() and unicodedata.decimal(c, None) is not None
        else c
        for c in folded
    )
