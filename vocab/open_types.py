"""Open types (开放类型) of public data (``data/open_types.ttl``), mapped to EU access rights."""

from vocab.namespaces import EU_ACCESS_RIGHT, GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "open_types.ttl"
PROPERTIES = (PropertySpec("public_listing", GXV.publicListing, "bool", required=True),)


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def open_type(value: str) -> Concept | None:
    """An open type by notation, label (无条件开放, 依申请开放…) or EU access-right URI."""
    return scheme().lookup(value)


def access_right(notation: str) -> str:
    """The EU access-right URI (dct:accessRights) of an open type; KeyError if unknown."""
    concept = scheme().require(notation)
    return next(uri for uri in concept.exact_match if uri.startswith(EU_ACCESS_RIGHT))


def public_listing(notation: str) -> bool:
    """Whether datasets of this open type may appear on the public portal."""
    return scheme().require(notation).flag("public_listing")


def publicly_listed() -> tuple[Concept, ...]:
    return tuple(c for c in scheme() if c.flag("public_listing"))
