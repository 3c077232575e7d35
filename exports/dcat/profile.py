"""The DCAT-AP 3 field table: which model attribute is which predicate, and how it is typed.

Simple fields are rows, consumed by one helper per direction (the habit of ckanext-dcat's
``euro_dcat_ap_base``): adding a row publishes and harvests the field. Structured values
(publisher, contact point, temporal coverage, checksum) are written and read by the profile
code itself; they are listed in :data:`STRUCTURED` so the table says what exists.

Kinds:

| kind | RDF value | model value |
|---|---|---|
| ``text`` | literal tagged ``@zh`` (any language read back; Chinese preferred) | str |
| ``string`` | plain literal | str |
| ``keywords`` | one ``@zh`` literal per keyword | list[str] |
| ``datetime``, ``date`` | ``xsd:dateTime``, ``xsd:date`` (a date reads as datetime) | same |
| ``integer`` / ``boolean`` | ``xsd:integer`` / ``xsd:boolean`` | int / bool |
| ``nonnegative`` | ``xsd:nonNegativeInteger`` (DCAT-AP's range of ``dcat:byteSize``) | int |
| ``uri`` | an IRI (skipped and logged when not a valid http(s) IRI) | str |
| ``concept`` | the IRI of our SKOS concept under the base URL (``vocab``) | notation |
| ``mapped`` | the concept's ``skos:exactMatch`` in an EU authority table (1) | notation |

(1) ``dcat:mediaType`` gives the IANA media-type IRI of the stored media type. A value outside
the scheme that is itself an IRI (a harvested licence URL) is written as it is.

For ``concept`` and ``mapped`` rows, ``scheme`` names the module of :mod:`vocab`; reading
back accepts our concept IRI, its exact match or a label (``ConceptScheme.lookup``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from rdflib import Namespace, URIRef

from vocab.namespaces import DCAT, DCATAP, DCT, SPDX
from vocab.skos import ConceptScheme

KINDS = ("text", "string", "keywords", "datetime", "date", "integer", "nonnegative", "boolean",
         "uri", "concept", "mapped")  # fmt: skip


@dataclass(frozen=True)
class Field:
    attribute: str  # attribute of DatasetDraft/Dataset or DistributionDraft/Distribution
    predicate: URIRef | str  # a URIRef, or "gx:<local name>" in the portal's own namespace
    kind: str
    scheme: str | None = None  # vocab module for concept/mapped kinds

    def term(self, gx: Namespace) -> URIRef:
        """The predicate IRI; ``gx:`` names resolve in the portal's namespace."""
        if isinstance(self.predicate, URIRef):  # a URIRef is a str too: test it first
            return self.predicate
        return gx[self.predicate.removeprefix("gx:")]


DATASET_FIELDS: tuple[Field, ...] = (
    Field("title", DCT.title, "text"),
    Field("description", DCT.description, "text"),
    Field("keywords", DCAT.keyword, "keywords"),
    Field("identifier", DCT.identifier, "string"),
    Field("issued", DCT.issued, "datetime"),
    Field("modified", DCT.modified, "datetime"),
    Field("landing_page", DCAT.landingPage, "uri"),
    Field("version", DCAT.version, "string"),
    Field("category", DCAT.theme, "concept", "categories"),
    Field("open_type", DCT.accessRights, "mapped", "open_types"),
    Field("update_frequency", DCT.accrualPeriodicity, "mapped", "frequencies"),
    Field("spatial", DCT.spatial, "concept", "divisions"),
    Field("licence", DCT.license, "mapped", "licences"),
    # The government catalog fields, in the portal's own vocabulary ({base}/ns#).
    Field("topic", "gx:topic", "text"),
    Field("industry", "gx:industry", "text"),
    Field("service_item", "gx:serviceItem", "text"),
    Field("result_name", "gx:resultName", "text"),
    Field("is_e_licence", "gx:isElectronicLicence", "boolean"),
    Field("sensitivity", "gx:sensitivityLevel", "concept", "sensitivity"),
    Field("share_type", "gx:shareType", "concept", "share_types"),
    Field("source_system", "gx:sourceSystem", "text"),
    Field("application_scenarios", "gx:applicationScenarios", "text"),
    Field("delivery_channel", "gx:deliveryChannel", "concept", "delivery_channels"),
    Field("record_count", "gx:recordCount", "integer"),
    Field("access_conditions", "gx:accessConditions", "text"),
)

DISTRIBUTION_FIELDS: tuple[Field, ...] = (
    Field("title", DCT.title, "text"),
    Field("description", DCT.description, "text"),
    Field("access_url", DCAT.accessURL, "uri"),
    Field("download_url", DCAT.downloadURL, "uri"),
    Field("format", DCT.format, "mapped", "formats"),
    Field("media_type", DCAT.mediaType, "mapped", "formats"),
    Field("byte_size", DCAT.byteSize, "nonnegative"),
    Field("issued", DCT.issued, "datetime"),
    Field("modified", DCT.modified, "datetime"),
    Field("licence", DCT.license, "mapped", "licences"),
    Field("conforms_to", DCT.conformsTo, "uri"),
)

# DCAT-AP requires a dct:description: a dataset without one publishes another field in its
# place (attribute -> stand-in attribute). Reading back, a description equal to the title
# means the source gave none.
MANDATORY_STAND_INS: dict[str, str] = {"description": "title"}

# Attributes also published as one more ``dcat:keyword`` (tagged ``@zh`` like the others), so
# that DCAT readers that only know keywords find them; reading back, a keyword equal to such
# an attribute's value is that attribute, not one of the dataset's own keywords.
KEYWORD_ALSO: tuple[str, ...] = ("industry",)  # 所属行业, a GB/T 4754 section

# Written and read by the profile code, not by the row helper.
STRUCTURED: dict[str, tuple[URIRef, ...]] = {
    "publisher": (DCT.publisher,),  # foaf:Agent with foaf:name (the department)
    "contact": (DCAT.contactPoint,),  # vcard:Kind with vcard:fn, hasEmail, hasTelephone
    "temporal": (DCT.temporal,),  # dct:PeriodOfTime with dcat:startDate / dcat:endDate
    "checksum": (SPDX.checksum,),  # spdx:Checksum, algorithm sha256, checksumValue
    "applicable_legislation": (DCATAP.applicableLegislation,),  # HVD categories
    "dataset_type": (DCT.type,),  # EU dataset-type concept (exports.dcat.write.dataset_type)
}


@cache
def scheme_named(name: str) -> ConceptScheme:
    """The scheme of a table row: ``scheme`` names a module of :mod:`vocab`."""
    scheme: ConceptScheme = import_module(f"vocab.{name}").scheme()
    return scheme
