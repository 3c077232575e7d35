"""Run harvest jobs: one source by name, or every source that is due. The command line and
the administration pages both call these."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import sessionmaker

from catalog.db import analyze_after_bulk, utcnow
from catalog.errors import NotFound
from catalog.harvest.jobs import expire_dead_jobs, expire_stale_jobs
from catalog.harvest.models import ADDED, ARCHIVED, RESTORED, UPDATED
from catalog.harvest.sources import due_sources, get_source
from harvesters.base import BaseHarvester, HarvestReport, HarvestSettings, Progress, SourceInfo
from harvesters.ckan import CkanHarvester
from harvesters.datapackage import DataPackageHarvester
from harvesters.dcat import DcatHarvester
from harvesters.fetch import Fetcher
from harvesters.spreadsheet import SpreadsheetHarvester

HARVESTERS: dict[str, type[BaseHarvester]] = {
    harvester.kind: harvester
    for harvester in (CkanHarvester, DcatHarvester, SpreadsheetHarvester, DataPackageHarvester)
}


def harvester_for(source: SourceInfo, settings: HarvestSettings) -> BaseHarvester:
    fetcher = Fetcher(settings.limits, allow_local=settings.allow_local)
    return HARVESTERS[source.kind](source, fetcher)


def run_source(
    session_factory: sessionmaker,
    name: str,
    settings: HarvestSettings,
    progress: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> HarvestReport:
    """Run one job of the source called ``name`` (or with that id); the job's report.

    Raises NotFound for an unknown source and JobRunning while another job of it runs."""
    with session_factory() as session:
        source = get_source(session, name)
        if source is None:
            raise NotFound(f"no harvest source {name!r}", code="unknown-source")
        info = SourceInfo.of(source)
    harvester = harvester_for(info, settings)
    try:
        report = harvester.run(session_factory, settings, progress, on_start)
    finally:
        harvester.fetcher.close()
    changed = sum(report.counts.get(name, 0) for name in (ADDED, UPDATED, RESTORED, ARCHIVED))
    analyze_after_bulk(session_factory.kw["bind"], changed)
    return report


def run_due(
    session_factory: sessionmaker,
    settings: HarvestSettings,
    on_report: Callable[[str, HarvestReport], None] | None = None,
) -> list[tuple[str, HarvestReport]]:
    """Run every source whose frequency says it is due (for cron); stale jobs and jobs whose
    owner died are failed first, so that a job that died does not keep its source from
    running."""
    with session_factory() as session, session.begin():
        expire_stale_jobs(session, utcnow(), settings.job_limit)
        expire_dead_jobs(session, utcnow(), settings.lease)
        names = [source.name for source in due_sources(session, utcnow())]
    reports = []
    for name in names:
        report = run_source(session_factory, name, settings)
        reports.append((name, report))
        if on_report is not None:
            on_report(name, report)
    return reports
