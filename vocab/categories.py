"""The ten high-value public data categories (``data/categories.ttl``).

Each category maps to one or more EU data themes (skos:broadMatch, many-to-one) and, where one
corresponds, to an EU high-value dataset category (skos:closeMatch under http://data.europa.eu/bna/).
The file's rdfs:comment explains why meteorology is the tenth category.
"""

from vocab.namespaces import EU_DATA_THEME, HVD_CATEGORY
from vocab.skos import Concept, ConceptScheme, load_scheme

FILENAME = "categories.ttl"


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME)


def all_categories() -> tuple[Concept, ...]:
    """The categories in the order of the reform plan (meteorology last)."""
    return scheme().concepts


def category(value: str) -> Concept | None:
    """A category by notation, zh/en label or synonym, or mapped HVD category URI."""
    return scheme().lookup(value)


def eu_theme(notation: str) -> tuple[str, ...]:
    """The EU data-theme URIs of a category (dcat:theme values); KeyError if unknown."""
    return tuple(
        uri for uri in scheme().require(notation).broad_match if uri.startswith(EU_DATA_THEME)
    )


def hvd_category(notation: str) -> str | None:
    """The EU high-value dataset category URI of a category, if one corresponds."""
    matches = [
        uri for uri in scheme().require(notation).close_match if uri.startswith(HVD_CATEGORY)
    ]
    return matches[0] if matches else None


def categories_for_eu_theme(theme_uri: str) -> tuple[Concept, ...]:
    """The categories that fall under an EU data theme (e.g. ECON: enterprise, finance-tax…)."""
    return scheme().mapped_to(theme_uri)
