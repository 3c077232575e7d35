"""Where a record comes from: ``dct:provenance`` of harvested and derived records.

The demo loader marks each record's origin in ``Dataset.extras["source"]``; each known origin
has a statement here. A harvested record's statement names its source, the identifier it has
there and when it was first and last harvested (the source is also the record's sub-catalog,
:mod:`exports.dcat.subcatalogs`).
"""

from __future__ import annotations

from catalog.models import Dataset
from exports.dcat.context import DCT_, RDFS_, PublishContext
from exports.rdf.terms import IRI, A, Chunk, text

ORIGINS: dict[str, dict[str, str]] = {
    "data.gxzf.gov.cn/2021": {
        "zh": "采集自广西公共数据开放平台（data.gxzf.gov.cn）2021年公开的数据目录；"
        "文件保存在原平台。",
        "en": "Collected from the catalog that data.gxzf.gov.cn published in 2021; the files "
        "stay on that platform.",
    },
    "datapackage": {
        "zh": "转载自公开的 Frictionless 数据包，数据文件保存在本平台。",
        "en": "Republished from a public Frictionless data package; the files are stored here.",
    },
    "derived": {
        "zh": "由本平台根据公开数据整理生成。",
        "en": "Compiled by the portal from public data.",
    },
    "sample": {
        "zh": "演示用示例数据，并非真实部门发布的数据。",
        "en": "A made-up sample for demonstration, not published by any department.",
    },
}


def provenance_triples(dataset: Dataset, s: IRI, ctx: PublishContext) -> Chunk:
    origin = harvested(dataset) or ORIGINS.get(str((dataset.extras or {}).get("source") or ""))
    if origin is None:
        return []
    node = ctx.bnode()
    out: Chunk = [(s, DCT_.provenance, node), (node, A, DCT_.ProvenanceStatement)]
    out += [(node, RDFS_.label, text(v, lang)) for lang, v in origin.items()]
    return out


def harvested(dataset: Dataset) -> dict[str, str] | None:
    """The statement of a harvested record: source, identifier there, harvest times."""
    record = dataset.harvest_record
    if record is None:
        return None
    name, remote = record.source.name, record.identifier or record.remote_id
    first, last = f"{record.first_harvested_at:%Y-%m-%d}", f"{record.harvested_at:%Y-%m-%d}"
    return {
        "zh": f"采集自“{name}”，在该来源的标识为 {remote}；{first}首次采集，{last}最近一次更新。",
        "en": f"Harvested from “{name}”, where its identifier is {remote}; first harvested on "
        f"{first}, last changed by a harvest on {last}.",
    }
