"""Where a record comes from: ``dct:provenance`` of harvested and derived records.

The demo loader marks each record's origin in ``Dataset.extras["source"]``; each known origin
has a statement here. When harvesting lands (harvest sources and jobs, the original identifier
and URI, the harvest time), a harvested record adds its source's name and address, the
original identifier (``adms:identifier``) and URI, and the harvest time to this statement.
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
    origin = ORIGINS.get(str((dataset.extras or {}).get("source") or ""))
    if origin is None:
        return []
    node = ctx.bnode()
    out: Chunk = [(s, DCT_.provenance, node), (node, A, DCT_.ProvenanceStatement)]
    out += [(node, RDFS_.label, text(v, lang)) for lang, v in origin.items()]
    return out
