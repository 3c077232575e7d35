"""Sensitivity levels (数据敏感级别) of public data (``data/sensitivity.ttl``).

Four levels, ``public`` (1) to ``important`` (4); the file documents the grading. Compare
levels with :func:`level`, never by notation.
"""

from vocab.namespaces import GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "sensitivity.ttl"
PROPERTIES = (
    PropertySpec("level", GXV.level, "int", required=True),
    PropertySpec("requires_masking", GXV.requiresMasking, "bool", required=True),
    PropertySpec("max_open_type", GXV.maxOpenType, "iri", required=True),
)


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def sensitivity_level(value: str) -> Concept | None:
    """A level by notation or label (一级, 公开, 三级, 敏感, L3…)."""
    return scheme().lookup(value)


def by_level(number: int) -> Concept | None:
    return next((c for c in scheme() if c.integer("level") == number), None)


def level(notation: str) -> int:
    value = scheme().require(notation).integer("level")
    assert value is not None  # required by PROPERTIES
    return value


def requires_masking(notation: str) -> bool:
    """Whether data at this level must be masked (脱敏) before it is shared or opened."""
    return scheme().require(notation).flag("requires_masking")


def max_open_type(notation: str) -> str:
    """Notation of the most open open-type allowed at this level (see open_types)."""
    path = scheme().require(notation).text("max_open_type")
    assert path is not None  # required by PROPERTIES
    return path.rsplit("/", 1)[-1]
