"""Multi-pattern scan: every pattern found in a string in one pass (Aho-Corasick)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick  # type: ignore[import-not-found]  # a C extension without type stubs

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Hit(Generic[P]):
    start: int
    end: int
    payload: P


class Matcher(Generic[P]):
    """Leftmost-longest, non-overlapping occurrences of many names, in one pass per text.

    pyahocorasick's own `iter_long` misses matches after some overlaps, so the automaton
    reports every occurrence and the overlaps are resolved here (there are only a handful).
    """

    def __init__(self, names: dict[str, P]) -> None:
        self._automaton = ahocorasick.Automaton()
        for name, payload in names.items():
            if name:
                self._automaton.add_word(name, (len(name), payload))
        self._is_empty = not names
        if not self._is_empty:
            self._automaton.make_automaton()

    def scan(self, text: str) -> list[Hit[P]]:
        if self._is_empty or not text:
            return []
        found = sorted(
            ((end + 1 - n, end + 1, payload) for end, (n, payload) in self._automaton.iter(text)),
            key=lambda f: (f[0], f[0] - f[1]),
        )
        hits: list[Hit[P]] = []
        reached = 0
        for start, end, payload in found:
            if start >= reached:
                hits.append(Hit(start, end, payload))
                reached = end
        return hits
