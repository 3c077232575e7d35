"""What the reviewer's and administrator's pages of applications say: states, events, the
identifiers shown and the services' refusals, in the user's language."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.errors import CatalogError
from portal.accounts.messages import kind_label, role_label
from portal.applications.messages import event_label, state_label

__all__ = ["action_label", "error_message", "event_label", "identifier_label", "kind_label",
           "role_label", "state_label"]  # fmt: skip


def action_label(event: str) -> str:
    """The button taking an event (the history says what was done: ``event_label``)."""
    return {
        "submit": _("Submit"),
        "start_review": _("Start the review"),
        "request_info": _("Request more information"),
        "resubmit": _("Resubmit"),
        "approve": _("Approve"),
        "reject": _("Reject"),
        "activate": _("Grant made"),
        "expire": _("Grant expired"),
        "revoke": _("Revoke the grant"),
        "close": _("Close the grant"),
        "withdraw": _("Withdraw"),
    }.get(event, event)


def identifier_label(kind: str) -> str:
    return {
        "name": _("Real name"),
        "id-number": _("Resident ID number"),
        "organization": _("Organization"),
        "credit-code": _("Unified social credit code"),
        "department": _("Department"),
    }.get(kind, kind)


def error_message(error: CatalogError) -> str:
    """A refusal of the services, said plainly; never the exception's text."""
    return {
        "missing-reason": _("Please give a reason: the applicant is told it."),
        "reason-too-long": _("The reason is too long (at most 2000 characters)."),
        "impossible-transition": _("This cannot be done in the application's present state."),
        "not-permitted": _("You may not do this to this application."),
        "forbidden": _("You may not do this to this application."),
        "missing-period": _("Neither the application nor the conditions state a period of use."),
        "not-conditional": _("The dataset no longer takes applications."),
        "unknown-state": _("Pick a state from the list."),
        "not-found": _("Not found."),
    }.get(error.code, _("This was refused."))
