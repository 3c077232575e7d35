"""Stable cursors for keyset paging: an opaque token naming the last id of a page.

Pages are ordered by id, so a cursor always continues after the same record, whatever is
added, changed or removed meanwhile (offsets would skip or repeat records).
"""

from __future__ import annotations

import base64
import binascii


class CursorError(ValueError):
    """The cursor was not made by this API."""


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(token: str) -> str:
    if not token.isascii():  # b64decode raises a bare ValueError on other text
        raise CursorError("the cursor is not one this API gave out")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise CursorError("the cursor is not one this API gave out") from error
    if not raw.startswith("v1:") or len(raw) > 200:
        raise CursorError("the cursor is not one this API gave out")
    return raw[3:]
