"""What the editor says: dataset states and the catalog's error codes, in the user's language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.conditions.messages import error_message as conditions_message

STATES = {
    "draft": _l("Draft"),
    "pending": _l("Waiting for review"),
    "published": _l("Published"),
    "withdrawn": _l("Withdrawn"),
    "archived": _l("Archived (gone from its source)"),
}

ERRORS = {
    "missing-title": _l("Please give a title."),
    "too-long": _l("This text is too long."),
    "invalid-date": _l("Please give a date as YYYY-MM-DD."),
    "invalid-number": _l("Please give a whole number."),
    "invalid-email": _l("This is not an e-mail address."),
    "invalid-url": _l("An address must begin with http:// or https://."),
    "invalid-extras": _l("Write one “name = value” on each line."),
    "unknown-department": _l("Please choose one of your departments."),
    "unknown-licence": _l("Please choose a licence from the list."),
    "missing-access-conditions": _l("Conditional data needs its conditions."),
    "missing-url": _l("Please give the address of the file or of a page giving access."),
    "missing-file-name": _l("Please choose a file."),
    "content-not-format": _l("The file's content is not what its name says."),
    "unknown-file-type": _l("The portal does not take files of this type."),
    "file-too-large": _l("The file is larger than %(size)s."),
    "forbidden": _l("You may not do this for this department."),
    "harvested-read-only": _l("A harvested dataset is edited at its source."),
    "not-pending": _l("The dataset is not waiting for review."),
    "not-editable": _l("This dataset cannot be changed."),
    "not-found": _l("Not found."),
}
UNKNOWN_CONTROLLED = _l("Please choose a value from the list.")
FALLBACK = _l("This value is not accepted.")


def state_label(state: str) -> str:
    return str(STATES.get(state, state))


def error_message(code: str, **values: Any) -> str:
    if code.startswith("invalid-conditions-"):
        return conditions_message(code)
    if code.startswith("unknown-") and code not in ERRORS:
        return str(UNKNOWN_CONTROLLED)  # a controlled field's value not in its vocabulary
    message = ERRORS.get(code)
    if message is None:
        return str(FALLBACK)
    return str(message) % values if values else str(message)
