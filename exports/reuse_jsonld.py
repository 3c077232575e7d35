"""schema.org JSON-LD of a reuse: a ``SoftwareApplication`` (kind ``application``) or a
``CreativeWork`` (every other kind), ``isBasedOn`` the URIs of the public datasets it uses
(:func:`catalog.uris.dataset_uri`, the DCAT subjects, so the two graphs join), with its
team as ``creator`` and, for a competition entry, the competition as ``award`` context."""

from __future__ import annotations

from typing import Any

from catalog import uris
from catalog.reuses.models import APPLICATION, Reuse, ReuseDataset

KIND_GENRES = {
    "application": "application",
    "analysis": "analysis",
    "visualization": "visualization",
    "paper": "scholarly article",
    "news": "news article",
    "competition": "competition entry",
}


def reuse_jsonld(reuse: Reuse, uses: list[ReuseDataset], base_url: str) -> dict[str, Any]:
    page = uris.reuse_uri(base_url, reuse.slug)
    node: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "SoftwareApplication" if reuse.kind == APPLICATION else "CreativeWork",
        "@id": page,
        "name": reuse.title,
        "description": reuse.description or reuse.title,
        "url": reuse.url or page,
        "mainEntityOfPage": page,
        "genre": KIND_GENRES.get(reuse.kind, reuse.kind),
        "creator": {"@type": "Organization", "name": reuse.team},
        "inLanguage": "zh-CN",
        "isBasedOn": [
            {
                "@type": "Dataset",
                "@id": uris.dataset_uri(base_url, use.dataset_id),
                "name": use.dataset.title,
                **({"version": str(use.version)} if use.version else {}),
            }
            for use in uses
        ],
    }
    if reuse.decided_at is not None:
        node["datePublished"] = reuse.decided_at.date().isoformat()
    if reuse.image:
        node["image"] = f"{page}/image"
    if reuse.competition is not None:
        competition = reuse.competition
        node["isPartOf"] = {
            "@type": "Event",
            "@id": uris.competition_uri(base_url, competition.slug),
            "name": competition.title,
        }
        if reuse.award:
            node["award"] = f"{competition.title} {reuse.award}"
    return node
