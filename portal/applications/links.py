"""Short-lived signed download links of a grant's files (itsdangerous, the app's SECRET_KEY).

A link names a grant, one of its files and the account it was issued to, and is good for
:data:`LINK_SECONDS`. Its signature only says the portal issued it: every use asks
:func:`catalog.access.active_grant` again (through the delivery), so an expiry or a
revocation acts at once, and the link's account must be the person signed in.

``at`` (seconds since the epoch) signs or checks as at another time: tests sign links in the
past instead of waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

LINK_SECONDS = 600  # ten minutes
SALT = "gxdata-grant-download-link"


class LinkExpired(Exception):
    """A genuine link, older than :data:`LINK_SECONDS`."""


class LinkInvalid(Exception):
    """Not a link the portal issued for this file (tampered, or of another file)."""


@dataclass(frozen=True)
class LinkClaim:
    grant_id: str
    distribution_id: str
    user_id: int


class _SignerAt(TimestampSigner):
    def __init__(self, *args: Any, at: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.at = at

    def get_timestamp(self) -> int:
        return super().get_timestamp() if self.at is None else self.at


def _serializer(secret: str, at: float | None) -> URLSafeTimedSerializer:
    moment = None if at is None else int(at)
    return URLSafeTimedSerializer(secret, salt=SALT, signer=_SignerAt, signer_kwargs={"at": moment})


def sign(secret: str, claim: LinkClaim, at: float | None = None) -> str:
    """The token of a link for ``claim`` (issued now, or at ``at``)."""
    payload = {"g": claim.grant_id, "d": claim.distribution_id, "u": claim.user_id}
    return str(_serializer(secret, at).dumps(payload))


def check(
    secret: str, token: str, grant_id: str, distribution_id: str, at: float | None = None
) -> LinkClaim:
    """The claim of a link to ``distribution_id`` of ``grant_id``; ``LinkExpired`` when it is
    too old, ``LinkInvalid`` when it is not the portal's link for that file."""
    try:
        payload = _serializer(secret, at).loads(token[:1000], max_age=LINK_SECONDS)
    except SignatureExpired as error:
        raise LinkExpired("the link is older than ten minutes") from error
    except BadSignature as error:
        raise LinkInvalid("not a link of the portal") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise LinkInvalid("not a link of the portal")
    if payload.get("g") != grant_id or payload.get("d") != distribution_id:
        raise LinkInvalid("a link of another file")
    return LinkClaim(grant_id, distribution_id, payload["u"])
