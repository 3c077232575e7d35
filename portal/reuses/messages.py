"""The words of the reuse pages: a refusal code of :mod:`catalog.reuses` in the reader's
language, and the labels of kinds and states."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from catalog.reuses.images import MAX_IMAGE_BYTES


def refusal_message(code: str | None) -> str:
    """Why a reuse or a decision was refused, in words (an unknown code gets a plain one)."""
    messages = {
        "forbidden": _("You may not do this."),
        "not-found": _("There is no such reuse."),
        "missing-title": _("Give the reuse a title."),
        "missing-team": _("Name the team or the author."),
        "too-long": _("A field is too long."),
        "bad-kind": _("Choose the kind of reuse."),
        "bad-url": _("The address must start with http:// or https://."),
        "no-dataset": _("Name at least one dataset of the catalog that the reuse uses."),
        "too-many-datasets": _("A reuse may name at most 20 datasets."),
        "unknown-dataset": _(
            "A dataset named is not in the public catalog: use its identifier or its short "
            "name from its address, or search for it below."
        ),
        "bad-version": _("A version is a whole number of 1 or more."),
        "unknown-version": _("The dataset has no such version: see its list of versions."),
        "unknown-competition": _("There is no such competition."),
        "missing-competition": _("A competition entry names its competition."),
        "unknown-round": _("That round is not one of the competition's."),
        "unknown-award": _("That award is not one of the competition's."),
        "not-pending": _("This reuse was decided already."),
        "not-withdrawable": _("This reuse cannot be withdrawn in its state."),
        "missing-reason": _("Give the reason for the rejection."),
        "bad-slug": _("The short name may use lower-case letters, digits and hyphens."),
        "slug-taken": _("That short name is taken."),
        "image-too-large": _(
            "The image is larger than %(mb)s MB.", mb=MAX_IMAGE_BYTES // (1024 * 1024)
        ),
        "image-type": _(
            "The file is not a PNG, JPEG, GIF or WebP image (its content was checked, not "
            "its name)."
        ),
        "image-bomb": _("The image has too many pixels (at most 25 million)."),
        "image-too-large-stored": _(
            "The image is too large once converted (at most 4 MB): send a smaller picture or "
            "a JPEG."
        ),
        "too-many-pending": _(
            "You have 5 reuses waiting for approval: please wait for their review before "
            "registering more."
        ),
        "image-unreadable": _("The image is damaged or cannot be read."),
    }
    return messages.get(code or "", _("The request was refused."))


def kind_label(kind: str) -> str:
    labels = {
        "application": pgettext("reuse", "Application"),
        "analysis": pgettext("reuse", "Analysis"),
        "visualization": pgettext("reuse", "Visualization"),
        "paper": pgettext("reuse", "Paper"),
        "news": pgettext("reuse", "News article"),
        "competition": pgettext("reuse", "Competition entry"),
    }
    return labels.get(kind, kind)


def state_label(state: str) -> str:
    labels = {
        "pending": pgettext("reuse", "Waiting for approval"),
        "approved": pgettext("reuse", "Public"),
        "rejected": pgettext("reuse", "Rejected"),
        "withdrawn": pgettext("reuse", "Withdrawn"),
    }
    return labels.get(state, state)
