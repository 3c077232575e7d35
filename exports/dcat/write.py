"""The publishing direction of the DCAT-AP 3 profile: datasets as triples, driven by the table.

Every row of :mod:`exports.dcat.profile` is written by :func:`field_values` according to its
kind; the structured values (publisher, contact point, temporal coverage, checksum, the
high-value category, provenance, quality) are written here, and everything a record points to
is described once per document (:mod:`exports.dcat.describe`). :func:`dataset_chunk` gives
the triples of one dataset with its distributions as plain tuples (fast, for streaming);
:func:`dataset_graph` gives them as an rdflib Graph.

A value that cannot be published (an invalid IRI, an unknown notation) is skipped and logged
(:func:`exports.dcat.context.skipped`); it never fails an export or a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from rdflib import Graph
from sqlalchemy import inspect

from catalog import uris
from catalog.access import CONDITIONAL, public_distribution
from catalog.licensing import Licence, distribution_licence, effective_licence
from catalog.models import Dataset, Distribution
from catalog.tabular import table_schema
from exports.dcat import describe
from exports.dcat.context import (
    DCAT_,
    DCATAP_,
    DCT_,
    DQV_,
    FOAF_,
    SPDX_,
    VCARD_,
    PublishContext,
    prefixes,
    skipped,
)
from exports.dcat.policy import policy_triples
from exports.dcat.profile import (
    DATASET_FIELDS,
    DISTRIBUTION_FIELDS,
    KEYWORD_ALSO,
    MANDATORY_STAND_INS,
    Field,
    scheme_named,
)
from exports.dcat.provenance import provenance_triples
from exports.dcat.services import REST_API, describe_service, service_iri
from exports.dcat.subcatalogs import SUBCATALOG_RULES
from exports.rdf.graph import to_graph
from exports.rdf.terms import (
    IRI,
    XSD,
    A,
    Chunk,
    Lit,
    Node,
    boolean,
    date_time,
    decimal,
    integer,
    text,
    typed,
    xsd_date,
)
from vocab import categories, eu_authority, formats, licences, topics
from vocab.namespaces import (
    DCT,
    EU_ACCESS_RIGHT,
    EU_DATASET_TYPE,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_LICENSE,
    IANA_MEDIA,
    SPDX,
    gx_namespace,
)
from vocab.skos import Concept

# For "mapped" rows: which authority table the scheme's exact matches are taken from.
MAPPED_TABLES = {
    "open_types": str(EU_ACCESS_RIGHT),
    "frequencies": str(EU_FREQUENCY),
    "formats": str(EU_FILE_TYPE),
    "licences": str(EU_LICENSE),
}
# Extra classes range shapes ask of our concepts, by predicate.
CONCEPT_TYPES = {str(DCT.spatial): (DCT_.Location,)}
GEOSPATIAL = "geospatial"  # the category whose datasets are EU "geospatial data"

DATASET = DCAT_.Dataset
DISTRIBUTION = DCAT_.Distribution


@cache
def rows_for(base_url: str, distribution: bool = False) -> tuple[tuple[Field, IRI], ...]:
    """The dataset (or distribution) rows with their predicates resolved under ``base_url``."""
    gx = gx_namespace(base_url)
    table = DISTRIBUTION_FIELDS if distribution else DATASET_FIELDS
    return tuple((row, IRI(row.term(gx))) for row in table)


def dataset_chunk(dataset: Dataset, ctx: PublishContext) -> Chunk:
    """The triples of one dataset, its distributions and whatever they first point to."""
    s = IRI(uris.dataset_uri(ctx.base_url, dataset.id))
    out: Chunk = [(s, A, DATASET)]
    for row, predicate in rows_for(ctx.base_url):
        if row.attribute == "licence":  # the effective one (catalog.licensing)
            nodes = licence_values(row, predicate, effective_licence(dataset), ctx, out)
            out.extend((s, predicate, node) for node in nodes)
            continue
        value = getattr(dataset, row.attribute, None)
        if row.kind == "keywords":
            value = [*(value or ()), *(getattr(dataset, a) or "" for a in KEYWORD_ALSO)]
        if not value and row.attribute in MANDATORY_STAND_INS:
            value = getattr(dataset, MANDATORY_STAND_INS[row.attribute])
        for node in field_values(row, predicate, value, ctx, out):
            out.append((s, predicate, node))
    _source_pages(dataset, s, ctx, out)
    _structured(dataset, s, ctx, out)
    out.extend((s, DCT_.isReferencedBy, IRI(iri)) for iri in referenced_by(dataset, ctx))
    for distribution in dataset.distributions:
        d = IRI(uris.distribution_uri(ctx.base_url, dataset.id, distribution.id))
        out.append((s, DCAT_.distribution, d))
        _distribution(dataset, distribution, d, ctx, out)
    return out


def distribution_chunk(dataset: Dataset, distribution: Distribution, ctx: PublishContext) -> Chunk:
    """The triples of one distribution (its own document), with the link from its dataset;
    what it publishes of the file is what :func:`catalog.access.public_distribution` allows,
    as in the dataset's document."""
    s = IRI(uris.dataset_uri(ctx.base_url, dataset.id))
    d = IRI(uris.distribution_uri(ctx.base_url, dataset.id, distribution.id))
    out: Chunk = [(s, DCAT_.distribution, d)]
    _distribution(dataset, distribution, d, ctx, out)
    return out


