"""Delivery channels (数据提供方式): download, API, sandbox, verification, offline.

Data: ``data/delivery_channels.ttl``.
"""

from vocab.namespaces import GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "delivery_channels.ttl"
PROPERTIES = (PropertySpec("online", GXV.online, "bool", required=True),)


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def delivery_channel(value: str) -> Concept | None:
    """A channel by notation or label (数据下载, 接口调用, API, 数据沙箱, 线下提供…)."""
    return scheme().lookup(value)


def is_online(notation: str) -> bool:
    """Whether the channel delivers through the portal itself."""
    return scheme().require(notation).flag("online")
