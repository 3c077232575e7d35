"""What the conditions' codes (catalog/conditions.py) say to people, in their language."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.conditions import GENERALIZE, KEEP_ENDS, ProvidedField


def field_mask_label(provided: ProvidedField) -> str:
    """How a provided field is masked, with the mask's parameters."""
    label = mask_label(provided.mask)
    if provided.mask == KEEP_ENDS:
        first, last = provided.kept
        return label + _("(first %(first)s, last %(last)s characters kept)", first=first, last=last)
    if provided.mask == GENERALIZE:
        to = _("(to the year)") if provided.to == "year" else _("(to the county)")
        return _("Masked: generalized") + to
    return label


def mask_label(rule: str | None) -> str:
    labels = {
        None: _("Provided in clear"),
        "keep-ends": _("Masked: only the first and last characters kept"),
        "pseudonym": _("Masked: replaced by a pseudonym"),
        "generalize": _("Masked: generalized (year, county)"),
        "drop": _("Not provided (dropped)"),
    }
    return labels.get(rule, _("Masked"))


def error_message(code: str) -> str:
    """The message for the code of an InvalidValue from :func:`catalog.conditions.parse`."""
    what = code.removeprefix("invalid-conditions-")
    messages = {
        "applicant-kind": _("Pick applicant kinds from the list."),
        "delivery-channel": _("Pick a delivery channel from the list."),
        "period-days": _("The period of use is a number of days from 1 to 3660."),
        "review-days": _("The review time limit is a number of working days from 1 to 3660."),
        "report-interval-days": _("The report interval is a number of days from 1 to 3660."),
        "mask-rule": _("A masking rule is one of keep-ends, pseudonym, generalize or drop."),
        "field-name": _("Each provided field needs a name."),
        "verify-fields": _(
            "Fields that may be verified are provided fields, for the verification channel only."
        ),
        "rate-per-minute": _(
            "The call rate is a number of calls a minute from 1 to 100000, for the API, "
            "verification and sandbox channels only."
        ),
        "sandbox-k": _(
            "The sandbox threshold k is a number from 2 to 1000, for the sandbox channel only."
        ),
        "mask-parameter": _(
            "keep-ends takes the numbers of characters kept at the start and at the end "
            "(“name: keep-ends 3 4”); generalize takes year or county."
        ),
    }
    return messages.get(what, _("Each item is at most 500 characters, at most 50 items."))