def referenced_by(dataset: Dataset, ctx: PublishContext) -> list[str]:
    """The pages of the approved reuses built on the dataset (``dct:isReferencedBy``); none
    when they were not loaded with a detached record (:data:`catalog.linked_data.
    LOAD_OPTIONS` loads them)."""
    state = inspect(dataset)
    if "approved_reuses" in state.unloaded and state.session is None:
        return []
    return [uris.reuse_uri(ctx.base_url, reuse.slug) for reuse in dataset.approved_reuses]


def dataset_graph(dataset: Dataset, base_url: str) -> Graph:
    """One dataset as a self-contained DCAT-AP 3 graph (everything it points to described)."""
    ctx = PublishContext(base_url)
    return to_graph(dataset_chunk(dataset, ctx), prefixes(ctx.base_url))


def field_values(
    row: Field, predicate: IRI, value: Any, ctx: PublishContext, out: Chunk
) -> Iterator[Node]:
    """The RDF values of one table row, by kind; describes what they point to into ``out``."""
    if value is None or value == "" or value == []:
        return
    kind = row.kind
    if kind == "text":
        yield text(str(value))
    elif kind == "string":
        yield Lit(str(value))
    elif kind == "keywords":
        yield from (text(k) for k in dict.fromkeys(value) if k)
    elif kind == "datetime":
        yield date_time(value) if isinstance(value, datetime) else xsd_date(value)
    elif kind == "date":
        yield xsd_date(value.date() if isinstance(value, datetime) else value)
    elif kind == "integer":
        yield integer(value)
    elif kind == "nonnegative":
        if int(value) >= 0:
            yield integer(value, "nonNegativeInteger")
        else:
            skipped(row.attribute, value, "negative")
    elif kind == "boolean":
        yield boolean(bool(value))
    elif kind == "uri":
        if uris.is_valid_iri(value):
            yield IRI(value)
        else:
            skipped(row.attribute, value, "not a valid http(s) IRI")
    elif kind == "concept":
        yield from _concept_value(row, predicate, str(value), ctx, out)
    elif kind == "mapped":
        yield from _mapped_value(row, predicate, str(value), ctx, out)
    else:  # a kind added to the table without a writer is a bug, not a data problem
        raise ValueError(f"no writer for kind {kind!r} ({row.attribute})")


def licence_values(
    row: Field, predicate: IRI, licence: Licence, ctx: PublishContext, out: Chunk
) -> Iterator[Node]:
    """``dct:license``: the platform's terms are the portal's own ``dct:LicenseDocument``
    (``/terms``); any other licence goes through its table row (the EU licence table)."""
    concept = licence.concept
    if concept is None or not licences.portal_page(concept):
        yield from field_values(row, predicate, licence.value, ctx, out)
        return
    iri = uris.terms_uri(ctx.base_url)
    ctx.describe(iri, out, lambda: describe.licence_document_triples(iri, concept))
    yield IRI(iri)


def _concept_value(
    row: Field, predicate: IRI, value: str, ctx: PublishContext, out: Chunk
) -> Iterator[Node]:
    concept = _concept(row.scheme or "", value)
    if concept is None:
        skipped(row.attribute, value, f"not in the {row.scheme} scheme")
        return
    iri = concept.uri(ctx.base_url)
    if iri not in ctx.described:
        scheme = scheme_named(row.scheme or "")
        types = CONCEPT_TYPES.get(predicate, ())
        ctx.describe(iri, out, lambda: describe.concept_triples(concept, scheme, ctx, *types))
    yield IRI(iri)


