"""Open types (开放类型) of public data (``data/open_types.ttl``), mapped to EU access rights."""

import re
import unicodedata

from vocab.namespaces import EU_ACCESS_RIGHT, GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "open_types.ttl"
_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")  # around a label: 。 ！ “ ” ( ) …
PROPERTIES = (PropertySpec("public_listing", GXV.publicListing, "bool", required=True),)


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def open_type(value: str, base_url: str | None = None) -> Concept | None:
    """An open type by notation, label (无条件开放, 依申请开放…) or EU access-right URI.

    Forgiving only where it cannot widen access: whitespace and the punctuation around a
    label (``不予开放。``, ``“有条件开放”``) and the https form of an EU URI are ignored;
    anything else unknown is None, which callers must treat as not open. With ``base_url``,
    the portal's own concept URIs under it are known too."""
    text = unicodedata.normalize("NFKC", value).strip()
    if text.startswith("https://publications.europa.eu/"):
        text = "http://" + text.removeprefix("https://")
    found = scheme().lookup(text, base_url)
    return found or scheme().lookup(_PUNCTUATION.sub("", text), base_url)


def access_right(notation: str) -> str:
    """The EU access-right URI (dct:accessRights) of an open type; KeyError if unknown."""
    concept = scheme().require(notation)
    return next(uri for uri in concept.exact_match if uri.startswith(EU_ACCESS_RIGHT))


def public_listing(notation: str) -> bool:
    """Whether datasets of this open type may appear on the public portal."""
    return scheme().require(notation).flag("public_listing")


def publicly_listed() -> tuple[Concept, ...]:
    return tuple(c for c in scheme() if c.flag("public_listing"))
