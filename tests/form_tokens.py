"""The CSRF token of a page's form, as a browser would send it back."""

from __future__ import annotations

import re


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert found, "no CSRF token in the form"
    return found.group(1)
