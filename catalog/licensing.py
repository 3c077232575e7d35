"""Which licence a dataset or a file is published under: the one place that decides it.

The 2021 catalog names no licence, so most datasets carry none of their own. The effective
licence is, in order:

| source | licence |
|---|---|
| ``distribution`` | the file's own licence (``Distribution.licence``, when it differs) |
| ``dataset`` | the dataset's own licence (``Dataset.licence``) |
| ``department`` | its department's default (``Department.default_licence``) |
| ``platform`` | the platform's terms of use (``vocab.licences.PLATFORM_TERMS``, ``/terms``) |

Every output (DCAT, CKAN, REST, schema.org, data package, the dataset page) asks
:func:`effective_licence`. A licence says what one may do with data one has; it never makes
conditional data downloadable (that is :mod:`catalog.access`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from catalog import uris
from catalog.errors import InvalidValue, NotFound
from catalog.models import Dataset, Department, Distribution
from catalog.queries import public_datasets
from vocab import licences
from vocab.skos import Concept

Source = Literal["distribution", "dataset", "department", "platform"]
PLATFORM: Source = "platform"


@dataclass(frozen=True)
class Licence:
    """An effective licence: the stored value (a notation, else as given) and where it came from."""

    value: str
    source: Source

    @property
    def concept(self) -> Concept | None:
        return licences.licence(self.value)

    @property
    def notation(self) -> str:
        concept = self.concept
        return concept.notation if concept is not None else self.value

    @property
    def is_platform_default(self) -> bool:
        return self.source == PLATFORM

    def document_uri(self, base_url: str) -> str | None:
        """The ``dct:license`` IRI: the EU licence-table entry, the portal's own page for the
        platform terms, the value itself when it is a URI; None when it is none of these."""
        concept = self.concept
        if concept is None:
            return self.value if uris.is_valid_iri(self.value) else None
        if licences.portal_page(concept):
            return uris.terms_uri(base_url)
        return licences.eu_match(concept)

    def page_url(self, base_url: str) -> str | None:
        """A web page people can read: the licence's own page, or the platform's terms."""
        concept = self.concept
        if concept is None:
            return self.value if uris.is_valid_iri(self.value) else None
        if licences.portal_page(concept):
            return uris.terms_uri(base_url)
        return licences.web_page(concept)

    def title(self, lang: str = "zh") -> str:
        concept = self.concept
        return concept.label(lang) if concept is not None else self.value

    @property
    def is_open(self) -> bool:
        return licences.is_open(self.notation)


PLATFORM_LICENCE = Licence(licences.PLATFORM_TERMS, PLATFORM)


def effective_licence(dataset: Dataset) -> Licence:
    """The dataset's own licence, else its department's default, else the platform's terms."""
    if dataset.licence:
        return Licence(dataset.licence, "dataset")
    department = dataset.department
    if department is not None and department.default_licence:
        return Licence(department.default_licence, "department")
    return PLATFORM_LICENCE


def effective_licence_value() -> ColumnElement[str]:
    """``effective_licence(dataset).value`` as SQL over ``Dataset``, for filters and facets."""
    department_default = (
        select(Department.default_licence)
        .where(Department.id == Dataset.department_id)
        .correlate(Dataset)
        .scalar_subquery()
    )
    return func.coalesce(
        func.nullif(Dataset.licence, ""),
        func.nullif(department_default, ""),
        literal(licences.PLATFORM_TERMS),
    )


def distribution_licence(dataset: Dataset, distribution: Distribution) -> Licence:
    """A file's own licence when it states one, else its dataset's effective licence."""
    if distribution.licence:
        return Licence(distribution.licence, "distribution")
    return effective_licence(dataset)


def licence_sources(session: Session) -> dict[str, int]:
    """How many public datasets take their licence from each source (dataset, department,
    platform): ``platform`` counts those that carry only the platform's terms."""
    source = case(
        (Dataset.licence.is_not(None) & (Dataset.licence != ""), "dataset"),
        (
            Department.default_licence.is_not(None) & (Department.default_licence != ""),
            "department",
        ),
        else_=PLATFORM,
    )
    public = public_datasets().subquery()
    rows = session.execute(
        select(source, func.count())
        .select_from(Dataset)
        .join(public, public.c.id == Dataset.id)
        .outerjoin(Department, Department.id == Dataset.department_id)
        .group_by(source)
    )
    counts = {"dataset": 0, "department": 0, PLATFORM: 0}
    counts.update({str(name): int(count) for name, count in rows})
    return counts


def set_department_licence(session: Session, slug: str, licence: str | None) -> Department:
    """Set (or, with None, clear) the default licence of a department; never commits."""
    department = session.scalar(select(Department).where(Department.slug == slug))
    if department is None:
        raise NotFound(f"no department {slug!r}", code="unknown-department", field="slug")
    if licence is None:
        department.default_licence = None
        return department
    concept = licences.licence(licence)
    if concept is None:
        known = ", ".join(c.notation for c in licences.scheme())
        raise InvalidValue(
            f"unknown licence {licence!r} (known: {known})", code="unknown-licence", field="licence"
        )
    department.default_licence = concept.notation
    return department
