"""The structured conditions (开放条件) of a conditional dataset (有条件开放).

What a dataset states, before anyone signs in: who may apply (kinds of applicant from
:data:`catalog.accounts.models.KINDS` and free-text qualifications), the materials to attach,
the permitted and forbidden uses, the security requirements (each later a commitment the
applicant ticks), the delivery channel (``vocab/delivery_channels``), the period of use and
the review time limit (working days, 10 unless the department sets another), the fields
provided and how each is masked (a mask code and, for ``keep-ends`` and ``generalize``, its
parameters), the interval of usage reports and a contact. A dataset whose channel is
``verification`` (核验接口) states the fields that may be asked (``verify_fields``, among the
provided ones; answers are only match / no match); one whose channel is ``api`` or
``verification`` (or ``sandbox``) may state the calls a grant may make a minute
(``rate_per_minute``, :data:`DEFAULT_RATE_PER_MINUTE` when not stated). One whose channel is
``sandbox`` may state the disclosure threshold of its query results (``sandbox_k``: a result
row stands for at least that many source rows; :data:`DEFAULT_SANDBOX_K` when not stated, at
least :data:`MIN_SANDBOX_K`; :mod:`catalog.sandbox`).

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
from catalog.masking.rules import GENERALIZATIONS, Rule, keep
from catalog.models import Dataset
from vocab import delivery_channels

CONDITIONAL = "conditional"  # the open type (vocab/open_types) whose datasets state them
DEFAULT_REVIEW_DAYS = 10
MAX_DAYS = 3660  # ten years: a longer period or interval is a typo
MAX_ITEMS = 50
MAX_TEXT = 500
# The channels answered call by call through the REST API, and their rate per grant.
API, VERIFICATION = "api", "verification"
SANDBOX = "sandbox"
RATED_CHANNELS = (API, VERIFICATION, SANDBOX)
# Channels whose data does not leave the portal (数据不出域): no file is delivered under them.
IN_PORTAL_CHANNELS = frozenset({SANDBOX, VERIFICATION})
DEFAULT_RATE_PER_MINUTE = 60
MAX_RATE_PER_MINUTE = 100_000
DEFAULT_SANDBOX_K, MIN_SANDBOX_K, MAX_SANDBOX_K = 5, 2, 1000

# How a provided field is masked (数据脱敏), as codes; ProvidedField.rule() gives the rule.
KEEP_ENDS = "keep-ends"  # keep the first m and last n characters
PSEUDONYM = "pseudonym"  # keyed pseudonym, keyed per grant
GENERALIZE = "generalize"  # birth date -> year, address -> county-level division
DROP = "drop"
MASK_RULES = (KEEP_ENDS, PSEUDONYM, GENERALIZE, DROP)
# The parameters of a mask, for conditions stored before they had any: keep-ends keeps the
# first 3 and last 4 characters (the usual masking of ID and mobile numbers); stating only one
# end keeps nothing of the other. Generalize goes to the county-level division.
KEEP_FIRST, KEEP_LAST = 3, 4
GENERALIZE_TO = "county"
MAX_KEPT = 64
FIELD_KEYS = ("name", "mask", "keep_first", "keep_last", "to")

LISTS = ("qualifications", "materials", "permitted_uses", "forbidden_uses",
         "security_requirements")  # fmt: skip


@dataclass(frozen=True)
class ProvidedField:
    """One field (column) provided to a granted applicant; ``mask`` is None when in clear.

    ``keep_first``/``keep_last`` belong to ``keep-ends`` and ``to`` ("year" or "county") to
    ``generalize``; :func:`parse` fills them in, so a parsed field always states them.
    """

    name: str
    mask: str | None = None
    keep_first: int | None = None
    keep_last: int | None = None
    to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "mask"}`` and the parameters the mask uses."""
        out: dict[str, Any] = {"name": self.name, "mask": self.mask}
        if self.mask == KEEP_ENDS:
            out["keep_first"], out["keep_last"] = self.kept
        elif self.mask == GENERALIZE:
            out["to"] = self.to or GENERALIZE_TO
        return out

    @property
    def kept(self) -> tuple[int, int]:
        """The characters a keep-ends mask keeps at the start and at the end."""
        if self.keep_first is None and self.keep_last is None:
            return KEEP_FIRST, KEEP_LAST
        return self.keep_first or 0, self.keep_last or 0

    @classmethod
    def from_rule(cls, name: str, rule: Rule | None) -> ProvidedField:
        """The field masked by ``rule`` (a detector's suggestion, say); its mask character is
        not kept, conditions always mask with ``*``."""
        if rule is None:
            return cls(name)
        if rule.kind == "keep":
            return cls(name, KEEP_ENDS, rule.keep_first, rule.keep_last)
        if rule.kind == "generalize":
            return cls(name, GENERALIZE, to=rule.to)
        return cls(name, rule.kind)

    def rule(self) -> Rule | None:
        """The masking rule (catalog/masking/rules.py) of this field; None when in clear."""
        if self.mask == KEEP_ENDS:
            return keep(*self.kept)
        if self.mask == GENERALIZE:
            return Rule("generalize", to=self.to or GENERALIZE_TO)
        return None if self.mask is None else Rule(self.mask)

    def as_line(self) -> str:
        """The editor's form of the field: ``name``, ``name: rule`` or with its parameters
        (``身份证号: keep-ends 3 4``, ``出生日期: generalize year``); :func:`parse` reads it."""
        if self.mask is None:
            return self.name
        params = {KEEP_ENDS: [str(n) for n in self.kept], GENERALIZE: [self.to or GENERALIZE_TO]}
        return " ".join([f"{self.name}: {self.mask}", *params.get(self.mask, [])])


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
    verify_fields: tuple[str, ...] = ()  # the fields a verification question may name
    rate_per_minute: int | None = None  # calls a grant may make a minute (api, verification)
    sandbox_k: int | None = None  # the sandbox's disclosure threshold (sandbox channel)

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
            "verify_fields": list(self.verify_fields),
            "rate_per_minute": self.rate_per_minute,
            "sandbox_k": self.sandbox_k,
        }

    @property
    def call_rate(self) -> int:
        """The calls a grant may make a minute through the API (the stated rate or 60)."""
        return self.rate_per_minute or DEFAULT_RATE_PER_MINUTE

    @property
    def disclosure_k(self) -> int:
        """The sandbox's threshold: the stated ``sandbox_k`` or 5."""
        return self.sandbox_k or DEFAULT_SANDBOX_K

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
    fields = _fields(data.get("fields"))
    return Conditions(
        applicant_kinds=_kinds(data.get("applicant_kinds")),
        **{name: _lines(data.get(name), name) for name in LISTS},
        delivery_channel=channel,
        period_days=_days(data.get("period_days"), "period_days"),
        review_days=DEFAULT_REVIEW_DAYS if review is None else review,
        fields=fields,
        report_interval_days=_days(data.get("report_interval_days"), "report_interval_days"),
        contact=_text(data.get("contact"), "contact"),
        verify_fields=_verify_fields(data.get("verify_fields"), fields, channel),
        rate_per_minute=_rate(data.get("rate_per_minute"), channel),
        sandbox_k=_sandbox_k(data.get("sandbox_k"), channel),
    )


