"""Update frequencies (更新频率) (``data/frequencies.ttl``), mapped to the EU frequency table."""

from vocab.namespaces import EU_FREQUENCY, GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "frequencies.ttl"
PROPERTIES = (PropertySpec("max_age_days", GXV.maxAgeDays, "int"),)


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def frequency(value: str) -> Concept | None:
    """A frequency by notation, label (每年, 年度, 每日, 实时…) or EU/Dublin Core frequency URI."""
    return scheme().lookup(value)


def eu_frequency(notation: str) -> str:
    """The EU frequency URI (dct:accrualPeriodicity) of a frequency; KeyError if unknown."""
    concept = scheme().require(notation)
    return next(uri for uri in concept.exact_match if uri.startswith(EU_FREQUENCY))


def max_age_days(notation: str) -> int | None:
    """Days after the last update during which the data is still current; None if irregular."""
    return scheme().require(notation).integer("max_age_days")
