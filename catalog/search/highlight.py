"""HTML snippets with the matched words marked.

The query's index terms (jieba words, lowercased) are looked up in the text; each occurrence is
wrapped in ``<mark>`` and every other character is HTML-escaped, so the output is safe to insert
into a page as it is. Occurrences are found by substring search rather than by segmenting every
hit again with jieba (which cost ~0.5 ms per text, most of a query's time): a Chinese term is
marked wherever it appears, a Latin or numeric term only as a whole word (``19`` is not marked
inside ``2019``), which is how the analyzer cuts such runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

SNIPPET_CHARS = 160
LEAD_CHARS = 20  # context kept before the first match when a long text is cut
ELLIPSIS = "…"
_WORDISH = re.compile(r"[0-9a-z_]")  # characters the analyzer keeps together in one run


def _is_wordish(char: str) -> bool:
    return bool(_WORDISH.match(char))


def _term_spans(lowered: str, term: str) -> Iterable[tuple[int, int]]:
    whole_word = _is_wordish(term[0]) or _is_wordish(term[-1])
    start = lowered.find(term)
    while start >= 0:
        end = start + len(term)
        clear_before = start == 0 or not _is_wordish(lowered[start - 1])
        clear_after = end == len(lowered) or not _is_wordish(lowered[end])
        if not whole_word or (clear_before and clear_after):
            yield start, end
        start = lowered.find(term, start + 1)


def match_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) ranges of ``text`` where one of ``terms`` occurs."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lowercase to two; keep offsets exact
        lowered = "".join(char.lower()[:1] or char for char in text)
    found = sorted(span for term in set(terms) if term for span in _term_spans(lowered, term))
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _render(text: str, marks: list[tuple[int, int]], start: int, end: int) -> str:
    out: list[str] = []
    position = start
    for mark_start, mark_end in marks:
        mark_start, mark_end = max(mark_start, start), min(mark_end, end)
        if mark_start >= mark_end:
            continue
        out.append(escape(text[position:mark_start]))
        out.append("<mark>" + escape(text[mark_start:mark_end]) + "</mark>")
        position = mark_end
    out.append(escape(text[position:end]))
    return "".join(out)


def _window(length: int, marks: list[tuple[int, int]], size: int) -> tuple[int, int]:
    """The stretch of ``size`` characters to show: from a little before the first mark."""
    if length <= size:
        return 0, length
    start = max(0, marks[0][0] - LEAD_CHARS) if marks else 0
    start = min(start, length - size)
    return start, start + size


def highlight(text: str, terms: Iterable[str], max_chars: int | None = None) -> str:
    """``text`` as escaped HTML with the occurrences of ``terms`` in ``<mark>``.

    With ``max_chars`` the result shows at most that many characters of the text, starting a
    little before the first match, with an ellipsis where the text was cut.
    """
    marks = match_spans(text, terms)
    if max_chars is None:
        return _render(text, marks, 0, len(text))
    start, end = _window(len(text), marks, max_chars)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return prefix + _render(text, marks, start, end) + suffix
