"""Dataset topics (主题) used by departments, mapped to the ten categories (``data/topics.ttl``).

A topic without ``gxv:category`` belongs to none of the ten categories; the file's header
explains each mapping decision.
"""

from vocab import categories
from vocab.namespaces import GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "topics.ttl"
PROPERTIES = (PropertySpec("category", GXV.category, "iri"),)


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def topic(name: str) -> Concept | None:
    """A topic by notation, name or synonym (市场监管, 信用, 卫生健康…)."""
    return scheme().lookup(name)


def category_of(concept: Concept) -> Concept | None:
    """The category concept a topic concept falls under, if any."""
    path = concept.text("category")
    if path is None:
        return None
    found = categories.scheme().by_path(path)
    if found is None:
        raise KeyError(f"topic {concept.notation!r} points to unknown category {path!r}")
    return found


def category_for_topic(name: str) -> str | None:
    """The category notation for a topic name (市场监管 → "enterprise"), else None.

    A name that is no known topic but is a category's own name or synonym ("能源环境") gives
    that category; an unknown name, or a topic outside the ten categories, gives None.
    """
    concept = topic(name)
    if concept is None:
        category = categories.scheme().by_label(name)
    else:
        category = category_of(concept)
    return category.notation if category is not None else None
