"""Typed errors of the catalog, each with a stable kebab-case code.

Views translate the code into a message in the user's language; the message here is the
English fallback for logs and the API.
"""

from __future__ import annotations


class CatalogError(Exception):
    """A request the catalog refuses. ``code`` is stable and safe to show or match on."""

    code = "catalog-error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class NotFound(CatalogError):
    code = "not-found"


class InvalidValue(CatalogError):
    code = "invalid-value"


class FileTooLarge(CatalogError):
    code = "file-too-large"
