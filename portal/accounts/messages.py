"""The account pages' words for the domain's error codes (one place), in the user's language."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.errors import CatalogError


def error_message(error: CatalogError) -> str:
    messages = {
        "invalid-email": _("Enter a valid e-mail address."),
        "invalid-mobile": _("Enter a valid mainland China mobile number."),
        "invalid-id-number": _("The resident ID number is not valid (check its last character)."),
        "invalid-credit-code": _("The unified social credit code is not valid."),
        "invalid-display-name": _("Enter a display name of at most 100 characters."),
        "invalid-real-name": _("Enter your real name."),
        "invalid-organization-name": _("Enter the organization's name."),
        "missing-department": _("Pick your department."),
        "unknown-account-kind": _("Pick a kind of account."),
        "weak-password": _(
            "The password needs at least 8 characters of two kinds "
            "(lower case, upper case, digits, other signs)."
        ),
        "weak-staff-password": _(
            "Staff passwords need at least 10 characters of three kinds "
            "(lower case, upper case, digits, other signs)."
        ),
        "password-too-long": _("The password is too long."),
        "same-password": _("The new password must differ from the current one."),
        "wrong-password": _("The current password is wrong."),
        "invalid-token-name": _("Give the token a name of at most 100 characters."),
        "unknown-scope": _("Pick a scope."),
        "invalid-token-days": _("A token lasts from 1 to 366 days."),
    }
    return messages.get(error.code, _("The value is not valid."))


def kind_label(kind: str) -> str:
    labels = {
        "individual": _("Individual"),
        "enterprise": _("Enterprise"),
        "institution": _("Public institution"),
        "government": _("Government body"),
    }
    return labels.get(kind, kind)


def role_label(role: str) -> str:
    labels = {
        "applicant": _("Applicant"),
        "publisher": _("Department publisher"),
        "reviewer": _("Department reviewer"),
        "admin": _("Platform administrator"),
        "auditor": _("Auditor"),
    }
    return labels.get(role, role)


def scope_label(scope: str) -> str:
    return {
        "read": _("Read only"),
        "publish": _("Read and publish"),
        "conditional": _("Read and download granted conditional data"),
    }.get(scope, scope)
