"""From a draft to the values a harvest writes, with a report of what had to change.

A harvested record is accepted whenever it has a title; everything else that does not fit
the catalog is reported as a warning and kept, never silently dropped:

- a controlled value the vocabulary does not know: the field stays empty and the value goes
  to ``extras["source_values"]`` (``unknown-<field>``);
- a text longer than its column: cut to the column's length, the whole text kept in
  ``extras["full_values"]`` (``value-truncated``);
- a link that is not http(s) (``ftp:``, a bare path): not linked, kept in
  ``extras["unlinked_urls"]`` (``invalid-url``);
- a negative or absurd number: left empty (``invalid-number``).

The open type never fails open. A value :func:`vocab.open_types.open_type` does not know
(``涉密（内部）``, a stray literal) makes the record 不予开放 (``unknown-open-type``, the value
kept in ``extras["source_values"]``): held back from the public, whatever an earlier harvest
said; a record that states none is 有条件开放 (``missing-open-type``): listed, its files and
links withheld. A source known to publish only open data says so once, in its configuration
(``config["open_type"]``, applied by the harvester to records without a value).

Text the catalog cannot store or publish rejects the record instead (``invalid-text``, naming
the field): a lone surrogate (``"\\ud800"`` in JSON: no UTF-8 encodes it) or a control
character other than tab, line feed and carriage return (NUL, which PostgreSQL refuses in
text, and those XML 1.0 forbids). :func:`invalid_text` looks at every text of a draft: its
fields, keywords, distributions, and the keys and values of extras and Table Schemas however
deeply nested. Such a record is rejected rather than repaired, because a repaired value would
differ from the source's without anyone knowing which character was lost; the job's log
shows the text with :func:`clean_text` escapes.

:func:`fingerprints` are the fingerprints of a draft: equal drafts have equal hashes whatever
process computed them, so an unchanged record is recognised without reading the dataset.
Every harvested record passes through it, so it is also where the text check is made (raising
:class:`InvalidText`): the canonical JSON it hashes shows a bad character at once, and the
walk that names the field runs only then.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import String

from catalog.drafts import DatasetDraft, DistributionDraft
from catalog.models import Dataset, Distribution
from catalog.services.datasets import CONTROLLED_FIELDS, EDITABLE_FIELDS
from vocab import licences, open_types

# The dataset fields a harvest owns: the model's editable fields that a draft carries.
HARVESTED_FIELDS = tuple(
    f.name for f in fields(DatasetDraft) if f.name in EDITABLE_FIELDS and f.name != "extras"
)
DISTRIBUTION_VALUES = (
    "description", "format", "media_type", "byte_size", "sha256", "download_url", "access_url",
    "issued", "modified", "licence", "conforms_to", "table_schema",
)  # fmt: skip
MISSING_OPEN_TYPE = "conditional"  # a record that does not say: listed, files withheld
UNKNOWN_OPEN_TYPE = "closed"  # a value the vocabulary does not know: never shown
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
LOCATION_FIELDS = ("uri", "landing_page", "extras")  # where a record lives, not what it says
MAX_NUMBER = 10**15
# A lone surrogate, or a C0 control character other than tab, line feed and carriage return.
_INVALID_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class RecordIssue:
    """An error or warning about one record; ``code`` is stable and kebab-case."""

    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field}


@dataclass
class Prepared:
    """The values to write for one record."""

    fields: dict[str, Any]
    distributions: list[dict[str, Any]]
    extras: dict[str, Any]
    warnings: list[RecordIssue] = field(default_factory=list)


class InvalidText(ValueError):
    """A text of the draft is one the catalog cannot store; ``issue`` names it."""

    def __init__(self, issue: RecordIssue):
        super().__init__(issue.message)
        self.issue = issue


def fingerprints(draft: DatasetDraft, salt: str = "") -> tuple[str, str]:
    """(content hash, body hash): sha256 of the draft's canonical JSON (keys sorted, dates in
    ISO 8601). The body hash leaves out where the record lives (its URI, landing page, the
    distributions' URIs and the source's bookkeeping in extras), so the same dataset from
    two sources has the same body hash; the content hash covers everything (and ``salt``).

    Raises :class:`InvalidText` for a draft :func:`invalid_text` refuses: the canonical JSON
    is where such text shows, so every record is checked at almost no cost."""
    body_text, place_text = _canonical(draft)
    if not (_control_escape(body_text) or _control_escape(place_text)):
        try:
            return _hashes(salt, body_text, place_text)
        except UnicodeEncodeError:  # a lone surrogate: no UTF-8 holds it
            pass
    issue = _first_invalid_text(draft)
    if issue is not None:
        raise InvalidText(issue)
    return _hashes(salt, body_text, place_text)  # a literal backslash made a false alarm


def _hashes(salt: str, body_text: str, place_text: str) -> tuple[str, str]:
    content = hashlib.sha256(f"{salt}{body_text}\n{place_text}".encode()).hexdigest()
    return content, hashlib.sha256(body_text.encode()).hexdigest()


def _canonical(draft: DatasetDraft) -> tuple[str, str]:
    """The draft as canonical JSON: (what it says, where it lives)."""
    body = dict(vars(draft))
    place = {name: body.pop(name) for name in LOCATION_FIELDS}
    distributions = [dict(vars(d)) for d in draft.distributions]
    place["distribution_uris"] = [d.pop("uri") for d in distributions]
    body["distributions"] = distributions
    body_text = json.dumps(body, default=_plain, sort_keys=True, ensure_ascii=False)
    place_text = json.dumps(place, default=_plain, sort_keys=True, ensure_ascii=False)
    return body_text, place_text


def _control_escape(json_text: str) -> bool:
    """Whether JSON text may hold a control character :func:`invalid_text` refuses: JSON
    writes them as escapes (``\\u0000``, ``\\b``, ``\\f``; tab and newlines are
    ``\\t \\n \\r``). A literal backslash can make a false alarm, which the walk over the
    draft then dismisses."""
    return "\\u00" in json_text or "\\b" in json_text or "\\f" in json_text


def _plain(value: Any) -> Any:
    if isinstance(value, DatasetDraft | DistributionDraft):
        return vars(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def invalid_text(draft: DatasetDraft) -> RecordIssue | None:
    """The ``invalid-text`` error for the first text of ``draft`` the catalog cannot store,
    naming its field (``title``, ``keywords[1]``, ``distributions[0].title``,
    ``extras.ckan_fields.custom.deep[1]``); None when every text is clean."""
    texts = _canonical(draft)
    if not any(_control_escape(t) or _SURROGATE.search(t) for t in texts):
        return None
    return _first_invalid_text(draft)


def _first_invalid_text(draft: DatasetDraft) -> RecordIssue | None:
    for path, text in _texts(draft):
        found = _INVALID_TEXT.search(text)
        if found is not None:
            char = found.group()
            kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
            message = f"{path} holds {kind} (U+{ord(char):04X}) at position {found.start()}"
            return RecordIssue("invalid-text", message, path)
    return None


def clean_text(text: str) -> str:
    """``text`` with every character :func:`invalid_text` refuses written as ``\\uXXXX``."""
    return _INVALID_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _texts(draft: DatasetDraft) -> Iterator[tuple[str, str]]:
    """(path, text) for every string in the draft, keys of mappings included; iterative, so
    that a deeply nested extras value cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [("", draft)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path or "value", value
        elif isinstance(value, DatasetDraft | DistributionDraft):
            names = [f.name for f in fields(value)]
            stack.extend((_join(path, n), getattr(value, n)) for n in reversed(names))
        elif isinstance(value, Mapping):
            items = list(value.items())
            for key, _item in items:
                if isinstance(key, str):
                    yield _join(path, clean_text(key)), key
            stack.extend((_join(path, clean_text(str(k))), v) for k, v in reversed(items))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def prepare(draft: DatasetDraft) -> Prepared:
    """The dataset values, distribution values and extras to write for ``draft``.

    Raises ``ValueError`` only for a draft without a title (a bug of the harvester: the
    harvester reports a record without a title before it makes a draft)."""
    if not (draft.title or "").strip():
        raise ValueError("a draft needs a title")
    extras = dict(draft.extras)
    warnings: list[RecordIssue] = []
    values = {name: getattr(draft, name) for name in HARVESTED_FIELDS}
    for name in CONTROLLED_FIELDS:
        if name != "open_type":
            values[name] = _controlled(name, values.get(name), extras, warnings)
    values["open_type"] = _open_type(values.get("open_type"), extras, warnings)
    values["description"] = values["description"] or ""
    values["keywords"] = list(values["keywords"] or [])
    values["is_e_licence"] = bool(values["is_e_licence"])
    values["licence"] = _licence(values["licence"])
    values["record_count"] = _number("record_count", values["record_count"], warnings)
    values["landing_page"] = _url("landing_page", values["landing_page"], extras, warnings)
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = _fit(Dataset, name, value.strip(), extras, warnings)
    if draft.publisher_uri:
        extras.setdefault("publisher_uri", draft.publisher_uri)
    distributions = [
        _distribution(d, position, extras, warnings)
        for position, d in enumerate(draft.distributions)
    ]
    return Prepared(values, distributions, extras, warnings)


def _distribution(
    draft: DistributionDraft, position: int, extras: dict[str, Any], warnings: list[RecordIssue]
) -> dict[str, Any]:
    values = {name: getattr(draft, name) for name in DISTRIBUTION_VALUES}
    for name in ("download_url", "access_url"):
        values[name] = _url(name, values[name], extras, warnings)
    values["byte_size"] = _number("byte_size", values["byte_size"], warnings)
    values["licence"] = _licence(values["licence"])
    sha256 = (values["sha256"] or "").strip().lower().removeprefix("sha256:")
    values["sha256"] = sha256 if _HEX64.match(sha256) else None
    title = (draft.title or "").strip() or _title_from(values, position)
    values["title"] = title
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = _fit(Distribution, name, value.strip(), extras, warnings) or None
    return values


def _controlled(
    name: str, value: Any, extras: dict[str, Any], warnings: list[RecordIssue]
) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    concept = CONTROLLED_FIELDS[name]().lookup(str(value))
    if concept is not None:
        return concept.notation
    extras.setdefault("source_values", {})[name] = str(value)
    code = f"unknown-{name.replace('_', '-')}"
    warnings.append(RecordIssue(code, f"{value!r} is not a known {name}", name))
    return None


def _open_type(value: Any, extras: dict[str, Any], warnings: list[RecordIssue]) -> str:
    """The open type's notation; never a more open one than the source stated."""
    if value is None or str(value).strip() == "":
        warnings.append(
            RecordIssue("missing-open-type", "no open type: kept as conditional", "open_type")
        )
        return MISSING_OPEN_TYPE
    concept = open_types.open_type(str(value))
    if concept is not None:
        return concept.notation
    extras.setdefault("source_values", {})["open_type"] = str(value)
    message = f"{value!r} is not a known open type: kept as closed"
    warnings.append(RecordIssue("unknown-open-type", message, "open_type"))
    return UNKNOWN_OPEN_TYPE


def _licence(value: Any) -> str | None:
    """A licence the licence table knows, as its notation (``cc-by`` → ``CC-BY-4.0``), so the
    portal can publish it; any other licence is kept as the source gave it."""
    if value is None or not str(value).strip():
        return None
    concept = licences.licence(str(value).strip())
    return concept.notation if concept else str(value).strip()


def _url(name: str, value: Any, extras: dict[str, Any], warnings: list[RecordIssue]) -> Any:
    if not value:
        return None
    text = str(value).strip()
    if text.lower().startswith(("http://", "https://")) and " " not in text:
        return text
    extras.setdefault("unlinked_urls", [])
    if text not in extras["unlinked_urls"]:
        extras["unlinked_urls"].append(text)
    warnings.append(RecordIssue("invalid-url", f"{name}: {text!r} is not an http(s) link", name))
    return None


def _number(name: str, value: Any, warnings: list[RecordIssue]) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = -1
    if 0 <= number < MAX_NUMBER:
        return number
    warnings.append(RecordIssue("invalid-number", f"{name}: {value!r} is not a count", name))
    return None


def _fit(
    model: type, name: str, value: str, extras: dict[str, Any], warnings: list[RecordIssue]
) -> str:
    column = model.__table__.columns.get(name)  # type: ignore[attr-defined]
    length = column.type.length if column is not None and isinstance(column.type, String) else None
    if length is None or len(value) <= length:
        return value
    extras.setdefault("full_values", {})[name] = value
    warnings.append(RecordIssue("value-truncated", f"{name} is cut to {length} characters", name))
    return value[: length - 1] + "…"


def _title_from(values: dict[str, Any], position: int) -> str:
    url = values.get("download_url") or values.get("access_url") or ""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name or (values.get("format") or f"数据文件 {position + 1}")
