"""Who may fetch what. One place for the rule, so later grants extend it here.

Public pages show every published dataset that is not 不予开放. Files of 有条件开放
datasets are only for applicants whose request was granted; until the application workflow
exists, nobody downloads or previews them through the portal.

:func:`public_distribution` is the one answer to "what of this file may the public see":
every output (HTML, CKAN and REST APIs, DCAT, schema.org, datapackage.json, previews,
validation reports) asks it rather than reading ``download_url`` or ``stored_file`` itself.
An open type that is not exactly 无条件开放 (conditional, closed, unknown, missing) fails
closed: no file, no source link to one, no cell value.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Dataset, Distribution

UNCONDITIONAL = "unconditional"


def can_fetch_files(dataset: Dataset) -> bool:
    return dataset.is_public and dataset.open_type == UNCONDITIONAL


@dataclass(frozen=True)
class PublicDistribution:
    """What of one distribution the public may see.

    ``stored_file``: the portal serves its own copy (download, preview, derived files);
    ``download_url`` and ``access_url``: the source's links, or None when withheld;
    ``cell_values``: reports about the file (validation errors) may quote its contents.
    """

    files_open: bool
    stored_file: bool
    download_url: str | None
    access_url: str | None

    @property
    def cell_values(self) -> bool:
        return self.files_open

    @property
    def preview(self) -> bool:
        return self.stored_file


def public_distribution(dataset: Dataset, distribution: Distribution) -> PublicDistribution:
    """The public view of ``distribution`` of ``dataset``: everything for a file of an
    unconditionally open dataset, none of its links or contents otherwise."""
    if not can_fetch_files(dataset):
        return PublicDistribution(False, False, None, None)
    return PublicDistribution(
        True, bool(distribution.stored_file), distribution.download_url, distribution.access_url
    )


def cell_values_public(dataset: Dataset) -> bool:
    """Whether reports about the dataset's files may quote cell values and row contents."""
    return can_fetch_files(dataset)
