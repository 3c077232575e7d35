"""Column headers of department catalog spreadsheets (``data/catalog_headers.ttl``).

Each concept is a catalog field, its notation the field's name (``title``, ``publisher_name``,
``open_type`` …); its labels are the headers departments use for it (数据资源名称,
数据目录名称 …). :func:`field_for_header` reads a header as it stands in a sheet, with
marks such as ``*`` or ``（必填）`` and line breaks.
"""

from __future__ import annotations

import re

from vocab.skos import ConceptScheme, load_scheme

FILENAME = "catalog_headers.ttl"
_MARKS = re.compile(r"[*＊:：\s]+")
_NOTE = re.compile(r"[（(][^）)]*[）)]")


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME)


def field_for_header(header: object) -> str | None:
    """The field a column header names, or None: ``"*数据资源名称\\n（必填）"`` → ``"title"``."""
    if header is None:
        return None
    text = _MARKS.sub("", str(header))
    if not text:
        return None
    concept = scheme().lookup(text) or scheme().lookup(_NOTE.sub("", text))
    return concept.notation if concept else None


def fields() -> tuple[str, ...]:
    return tuple(concept.notation for concept in scheme())
