"""Triage reads text through the one normaliser, which lives in `core.text` so that the case
search index (below triage in the layers) folds text exactly as the classifier does."""

from __future__ import annotations

from minyi.core.text import fold_width, normalise

__all__ = ["fold_width", "normalise"]
