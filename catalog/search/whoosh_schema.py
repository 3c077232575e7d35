"""The whoosh schema of the catalog index, and the mapping of a SearchDocument onto it."""

from __future__ import annotations

from datetime import UTC, datetime

from whoosh import columns, fields

from catalog.search.base import SearchDocument
from catalog.search.chinese import chinese_analyzer, gram_analyzer

# searchable text field -> boost in relevance scoring
TEXT_FIELDS: dict[str, float] = {
    "title": 4.0,
    "keywords": 2.0,
    "department_name": 1.0,
    "distribution_titles": 1.5,
    "description": 1.0,
    "details": 1.0,
}
# The character n-grams of all the text fields, in one field (see chinese.text_grams): they
# find any substring; words rank first (whoosh_engine.GRAM_WEIGHT, word matches first).
GRAM_FIELD = "grams"
LENGTH_FIELDS: tuple[str, ...] = (*TEXT_FIELDS, GRAM_FIELD)  # fields whose lengths BM25F needs
INDEX_NAME = "catalog"  # whoosh index name: files are _catalog_N.toc, catalog_*.seg
MODIFIED_FIELD = "modified"  # epoch seconds, MODIFIED_MISSING when unknown
TITLE_SORT_FIELD = "title_sort"  # casefolded title, UTF-8
MODIFIED_MISSING = -(2**62)
_FORMAT_SEPARATOR = ","


def build_schema() -> fields.Schema:
    analyzer = chinese_analyzer()
    text = {name: fields.TEXT(analyzer=analyzer, phrase=False) for name in TEXT_FIELDS}
    # title and description are stored for highlighting
    text["title"] = fields.TEXT(analyzer=analyzer, phrase=False, stored=True)
    text["description"] = fields.TEXT(analyzer=analyzer, phrase=False, stored=True)
    text[GRAM_FIELD] = fields.TEXT(analyzer=gram_analyzer(), phrase=False)
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        digest=fields.STORED(),  # SearchDocument.digest, compared by ``gxdata check``
        category=fields.ID(),
        department=fields.ID(),
        division=fields.ID(),
        format=fields.KEYWORD(commas=True),
        open_type=fields.ID(),
        frequency=fields.ID(),
        topic=fields.ID(),
        **{MODIFIED_FIELD: fields.COLUMN(columns.NumericColumn("q", default=MODIFIED_MISSING))},
        **{TITLE_SORT_FIELD: fields.COLUMN(columns.VarBytesColumn())},
        **text,
    )


def _field_signature(field: fields.FieldType) -> tuple[object, ...]:
    column = field.column_type
    return (
        type(field).__name__,
        type(field.format).__name__ if field.format else None,
        field.stored,
        field.unique,
        type(column).__name__ if column else None,
        sorted(vars(column).items()) if column else None,
    )


def same_schema(stored: fields.Schema, current: fields.Schema) -> bool:
    """Whether an index opened with ``stored`` can serve the ``current`` schema unchanged.

    (whoosh's own Schema equality fails on column types, which compare by identity.)
    """
    if sorted(stored.names()) != sorted(current.names()):
        return False
    return all(
        _field_signature(stored[name]) == _field_signature(current[name])
        and getattr(stored[name], "analyzer", None) == getattr(current[name], "analyzer", None)
        for name in current.names()
    )


def _epoch_seconds(moment: datetime | None) -> int:
    if moment is None:
        return MODIFIED_MISSING
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _facet_values(doc: SearchDocument) -> dict[str, str]:
    formats = [fmt.replace(_FORMAT_SEPARATOR, " ").strip() for fmt in doc.formats]
    values = {
        "category": doc.category,
        "department": doc.department_slug,
        "division": doc.division,
        "format": _FORMAT_SEPARATOR.join(fmt for fmt in formats if fmt),
        "open_type": doc.open_type,
        "frequency": doc.frequency,
        "topic": doc.topic,
    }
    return {name: value for name, value in values.items() if value}


def document_fields(doc: SearchDocument) -> dict[str, object]:
    """The keyword arguments of ``writer.add_document`` for one document."""
    text = {
        "title": doc.title,
        "description": doc.description,
        "keywords": " ".join(doc.keywords),
        "department_name": doc.department,
        "distribution_titles": "\n".join(doc.distribution_titles),
        "details": "\n".join(doc.details),
    }
    grams = "\n".join(value for value in text.values() if value)
    return {
        "id": doc.id,
        "digest": doc.digest,
        **{name: value for name, value in text.items() if value},
        **({GRAM_FIELD: grams} if grams else {}),
        **_facet_values(doc),
        MODIFIED_FIELD: _epoch_seconds(doc.modified),
        TITLE_SORT_FIELD: doc.title.casefold().encode("utf-8"),
    }