@lru_cache(maxsize=4096)
def _concept(scheme_name: str, value: str) -> Concept | None:
    """A stored value's concept (by notation, else by label or match), looked up once."""
    scheme = scheme_named(scheme_name)
    return scheme.by_notation(value) or scheme.lookup(value)


@lru_cache(maxsize=4096)
def _mapped(scheme_name: str, value: str) -> tuple[str, Concept] | None:
    """The authority-table IRI a stored value maps to, with its concept."""
    concept = _concept(scheme_name, value)
    table = MAPPED_TABLES.get(scheme_name, "")
    if concept is None:
        return None
    match = next((uri for uri in concept.exact_match if uri.startswith(table)), None)
    return (match, concept) if match else None


def _mapped_value(
    row: Field, predicate: IRI, value: str, ctx: PublishContext, out: Chunk
) -> Iterator[Node]:
    if predicate == DCAT_.mediaType:
        yield from _media_type(value, ctx, out)
        return
    found = _mapped(row.scheme or "", value)
    if found is None:
        if uris.is_valid_iri(value):  # e.g. a harvested licence URL
            yield IRI(value)
        else:
            skipped(row.attribute, value, f"no {row.scheme} match")
        return
    match, concept = found
    if match not in ctx.described:
        if row.scheme == "formats":
            fmt = formats.file_format(concept.notation)
            ctx.describe(match, out, lambda: describe.file_type_triples(fmt, ctx))
        else:
            describe.describe_external(match, ctx, out, concept.labels)
    yield IRI(match)


def _media_type(value: str, ctx: PublishContext, out: Chunk) -> Iterator[Node]:
    essence = value.split(";", 1)[0].strip().lower().removeprefix(str(IANA_MEDIA))
    fmt = formats.by_media_type(essence)
    iri = fmt.media_type_uri if fmt and fmt.media_type_uri else f"{IANA_MEDIA}{essence}"
    if essence.count("/") != 1 or not uris.is_valid_iri(iri):
        skipped("media_type", value, "not a media type")
        return
    ctx.describe(iri, out, lambda: describe.media_type_triples(iri, essence))
    yield IRI(iri)


# -- structured values ------------------------------------------------------------------------


def _structured(dataset: Dataset, s: IRI, ctx: PublishContext, out: Chunk) -> None:
    department = dataset.department
    if department is not None:
        agent = uris.department_uri(ctx.base_url, department.slug)
        out.append((s, DCT_.publisher, IRI(agent)))
        ctx.describe(agent, out, lambda: describe.agent_triples(department, ctx))
    _contact(dataset, s, ctx, out)
    if dataset.temporal_start or dataset.temporal_end:
        period = ctx.bnode()
        out.append((s, DCT_.temporal, period))
        out.append((period, A, DCT_.PeriodOfTime))
        for predicate, day in ((DCAT_.startDate, dataset.temporal_start),
                               (DCAT_.endDate, dataset.temporal_end)):  # fmt: skip
            if day is not None:
                out.append((period, predicate, xsd_date(_day(day))))
    out.append((s, DCT_.language, IRI(eu_authority.CHINESE)))
    describe.describe_external(eu_authority.CHINESE, ctx, out)
    kind = dataset_type(dataset)
    out.append((s, DCT_.type, IRI(kind)))
    describe.describe_external(kind, ctx, out)
    if dataset.category:
        _high_value(dataset.category, s, ctx, out)
    if dataset.topic:
        _topic(dataset.topic, s, ctx, out)
    rest = service_iri(ctx.base_url, REST_API)
    out.append((rest, DCAT_.servesDataset, s))
    describe_service(REST_API, ctx, out)
    out.extend(provenance_triples(dataset, s, ctx))
    out.extend(policy_triples(dataset, s, ctx))
    _quality(dataset, s, ctx, out)
    if ctx.in_catalog:
        out.append((IRI(uris.catalog_uri(ctx.base_url)), DCAT_.dataset, s))
        for rule in SUBCATALOG_RULES:
            for sub in rule.catalogs_of(dataset, ctx, out):
                out.append((sub, DCAT_.dataset, s))