def _verify_fields(
    value: Any, fields: tuple[ProvidedField, ...], channel: str | None
) -> tuple[str, ...]:
    """The fields a verification question may name: provided ones, for the verification
    channel only (in the order of the provided fields)."""
    names = _lines(value, "verify_fields")
    if not names:
        return ()
    if channel != VERIFICATION:
        _fail("verify-fields", "only the verification channel is asked", "verify_fields")
    provided = [f.name for f in fields]
    unknown = [name for name in names if name not in provided]
    if unknown:
        _fail("verify-fields", f"not provided fields {unknown!r}", "verify_fields")
    return tuple(name for name in provided if name in names)


def _rate(value: Any, channel: str | None) -> int | None:
    """Calls a minute (1 to MAX_RATE_PER_MINUTE), for the api and verification channels."""
    if value is None or value == "":
        return None
    plain = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if plain else ""
    if not text.isdigit() or not 1 <= int(text) <= MAX_RATE_PER_MINUTE:
        _fail("rate-per-minute", f"{value!r} is not a number of calls (1-{MAX_RATE_PER_MINUTE})",
              "rate_per_minute")  # fmt: skip
    if channel not in RATED_CHANNELS:
        _fail("rate-per-minute", "only the api, verification and sandbox channels are rated",
              "rate_per_minute")  # fmt: skip
    return int(text)


