"""Verification questions asked from the applicant's application page (channel
``verification``, 核验接口).

Under an active grant of a dataset whose conditions state the channel, the page shows one form
per granted file, an input per ``verify_fields`` name (:func:`question_form`). A question
posted (:func:`ask`) is:

- the person's own application only (another's is not told apart from none: 404), its CSRF
  token checked (400 without), a file the grant names (404 otherwise);
- counted as the API counts it (:func:`portal.accounts.limits.spend_call`, scope ``verify``,
  per grant, at the conditions' rate), so the page and ``POST /api/v1/grants/…/verify`` spend
  one budget: a call is counted once it reaches an active grant of the channel, whatever it
  asks; past the rate the page says how many seconds to wait (429 with ``Retry-After``);
- answered by :func:`catalog.verification.verify`, which checks the fields and the values and
  logs the question (field names and answer only), shown as 匹配 / 不匹配 beside the form;
- never echoed: the page comes back with the inputs empty, and a refusal is said from its
  code, never from its text, so no value typed or stored reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from catalog import conditions, verification
from catalog.applications.delivery import NotGranted
from catalog.applications.models import Grant
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.errors import CatalogError
from catalog.models import Dataset
from catalog.permissions import Actor
from portal.accounts.limits import spend_call
from portal.applications import messages
from portal.applications.delivering import granted_file
from portal.applications.forms import VerificationForm, verification_form
from portal.db import get_session, services


@dataclass(frozen=True)
class Asked:
    """What one question came to, for the page: an answer or a refusal in words."""

    distribution_id: str
    answer: str | None = None  # verification.MATCH or verification.NO_MATCH
    refusal: str | None = None
    status: int = 200
    retry_after: int | None = None  # seconds, past the rate


def _verifying(dataset: Dataset) -> conditions.Conditions | None:
    """The dataset's conditions when they state the verification channel."""
    stated = conditions.of(dataset.conditions)
    if stated is None or stated.delivery_channel != conditions.VERIFICATION:
        return None
    return stated


def question_form(dataset: Dataset, **kwargs: Any) -> VerificationForm | None:
    """The question form of ``dataset`` (bound to the request unless ``formdata=None``), an
    input per ``verify_fields`` name, or None when it opens no verification interface."""
    stated = _verifying(dataset)
    return None if stated is None else verification_form(stated.verify_fields, **kwargs)


def call_rate(dataset: Dataset) -> int:
    """Questions a minute per grant (the page says it beside the form)."""
    stated = _verifying(dataset)
    return stated.call_rate if stated is not None else conditions.DEFAULT_RATE_PER_MINUTE


def ask(
    actor: Actor, grant: Grant, distribution_id: str, question: dict[str, str], origin: Origin
) -> Asked:
    """Count and answer one question of the file under ``grant``; committed when answered,
    rolled back when refused."""
    session, now = get_session(), utcnow()
    try:
        dataset, distribution = granted_file(session, actor, grant.id, distribution_id)
        active, stated = verification.verification_grant(session, actor, dataset, distribution,
                                                         now)  # fmt: skip
        wait = spend_call("verify", active.id, stated.call_rate)
        if wait is not None:
            session.rollback()
            text = _("Too many questions under this grant: at most %(calls)s a minute. "
                     "Try again in %(seconds)s seconds.",
                     calls=stated.call_rate, seconds=wait)  # fmt: skip
            return Asked(distribution_id, refusal=text, status=429, retry_after=wait)
        answer = verification.verify(session, actor, dataset, distribution, question, now,
                                     services().files, origin)  # fmt: skip
        session.commit()
    except CatalogError as error:
        session.rollback()
        status = 403 if isinstance(error, NotGranted) else 422
        return Asked(distribution_id, refusal=messages.verification_message(error), status=status)
    return Asked(distribution_id, answer=answer.answer)
