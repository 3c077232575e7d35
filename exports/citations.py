"""Citations of a dataset: GB/T 7714-2015, APA 7, BibTeX, RIS, CSL-JSON and DataCite XML.

Every format is a pure function of a :class:`Citable`, which :func:`citable` builds from a
public :class:`~catalog.models.Dataset` (only fields its public page already shows). Until
datasets have versions, a citation names the dataset as it is now: its ``version`` field when
set, else its modified date (``YYYY-MM-DD``, Beijing time). The creator is the providing
department, the publisher the platform (广西公共数据开放平台, Nanning), the persistent URL
``{BASE_URL}/dataset/{slug}`` (:func:`catalog.uris.dataset_page`), the access date today in
Beijing time. Metadata is Chinese; an English title (``extras["translations"]["title"]["en"]``,
kept by the harvesters) goes where a format has a place for one.

GB/T 7714-2015 (信息与文献 参考文献著录规则). A dataset is an electronic resource (§4.7; type
code ``DS`` 数据集 and carrier ``OL`` 联机网络, Appendix B tables B.1 and B.2). §4.7.1 gives::

    主要责任者. 题名: 其他题名信息[文献类型标识/文献载体标识]. 出版地: 出版者, 出版年: 引文页码
    (更新或修改日期)[引用日期]. 获取和访问路径. 数字对象唯一标识符.

Applied as ``部门. 题名[DS/OL]. 版本 V. 南宁: 广西公共数据开放平台, 出版年. (修改日期)[引用日期].
URL.``: the 版本项 is placed after the title as in §4.1.1 (monographs; §8.2 records it as the
resource states it), 出版年 is the year of the cited state (the modified date, else issued),
dates are ``YYYY-MM-DD`` (§8.3.4), there is no page and no DOI. Punctuation is the standard's
(``. ``, ``: ``, ``, ``; brackets ASCII).

APA 7 (§10.9, data sets): ``Author. (Year). Title (Version x) [Data set]. Publisher. URL``;
the title is italic in print, given here as plain text (the page and the text file are text).

BibTeX: ``@misc`` with ``author`` in double braces (an organisation is one name, never split on
"and"), ``howpublished``/``url``/``urldate``/``note`` (contact, identifier, English title);
every value escaped (:func:`bibtex_escape`) except the URL, which is percent-encoded already.
RIS: one ``TAG  - value`` per line, CRLF, ``ER  - `` last; a value never spans lines.
CSL-JSON: one item (in a list) of ``type: "dataset"``; the English title goes to
``original-title``, the nearest variable CSL 1.0.2 has. DataCite: the metadata kernel 4.5 in
its JSON form, checked with ``datacite.schema45.validate`` and written by ``tostring`` (lxml, no
string building). Kernel 4.5's ``<identifier>`` takes a DOI only and the datasets have none:
the persistent URL is an ``alternateIdentifier`` of type ``URL`` (the dataset's catalog
identifier a second one, of type ``Local``), the contact a ``ContactPerson`` contributor, the
access date a date of type ``Other``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from datacite import schema45

from catalog import uris
from catalog.beijing import beijing
from catalog.models import Dataset

PUBLISHER = "广西公共数据开放平台"
PUBLISHER_EN = "Guangxi Public Data Open Platform"
PLACE = "南宁"  # where the platform is published (出版地)


@dataclass(frozen=True)
class Citable:
    """What a citation names, in plain values."""

    key: str  # a stable citation key (BibTeX, CSL id)
    title: str
    creator: str  # the providing department
    version: str  # the version field, else the modified date
    published: date  # the date of the cited state: modified, else issued
    url: str  # the persistent URL of the dataset page
    accessed: date  # today, Beijing time
    title_en: str | None = None
    creator_en: str | None = None
    contact: str | None = None  # name · phone · email
    identifier: str | None = None
    issued: date | None = None
    description: str | None = None


def _day(moment: datetime | None) -> date | None:
    return beijing(moment).date() if moment is not None else None


def citable(dataset: Dataset, base_url: str, accessed: date) -> Citable:
    """The citable facts of a public dataset."""
    department = dataset.department
    modified = _day(dataset.modified)
    issued = _day(dataset.issued)
    published = modified or issued or _day(dataset.metadata_modified) or accessed
    translations = (dataset.extras or {}).get("translations") or {}
    title_en = (translations.get("title") or {}).get("en")
    contact = " · ".join(
        v for v in (dataset.contact_name, dataset.contact_phone, dataset.contact_email) if v
    )
    return Citable(
        key=f"gxdata-{dataset.id}",
        title=dataset.title,
        creator=department.name if department else PUBLISHER,
        version=dataset.version or published.isoformat(),
        published=published,
        url=uris.dataset_page(base_url, dataset.slug),
        accessed=accessed,
        title_en=title_en or None,
        creator_en=department.name_en if department else PUBLISHER_EN,
        contact=contact or None,
        identifier=dataset.identifier or None,
        issued=issued,
        description=dataset.description or None,
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- formatted styles ---------------------------------------------------------------------------


def gbt7714(c: Citable) -> str:
    """GB/T 7714-2015, §4.7.1 (see the module docstring)."""
    return (
        f"{_one_line(c.creator)}. {_one_line(c.title)}[DS/OL]. 版本 {_one_line(c.version)}. "
        f"{PLACE}: {PUBLISHER}, {c.published.year}. "
        f"({c.published.isoformat()})[{c.accessed.isoformat()}]. {c.url}."
    )


def apa(c: Citable) -> str:
    """APA 7, a data set (the title italic in print)."""
    return (
        f"{_one_line(c.creator)}. ({c.published.year}). {_one_line(c.title)} "
        f"(Version {_one_line(c.version)}) [Data set]. {PUBLISHER}. {c.url}"
    )


def text(c: Citable) -> str:
    """The text file: GB/T 7714, then APA, one a line."""
    return f"{gbt7714(c)}\n{apa(c)}\n"


# -- BibTeX -------------------------------------------------------------------------------------

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}


def bibtex_escape(value: str) -> str:
    """A value LaTeX prints as written: its special characters escaped, on one line."""
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in _one_line(value))


def _note(c: Citable) -> str:
    parts = [f"联系方式: {c.contact}" if c.contact else "", f"标识符: {c.identifier}"]
    if not c.identifier:
        parts.pop()
    if c.title_en:
        parts.append(f"English title: {c.title_en}")
    return "; ".join(p for p in parts if p)


def bibtex(c: Citable) -> str:
    """A ``@misc`` entry."""
    fields = [
        ("author", "{" + bibtex_escape(c.creator) + "}"),
        ("title", "{" + bibtex_escape(c.title) + "}"),
        ("howpublished", bibtex_escape(f"{PUBLISHER}, [DS/OL]")),
        ("publisher", bibtex_escape(PUBLISHER)),
        ("address", bibtex_escape(PLACE)),
        ("year", str(c.published.year)),
        ("version", bibtex_escape(c.version)),
        ("url", c.url.replace("{", "%7B").replace("}", "%7D")),
        ("urldate", c.accessed.isoformat()),
        ("note", bibtex_escape(_note(c))),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{c.key},\n{body}\n}}\n"


# -- RIS ----------------------------------------------------------------------------------------


def ris(c: Citable) -> str:
    """One ``TY  - DATA`` record, CRLF line ends."""
    rows = [
        ("TY", "DATA"),
        ("TI", c.title),
        ("TT", c.title_en),
        ("AU", c.creator),
        ("PB", PUBLISHER),
        ("CY", PLACE),
        ("PY", str(c.published.year)),
        ("DA", c.published.strftime("%Y/%m/%d/")),
        ("ET", c.version),
        ("UR", c.url),
        ("Y2", c.accessed.strftime("%Y/%m/%d/")),
        ("AN", c.identifier),
        ("N1", f"联系方式: {c.contact}" if c.contact else None),
        ("LA", "zh"),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in rows if value is not None)


# -- CSL-JSON -----------------------------------------------------------------------------------


def _date_parts(day: date) -> dict[str, Any]:
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_item(c: Citable) -> dict[str, Any]:
    """The CSL-JSON item (``type: "dataset"``)."""
    item: dict[str, Any] = {
        "id": c.key,
        "type": "dataset",
        "title": c.title,
        "author": [{"literal": c.creator}],
        "publisher": PUBLISHER,
        "publisher-place": PLACE,
        "issued": _date_parts(c.published),
        "accessed": _date_parts(c.accessed),
        "version": c.version,
        "URL": c.url,
        "language": "zh-CN",
    }
    if c.title_en:
        item["original-title"] = c.title_en
    note = _note(c)
    if note:
        item["note"] = note
    return item


def csl_json(c: Citable) -> str:
    return json.dumps([csl_item(c)], ensure_ascii=False, indent=2) + "\n"


# -- DataCite -----------------------------------------------------------------------------------


def datacite_metadata(c: Citable) -> dict[str, Any]:
    """The kernel 4.5 metadata in DataCite's JSON form."""
    titles = [{"title": c.title, "lang": "zh"}]
    if c.title_en:
        titles.append({"title": c.title_en, "lang": "en", "titleType": "TranslatedTitle"})
    dates = [{"date": c.published.isoformat(), "dateType": "Updated"}]
    if c.issued:
        dates.append({"date": c.issued.isoformat(), "dateType": "Issued"})
    dates.append(
        {"date": c.accessed.isoformat(), "dateType": "Other", "dateInformation": "Accessed"}
    )
    identifiers = [{"alternateIdentifier": c.url, "alternateIdentifierType": "URL"}]
    if c.identifier:
        identifiers.append(
            {"alternateIdentifier": c.identifier, "alternateIdentifierType": "Local"}
        )
    data: dict[str, Any] = {
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "数据集"},
        "creators": [{"name": c.creator, "nameType": "Organizational", "lang": "zh"}],
        "titles": titles,
        "publisher": {"name": PUBLISHER, "lang": "zh"},
        "publicationYear": str(c.published.year),
        "version": c.version,
        "language": "zh",
        "url": c.url,
        "alternateIdentifiers": identifiers,
        "dates": dates,
    }
    if c.contact:
        data["contributors"] = [{"name": c.contact, "contributorType": "ContactPerson"}]
    if c.description:
        data["descriptions"] = [
            {"description": c.description, "descriptionType": "Abstract", "lang": "zh"}
        ]
    return data


