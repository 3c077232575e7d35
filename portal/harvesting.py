"""The portal's handle on harvesting: settings from the configuration, and jobs started from
a page, which run in a thread of the server while the page shows their progress."""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask

from catalog.errors import CatalogError
from harvesters.base import HarvestSettings
from harvesters.fetch import FetchLimits
from harvesters.run import run_source

START_WAIT = 30.0  # seconds a page waits for the job's row


def harvest_settings(
    config: Mapping[str, Any], allow_local: bool = False, full: bool = False
) -> HarvestSettings:
    """Settings from the ``HARVEST_*`` keys (``GXDATA_HARVEST_*`` in the environment)."""
    return HarvestSettings(
        limits=FetchLimits(
            max_bytes=config["HARVEST_MAX_BYTES"], timeout=config["HARVEST_TIMEOUT"]
        ),
        job_limit=timedelta(minutes=config["HARVEST_JOB_MINUTES"]),
        grace=timedelta(days=config["HARVEST_GRACE_DAYS"]),
        batch_size=config["HARVEST_BATCH_SIZE"],
        keep_jobs=config["HARVEST_KEEP_JOBS"],
        lease=timedelta(seconds=config["HARVEST_LEASE_SECONDS"]),
        allow_local=allow_local,
        full=full,
    )


def start_in_background(app: Flask, name: str, full: bool = False) -> int:
    """Start a job of the source ``name`` in a thread; its id once the job exists.

    Raises what refuses the job (NotFound, JobRunning) in the caller's thread, and a
    CatalogError ``job-not-started`` when its row is not written within START_WAIT. A web page
    never reads local files: a source added on the command line with a path runs there."""
    factory = app.extensions["gxdata"].session_factory
    settings = harvest_settings(app.config, allow_local=False, full=full)
    started: queue.Queue[int | BaseException] = queue.Queue(maxsize=1)

    def tell(result: int | BaseException) -> None:
        try:
            started.put_nowait(result)
        except queue.Full:
            pass

    def work() -> None:
        try:
            run_source(factory, name, settings, on_start=tell)
        except BaseException as error:  # refused before the job started
            tell(error)

    threading.Thread(target=work, name=f"harvest-{name}", daemon=True).start()
    try:
        result = started.get(timeout=START_WAIT)
    except queue.Empty:  # the database is busy: say so rather than fail the page
        raise CatalogError(
            f"the job did not start within {START_WAIT:g} s", code="job-not-started"
        ) from None
    if isinstance(result, BaseException):
        raise result
    return result
