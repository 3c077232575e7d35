"""Numbered pages of the administration's lists."""

from __future__ import annotations

NEAR = 5  # numbered page links each side of the current page


def page_numbers(page: int, pages: int) -> list[int | None]:
    """Page numbers to link: the first, the last, and those near ``page`` (None: a gap)."""
    shown = sorted({1, pages, *range(max(1, page - NEAR), min(pages, page + NEAR) + 1)})
    numbers: list[int | None] = []
    for previous, number in zip([0, *shown], shown, strict=False):
        if previous and number - previous > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