def datacite_valid(data: dict[str, Any]) -> bool:
    """Whether the metadata is valid against the kernel 4.5 JSON schema."""
    return bool(schema45.validate(data))


def datacite_xml(c: Citable) -> str:
    """The DataCite XML; the metadata is validated first (a ValueError when not valid)."""
    data = datacite_metadata(c)
    if not datacite_valid(data):
        raise ValueError("DataCite metadata is not valid against kernel 4.5")
    return schema45.tostring(data)


@dataclass(frozen=True)
class CitationFormat:
    suffix: str  # /dataset/<id>/citation.<suffix>
    media_type: str
    label: str
    write: Callable[[Citable], str]


CITATION_FORMATS: tuple[CitationFormat, ...] = (
    CitationFormat("bib", "application/x-bibtex; charset=utf-8", "BibTeX", bibtex),
    CitationFormat("ris", "application/x-research-info-systems; charset=utf-8", "RIS", ris),
    CitationFormat(
        "json", "application/vnd.citationstyles.csl+json; charset=utf-8", "CSL-JSON", csl_json
    ),
    CitationFormat(
        "xml", "application/vnd.datacite.datacite+xml; charset=utf-8", "DataCite XML", datacite_xml
    ),
    CitationFormat("txt", "text/plain; charset=utf-8", "GB/T 7714 · APA", text),
)
BY_SUFFIX = {f.suffix: f for f in CITATION_FORMATS}
BY_MEDIA_TYPE = {f.media_type.split(";")[0]: f for f in CITATION_FORMATS if f.suffix != "txt"}
