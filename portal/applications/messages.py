"""The applicant pages' words for application states, events, the domain's error codes and
the answers and refusals of verification questions."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.errors import CatalogError
from catalog.verification import MATCH, MAX_VALUE, NO_MATCH


def state_label(state: str) -> str:
    labels = {
        "draft": _("Draft"),
        "submitted": _("Submitted"),
        "under_review": _("Under review"),
        "more_info_requested": _("More information requested"),
        "resubmitted": _("Resubmitted"),
        "approved": _("Approved"),
        "rejected": _("Application rejected"),
        "grant_active": _("Granted: in use"),
        "expired": _("Period of use ended"),
        "revoked": _("Grant revoked"),
        "closed": _("Closed"),
        "withdrawn": _("Withdrawn"),
    }
    return labels.get(state, state)


def event_label(event: str) -> str:
    labels = {
        "submit": _("Submitted"),
        "start_review": _("Review started"),
        "request_info": _("More information requested"),
        "resubmit": _("Resubmitted"),
        "approve": _("Approved"),
        "reject": _("Application rejected"),
        "activate": _("Grant made"),
        "expire": _("Period of use ended"),
        "revoke": _("Grant revoked"),
        "close": _("Grant closed"),
        "withdraw": _("Withdrawn"),
    }
    return labels.get(event, event)


def role_label(role: str) -> str:
    return {
        "applicant": _("Applicant"),
        "reviewer": _("Reviewer"),
        "admin": _("Platform administrator"),
        "system": _("The portal"),
    }.get(role, role)


def error_message(error: CatalogError) -> str:
    messages = {
        "not-conditional": _("This dataset does not take applications."),
        "applicant-kind-refused": _("The conditions do not admit your kind of account."),
        "missing-purpose": _("State the purpose."),
        "missing-scenario": _("State the application scenario."),
        "missing-distribution": _("Pick at least one file."),
        "unknown-distribution": _("Pick files of this dataset."),
        "unknown-field": _("Pick fields the conditions provide."),
        "missing-commitment": _("Commit to every security requirement."),
        "unknown-commitment": _("Commit to the security requirements listed."),
        "missing-attachment": _("Attach the materials the conditions ask for."),
        "attachment-type": _("An attachment is a PDF, PNG or JPEG file."),
        "file-too-large": _("The attachment is too large."),
        "too-many-attachments": _("An application has at most 20 attachments."),
        "missing-file-name": _("The file needs a name."),
        "invalid-period": _("The period of use is beyond what the conditions allow."),
        "purpose-too-long": _("At most 2000 characters."),
        "scenario-too-long": _("At most 2000 characters."),
        "text-too-long": _("At most 2000 characters."),
        "not-editable": _("The application can no longer be changed."),
        "impossible-transition": _("That is not possible in the application's present state."),
        "not-permitted": _("That is not possible in the application's present state."),
        "missing-reason": _("Give a reason."),
        "reason-too-long": _("At most 2000 characters."),
        "missing-what-built": _("Say what you built with the data."),
        "missing-results": _("Say what the results were."),
        "grant-not-active": _("The grant is no longer active."),
        "missing-final-report": _("File a final usage report before closing the grant."),
        "not-deliverable": _("Only stored CSV, XLSX and JSON files are delivered."),
        "no-granted-fields": _("The grant names no field to deliver."),
        "no-active-grant": _("No active grant of yours covers this file."),
    }
    return messages.get(error.code, _("The value is not valid."))


def verification_message(error: CatalogError) -> str:
    """A refused verification question in words, from its code only (its text may name a
    field, never shown)."""
    messages = {
        "no-active-grant": _("No active grant of yours covers this file."),
        "wrong-channel": _("This dataset opens no verification interface."),
        "no-verify-fields": _("The conditions state no field to verify."),
        "empty-question": _("Fill in every field: a question names all of them."),
        "missing-verify-field": _("Fill in every field: a question names all of them."),
        "field-not-verifiable": _(
            "Only fields the conditions list for verification, and your grant covers, may be "
            "asked: this grant does not cover them all."
        ),
        "invalid-verify-value": _(
            "Each value is a text of 1 to %(characters)s characters.",
            characters=MAX_VALUE,
        ),
        "not-verifiable": _("The file has no column for a field to verify; ask the provider."),
        "not-readable-by-row": _("Only stored CSV and XLSX files can be verified."),
        "file-too-large": _("The file is too large to be verified."),
    }
    return messages.get(error.code, _("The file cannot be read to answer the question."))


def answer_label(answer: str) -> str:
    """A verification answer (``match`` / ``no match``) in words."""
    return {MATCH: _("match"), NO_MATCH: _("no match")}.get(answer, answer)


def answer_meaning(answer: str) -> str:
    return {
        MATCH: _("A record holds every value given."),
        NO_MATCH: _("No record holds every value given."),
    }.get(answer, "")
