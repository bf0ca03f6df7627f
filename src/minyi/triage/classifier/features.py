"""Text -> features: character-gram TF-IDF of the normalised text and of its head."""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from minyi.triage.classifier.params import Floats, Params
from minyi.triage.text import normalise

if TYPE_CHECKING:
    from scipy import sparse  # type: ignore[import-untyped]


HEAD = " "  # prefix of the head block's grams in the vocabulary: normalised text has no spaces


class Featuriser:
    """Text -> sublinear TF-IDF of character grams, for one text or many: a unit vector of the
    whole text's grams and, next to it, one of length `head_weight` of its first `head_chars`
    characters' grams (keys prefixed with HEAD, sharing the one vocabulary, ids from
    `head_start` on)."""

    __slots__ = (
        "head_chars",
        "head_start",
        "head_weight",
        "idf",
        "max_chars",
        "ngram_max",
        "vocabulary",
    )

    def __init__(
        self,
        vocabulary: dict[str, int],
        idf: Floats,
        *,
        ngram_max: int,
        max_chars: int,
        head_chars: int = 0,
        head_weight: float = 0.0,
        head_start: int | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.ngram_max = ngram_max
        self.max_chars = max_chars
        self.head_chars = head_chars
        self.head_weight = head_weight
        self.head_start = len(idf) if head_start is None else head_start

    def chars(self, text: str) -> str:
        # Cut before normalising too (whitespace is at most a few percent of a letter) so a
        # pasted 100-page document costs no more than a long letter.
        return normalise(text[: self.max_chars * 2])[: self.max_chars]

    def grams(self, text: str) -> list[str]:
        return self._grams(self.chars(text))

    def head_grams(self, text: str) -> list[str]:
        return [HEAD + g for g in self._grams(self.chars(text)[: self.head_chars])]

    def _grams(self, chars: str) -> list[str]:
        grams = list(chars)
        if self.ngram_max >= 2:
            grams += map(operator.add, chars, chars[1:])
        for n in range(3, self.ngram_max + 1):
            grams += [chars[i : i + n] for i in range(len(chars) - n + 1)]
        return grams

    def vector(self, text: str) -> tuple[npt.NDArray[np.intp], Floats]:
        """Column ids and weights of one text's known grams."""
        chars = self.chars(text)
        grams = self._grams(chars)
        with_head = self.head_start < len(self.idf)
        if with_head:
            # Both blocks in one pass: numpy's per-call overhead dominates at this size.
            grams += [HEAD + g for g in self._grams(chars[: self.head_chars])]
        counts = Counter(grams)
        ids = np.fromiter(
            map(self.vocabulary.get, counts, repeat(-1)), dtype=np.intp, count=len(counts)
        )
        known = ids >= 0
        index = ids[known]
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[known]
        values = (np.log(tf) + 1.0) * self.idf[index]
        if not with_head:
            norm = math.sqrt(float(values @ values))
            return index, (values / norm if norm else values)
        head = index >= self.head_start
        squares = values * values
        head_norm = math.sqrt(float(squares[head].sum()))
        body_norm = math.sqrt(max(float(squares.sum()) - head_norm * head_norm, 0.0))
        scale = np.where(
            head,
            self.head_weight / head_norm if head_norm else 0.0,
            1.0 / body_norm if body_norm else 0.0,
        )
        return index, values * scale

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        from scipy import sparse

        indptr = [0]
        indices: list[npt.NDArray[np.intp]] = []
        data: list[Floats] = []
        for text in texts:
            index, values = self.vector(text)
            indices.append(index)
            data.append(values)
            indptr.append(indptr[-1] + len(index))
        return sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(indices) if indices else np.zeros(0, np.intp),
                indptr,
            ),
            shape=(len(texts), len(self.vocabulary)),
        )

    @classmethod
    def fit(cls, texts: Sequence[str], params: Params) -> Featuriser:
        from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

        probe = cls(
            {},
            np.zeros(0),
            ngram_max=params.ngram_max,
            max_chars=params.max_chars,
            head_chars=params.head_chars,
        )

        def fit(analyzer: Callable[[str], list[str]]) -> TfidfVectorizer:
            options = {"analyzer": analyzer, "sublinear_tf": True}
            try:
                return TfidfVectorizer(
                    **options, min_df=params.min_df, max_features=params.max_features
                ).fit(texts)
            except ValueError:  # min_df pruned everything: a tiny training set
                return TfidfVectorizer(**options, max_features=params.max_features).fit(texts)

        body = fit(probe.grams)
        vocabulary = {str(g): int(j) for g, j in body.vocabulary_.items()}
        head_start = len(vocabulary)
        idf = [np.asarray(body.idf_, dtype=np.float64)]
        use_head = params.head_chars > 0 and params.head_weight > 0
        if use_head:
            head = fit(probe.head_grams)
            vocabulary |= {str(g): int(j) + head_start for g, j in head.vocabulary_.items()}
            idf.append(np.asarray(head.idf_, dtype=np.float64))
        return cls(
            vocabulary,
            np.concatenate(idf),
            ngram_max=params.ngram_max,
            max_chars=params.max_chars,
            head_chars=params.head_chars if use_head else 0,
            head_weight=params.head_weight if use_head else 0.0,
            head_start=head_start,
        )
