"""One CKAN package dict → a draft: the mapping half of the CKAN harvester.

CKAN's core fields; the ``*_translated`` fields of ckanext-fluent and ckanext-scheming
(Chinese first, then English; the other languages go to ``extras["translations"]``) and the
``*_fra`` fields of open.canada.ca the same way; extras rows and scheming fields that mean a
catalog field (issued, modified, frequency, identifier, URI …); and the portal's own
government fields when the source is another Guangxi portal. Whatever has no field is kept in
``extras["ckan_fields"]`` and ``extras["ckan_extras"]``. Text that a publisher escaped twice
(``G\\u00e9o``) is repaired, with a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from catalog.drafts import DatasetDraft, DistributionDraft
from catalog.harvest.prepare import RecordIssue
from harvesters.base import RecordError
from vocab import categories, frequencies
from vocab.skos import ConceptScheme

_EMPTY: tuple[Any, ...] = (None, "", [], {})
LANGUAGES = ("zh", "zh_CN", "zh-CN", "zh_Hans_CN", "zh-Hans", "zh_Hans", "en")
_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
_TRANSLATION = re.compile(r"^(?P<key>.+?)_(?P<lang>fra|fr|en|zh)$")
# Keys CKAN computes or that change without the dataset changing: never hashed or kept.
VOLATILE = frozenset({
    "tracking_summary", "num_resources", "num_tags", "revision_id", "relationships_as_object",
    "relationships_as_subject", "creator_user_id", "private", "state", "type", "isopen",
    "metadata_created", "metadata_modified", "license_title", "owner_org", "organization",
    "resources", "tags", "groups", "extras", "id", "name", "help",
})  # fmt: skip
# The portal's own package keys (exports/ckan.py GOVERNMENT_FIELDS) that are draft fields.
GOVERNMENT_KEYS = (
    "open_type", "access_conditions", "share_type", "sensitivity", "service_item",
    "result_name", "is_e_licence", "source_system", "application_scenarios", "delivery_channel",
    "update_frequency", "record_count", "topic", "industry", "contact_phone",
)  # fmt: skip
FIELD_KEYS: dict[str, tuple[str, ...]] = {  # draft field -> package or extras keys, in order
    "identifier": ("identifier", "guid", "dct_identifier"),
    "uri": ("uri", "dcat_uri"),
    "issued": ("issued", "date_published", "publication_date"),
    "modified": ("modified", "date_modified"),
    "update_frequency": ("update_frequency", "frequency", "accrual_periodicity",
                         "maintenance_and_update_frequency"),
    "temporal_start": ("temporal_start", "time_period_coverage_start"),
    "temporal_end": ("temporal_end", "time_period_coverage_end"),
    "contact_name": ("contact_name", "maintainer", "author"),
    "contact_email": ("contact_email", "maintainer_email", "author_email", "publisher_email"),
    "contact_phone": ("contact_phone", "p_tel"),
    "publisher_uri": ("publisher_uri", "publisher_url"),
}  # fmt: skip
CONSUMED = frozenset(
    {k for keys in FIELD_KEYS.values() for k in keys}
    | set(GOVERNMENT_KEYS)
    | {"title", "notes", "url", "version", "license_id", "license_url", "keywords", "category",
       "division", "org_title_at_publication", "publisher_org"}
)  # fmt: skip


def package_draft(
    package: dict[str, Any], address: str, warnings: list[RecordIssue]
) -> DatasetDraft:
    """The draft of one package of the CKAN site at ``address``."""
    return PackageMapper(package, address, warnings).draft()


class PackageMapper:
    def __init__(self, package: dict[str, Any], address: str, warnings: list[RecordIssue]):
        self.package = package
        self.address = address
        self.warnings = warnings
        self.extras_rows = _extras(package.get("extras"))
        # a package key wins over an extras row of the same name; empty values count as none
        self.values = {k: v for k, v in self.extras_rows.items() if v not in _EMPTY} | {
            k: v for k, v in package.items() if v not in _EMPTY
        }
        self.translations: dict[str, dict[str, str]] = {}
        self.repaired = False

    def draft(self) -> DatasetDraft:
        p = self.package
        title = self.translated("title")
        if not title:
            raise RecordError("missing-title", "the package has no title", "title")
        ident = p.get("id") or p["name"]
        values: dict[str, Any] = {key: self.plain(key) for key in GOVERNMENT_KEYS}
        for name in ("update_frequency", "contact_name", "contact_email", "contact_phone"):
            values[name] = values.get(name) or self.first(FIELD_KEYS[name])
        values["update_frequency"] = _bilingual(values["update_frequency"], frequencies.scheme)
        person = values["contact_name"]  # may be a JSON object (ckanext-scheming)
        values["contact_name"] = _person(person)
        values["contact_email"] = _person(values["contact_email"], "email") or _person(
            person, "email"
        )
        extras: dict[str, Any] = {}
        draft = DatasetDraft(
            title=title,
            description=self.translated("notes") or "",
            identifier=self.first(FIELD_KEYS["identifier"]) or ident,
            uri=self.first(FIELD_KEYS["uri"]) or f"{self.address}/dataset/{ident}",
            publisher_name=self.publisher(),
            publisher_uri=self.first(FIELD_KEYS["publisher_uri"]),
            keywords=self.keywords(),
            category=self.category(extras),
            spatial=self.plain("division"),
            temporal_start=_day(self.first(FIELD_KEYS["temporal_start"]), self.warnings),
            temporal_end=_day(self.first(FIELD_KEYS["temporal_end"]), self.warnings),
            licence=self.licence(),
            issued=self.moment("issued", "metadata_created"),
            modified=self.moment("modified", "metadata_modified"),
            landing_page=self.plain("url") or f"{self.address}/dataset/{p.get('name') or ident}",
            version=self.plain("version"),
            distributions=self.distributions(),
            **{k: v for k, v in values.items() if k in DatasetDraft.__dataclass_fields__},
        )
        draft.record_count = _integer(draft.record_count)
        draft.is_e_licence = _boolean(draft.is_e_licence)
        leftovers: dict[str, Any] = {}
        for key, value in p.items():
            if key in CONSUMED or key in VOLATILE or value in (None, "", [], {}):
                continue
            if key in ("title_translated", "notes_translated", "keywords_fra"):
                continue  # read above
            if isinstance(value, str):
                value = self.text(value)
            translation = _TRANSLATION.match(key)
            if translation and translation["lang"] in ("fra", "fr") and isinstance(value, str):
                self.translations.setdefault(translation["key"], {}).setdefault("fr", value)
            else:
                leftovers[key] = value
        if leftovers:
            extras["ckan_fields"] = leftovers
        unused = {k: v for k, v in self.extras_rows.items() if k not in CONSUMED}
        if unused:
            extras["ckan_extras"] = unused
        if self.translations:
            extras["translations"] = self.translations
        extras["ckan_name"] = p.get("name")
        draft.extras = extras
        if self.repaired:
            self.warnings.append(
                RecordIssue("double-escaped-text", "text escaped twice by the source was repaired")
            )
        return draft

    # -- values ------------------------------------------------------------------------------

    def text(self, value: Any) -> str | None:
        if value is None or isinstance(value, bool):
            return None
        text = str(value).strip()
        if "\\u" in text:
            repaired = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
            self.repaired |= repaired != text
            text = repaired
        return text or None

    def plain(self, key: str) -> Any:
        value = self.values.get(key)
        return self.text(value) if isinstance(value, str) else value

    def first(self, keys: tuple[str, ...]) -> Any:
        for key in keys:
            value = self.plain(key)
            if value not in (None, "", [], {}):
                return value
        return None

    def moment(self, field: str, fallback: str) -> datetime | None:
        return _moment(self.first(FIELD_KEYS[field]) or self.package.get(fallback), self.warnings)

    def translated(self, key: str) -> str | None:
        """A translated field: Chinese, else English, else any; the rest kept."""
        value = self.package.get(f"{key}_translated")
        if not isinstance(value, dict):
            value = self.package.get(key) if isinstance(self.package.get(key), dict) else None
        versions: dict[str, str] = {}
        if isinstance(value, dict):
            versions = {str(k): t for k, v in value.items() if (t := self.text(v))}
        plain = self.package.get(key)
        if isinstance(plain, str) and self.text(plain):
            versions.setdefault("", self.text(plain) or "")
        for sibling in ("fra", "fr"):
            other = self.text(self.package.get(f"{key}_{sibling}"))
            if other:
                versions.setdefault("fr", other)
        if not versions:
            return None
        chosen_key = next((k for k in LANGUAGES if versions.get(k)), None)
        if chosen_key is None:
            chosen_key = "" if "" in versions else sorted(versions)[0]
        chosen = versions.pop(chosen_key)
        others = {k: v for k, v in versions.items() if k and v != chosen}
        if others:
            self.translations[key] = dict(sorted(others.items()))
        return chosen

    def keywords(self) -> list[str]:
        words: list[str] = []
        for tag in self.package.get("tags") or []:
            name = tag.get("display_name") or tag.get("name") if isinstance(tag, dict) else tag
            if text := self.text(name):
                words.append(text)
        keywords = self.package.get("keywords")
        if isinstance(keywords, dict):
            chosen = next((keywords[k] for k in LANGUAGES if keywords.get(k)), None)
            if chosen is None and keywords:
                chosen = keywords[sorted(keywords)[0]]
            others = {k: v for k, v in keywords.items() if v is not chosen and v}
            if others:
                self.translations["keywords"] = others
            keywords = chosen
        if isinstance(keywords, str):
            keywords = keywords.split(",")
        if isinstance(keywords, list):
            words.extend(t for k in keywords if (t := self.text(k)))
        fra = self.package.get("keywords_fra")
        if isinstance(fra, str) and fra.strip():
            self.translations["keywords"] = {"fr": fra.strip()}
        return list(dict.fromkeys(words))

    def publisher(self) -> str | None:
        organization = self.package.get("organization")
        if isinstance(organization, dict):
            title = organization.get("title_translated") or organization.get("title")
            if isinstance(title, dict):
                title = next((title[k] for k in LANGUAGES if title.get(k)), None) or next(
                    iter(title.values()), None
                )
            if text := self.text(title) or self.text(organization.get("name")):
                return text
        for key in ("org_title_at_publication", "publisher_org", "owner_org"):
            value = self.package.get(key)
            if isinstance(value, dict):
                value = next((value[k] for k in LANGUAGES if value.get(k)), None)
            if text := self.text(value):
                return text
        return None

    def category(self, extras: dict[str, Any]) -> str | None:
        candidates = [self.plain("category")]
        groups = self.package.get("groups") or []
        candidates += [g.get("name") for g in groups if isinstance(g, dict)]
        candidates.append(self.plain("theme"))
        for candidate in candidates:
            if isinstance(candidate, str) and categories.scheme().lookup(candidate):
                return candidate
        named = [g.get("title") or g.get("name") for g in groups if isinstance(g, dict)]
        if named:
            extras["ckan_groups"] = named
        return None

    def licence(self) -> str | None:
        url = self.plain("license_url")
        if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
            return url
        licence = self.plain("license_id")
        return None if licence in (None, "notspecified") else str(licence)

    def distributions(self) -> list[DistributionDraft]:
        drafts = []
        package_id = self.package.get("id") or self.package.get("name")
        for position, resource in enumerate(self.package.get("resources") or []):
            if not isinstance(resource, dict) or resource.get("state") not in (None, "active"):
                continue
            name = _pick(resource.get("name_translated")) or resource.get("name")
            url = self.text(resource.get("url"))
            title = self.text(name) or (url or "").rsplit("/", 1)[-1] or f"资源 {position + 1}"
            schema = resource.get("schema")
            drafts.append(
                DistributionDraft(
                    title=title,
                    description=self.text(
                        _pick(resource.get("description_translated")) or resource.get("description")
                    ),
                    format=self.text(resource.get("format")),
                    media_type=self.text(resource.get("mimetype")),
                    byte_size=_integer(resource.get("size")),
                    sha256=self.text(resource.get("hash")),
                    download_url=url,
                    issued=_moment(resource.get("created"), self.warnings),
                    modified=_moment(resource.get("last_modified"), self.warnings),
                    conforms_to=self.text(resource.get("conforms_to"))
                    or (schema if isinstance(schema, str) else None),
                    table_schema=schema if isinstance(schema, dict) else None,
                    uri=f"{self.address}/dataset/{package_id}/resource/{resource.get('id')}",
                )
            )
        return drafts


def _extras(rows: Any) -> dict[str, Any]:
    if isinstance(rows, dict):
        return dict(rows)
    found: dict[str, Any] = {}
    for row in rows or []:
        if isinstance(row, dict) and row.get("key"):
            found[str(row["key"])] = row.get("value")
    return found


def _pick(value: Any) -> Any:
    if isinstance(value, dict):
        return next((value[k] for k in LANGUAGES if value.get(k)), None) or next(
            (v for v in value.values() if v), None
        )
    return value


def _bilingual(value: Any, scheme: Callable[[], ConceptScheme]) -> Any:
    """The part of a bilingual value ("Monthly | Mensuel") the vocabulary knows, if any."""
    if not isinstance(value, str) or "|" not in value:
        return value
    parts = [part.strip() for part in value.split("|")]
    return next((part for part in parts if scheme().lookup(part)), value)


def _person(value: Any, key: str = "name") -> str | None:
    """A name or email that ckanext-scheming may give as JSON (envidat's maintainer)."""
    if not isinstance(value, str):
        return None
    if not value.strip().startswith(("{", "[")):
        return value if key == "name" or "@" in value else None
    try:
        data = json.loads(value)
    except ValueError:
        return value
    people = data if isinstance(data, list) else [data]
    for person in people:
        if not isinstance(person, dict):
            continue
        if key == "email" and person.get("email"):
            return str(person["email"])
        if key == "name":
            name = " ".join(str(person[k]).strip() for k in ("given_name", "name") if person.get(k))
            if name:
                return name
    return None


def _moment(value: Any, warnings: list[RecordIssue]) -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        warnings.append(RecordIssue("invalid-date", f"{value!r} is not an ISO 8601 date"))
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _day(value: Any, warnings: list[RecordIssue]) -> date | None:
    moment = _moment(value, warnings)
    return moment.date() if moment else None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return int(float(str(value).replace(",", "")))
    except ValueError:
        return None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "是")
