"""The data requests' codes in the reader's language: states, answers, reasons to close,
steps of the history and the reasons an act is refused."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.errors import CatalogError


def state_label(state: str) -> str:
    labels = {
        "open": _("Waiting to be routed"),
        "routed": _("Routed to a department"),
        "answered": _("Answered"),
        "closed": _("Closed"),
    }
    return labels.get(state, state)


def answer_label(kind: str | None) -> str:
    labels = {
        "planned": _("Will be published"),
        "elsewhere": _("Already available elsewhere"),
        "refused": _("Cannot be opened"),
        "published": _("Now open in the catalog"),
    }
    return labels.get(kind or "", kind or "")


def close_label(reason: str | None) -> str:
    labels = {"duplicate": _("Duplicate request"), "off-topic": _("Not a request for data")}
    return labels.get(reason or "", reason or "")


def event_label(event: str) -> str:
    labels = {
        "create": _("Request made"),
        "route": _("Routed"),
        "close": _("Closed"),
        "answer": _("Answered"),
    }
    return labels.get(event, event)


def role_label(role: str) -> str:
    labels = {
        "applicant": _("Requester"),
        "admin": _("Administrator"),
        "publisher": _("Department publisher"),
        "reviewer": _("Department reviewer"),
    }
    return labels.get(role, role)


def sort_label(sort: str) -> str:
    return {"support": _("Most supported"), "newest": _("Newest")}.get(sort, sort)


def error_message(error: CatalogError) -> str:
    field = error.field or ""
    if error.code == "missing":
        missing = {
            "title": _("Say what data you are asking for."),
            "description": _("Describe the data you need."),
            "purpose": _("Say what you will use the data for."),
            "text": _("Give a reason."),
        }
        return missing.get(field, _("This field is needed."))
    messages = {
        "too-long": _("This text is too long."),
        "unknown-department": _("Pick a department from the list."),
        "request-closed": _("This request is closed and cannot be supported."),
        "wrong-state": _("This request cannot take that step now."),
        "unknown-reason": _("Pick a reason to close the request."),
        "unknown-answer": _("Pick one of the answers."),
        "missing-date": _("Give the date by which the data will be published."),
        "past-date": _("The date of publication cannot be in the past."),
        "missing-link": _("Give the web address where the data is, or a dataset of the catalog."),
        "bad-url": _("The web address must start with http:// or https://."),
        "missing-reason": _("Say why the data cannot be opened."),
        "missing-dataset": _("Name the dataset of the catalog that was published."),
        "unknown-dataset": _("No public dataset of the catalog has that identifier."),
        "forbidden": _("You may not take this step."),
        "too-many": _("You have made many requests today. Please try again tomorrow."),
    }
    return messages.get(error.code, _("The request could not be saved."))
