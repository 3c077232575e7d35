"""Share types (共享类型) of government data between government bodies.

Data: ``data/share_types.ttl``.
"""

from vocab.skos import Concept, ConceptScheme, load_scheme

FILENAME = "share_types.ttl"


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME)


def share_type(value: str) -> Concept | None:
    """A share type by notation or label (无条件共享, 有条件共享, 不予共享…)."""
    return scheme().lookup(value)
