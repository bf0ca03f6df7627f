"""Labelled data files: the CSVs a classifier is trained and evaluated on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from minyi.core.errors import Invalid
from minyi.taxonomy.service import read_table


def load_labelled(
    path: Path, *, text_columns: Sequence[str], label_column: str
) -> tuple[list[str], list[str]]:
    """Texts (the named columns joined) and labels from a .csv or .xlsx export. Rows without a
    label or without any text are skipped: an unlabelled row teaches nothing."""
    rows = read_table(path)
    if rows:
        missing = [c for c in (*text_columns, label_column) if c not in rows[0]]
        if missing:
            raise Invalid(
                "missing_columns",
                f"{path.name} has no column {', '.join(missing)} (it has: {', '.join(rows[0])})",
                field="text",
            )
    texts: list[str] = []
    labels: list[str] = []
    for row in rows:
        text = "\n".join(row[c] for c in text_columns if row[c])
        label = row[label_column]
        if text and label:
            texts.append(text)
            labels.append(label)
    return texts, labels


def load_many(
    sources: Iterable[tuple[Path, Sequence[str]]], *, label_column: str
) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for path, columns in sources:
        t, y = load_labelled(path, text_columns=columns, label_column=label_column)
        texts += t
        labels += y
    if not texts:
        raise Invalid("no_labelled_rows", "the data files have no labelled rows", field="data")
    return texts, labels