def dataset_type(dataset: Dataset) -> str:
    """The dataset's ``dct:type`` in the EU dataset-type table: the 【示例】 samples are made
    up (synthetic data), the geospatial category is geospatial data, and everything else the
    departments publish (counts, registers, monitoring records) statistical data."""
    if dataset.is_sample:
        return str(EU_DATASET_TYPE.SYNTHETIC_DATA)
    if dataset.category == GEOSPATIAL:
        return str(EU_DATASET_TYPE.GEOSPATIAL)
    return str(EU_DATASET_TYPE.STATISTICAL)


def _source_pages(dataset: Dataset, s: IRI, ctx: PublishContext, out: Chunk) -> None:
    """Landing pages (``foaf:Document``): the dataset's own, and the source pages its
    distributions link to that are not files (a site's home page is never an accessURL)."""
    own = dataset.landing_page
    pages: list[str] = [own] if own and uris.is_valid_iri(own) else []
    for distribution in dataset.distributions:
        page = public_distribution(dataset, distribution).source_page
        if page and uris.is_valid_iri(page) and page not in pages:
            pages.append(page)
            out.append((s, DCAT_.landingPage, IRI(page)))
    for page in pages:
        ctx.describe(page, out, lambda p=page: describe.document_triples(p, FOAF_.Document))  # type: ignore[misc]


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _contact(dataset: Dataset, s: IRI, ctx: PublishContext, out: Chunk) -> None:
    name, phone, email = dataset.contact_name, dataset.contact_phone, dataset.contact_email
    if not (name or phone or email):
        return
    kind = ctx.bnode()
    out.append((s, DCAT_.contactPoint, kind))
    out.append((kind, A, VCARD_.Kind))
    if name:
        out.append((kind, VCARD_.fn, text(name)))
    if email:
        mailto = "mailto:" + email.strip()
        if uris.is_contact_iri(mailto):
            out.append((kind, VCARD_.hasEmail, IRI(mailto)))
        else:
            skipped("contact_email", email, "not an e-mail address")
    if phone:
        tel = "tel:" + "".join(phone.split())
        if uris.is_contact_iri(tel):
            out.append((kind, VCARD_.hasTelephone, IRI(tel)))
        else:
            skipped("contact_phone", phone, "not a telephone number")


def _high_value(category: str, s: IRI, ctx: PublishContext, out: Chunk) -> None:
    """A dataset of the ten categories: EU data themes, the plan, the portal's own category.

    The ten categories are Guangxi's, not the EU high-value dataset categories: they are
    published with ``gx:highValueCategory`` (never ``dcatap:hvdCategory``), and the applicable
    legislation is the Guangxi plan, not the HVD regulation, so no EU HVD conformance is claimed.
    """
    scheme = scheme_named("categories")
    concept = scheme.by_notation(category)
    if concept is None:
        return
    for theme in categories.eu_theme(category):
        out.append((s, DCAT_.theme, IRI(theme)))
        describe.describe_external(theme, ctx, out)
    plan = describe.plan_iri(ctx.base_url)
    out.append((s, DCATAP_.applicableLegislation, plan))
    ctx.describe(plan, out, lambda: describe.plan_triples(ctx))
    iri = concept.uri(ctx.base_url)
    out.append((s, high_value_category(ctx.base_url), IRI(iri)))
    ctx.describe(iri, out, lambda: describe.concept_triples(concept, scheme, ctx))


def _topic(name: str, s: IRI, ctx: PublishContext, out: Chunk) -> None:
    """The department's topic (主题) as a second ``dcat:theme``, a concept of the topics
    scheme, so DCAT readers that keep themes (ckanext-dcat) keep it; ``gx:topic`` stays."""
    concept = topics.topic(name)
    if concept is None:
        return
    scheme = scheme_named("topics")
    iri = concept.uri(ctx.base_url)
    out.append((s, DCAT_.theme, IRI(iri)))
    ctx.describe(iri, out, lambda: describe.concept_triples(concept, scheme, ctx))


@cache
def high_value_category(base_url: str) -> IRI:
    """The portal's own property for the ten categories (``{base}/ns#highValueCategory``)."""
    return IRI(str(gx_namespace(base_url)["highValueCategory"]))


