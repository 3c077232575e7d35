"""Masking rules per field, as data, and the keyed pseudonyms they produce.

A rule is a small frozen dataclass that round-trips through a JSON-able dict
(:meth:`Rule.as_dict` / :func:`rule_from_dict`), so the publisher's choice can be stored on a
distribution later. Four kinds:

- ``keep``: keep the first ``keep_first`` and last ``keep_last`` characters, mask the middle
  with ``mask_char`` (``*`` or ``＊``); a value too short keeps less, so at least one character
  is always masked.
- ``pseudonym``: a keyed, self-verifying token (:func:`pseudonym`) with the grant's key.
- ``generalize``: ``to="year"`` keeps the year of a date; ``to="county"`` keeps the city and
  county-level division an address names (``vocab.divisions``).
- ``drop``: the column is left out of the delivered copy.

Pseudonyms are keyed per grant (:func:`grant_key`), so two recipients never receive the same
token for a value, and each token carries a tag that verifies only under the key that made it
(:func:`token_verifies`): a leaked copy names its grant from its contents alone.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from catalog.errors import InvalidValue
from vocab import divisions

KINDS = ("keep", "pseudonym", "generalize", "drop")
GENERALIZATIONS = ("year", "county")
MASK_CHARS = ("*", "＊")
TOKEN_BODY = 10
TOKEN_TAG = 4
TOKEN_PATTERN = re.compile(rf"[A-Z2-7]{{{TOKEN_BODY + TOKEN_TAG}}}")

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_YEAR = re.compile(r"(?<!\d)((?:18|19|20)\d{2})(?:\D|\d{4}(?!\d)|$)")

#: A compiled rule: a cell value in, the delivered value out.
CellMasker = Callable[[Any], Any]


@dataclass(frozen=True)
class Rule:
    kind: str
    keep_first: int = 0
    keep_last: int = 0
    mask_char: str = "*"
    to: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidValue(f"unknown masking rule {self.kind!r}", code="unknown-masking-rule")
        if self.kind == "keep":
            if min(self.keep_first, self.keep_last) < 0:
                raise InvalidValue("kept lengths cannot be negative", code="invalid-masking-rule")
            if self.mask_char not in MASK_CHARS:
                raise InvalidValue("the mask is * or ＊", code="invalid-masking-rule")
        if self.kind == "generalize" and self.to not in GENERALIZATIONS:
            raise InvalidValue(f"cannot generalize to {self.to!r}", code="unknown-generalization")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: only what the kind uses."""
        if self.kind == "keep":
            return {
                "kind": "keep",
                "keep_first": self.keep_first,
                "keep_last": self.keep_last,
                "mask_char": self.mask_char,
            }
        if self.kind == "generalize":
            return {"kind": "generalize", "to": self.to}
        return {"kind": self.kind}


def keep(first: int, last: int, mask_char: str = "*") -> Rule:
    return Rule("keep", keep_first=first, keep_last=last, mask_char=mask_char)


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """A rule from its JSON form; ``InvalidValue`` for an unknown kind or a bad parameter."""
    known = {"kind", "keep_first", "keep_last", "mask_char", "to"}
    unknown = set(data) - known
    if unknown:
        raise InvalidValue(
            f"unknown masking rule keys {sorted(unknown)}", code="invalid-masking-rule"
        )
    try:
        return Rule(
            kind=str(data.get("kind")),
            keep_first=int(data.get("keep_first", 0)),
            keep_last=int(data.get("keep_last", 0)),
            mask_char=str(data.get("mask_char", "*")),
            to=None if data.get("to") is None else str(data["to"]),
        )
    except (TypeError, ValueError):
        raise InvalidValue("a kept length is not a number", code="invalid-masking-rule") from None


def rules_from_json(data: Mapping[str, Mapping[str, Any]]) -> dict[str, Rule]:
    """``{field: rule dict}`` → ``{field: Rule}``."""
    return {str(name): rule_from_dict(rule) for name, rule in data.items()}


def rules_as_json(rules: Mapping[str, Rule]) -> dict[str, dict[str, Any]]:
    return {name: rule.as_dict() for name, rule in rules.items()}


def grant_key(secret: bytes, grant_id: str) -> bytes:
    """The pseudonym key of one grant, derived from the portal's secret."""
    return hmac.new(secret, b"gxdata-masking-grant:" + grant_id.encode(), hashlib.sha256).digest()


@lru_cache(maxsize=64)
def _keyed(key: bytes) -> hmac.HMAC:
    """An HMAC-SHA-256 already keyed, copied for each message (cheaper than a new one)."""
    return hmac.new(key, digestmod=hashlib.sha256)


