"""HTML to PDF (WeasyPrint, set in the machine's Noto CJK fonts), remembering the last few
renders by the hash of their HTML.

A render costs a third of a second to a second of CPU, and the same document is asked for again
and again: a market's summary or an agreement opened by each of the people who work on it, a
printed form reloaded. WeasyPrint's output is a function of the HTML alone (no dates, no
randomness), so an unchanged document is served from memory, byte for byte what a new render
would give; a changed one (anything in its text) has another hash and is rendered."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

# A few documents of a few hundred kilobytes each: the ones being looked at right now.
KEEP = 16

_lock = threading.Lock()
_rendered: OrderedDict[bytes, bytes] = OrderedDict()


def html_to_pdf(html: str) -> bytes:
    key = hashlib.sha256(html.encode("utf-8")).digest()
    with _lock:
        pdf = _rendered.get(key)
        if pdf is not None:
            _rendered.move_to_end(key)
            return pdf
    # Rendered outside the lock: two different documents render side by side (two threads
    # asking for the same new one both render it once; the second result is the same bytes).
    # Imported here: WeasyPrint (and the libraries it finds and loads) costs every process a
    # third of a CPU second at start, though only a PDF needs it.
    from weasyprint import HTML

    pdf = bytes(HTML(string=html).write_pdf())
    with _lock:
        _rendered[key] = pdf
        _rendered.move_to_end(key)
        while len(_rendered) > KEEP:
            _rendered.popitem(last=False)
    return pdf


def forget() -> None:
    """Drop the remembered renders: a benchmark times the render, not the memory."""
    with _lock:
        _rendered.clear()
