"""CKAN's dialect: package, resource, organization and group dicts, and search parameters.

Serialisers are pure functions of the model objects and a :class:`CkanContext`, in the
shapes of CKAN 2.10's action API. The government catalog fields (:data:`GOVERNMENT_FIELDS`)
appear twice, as ckanext-scheming would put them: top-level keys hold the stored value (a
notation such as ``"conditional"``, a bool, an int, an ISO date); ``extras`` rows hold strings,
the label in the requested language for vocabulary fields. The division code is called
``division``: ckanext-spatial reserves ``spatial`` for GeoJSON. A stored file is linked only
when :func:`catalog.access.public_distribution` allows it; resources of conditionally open
datasets link to the dataset page.

:func:`parse_search` reads CKAN's ``q``/``fq``/``fq_list``/``sort``/``facet.*``: ``fq`` is
parsed by :mod:`catalog.search.solr_query` into a filter tree (with ``q``'s clauses on filter
fields), evaluated by :mod:`catalog.ckan_filters`; what cannot be honoured raises
:class:`CkanQueryError` (Search Query Error) instead of being dropped silently. ``isopen`` and
``license_id`` follow :mod:`catalog.licence_terms`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from catalog import conditions
from catalog.access import can_fetch_files, public_distribution
from catalog.ckan_filters import DEFAULT_SORT, FIELDS, parse_sort
from catalog.licence_terms import NOT_SPECIFIED, licence_is_open
from catalog.licensing import Licence, effective_licence
from catalog.models import Dataset, Department, Distribution
from catalog.search import solr_query
from catalog.search.solr_query import And, Everything, Node, SolrQueryError
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

CKAN_VERSION = "2.10.0"
LOCALE_DEFAULT = "zh_Hans_CN"
DATASET_PAGE = "catalog.dataset"  # endpoint of the dataset page (id_or_slug)
DOWNLOAD = "downloads.download"  # endpoint of a file download (id_or_slug, resource_id, file_name)

# (endpoint, **values) -> a path below the base URL, e.g. flask.url_for
UrlBuilder = Callable[..., str]


@dataclass(frozen=True)
class CkanContext:
    base_url: str
    url_for: UrlBuilder
    lang: str = "zh"

    def link(self, endpoint: str, **values: Any) -> str:
        return self.base_url.rstrip("/") + self.url_for(endpoint, **values)


class CkanValidationError(ValueError):
    """A parameter has a value CKAN would refuse (409 Validation Error)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


CkanQueryError = SolrQueryError  # a q, fq or sort the portal cannot honour (409)
MAX_START_COUNT = 1_000_000


# -- serialisers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GovernmentField:
    key: str  # top-level key and extras key: stable, English
    value: Callable[[Dataset], object]
    vocabulary: Callable[[], ConceptScheme] | None = None  # extras carry its label


def _conditions(dataset: Dataset) -> dict[str, Any] | None:
    stated = conditions.stated(dataset)
    return stated.to_dict() if stated is not None else None


GOVERNMENT_FIELDS: tuple[GovernmentField, ...] = (
    GovernmentField("open_type", attrgetter("open_type"), open_types.scheme),
    GovernmentField("access_conditions", attrgetter("access_conditions")),
    GovernmentField("conditions", _conditions),  # catalog/conditions.py; a JSON text in extras
    GovernmentField("share_type", attrgetter("share_type"), share_types.scheme),
    GovernmentField("sensitivity", attrgetter("sensitivity"), sensitivity.scheme),
    GovernmentField("service_item", attrgetter("service_item")),
    GovernmentField("result_name", attrgetter("result_name")),
    GovernmentField("is_e_licence", attrgetter("is_e_licence")),
    GovernmentField("source_system", attrgetter("source_system")),
    GovernmentField("application_scenarios", attrgetter("application_scenarios")),
    GovernmentField("delivery_channel", attrgetter("delivery_channel"), delivery_channels.scheme),
    GovernmentField("update_frequency", attrgetter("update_frequency"), frequencies.scheme),
    GovernmentField("division", attrgetter("spatial"), divisions.scheme),
    GovernmentField("record_count", attrgetter("record_count")),
    GovernmentField("category", attrgetter("category"), categories.scheme),
    GovernmentField("topic", attrgetter("topic")),
    GovernmentField("industry", attrgetter("industry")),
    GovernmentField("identifier", attrgetter("identifier")),
    GovernmentField("issued", attrgetter("issued")),
    GovernmentField("modified", attrgetter("modified")),
    GovernmentField("temporal_start", attrgetter("temporal_start")),
    GovernmentField("temporal_end", attrgetter("temporal_end")),
    GovernmentField("contact_phone", attrgetter("contact_phone")),
    GovernmentField("is_sample", attrgetter("is_sample")),
)

