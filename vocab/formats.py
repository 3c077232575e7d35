"""File formats of distributions (``data/formats.ttl``, from the EU file-type table).

:func:`format_for` recognises whatever a harvested record or an upload gives: a notation
("CSV"), an extension ("csv", ".CSV"), a file name or URL ("名单_0.xlsx"), a media type
("text/csv; charset=utf-8"), an IANA media-type URI, an EU file-type URI or a label.
The 5-star flags (machine_readable, non_proprietary, rdf) come from the data file only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from vocab.namespaces import EU_FILE_TYPE, GXV, IANA_MEDIA
from vocab.skos import Concept, ConceptScheme, PropertySpec, VocabularyError, load_scheme

FILENAME = "formats.ttl"
PROPERTIES = (
    PropertySpec("media_type_uri", GXV.mediaType, "iri"),
    PropertySpec("media_type_aliases", GXV.mediaTypeAlias, "str", many=True),
    PropertySpec("extensions", GXV.extension, "str", many=True),
    PropertySpec("machine_readable", GXV.machineReadable, "bool", required=True),
    PropertySpec("non_proprietary", GXV.nonProprietary, "bool", required=True),
    PropertySpec("rdf", GXV.rdf, "bool", required=True),
)


@dataclass(frozen=True)
class FileFormat:
    notation: str  # the EU file-type code, e.g. "CSV", "RDF_TURTLE"
    label: str  # the EU English label, e.g. "Excel XLSX"
    label_zh: str
    eu_uri: str
    media_type: str | None  # e.g. "text/csv"
    media_type_uri: str | None  # e.g. "https://www.iana.org/assignments/media-types/text/csv"
    extensions: tuple[str, ...]  # lower case, no dot
    machine_readable: bool
    non_proprietary: bool
    rdf: bool
    concept: Concept


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def _file_format(concept: Concept) -> FileFormat:
    eu_uris = [uri for uri in concept.exact_match if uri.startswith(EU_FILE_TYPE)]
    if len(eu_uris) != 1:
        raise VocabularyError(f"{FILENAME}: {concept.notation} needs one EU file-type match")
    media_uri = concept.text("media_type_uri")
    if media_uri is not None and not media_uri.startswith(IANA_MEDIA):
        raise VocabularyError(f"{FILENAME}: {concept.notation} media type is not an IANA URI")
    return FileFormat(
        notation=concept.notation,
        label=concept.label("en"),
        label_zh=concept.label("zh"),
        eu_uri=eu_uris[0],
        media_type=media_uri[len(IANA_MEDIA) :] if media_uri else None,
        media_type_uri=media_uri,
        extensions=concept.texts("extensions"),
        machine_readable=concept.flag("machine_readable"),
        non_proprietary=concept.flag("non_proprietary"),
        rdf=concept.flag("rdf"),
        concept=concept,
    )


@cache
def all_formats() -> tuple[FileFormat, ...]:
    return tuple(_file_format(concept) for concept in scheme())


@cache
def _indexes() -> tuple[dict[str, FileFormat], dict[str, FileFormat]]:
    """(extension → format, media type → format), each key owned by one format."""
    by_extension: dict[str, FileFormat] = {}
    by_media_type: dict[str, FileFormat] = {}
    for fmt in all_formats():
        media_types = (fmt.media_type, *fmt.concept.texts("media_type_aliases"))
        for index, keys in ((by_extension, fmt.extensions), (by_media_type, media_types)):
            for key in filter(None, keys):
                if index.setdefault(key.lower(), fmt) is not fmt:
                    raise VocabularyError(f"{FILENAME}: {key!r} belongs to two formats")
    return by_extension, by_media_type


def file_format(notation: str) -> FileFormat:
    """The format with this notation; KeyError if unknown."""
    concept = scheme().require(notation)
    return next(fmt for fmt in all_formats() if fmt.notation == concept.notation)


def by_extension(extension: str) -> FileFormat | None:
    return _indexes()[0].get(extension.strip().lstrip(".").lower())


def by_media_type(media_type: str) -> FileFormat | None:
    """Match a media type, ignoring parameters and case ("text/csv; charset=utf-8")."""
    essence = media_type.split(";", 1)[0].strip().lower()
    if essence.startswith(IANA_MEDIA.lower()):
        essence = essence[len(IANA_MEDIA) :]
    return _indexes()[1].get(essence)


def format_for(value: str) -> FileFormat | None:
    """Recognise a format from a notation, label, extension, file name, media type or URI."""
    value = value.strip()
    if not value:
        return None
    concept = scheme().lookup(value)
    if concept is not None:
        return file_format(concept.notation)
    if "/" in value:
        found = by_media_type(value)
        if found is not None:
            return found
    return by_extension(value) or _by_file_name(value)


def _by_file_name(value: str) -> FileFormat | None:
    """The format of a file name or URL path from its last extension ("名单_0.xlsx")."""
    path = urlsplit(value).path if "://" in value else value
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in name:
        return None
    return by_extension(name.rsplit(".", 1)[-1])