def _sandbox_k(value: Any, channel: str | None) -> int | None:
    """The sandbox's threshold (MIN_SANDBOX_K to MAX_SANDBOX_K), for the sandbox channel."""
    if value is None or value == "":
        return None
    plain = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if plain else ""
    if not text.isdigit() or not MIN_SANDBOX_K <= int(text) <= MAX_SANDBOX_K:
        _fail("sandbox-k", f"{value!r} is not a threshold ({MIN_SANDBOX_K}-{MAX_SANDBOX_K})",
              "sandbox_k")  # fmt: skip
    if channel != SANDBOX:
        _fail("sandbox-k", "only the sandbox channel has a threshold", "sandbox_k")
    return int(text)


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


def fields_text(stored: Any) -> str:
    """The provided fields of a stored value as the editor's lines (ProvidedField.as_line)."""
    return "\n".join(f.as_line() for f in _fields(stored))


def _fields(value: Any) -> tuple[ProvidedField, ...]:
    """Provided fields: dicts ``{"name", "mask", parameters}``, or lines ``name`` /
    ``name: rule`` / ``name: keep-ends 3 4`` / ``name: generalize year``."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [line for line in value.splitlines() if line.strip()]
    if not isinstance(value, list | tuple):
        _fail("fields", "not a list", "fields")
    out: dict[str, ProvidedField] = {}
    for item in value:
        if isinstance(item, str):
            item = _field_line(item)
        if not isinstance(item, dict) or set(item) - set(FIELD_KEYS):
            _fail("fields", f"not a field {item!r}", "fields")
        found = _field(item)
        out[found.name] = found
    if len(out) > MAX_ITEMS * 4:
        _fail("fields", "too many fields", "fields")
    return tuple(out.values())


def _field_line(line: str) -> dict[str, Any]:
    head, _, tail = line.replace("：", ":").partition(":")
    mask, *params = tail.split() or [""]
    item: dict[str, Any] = {"name": head, "mask": mask}
    if mask == KEEP_ENDS and len(params) <= 2:
        item.update(zip(("keep_first", "keep_last"), params, strict=False))
    elif mask == GENERALIZE and len(params) <= 1:
        item.update(zip(("to",), params, strict=False))
    elif params:
        _fail("mask-parameter", f"{mask!r} takes no parameters {params!r}", "fields")
    return item


def _field(item: dict[str, Any]) -> ProvidedField:
    name, mask = _text(item.get("name"), "fields"), _text(item.get("mask"), "fields")
    if not name:
        _fail("field-name", "a field without a name", "fields")
    if mask is not None and mask not in MASK_RULES:
        _fail("mask-rule", f"unknown mask rule {mask!r}", "fields")
    first, last = _kept(item.get("keep_first")), _kept(item.get("keep_last"))
    to = _text(item.get("to"), "fields")
    if (first is not None or last is not None) and mask != KEEP_ENDS:
        _fail("mask-parameter", "only keep-ends keeps characters", "fields")
    if to is not None and (mask != GENERALIZE or to not in GENERALIZATIONS):
        _fail("mask-parameter", f"cannot generalize to {to!r}", "fields")
    if mask == KEEP_ENDS:
        kept = ProvidedField(name, mask, first, last).kept
        return ProvidedField(name, mask, *kept)
    if mask == GENERALIZE:
        return ProvidedField(name, mask, to=to or GENERALIZE_TO)
    return ProvidedField(name, mask)


def _kept(value: Any) -> int | None:
    """A number of characters a keep-ends mask keeps (0 to MAX_KEPT), None when not given."""
    if value is None or value == "":
        return None
    plain = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if plain else ""
    if not text.isdigit() or int(text) > MAX_KEPT:
        _fail("mask-parameter", f"{value!r} is not a number of characters (0-{MAX_KEPT})", "fields")
    return int(text)