NO_LICENCE = {"zh": "未指定许可协议", "en": "License not specified"}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: object) -> object:
    """A JSON value for a top-level key."""
    return _iso(value) if isinstance(value, date | datetime) else value


def _label(scheme: Callable[[], ConceptScheme], notation: str, lang: str) -> str:
    concept = scheme().by_notation(notation)
    return concept.label(lang) if concept else notation


def _extra_value(spec: GovernmentField, value: object, lang: str) -> str:
    if spec.vocabulary is not None:
        return _label(spec.vocabulary, str(value), lang)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def government_fields(dataset: Dataset, lang: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """(top-level keys, extras rows) of the government catalog fields."""
    top: dict[str, Any] = {}
    extras: list[dict[str, str]] = []
    for spec in GOVERNMENT_FIELDS:
        value = spec.value(dataset)
        top[spec.key] = _plain(value)
        if value is not None and value != "":
            extras.append({"key": spec.key, "value": _extra_value(spec, value, lang)})
    return top, extras


def tag_dicts(keywords: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {"name": k, "display_name": k, "state": "active", "vocabulary_id": None}
        for k in dict.fromkeys(keywords)
        if k
    ]


def _holder(
    kind: str, ident: str, name: str, title: str, display: str, description: str, count: int | None
) -> dict[str, Any]:
    """The keys CKAN's groups and organizations share."""
    holder: dict[str, Any] = {
        "id": ident,
        "name": name,
        "title": title,
        "display_name": display,
        "description": description,
        "type": kind,
        "is_organization": kind == "organization",
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
    }
    if count is not None:
        holder["package_count"] = count
    return holder


def group_dict(
    concept: Concept, ctx: CkanContext, package_count: int | None = None
) -> dict[str, Any]:
    """A high-value data category as a CKAN group (its name and id are the notation)."""
    description = concept.definition.get(ctx.lang) or concept.definition.get("zh", "")
    return _holder(
        "group", concept.notation, concept.notation, concept.label("zh"),
        concept.label(ctx.lang), description, package_count,
    )  # fmt: skip


def department_label(department: Department, lang: str) -> str:
    return department.name_en if lang == "en" and department.name_en else department.name


DEPARTMENT_EXTRAS = ("division", "homepage", "phone", "email", "address")


def organization_dict(
    department: Department,
    ctx: CkanContext,
    package_count: int | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """A department as a CKAN organization; ``full`` adds its contact details as extras."""
    organization = _holder(
        "organization", str(department.id), department.slug, department.name,
        department_label(department, ctx.lang), department.description or "", package_count,
    )  # fmt: skip
    organization["created"] = _iso(department.created_at)
    if full:
        organization["extras"] = [
            {"key": key, "value": str(getattr(department, key))}
            for key in DEPARTMENT_EXTRAS
            if getattr(department, key)
        ]
    return organization


def resource_url(
    distribution: Distribution, dataset: Dataset, ctx: CkanContext
) -> tuple[str, str | None]:
    """(url, url_type): our download for a fetchable stored file, else a public link, else
    the dataset's page (where the conditions of a file that is not public are)."""
    page = ctx.link(DATASET_PAGE, id_or_slug=dataset.slug)
    public = public_distribution(dataset, distribution)
    if public.stored_file:
        url = ctx.link(
            DOWNLOAD,
            id_or_slug=dataset.id,
            resource_id=distribution.id,
            file_name=distribution.file_name,
        )
        return url, "upload"
    return public.download_url or public.access_url or page, None


def resource_dict(distribution: Distribution, dataset: Dataset, ctx: CkanContext) -> dict[str, Any]:
    url, url_type = resource_url(distribution, dataset, ctx)
    file_format = distribution.file_format
    mimetype = distribution.media_type or (file_format.media_type if file_format else None)
    return {
        "id": distribution.id,
        "package_id": dataset.id,
        "name": distribution.title,
        "description": distribution.description or "",
        "format": distribution.format or "",
        "mimetype": mimetype,
        "size": distribution.byte_size,
        "hash": f"sha256:{distribution.sha256}" if distribution.sha256 else "",
        "url": url,
        "url_type": url_type,
        "state": "active",
        "position": distribution.position,
        "created": _iso(distribution.created_at),
        "last_modified": _iso(distribution.modified),
        "datastore_active": False,
        "machine_readable": distribution.machine_readable,
        "non_proprietary": distribution.non_proprietary,
        "rdf": distribution.rdf,
    }


def licence_fields(licence: Licence, ctx: CkanContext) -> dict[str, str]:
    """CKAN's ``license_id``/``license_title``/``license_url`` of an effective licence (the ids
    are the notations of ``vocab/licences``, which ``license_list`` lists)."""
    return {
        "license_id": licence.notation,
        "license_title": licence.title(ctx.lang),
        "license_url": licence.page_url(ctx.base_url) or "",
    }


# the portal's dataset states as CKAN names them (pending: a draft waiting for its reviewer)
CKAN_STATES = {"published": "active", "draft": "draft", "pending": "draft", "withdrawn": "deleted"}


def package_dict(dataset: Dataset, ctx: CkanContext) -> dict[str, Any]:
    """A dataset as CKAN's package_show result (public ones: active, not private)."""
    department = dataset.department
    concept = categories.scheme().by_notation(dataset.category) if dataset.category else None
    tags = tag_dicts(dataset.keywords or ())
    resources = [resource_dict(d, dataset, ctx) for d in dataset.distributions]
    top, extras = government_fields(dataset, ctx.lang)
    return {
        "id": dataset.id,
        "name": dataset.slug,
        "title": dataset.title,
        "type": "dataset",
        "state": CKAN_STATES.get(dataset.state, "draft"),
        "private": not dataset.is_public,
        "notes": dataset.description or "",
        "url": dataset.landing_page or "",
        "version": dataset.version,
        "author": dataset.contact_name,
        "author_email": dataset.contact_email,
        "maintainer": dataset.contact_name,
        "maintainer_email": dataset.contact_email,
        **licence_fields(effective_licence(dataset), ctx),
        "isopen": can_fetch_files(dataset) and licence_is_open(effective_licence(dataset).notation),
        "metadata_created": _iso(dataset.created_at),
        "metadata_modified": _iso(dataset.metadata_modified),
        "owner_org": str(department.id) if department else None,
        "organization": organization_dict(department, ctx) if department else None,
        "tags": tags,
        "num_tags": len(tags),
        "groups": [group_dict(concept, ctx)] if concept else [],
        "resources": resources,
        "num_resources": len(resources),
        "extras": extras,
        **top,
    }


def licence_dict(concept: Concept, lang: str, base_url: str) -> dict[str, Any]:
    """A licence of the vocabulary in the shape of CKAN's licence register (license_list):
    its conformance as the vocabulary states it (open: approved, as CKAN reads it)."""
    is_open = licence_is_open(concept.notation)
    return {
        "id": concept.notation,
        "title": concept.label(lang),
        "url": Licence(concept.notation, "dataset").page_url(base_url) or "",
        "od_conformance": concept.text("od_conformance") or "not reviewed",
        "osd_conformance": concept.text("osd_conformance") or "not reviewed",
        "status": "active",
        "maintainer": "",
        "family": "",
        "domain_content": is_open,
        "domain_data": is_open,
        "domain_software": False,
        "is_generic": False,
        "is_okd_compliant": is_open,
        "is_osi_compliant": False,
    }


def not_specified_licence(lang: str) -> dict[str, Any]:
    """CKAN's register entry for datasets that name no licence."""
    return {
        "id": NOT_SPECIFIED,
        "title": NO_LICENCE.get(lang, NO_LICENCE["zh"]),
        "url": "",
        "od_conformance": "not reviewed",
        "osd_conformance": "not reviewed",
        "status": "active",
        "maintainer": "",
        "family": "",
        "domain_content": False,
        "domain_data": False,
        "domain_software": False,
        "is_generic": True,
        "is_okd_compliant": False,
        "is_osi_compliant": False,
    }


def status_dict(site_title: str, site_url: str, site_description: str = "") -> dict[str, Any]:
    return {
        "site_title": site_title,
        "site_description": site_description,
        "site_url": site_url,
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": LOCALE_DEFAULT,
        "extensions": [],
    }


# -- search parameters ---------------------------------------------------------------------

DEFAULT_FACET_LIMIT = 50
MAX_FACET_LIMIT = 1000
# Fielded clauses of ``q`` that are full text: their value is searched in the whole text.
TEXT_FIELDS = frozenset({"text", "title", "notes", "res_name", "res_description", "author"})
_CLAUSE = re.compile(
    r"(?P<sign>[+-]?)(?:(?P<field>[A-Za-z_][\w.]*):)?"
    r'(?P<value>"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|\((?:[^()"]|"(?:[^"\\]|\\.)*")*\)|\S+)'
)


@dataclass(frozen=True)
class CkanSearch:
    """A package_search request in the portal's terms."""

    text: str = ""  # full text, for the search engine
    filter: Node = field(default_factory=Everything)  # fq, fq_list and q's fielded clauses
    sort: tuple[tuple[str, bool], ...] = ()  # see catalog.ckan_filters.parse_sort
    facet_fields: tuple[str, ...] = ()  # as CKAN names them
    facet_limit: int = DEFAULT_FACET_LIMIT  # -1: all
    facet_mincount: int = 1


def integer(
    data: Mapping[str, Any], key: str, default: int | None, low: int, high: int
) -> int | None:
    """An integer parameter clamped to low..high; a non-integer is a validation error."""
    raw = data.get(key)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
        raise CkanValidationError(key, "Invalid integer")
    try:
        number = int(raw.strip() if isinstance(raw, str) else raw)
    except (TypeError, ValueError, OverflowError):
        raise CkanValidationError(key, f"Invalid integer: {raw!r}") from None
    return min(max(number, low), high)


def boolean(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    raw = data.get(key)
    if raw is None or raw == "":
        return default
    if isinstance(raw, str):
        return raw.strip().lower() in ("true", "1", "yes", "on")
    return bool(raw)


def _filter(data: Mapping[str, Any]) -> list[Node]:
    """The trees of ``fq`` and every ``fq_list`` entry (all must hold)."""
    fq_list = data.get("fq_list") or []
    clauses = [data.get("fq") or ""] + (fq_list if isinstance(fq_list, list) else [fq_list])
    nodes = []
    for clause in clauses:
        if not isinstance(clause, str):
            raise CkanValidationError("fq", "Must be a string")
        nodes.append(solr_query.parse(clause))
    return nodes


def _read_text(q: str, nodes: list[Node]) -> str:
    """The full-text part of ``q``; its clauses on filter fields go to ``nodes``."""
    if q.strip() in ("", "*:*", "*"):
        return ""
    words: list[str] = []
    for match in _CLAUSE.finditer(q):
        sign, name, raw = match["sign"], match["field"], match["value"]
        if name in FIELDS and name not in TEXT_FIELDS:
            nodes.append(solr_query.parse(match.group(0)))
        elif name in TEXT_FIELDS:
            words.append(("-" if sign == "-" else "") + raw)
        else:
            words.append(match.group(0))
    return " ".join(words)


def _facet_fields(raw: object) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise CkanValidationError("facet.field", "Must be a JSON list of field names") from None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise CkanValidationError("facet.field", "Must be a list of field names")
    return tuple(dict.fromkeys(raw))


def parse_search(data: Mapping[str, Any]) -> CkanSearch:
    """Read CKAN's q, fq (also fq_list), sort and facet parameters."""
    nodes = _filter(data)
    q = data.get("q") or ""
    if not isinstance(q, str):
        raise CkanValidationError("q", "Must be a string")
    text = _read_text(q, nodes)
    sort = data.get("sort") or DEFAULT_SORT
    if not isinstance(sort, str):
        raise CkanValidationError("sort", "Must be a string")
    limit = integer(data, "facet.limit", DEFAULT_FACET_LIMIT, -1, MAX_FACET_LIMIT)
    mincount = integer(data, "facet.mincount", 1, 0, MAX_START_COUNT)
    kept = [node for node in nodes if not isinstance(node, Everything)]
    return CkanSearch(
        text=text,
        filter=kept[0] if len(kept) == 1 else And(tuple(kept)) if kept else Everything(),
        sort=parse_sort(sort),
        facet_fields=_facet_fields(data.get("facet.field")),
        facet_limit=-1 if limit is None or limit < 0 else limit,
        facet_mincount=mincount or 0,
    )


VOCABULARIES = {spec.key: spec.vocabulary for spec in GOVERNMENT_FIELDS if spec.vocabulary}


def _facet_label(name: str, value: str, departments: Mapping[str, Department], lang: str) -> str:
    if name == "organization":
        department = departments.get(value)
        return department_label(department, lang) if department else value
    scheme = VOCABULARIES.get("category" if name == "groups" else name)
    return _label(scheme, value, lang) if scheme else value


def facet_dicts(
    counts: Mapping[str, Sequence[tuple[str, int]]],
    departments: Mapping[str, Department],
    lang: str,
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, Any]]]:
    """CKAN's ``facets`` and ``search_facets`` from (value, count) lists keyed by CKAN field."""
    facets = {name: dict(items) for name, items in counts.items()}
    search_facets = {
        name: {
            "title": name,
            "items": [
                {
                    "name": value,
                    "display_name": _facet_label(name, value, departments, lang),
                    "count": count,
                }
                for value, count in items
            ],
        }
        for name, items in counts.items()
    }
    return facets, search_facets
