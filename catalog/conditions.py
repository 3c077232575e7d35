"""The structured conditions (开放条件) of a conditional dataset (有条件开放).

What a dataset states, before anyone signs in: who may apply (kinds of applicant from
:data:`catalog.accounts.models.KINDS` and free-text qualifications), the materials to attach,
the permitted and forbidden uses, the security requirements (each later a commitment the
applicant ticks), the delivery channel (``vocab/delivery_channels``), the period of use and
the review time limit (working days, 10 unless the department sets another), the fields
provided and how each is masked, the interval of usage reports and a contact.

:func:`parse` turns a plain dict (the JSON column, a form, an API body) into
:class:`Conditions` or raises :class:`catalog.errors.InvalidValue` with a stable code and the
field it is about; :meth:`Conditions.to_dict` gives the dict back. The free text
``Dataset.access_conditions`` stays beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from catalog.accounts.models import KINDS
from catalog.errors import InvalidValue
from catalog.models import Dataset
from vocab import delivery_channels

CONDITIONAL = "conditional"  # the open type (vocab/open_types) whose datasets state them
DEFAULT_REVIEW_DAYS = 10
MAX_DAYS = 3660  # ten years: a longer period or interval is a typo
MAX_ITEMS = 50
MAX_TEXT = 500

# How a provided field is masked (数据脱敏), as codes; the rules themselves come later.
KEEP_ENDS = "keep-ends"  # keep the first m and last n characters
PSEUDONYM = "pseudonym"  # keyed pseudonym, keyed per grant
GENERALIZE = "generalize"  # birth date -> year, address -> county-level division
DROP = "drop"
MASK_RULES = (KEEP_ENDS, PSEUDONYM, GENERALIZE, DROP)

LISTS = ("qualifications", "materials", "permitted_uses", "forbidden_uses",
         "security_requirements")  # fmt: skip


@dataclass(frozen=True)
class ProvidedField:
    """One field (column) provided to a granted applicant; ``mask`` is None when in clear."""

    name: str
    mask: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mask": self.mask}


@dataclass(frozen=True)
class Conditions:
    applicant_kinds: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    permitted_uses: tuple[str, ...] = ()
    forbidden_uses: tuple[str, ...] = ()
    security_requirements: tuple[str, ...] = ()
    delivery_channel: str | None = None
    period_days: int | None = None
    review_days: int = DEFAULT_REVIEW_DAYS
    fields: tuple[ProvidedField, ...] = field(default_factory=tuple)
    report_interval_days: int | None = None
    contact: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "applicant_kinds": list(self.applicant_kinds),
            **{name: list(getattr(self, name)) for name in LISTS},
            "delivery_channel": self.delivery_channel,
            "period_days": self.period_days,
            "review_days": self.review_days,
            "fields": [f.to_dict() for f in self.fields],
            "report_interval_days": self.report_interval_days,
            "contact": self.contact,
        }

    @property
    def masked_fields(self) -> tuple[ProvidedField, ...]:
        return tuple(f for f in self.fields if f.mask)


def parse(data: dict[str, Any] | None) -> Conditions:
    """Conditions from a plain dict; unknown keys and bad values raise InvalidValue whose
    ``code`` is ``invalid-conditions-<what>`` and ``field`` is ``conditions.<key>``."""
    if data is None:
        return Conditions()
    if not isinstance(data, dict):
        _fail("conditions", "not an object", "")
    unknown = set(data) - set(Conditions.__dataclass_fields__)
    if unknown:
        _fail("unknown-key", f"unknown keys {sorted(unknown)}", "")
    channel = _text(data.get("delivery_channel"), "delivery_channel")
    if channel is not None:
        concept = delivery_channels.delivery_channel(channel)
        if concept is None:
            _fail("delivery-channel", f"unknown delivery channel {channel!r}", "delivery_channel")
        channel = concept.notation
    review = _days(data.get("review_days"), "review_days")
    return Conditions(
        applicant_kinds=_kinds(data.get("applicant_kinds")),
        **{name: _lines(data.get(name), name) for name in LISTS},
        delivery_channel=channel,
        period_days=_days(data.get("period_days"), "period_days"),
        review_days=DEFAULT_REVIEW_DAYS if review is None else review,
        fields=_fields(data.get("fields")),
        report_interval_days=_days(data.get("report_interval_days"), "report_interval_days"),
        contact=_text(data.get("contact"), "contact"),
    )


def stated(dataset: Dataset) -> Conditions | None:
    """The structured conditions a conditional dataset states, None for other open types or
    when it states none (every output asks this, so they all agree)."""
    if dataset.open_type != CONDITIONAL or not dataset.conditions:
        return None
    return parse(dataset.conditions)


def to_stored(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The value of the JSON column: the parsed conditions as a dict, None for none."""
    return None if data is None else parse(data).to_dict()


def of(stored: dict[str, Any] | None) -> Conditions | None:
    """The conditions of a stored column value (None when the dataset states none)."""
    return None if not stored else parse(stored)


def _fail(what: str, message: str, key: str) -> NoReturn:
    raise InvalidValue(
        f"conditions: {message}",
        code=f"invalid-conditions-{what}",
        field=f"conditions.{key}" if key else "conditions",
    )


def _text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int):
        _fail(key.replace("_", "-"), "not a text", key)
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        _fail(key.replace("_", "-"), f"longer than {MAX_TEXT} characters", key)
    return text or None


def _lines(value: Any, key: str) -> tuple[str, ...]:
    """A list of texts; a string is one item per line. Blank items and repeats are dropped."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        _fail(key.replace("_", "-"), "not a list", key)
    items: dict[str, None] = {}
    for item in value:
        text = _text(item, key)
        if text:
            items[text] = None
    if len(items) > MAX_ITEMS:
        _fail(key.replace("_", "-"), f"more than {MAX_ITEMS} items", key)
    return tuple(items)


def _kinds(value: Any) -> tuple[str, ...]:
    kinds = _lines(value, "applicant_kinds")
    for kind in kinds:
        if kind not in KINDS:
            _fail("applicant-kind", f"unknown applicant kind {kind!r}", "applicant_kinds")
    return tuple(k for k in KINDS if k in kinds)  # in the vocabulary's order


def _days(value: Any, key: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        days = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        days = None
    if days is None or not 1 <= days <= MAX_DAYS:
        _fail(key.replace("_", "-"), f"{value!r} is not a number of days (1-{MAX_DAYS})", key)
    return days


def _fields(value: Any) -> tuple[ProvidedField, ...]:
    """Provided fields: dicts ``{"name", "mask"}``, or lines ``name`` / ``name: rule``."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [line for line in value.splitlines() if line.strip()]
    if not isinstance(value, list | tuple):
        _fail("fields", "not a list", "fields")
    out: dict[str, ProvidedField] = {}
    for item in value:
        if isinstance(item, str):
            head, _, tail = item.replace("：", ":").partition(":")
            item = {"name": head, "mask": tail}
        if not isinstance(item, dict) or set(item) - {"name", "mask"}:
            _fail("fields", f"not a field {item!r}", "fields")
        name, mask = _text(item.get("name"), "fields"), _text(item.get("mask"), "fields")
        if not name:
            _fail("field-name", "a field without a name", "fields")
        if mask is not None and mask not in MASK_RULES:
            _fail("mask-rule", f"unknown mask rule {mask!r}", "fields")
        out[name] = ProvidedField(name, mask)
    if len(out) > MAX_ITEMS * 4:
        _fail("fields", "too many fields", "fields")
    return tuple(out.values())
