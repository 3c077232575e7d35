"""Who may fetch what. One place for the rule, so later grants extend it here.

Public pages show every published dataset that is not 不予开放. Files of 有条件开放
datasets are only for applicants whose request was granted; until the application workflow
exists, nobody downloads or previews them through the portal.
"""

from __future__ import annotations

from catalog.models import Dataset

UNCONDITIONAL = "unconditional"


def can_fetch_files(dataset: Dataset) -> bool:
    return dataset.is_public and dataset.open_type == UNCONDITIONAL
