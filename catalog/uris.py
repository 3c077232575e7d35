"""Every URI the portal mints, in one place.

The portal publishes its catalog as linked data, so each thing it describes gets one stable
URI under the configured base URL (``GXDATA_BASE_URL``). The rule of thumb is that a URI is
also the address of the thing's HTML page, so it dereferences: the dataset URI is the
dataset page, which answers with RDF when asked (content negotiation).

| thing | URI |
|---|---|
| the catalog | ``{base}/catalog`` |
| a dataset | ``{base}/dataset/{id}`` (the UUID: slugs may be renamed, ids never) |
| a distribution | ``{base}/dataset/{dataset id}/resource/{distribution id}`` |
| a dataset's conditions (ODRL policy) | ``{base}/dataset/{id}/conditions`` (to the page's) |
| a department (foaf:Agent) | ``{base}/organization/{slug}`` |
| a department's sub-catalog | ``{base}/catalog/department/{slug}`` |
| a harvest source's sub-catalog | ``{base}/catalog/source/{id}`` |
| a data service | ``{base}/api/v1``, ``{base}/sparql``, ``{base}/api/3`` |
| a vocabulary concept | ``{base}/vocab/{path}`` (``vocab.skos.vocab_uri``) |
| the portal's ontology | ``{base}/ns#`` (``vocab.namespaces.gx_namespace``) |
| the platform's terms of use (a ``dct:LicenseDocument``) | ``{base}/terms`` |
| a reuse (schema.org ``CreativeWork``) | ``{base}/reuses/{slug}`` |
| a competition | ``{base}/competitions/{slug}`` |
| a dataset's version | ``{base}/dataset/{id}/versions/{n}`` |

Structured values without a page of their own (contact point, period of time, checksum,
quality measurement) are blank nodes, not URIs: minting ``…/dataset/<id>#contact`` for each of
100,000 datasets gives serializers one namespace-like prefix per dataset, which makes
rdflib's Turtle writer quadratic.

This module is plain Python (no Flask, no rdflib); the paths match the portal's routes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# An absolute http(s) IRI without characters N-Triples, Turtle and RDF/XML cannot carry.
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`\x00-\x20\x7f]+$", re.IGNORECASE)


def is_valid_iri(value: str | None) -> bool:
    """Whether ``value`` can be written as an IRI (absolute http or https, nothing illegal)."""
    return bool(value) and _IRI.match(value) is not None  # type: ignore[arg-type]


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def catalog_uri(base_url: str) -> str:
    return f"{_base(base_url)}/catalog"


def dataset_uri(base_url: str, dataset_id: str) -> str:
    return f"{_base(base_url)}/dataset/{quote(dataset_id, safe='')}"


def conditions_policy_uri(base_url: str, dataset_id: str) -> str:
    """The ODRL policy (``odrl:uid``) that publishes a conditional dataset's conditions."""
    return f"{dataset_uri(base_url, dataset_id)}/conditions"


def dataset_page(base_url: str, slug: str) -> str:
    """The HTML page of a dataset by its slug (a readable landing page)."""
    return f"{_base(base_url)}/dataset/{quote(slug, safe='')}"


def distribution_uri(base_url: str, dataset_id: str, distribution_id: str) -> str:
    return f"{dataset_uri(base_url, dataset_id)}/resource/{quote(distribution_id, safe='')}"


def download_url(base_url: str, dataset_id: str, distribution_id: str, file_name: str) -> str:
    """Where the portal serves a stored file (percent-encoded, so Chinese names stay ASCII)."""
    name = quote(file_name, safe="")
    return f"{distribution_uri(base_url, dataset_id, distribution_id)}/download/{name}"


def department_uri(base_url: str, slug: str) -> str:
    return f"{_base(base_url)}/organization/{quote(slug, safe='')}"


def department_catalog_uri(base_url: str, slug: str) -> str:
    return f"{catalog_uri(base_url)}/department/{quote(slug, safe='')}"


def source_catalog_uri(base_url: str, source_id: str) -> str:
    """The sub-catalog of the records harvested from one harvest source."""
    return f"{catalog_uri(base_url)}/source/{quote(str(source_id), safe='')}"


def rest_api_uri(base_url: str) -> str:
    return f"{_base(base_url)}/api/v1"


def sparql_uri(base_url: str) -> str:
    return f"{_base(base_url)}/sparql"


def sparql_shared_graph_uri(base_url: str) -> str:
    """The SPARQL store's graph of what datasets share (catalog record, vocabularies)."""
    return f"{catalog_uri(base_url)}#graph"


def ckan_api_uri(base_url: str) -> str:
    return f"{_base(base_url)}/api/3"


def page_url(base_url: str, path: str) -> str:
    """An address below the base URL (``path`` starts with ``/``)."""
    return f"{_base(base_url)}{path}"


def application_page(base_url: str, slug: str) -> str:
    """Where a conditional dataset's files are applied for (申请使用), after signing in."""
    return f"{dataset_page(base_url, slug)}/apply"


def distribution_page(base_url: str, slug: str, distribution_id: str) -> str:
    """The HTML page of one file (its preview), the access URL of last resort."""
    return f"{dataset_page(base_url, slug)}/resource/{quote(distribution_id, safe='')}"


def table_schema_url(base_url: str, dataset_id: str, distribution_id: str) -> str:
    """The Table Schema (Frictionless) of a tabular file, served as JSON."""
    return f"{distribution_uri(base_url, dataset_id, distribution_id)}/schema.json"


def operator_uri(base_url: str) -> str:
    """The organisation that runs the portal (publisher of the catalog itself)."""
    return f"{_base(base_url)}/about#operator"


def ontology_uri(base_url: str) -> str:
    """The portal's own vocabulary; its terms are ``{base}/ns#<name>``."""
    return f"{_base(base_url)}/ns"


def terms_uri(base_url: str) -> str:
    """The platform's terms of use (平台数据使用协议): its page and its licence document."""
    return f"{_base(base_url)}/terms"


def reuse_uri(base_url: str, slug: str) -> str:
    """A reuse (an application, paper … built on the data): its page."""
    return f"{_base(base_url)}/reuses/{quote(slug, safe='')}"


def competition_uri(base_url: str, slug: str) -> str:
    return f"{_base(base_url)}/competitions/{quote(slug, safe='')}"


def dataset_version_uri(base_url: str, dataset_id: str, number: int) -> str:
    """Version ``number`` of a dataset (its page shows the dataset as it was)."""
    return f"{dataset_uri(base_url, dataset_id)}/versions/{int(number)}"


def catalog_page_url(base_url: str, suffix: str, query: str = "") -> str:
    """One page of the catalog in a format (``suffix`` such as ``ttl``), with its query."""
    return f"{catalog_uri(base_url)}.{suffix}" + (f"?{query}" if query else "")


_CONTACT = re.compile(
    r"^(mailto:[^\s<>\"@]+@[^\s<>\"@]+\.[^\s<>\"@]+|tel:\+?[0-9][0-9()./-]{2,40})$"
)


def is_contact_iri(value: str) -> bool:
    """A ``mailto:`` address or a ``tel:`` number (digits, ``+-./()``) fit to be an IRI."""
    return _CONTACT.match(value) is not None