def _quality(dataset: Dataset, s: IRI, ctx: PublishContext, out: Chunk) -> None:
    if ctx.quality is None:
        return
    for measurement in ctx.quality(dataset):
        node = ctx.bnode()
        out.append((s, DQV_.hasQualityMeasurement, node))
        out.append((node, A, DQV_.QualityMeasurement))
        out.append((node, DQV_.isMeasurementOf, IRI(measurement.metric)))
        value = measurement.value
        if isinstance(value, bool):
            out.append((node, DQV_.value, boolean(value)))
        elif isinstance(value, int):
            out.append((node, DQV_.value, integer(value)))
        else:
            out.append((node, DQV_.value, decimal(value)))
        if measurement.computed_at:
            out.append((node, DCT_.date, date_time(measurement.computed_at)))


# -- distributions ------------------------------------------------------------------------------


def distribution_values(dataset: Dataset, distribution: Distribution, base_url: str) -> dict:
    """The values of the distribution rows: the model's, with what DCAT-AP asks for filled in.

    Only what :func:`catalog.access.public_distribution` makes public is published: a file
    of a dataset that is not unconditionally open has no downloadURL and, for accessURL
    (mandatory), the application page of a conditional dataset (its conditions are on the
    dataset's page) or else the dataset's page on the portal; so has a file
    whose source link is a page rather than the file (``source_page``). Otherwise
    accessURL is the source's or the file's page; a stored file the public may fetch has the
    portal's download address; the licence is the file's own, else the dataset's effective one
    (a :class:`catalog.licensing.Licence`).
    """
    values = {
        row.attribute: getattr(distribution, row.attribute, None) for row in DISTRIBUTION_FIELDS
    }
    public = public_distribution(dataset, distribution)
    values["download_url"] = public.download_url
    values["access_url"] = public.access_url
    if dataset.is_public and dataset.open_type == CONDITIONAL:
        # granted per application: the file is reached through the application page
        values["access_url"] = uris.application_page(base_url, dataset.slug)
    elif not public.files_open or (public.source_page and not public.access_url):
        # withheld, or the source gave a page, not the file (that page is the dataset's
        # dcat:landingPage): the dataset's page on the portal
        values["access_url"] = uris.dataset_page(base_url, dataset.slug)
    elif not uris.is_valid_iri(values["access_url"]):
        values["access_url"] = uris.distribution_page(base_url, dataset.slug, distribution.id)
    if public.stored_file and not values["download_url"]:
        values["download_url"] = uris.download_url(
            base_url, dataset.id, distribution.id, distribution.file_name or distribution.title
        )
    values["licence"] = distribution_licence(dataset, distribution)
    if table_schema(dataset, distribution) is not None:
        values["conforms_to"] = uris.table_schema_url(base_url, dataset.id, distribution.id)
    return values


def _distribution(
    dataset: Dataset, distribution: Distribution, d: IRI, ctx: PublishContext, out: Chunk
) -> None:
    out.append((d, A, DISTRIBUTION))
    values = distribution_values(dataset, distribution, ctx.base_url)
    for row, predicate in rows_for(ctx.base_url, distribution=True):
        if row.attribute == "licence":
            nodes = licence_values(row, predicate, values["licence"], ctx, out)
            out.extend((d, predicate, node) for node in nodes)
            continue
        for value in field_values(row, predicate, values.get(row.attribute), ctx, out):
            out.append((d, predicate, value))
            if predicate == DCT_.conformsTo and isinstance(value, IRI):
                ctx.describe(value, out, lambda v=value: _schema_standard(v))  # type: ignore[misc]
    if distribution.sha256:
        checksum = ctx.bnode()
        algorithm = str(SPDX.checksumAlgorithm_sha256)
        out.append((d, SPDX_.checksum, checksum))
        out.append((checksum, A, SPDX_.Checksum))
        out.append((checksum, SPDX_.algorithm, IRI(algorithm)))
        out.append((checksum, SPDX_.checksumValue, typed(distribution.sha256, XSD + "hexBinary")))
        describe.describe_external(algorithm, ctx, out)
    out.append((d, DCAT_.accessService, service_iri(ctx.base_url, REST_API)))
    if dataset.category and scheme_named("categories").by_notation(dataset.category):
        out.append((d, DCATAP_.applicableLegislation, describe.plan_iri(ctx.base_url)))


def _schema_standard(iri: Node) -> Chunk:
    return [
        (iri, A, DCT_.Standard),  # type: ignore[list-item]
        (iri, DCT_.title, text("Table Schema", "en")),  # type: ignore[list-item]
        (iri, DCT_.conformsTo, IRI("https://specs.frictionlessdata.io/table-schema/")),  # type: ignore[list-item]
    ]
