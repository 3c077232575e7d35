"""Citations of one version of a dataset: the same formats as :mod:`exports.citations`, of the
dataset as that version recorded it.

The version is the portal's version number; the persistent URL the version's page
(:func:`catalog.uris.version_page`, by the dataset's id); the date of the cited state the day
the version was recorded (Beijing time). The creator is the providing department the snapshot
names (its English name when it is still the dataset's department).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from catalog import uris
from catalog.beijing import beijing
from catalog.models import Dataset
from exports.citations import PUBLISHER, PUBLISHER_EN, Citable


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return beijing(moment).date()


def version_citable(
    dataset: Dataset,
    number: int,
    recorded: datetime,
    snapshot: dict[str, Any],
    base_url: str,
    accessed: date,
) -> Citable:
    """The citable facts of version ``number`` of a public ``dataset``."""
    fields = snapshot.get("fields") or {}
    department = dataset.department
    creator = fields.get("department") or PUBLISHER
    if department is not None and department.name == creator:
        creator_en = department.name_en
    else:
        creator_en = None if fields.get("department") else PUBLISHER_EN
    contact = " · ".join(
        str(fields[k]) for k in ("contact_name", "contact_phone", "contact_email") if fields.get(k)
    )
    return Citable(
        key=f"gxdata-{dataset.id}-v{number}",
        title=str(fields.get("title") or dataset.title),
        creator=str(creator),
        version=str(number),
        published=beijing(recorded).date(),
        url=uris.dataset_version_uri(base_url, dataset.id, number),
        accessed=accessed,
        title_en=fields.get("title_en") or None,
        creator_en=creator_en,
        contact=contact or None,
        identifier=fields.get("identifier") or None,
        issued=_day(fields.get("issued")),
        description=fields.get("description") or None,
    )
