"""The JSON shapes of the REST API (``/api/v1``): plain dicts from model objects.

Vocabulary fields carry the stored code and its label in the requested language
(``{"code": "annual", "label": "每年"}``); every resource carries its ``uri`` (the linked-data
URI) and ``links`` to its neighbours. The OpenAPI description (``portal/api/openapi.py``)
states these shapes; a test checks responses against it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from catalog import conditions, uris
from catalog.access import can_fetch_files
from catalog.licensing import Licence, effective_licence
from catalog.models import Dataset, Department, Distribution
from exports.dcat.write import distribution_values
from vocab import (
    categories,
    delivery_channels,
    divisions,
    frequencies,
    open_types,
    sensitivity,
    share_types,
)
from vocab.skos import Concept, ConceptScheme


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def coded(
    scheme: Callable[[], ConceptScheme], code: str | None, lang: str
) -> dict[str, str] | None:
    if not code:
        return None
    concept = scheme().by_notation(code) or scheme().lookup(code)
    return {"code": code, "label": concept.label(lang) if concept else code}


def licence_dict(licence: Licence, base: str, lang: str) -> dict[str, Any]:
    """The effective licence: code, label, its page, and where it comes from (``dataset``,
    ``department`` or ``platform``: the platform's terms of use)."""
    return {
        "code": licence.notation,
        "label": licence.title(lang),
        "url": licence.page_url(base),
        "source": licence.source,
    }


def department_ref(department: Department | None, base: str) -> dict[str, Any] | None:
    if department is None:
        return None
    return {
        "slug": department.slug,
        "name": department.name,
        "uri": uris.department_uri(base, department.slug),
    }


def dataset_summary(dataset: Dataset, base: str, lang: str) -> dict[str, Any]:
    api = uris.rest_api_uri(base)
    return {
        "id": dataset.id,
        "slug": dataset.slug,
        "uri": uris.dataset_uri(base, dataset.id),
        "title": dataset.title,
        "description": dataset.description or "",
        "department": department_ref(dataset.department, base),
        "category": coded(categories.scheme, dataset.category, lang),
        "open_type": coded(open_types.scheme, dataset.open_type, lang),
        "update_frequency": coded(frequencies.scheme, dataset.update_frequency, lang),
        "formats": dataset.formats,
        "issued": _iso(dataset.issued),
        "modified": _iso(dataset.modified),
        "metadata_modified": _iso(dataset.metadata_modified),
        "links": {
            "self": f"{api}/datasets/{dataset.id}",
            "page": uris.dataset_page(base, dataset.slug),
            "rdf": f"{uris.dataset_uri(base, dataset.id)}.ttl",
        },
    }


def _conditions(dataset: Dataset) -> dict[str, Any] | None:
    """The structured conditions (catalog/conditions.py) of a conditional dataset, as codes."""
    stated = conditions.stated(dataset)
    return stated.to_dict() if stated is not None else None


def dataset_detail(dataset: Dataset, base: str, lang: str) -> dict[str, Any]:
    out = dataset_summary(dataset, base, lang)
    out.update(
        {
            "keywords": list(dataset.keywords or []),
            "topic": dataset.topic,
            "identifier": dataset.identifier,
            "version": dataset.version,
            "landing_page": dataset.landing_page,
            "licence": licence_dict(effective_licence(dataset), base, lang),
            "spatial": coded(divisions.scheme, dataset.spatial, lang),
            "temporal": {"start": _iso(dataset.temporal_start), "end": _iso(dataset.temporal_end)},
            "access_conditions": dataset.access_conditions,
            "conditions": _conditions(dataset),
            "share_type": coded(share_types.scheme, dataset.share_type, lang),
            "sensitivity": coded(sensitivity.scheme, dataset.sensitivity, lang),
            "service_item": dataset.service_item,
            "result_name": dataset.result_name,
            "is_e_licence": dataset.is_e_licence,
            "source_system": dataset.source_system,
            "application_scenarios": dataset.application_scenarios,
            "delivery_channel": coded(delivery_channels.scheme, dataset.delivery_channel, lang),
            "record_count": dataset.record_count,
            "contact": {
                "name": dataset.contact_name,
                "phone": dataset.contact_phone,
                "email": dataset.contact_email,
            },
            "files_open": can_fetch_files(dataset),
            "distributions": [distribution_dict(d, dataset, base) for d in dataset.distributions],
        }
    )
    return out


def distribution_dict(distribution: Distribution, dataset: Dataset, base: str) -> dict[str, Any]:
    values = distribution_values(dataset, distribution, base)
    fmt = distribution.file_format
    return {
        "id": distribution.id,
        "dataset_id": dataset.id,
        "uri": uris.distribution_uri(base, dataset.id, distribution.id),
        "title": distribution.title,
        "description": distribution.description,
        "format": distribution.format,
        "media_type": distribution.media_type or (fmt.media_type if fmt else None),
        "byte_size": distribution.byte_size,
        "sha256": distribution.sha256,
        "access_url": values["access_url"],
        "download_url": values["download_url"],
        "conforms_to": values["conforms_to"],
        "issued": _iso(distribution.issued),
        "modified": _iso(distribution.modified),
        "machine_readable": distribution.machine_readable,
    }


def department_dict(department: Department, count: int, base: str) -> dict[str, Any]:
    return {
        "slug": department.slug,
        "name": department.name,
        "name_en": department.name_en,
        "uri": uris.department_uri(base, department.slug),
        "division": department.division,
        "homepage": department.homepage,
        "datasets": count,
        "links": {"datasets": f"{uris.rest_api_uri(base)}/datasets?department={department.slug}"},
    }


def concept_dict(concept: Concept, base: str, lang: str) -> dict[str, Any]:
    return {
        "code": concept.notation,
        "label": concept.label(lang),
        "labels": dict(concept.labels),
        "uri": concept.uri(base),
        "definition": concept.definition.get(lang) or next(iter(concept.definition.values()), None),
        "exact_match": list(concept.exact_match),
        "close_match": list(concept.close_match),
        "broad_match": list(concept.broad_match),
        "broader": list(concept.broader),
    }


def scheme_dict(scheme: ConceptScheme, base: str, lang: str, with_concepts: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": scheme.path,
        "label": scheme.label(lang),
        "uri": scheme.uri(base),
        "concept_count": len(scheme),
        "links": {"self": f"{uris.rest_api_uri(base)}/vocabularies/{scheme.path}"},
    }
    if with_concepts:
        out["concepts"] = [concept_dict(c, base, lang) for c in scheme]
    return out