def _b32(key: bytes, message: bytes, length: int) -> str:
    """The first ``length`` (at most 11) characters of the RFC 4648 base32 of the HMAC."""
    mac = _keyed(key).copy()
    mac.update(message)
    bits = int.from_bytes(mac.digest()[:7]) >> (56 - 5 * length)
    return "".join(_BASE32[(bits >> shift) & 31] for shift in range(5 * (length - 1), -1, -5))


def pseudonym(value: str, key: bytes) -> str:
    """A 14-character token: 10 from HMAC(key, value) and a 4-character tag of those 10."""
    body = _b32(key, b"value:" + value.encode(), TOKEN_BODY)
    return body + _b32(key, b"tag:" + body.encode(), TOKEN_TAG)


def token_verifies(token: str, key: bytes) -> bool:
    """Whether ``token`` was made by :func:`pseudonym` under ``key`` (a 1 in 2**20 chance else)."""
    if len(token) != TOKEN_BODY + TOKEN_TAG:
        return False
    body, tag = token[:TOKEN_BODY], token[TOKEN_BODY:]
    return hmac.compare_digest(_b32(key, b"tag:" + body.encode(), TOKEN_TAG), tag)


def mask_middle(value: str, first: int, last: int, mask_char: str = "*") -> str:
    """``value`` with all but its first and last characters masked, one at least."""
    size = len(value)
    if size == 0:
        return value
    first = min(first, size - 1)
    last = max(0, min(last, size - 1 - first))
    return value[:first] + mask_char * (size - first - last) + value[size - last :]


def year_of(value: Any) -> int | None:
    """The year of a date, a datetime or a date written as text ("1990-05-12", "19900512")."""
    if isinstance(value, datetime.date):
        return value.year
    found = _YEAR.search(str(value).strip())
    return int(found.group(1)) if found else None


def county_of(address: str) -> str:
    """The city and county-level division an address starts with ("南宁市青秀区"), else ""."""
    found = divisions.division_at_start(address)
    return "" if found is None else _generalized_name(found.notation)


@cache
def _generalized_name(code: str) -> str:
    """A county's city and own name, a city's name; "" for the region."""
    found = divisions.scheme().require(code)
    if divisions.level(found) < 3:
        return found.label("zh") if divisions.level(found) == 2 else ""
    return divisions.city_of(found).label("zh") + found.label("zh")


def compile_rule(rule: Rule, key: bytes) -> CellMasker:
    """The function a streaming masker applies to each cell of the rule's column.

    Empty cells (None, "") stay as they are; other values are masked as text, except that
    ``year`` keeps a year as a number.
    """

    def text(value: Any) -> str:
        return value.isoformat() if isinstance(value, datetime.date) else str(value)

    def wrap(apply: Callable[[Any], Any]) -> CellMasker:
        return lambda value: value if value is None or value == "" else apply(value)

    if rule.kind == "keep":
        first, last, char = rule.keep_first, rule.keep_last, rule.mask_char
        return wrap(lambda value: mask_middle(text(value), first, last, char))
    if rule.kind == "pseudonym":
        return wrap(lambda value: pseudonym(text(value).strip(), key))
    if rule.kind == "generalize" and rule.to == "year":
        return wrap(year_of)
    if rule.kind == "generalize":
        return wrap(lambda value: county_of(text(value)))
    raise InvalidValue(f"rule {rule.kind!r} masks no cell", code="invalid-masking-rule")


@dataclass(frozen=True)
class ColumnPlan:
    """What to deliver of a table with these columns: which to keep, and how to mask each."""

    kept: tuple[int, ...]
    maskers: tuple[CellMasker | None, ...]
    header: tuple[str, ...]

    def row(self, cells: tuple[Any, ...] | list[Any]) -> list[Any]:
        out: list[Any] = []
        for index, masker in zip(self.kept, self.maskers, strict=True):
            value = cells[index] if index < len(cells) else None
            out.append(value if masker is None else masker(value))
        return out


def plan_columns(
    header: list[str],
    rules: Mapping[str, Rule],
    key: bytes,
    only: Collection[str] | None = None,
) -> ColumnPlan:
    """A plan for a table: columns without a rule pass unchanged, ``drop`` ones are left out,
    and so is every column not in ``only`` when it is given (the fields a grant names)."""
    kept: list[int] = []
    maskers: list[CellMasker | None] = []
    for index, name in enumerate(header):
        rule = rules.get(name.strip())
        if rule is not None and rule.kind == "drop":
            continue
        if only is not None and name.strip() not in only:
            continue
        kept.append(index)
        maskers.append(None if rule is None else compile_rule(rule, key))
    return ColumnPlan(tuple(kept), tuple(maskers), tuple(header[i] for i in kept))
