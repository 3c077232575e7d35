"""The loop's words: kinds, states, events, roles, and the refusals in the user's language."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.errors import CatalogError


def kind_label(kind: str) -> str:
    return {
        "wrong_values": _("Wrong values"),
        "out_of_date": _("Out of date"),
        "broken_link": _("Broken link"),
        "missing_fields": _("Missing fields"),
        "privacy": _("Privacy concern"),
        "other": _("Other problem"),
    }.get(kind, kind)


def state_label(state: str) -> str:
    return {
        "reported": _("Reported"),
        "accepted": _("Accepted"),
        "rejected": _("Not accepted"),
        "correcting": _("Being corrected"),
        "published": _("Correction published"),
        "confirmed": _("Confirmed fixed"),
        "closed": _("Closed"),
    }.get(state, state)


def event_label(event: str) -> str:
    return {
        "report": _("Problem reported"),
        "accept": _("Accepted by the department"),
        "reject": _("Not accepted by the department"),
        "extend": _("Time limit extended"),
        "start_correction": _("Correction started"),
        "publish": _("Correction published"),
        "confirm": _("Confirmed by the reporter"),
        "reopen": _("Reported as not fixed"),
        "close": _("Closed automatically"),
    }.get(event, event)


def action_label(event: str) -> str:
    return {
        "accept": _("Accept"),
        "reject": _("Reject"),
        "extend": _("Extend to 10 working days"),
        "start_correction": _("Start the correction"),
        "publish": _("Publish the correction"),
    }.get(event, event)


def role_label(role: str) -> str:
    return {
        "reporter": _("Reporter"),
        "department": _("Department"),
        "system": _("The portal"),
    }.get(role, role)


def error_message(error: CatalogError | str) -> str:
    code = error if isinstance(error, str) else error.code
    messages = {
        "unknown-kind": _("Choose the kind of problem."),
        "description-too-short": _("Describe the problem in a few words (at least 5 characters)."),
        "description-too-long": _("The description is too long (at most 2000 characters)."),
        "too-many-links": _("The description holds too many links (at most 2)."),
        "bad-contact": _("The contact is not an e-mail address."),
        "unknown-file": _("That file is not one of this dataset's."),
        "cell-ref-too-long": _("The row or column is too long."),
        "bad-stamp": _("The form could not be checked. Please send it again."),
        "too-fast": _("The form was sent too quickly. Please check it and send it again."),
        "expired": _("The form has expired. Please send it again."),
        "honeypot": _("The report was not accepted."),
        "rate-limited": _("Too many reports from your network. Please wait and try again later."),
        "impossible-transition": _("That step is not possible in the report's present state."),
        "not-permitted": _("You may not take that step."),
        "missing-reason": _("Give a reason (for a correction: the feedback to the reporter)."),
        "note-too-long": _("The text is too long (at most 2000 characters)."),
        "already-extended": _("The time limit was already extended once."),
        "limit-passed": _("The time limit has passed: it can no longer be extended."),
        "bad-token": _("This link does not belong to the report."),
        "forbidden": _("You may not act on this report."),
        "calendar-unknown": _("The official working-day calendar is not known for that year."),
    }
    return messages.get(code, _("The request could not be completed."))
