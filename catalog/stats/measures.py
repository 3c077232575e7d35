"""The registry of the quarterly measures: one row per figure the plan asks for.

A measure's provider is a function ``(session, quarter) -> {department_id: number}`` (the key
``None`` for what belongs to no department, such as an API search); a measure whose provider is
``None`` is declared but not measured yet: the pages show "—" and the exports leave it out.
``combine`` says how departments add up to a city and to the whole platform: ``sum`` for
counts, ``mean:datasets`` for a share or an index (the mean weighted by the datasets counted).

Reuses, problem reports and data requests are measured by their own features, through
:mod:`catalog.stats.feature_providers` (:func:`from_period_figures` adapts a feature's
``(session, start, end)`` function returning ``{department_id: {figure: number}}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from catalog.stats import feature_providers as features
from catalog.stats import providers
from catalog.stats.quarters import Quarter

Provider = Callable[[Session, Quarter], Mapping[int | None, float]]

COUNT = "count"  # a number of things
RATIO = "ratio"  # a share, 0–1
PERCENT = "percent"  # an index, 0–100
SUM = "sum"
MEAN_BY_DATASETS = "mean:datasets"


@dataclass(frozen=True)
class Measure:
    code: str  # stable snake_case, the column of the CSV and the cube's measure property
    label_zh: str
    label_en: str
    unit: str  # COUNT, RATIO or PERCENT
    group: str  # the page's section: catalog, use, applications, reuses, problems, requests
    provider: Provider | None
    combine: str = SUM

    @property
    def measured(self) -> bool:
        return self.provider is not None

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh

    def describe(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "unit": self.unit,
            "group": self.group,
            "measured": self.measured,
            "combine": self.combine,
        }


def from_period_figures(
    function: Callable[[Session, Any, Any], Mapping[int | None, Mapping[str, float]]], key: str
) -> Provider:
    """A provider from a feature's ``function(session, start, end)`` giving each department's
    figures as a dictionary (``{department_id: {"received": 3, …}}``): the figure ``key``."""

    def provider(session: Session, quarter: Quarter) -> Mapping[int | None, float]:
        figures = function(session, quarter.start, quarter.end)
        return {department: values.get(key, 0) for department, values in figures.items()}

    return provider


_M = Measure
MEASURES: tuple[Measure, ...] = (
    _M("datasets", "数据集", "Datasets", COUNT, "catalog", providers.datasets),
    _M("files", "数据文件", "Files", COUNT, "catalog", providers.files),
    _M("records", "数据量（条）", "Records", COUNT, "catalog", providers.records),
    _M("machine_readable_ratio", "可机读比例", "Machine-readable share", RATIO, "catalog",
       providers.machine_readable_ratio, MEAN_BY_DATASETS),
    _M("non_proprietary_ratio", "开放格式比例", "Non-proprietary share", RATIO, "catalog",
       providers.non_proprietary_ratio, MEAN_BY_DATASETS),
    _M("rdf_ratio", "RDF 比例", "RDF share", RATIO, "catalog", providers.rdf_ratio,
       MEAN_BY_DATASETS),
    _M("quality_index", "数据质量指数", "Data quality index", PERCENT, "catalog",
       providers.quality_index, MEAN_BY_DATASETS),
    _M("downloads", "下载次数", "Downloads", COUNT, "use", providers.downloads),
    _M("api_calls", "接口调用次数", "API calls", COUNT, "use", providers.api_calls),
    _M("page_views", "浏览次数", "Page views", COUNT, "use", providers.page_views),
    _M("applications_made", "有条件开放申请", "Applications made", COUNT, "applications",
       providers.applications_made),
    _M("applications_approved", "申请通过", "Applications approved", COUNT, "applications",
       providers.applications_approved),
    _M("applications_rejected", "申请未通过", "Applications rejected", COUNT, "applications",
       providers.applications_rejected),
    _M("applications_overdue", "申请超期未答复", "Applications overdue", COUNT, "applications",
       providers.applications_overdue),
    # measured by the features that own them (catalog/stats/feature_providers.py)
    _M("reuses", "开发利用成果", "Reuses", COUNT, "reuses", features.reuses),
    _M("problems_received", "问题反馈", "Problem reports received", COUNT, "problems",
       from_period_figures(features.problem_figures, "received")),
    _M("problems_fixed", "问题已纠错", "Problem reports fixed", COUNT, "problems",
       from_period_figures(features.problem_figures, "fixed")),
    _M("problems_overdue", "问题超期未答复", "Problem reports overdue", COUNT, "problems",
       from_period_figures(features.problem_figures, "overdue")),
    _M("data_requests", "数据需求", "Data requests routed", COUNT, "requests",
       from_period_figures(features.data_request_figures, "received")),
    _M("data_requests_answered", "数据需求已答复", "Data requests answered", COUNT, "requests",
       from_period_figures(features.data_request_figures, "answered")),
)  # fmt: skip

BY_CODE: dict[str, Measure] = {m.code: m for m in MEASURES}


def with_providers(
    measures: Sequence[Measure], providers_: Mapping[str, Provider | None]
) -> tuple[Measure, ...]:
    """The same table with some providers replaced (a test, or a feature wired in)."""
    unknown = set(providers_) - {m.code for m in measures}
    if unknown:
        raise KeyError(f"no measure {sorted(unknown)}")
    return tuple(
        replace(m, provider=providers_[m.code]) if m.code in providers_ else m for m in measures
    )
