"""Conditions of conditional datasets (catalog/conditions.py) on the portal: labels and the
template helpers the dataset page and the publishing editor use."""

from __future__ import annotations

from flask import Flask

from catalog import conditions
from portal.accounts.messages import kind_label
from portal.conditions.messages import field_mask_label


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        stated_conditions=conditions.stated,
        applicant_kind_label=kind_label,
        field_mask_label=field_mask_label,
    )
