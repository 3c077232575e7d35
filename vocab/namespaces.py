"""Every RDF namespace the project uses, in one place.

Import the namespace objects from here rather than declaring them again elsewhere, e.g.
``from vocab.namespaces import DCAT, DCT``. The portal's own ontology lives under the
configurable base URL, so it is built by :func:`gx_namespace` rather than being a constant.
"""

from rdflib import Namespace
from rdflib.namespace import DCTERMS as _DCTERMS
from rdflib.namespace import FOAF as _FOAF
from rdflib.namespace import OWL as _OWL
from rdflib.namespace import PROV as _PROV
from rdflib.namespace import RDF as _RDF
from rdflib.namespace import RDFS as _RDFS
from rdflib.namespace import SKOS as _SKOS
from rdflib.namespace import XSD as _XSD

# W3C and community vocabularies. Most are rdflib's closed namespaces, which flag typos;
# DCAT is open because rdflib's copy predates DCAT 3 (dcat:hasVersion, dcat:inSeries…).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = _DCTERMS
FOAF = _FOAF
SKOS = _SKOS
PROV = _PROV
XSD = _XSD
RDF = _RDF
RDFS = _RDFS
OWL = _OWL

DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SCHEMA = Namespace("http://schema.org/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
QB = Namespace("http://purl.org/linked-data/cube#")  # the RDF Data Cube (quarterly statistics)
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_CONCEPT = Namespace("http://purl.org/linked-data/sdmx/2009/concept#")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")
UK_QUARTER = Namespace("http://reference.data.gov.uk/id/quarter/")  # time intervals, 2026-Q3
INTERVAL = Namespace("http://reference.data.gov.uk/def/intervals/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")
# ODRL 2.2: the conditions of conditional datasets as a policy (exports/dcat/policy.py).
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")

# EU Publications Office authority tables (concept URIs, not ontologies).
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_FILE_TYPE = Namespace(EU_AUTHORITY + "file-type/")
EU_DATA_THEME = Namespace(EU_AUTHORITY + "data-theme/")
EU_FREQUENCY = Namespace(EU_AUTHORITY + "frequency/")
EU_ACCESS_RIGHT = Namespace(EU_AUTHORITY + "access-right/")
EU_LICENSE = Namespace(EU_AUTHORITY + "licence/")
EU_DATASET_TYPE = Namespace(EU_AUTHORITY + "dataset-type/")
# High-value dataset categories (scheme http://data.europa.eu/bna/asd487ae75).
HVD_CATEGORY = Namespace("http://data.europa.eu/bna/")
HVD_CATEGORY_SCHEME = HVD_CATEGORY["asd487ae75"]

# IANA media types: dcat:mediaType values are IANA_MEDIA["text/csv"].
IANA_MEDIA = Namespace("https://www.iana.org/assignments/media-types/")

# The vocabulary files use relative IRIs. They are parsed against this sentinel base, which
# never appears in output: concepts keep only their path below it (see vocab.skos.Concept.uri).
VOCAB_SENTINEL_BASE = "http://gxdata.invalid/vocab/"
# Extra, portal-specific properties of the vocabulary files (gxv:machineReadable, gxv:level…).
# Files declare them as the relative prefix <terms#>, which resolves to this namespace.
GXV = Namespace(VOCAB_SENTINEL_BASE + "terms#")


def gx_namespace(base_url: str) -> Namespace:
    """The portal's own ontology namespace under its configured base URL (``{base}/ns#``)."""
    return Namespace(f"{base_url.rstrip('/')}/ns#")
