"""The quality work in the portal: the job trigger, the figures cache, the background worker.

``init_app`` is called by ``create_app``: it attaches :class:`~catalog.quality.jobs.JobTrigger`
to the session factory, so an upload or a harvest queues its validation and enrichment in its
own transaction. No thread is started here: ``gxdata serve`` and ``gxdata demo`` start the
background workers (``GXDATA_WORKER_THREADS``), so tests and WSGI servers that import the app
run nothing behind its back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app

from catalog.models import Dataset
from catalog.quality.dataset_quality import DatasetQuality, dataset_quality
from catalog.quality.enrichment import EnrichContext
from catalog.quality.facts import public_facts
from catalog.quality.figures import OpennessFigures, openness_figures
from catalog.quality.jobs import JobTrigger
from catalog.quality.remote import Limits
from catalog.quality.stored_figures import (
    FILE_NAME,
    FiguresRefresher,
    FiguresThread,
    StoredFigures,
    load,
)
from catalog.quality.worker import BackgroundWorker, Worker
from exports.dcat.quality import Measurement, QualityProvider
from portal import quality_messages as messages
from portal.db import get_session, services
from vocab.namespaces import gx_namespace


@dataclass
class QualityServices:
    trigger: JobTrigger
    refresher: FiguresRefresher
    workers: list[BackgroundWorker] = field(default_factory=list)
    figures_thread: FiguresThread | None = None


def init_app(app: Flask) -> QualityServices:
    factory, files = app.extensions["gxdata"].session_factory, app.extensions["gxdata"].files

    def compute() -> OpennessFigures:
        with factory() as session:
            return openness_figures(session, public_facts(session, files))

    refresher = FiguresRefresher(
        factory, Path(app.instance_path) / FILE_NAME, compute, app.config["FIGURES_DEBOUNCE"]
    )
    quality = QualityServices(trigger=JobTrigger(factory), refresher=refresher)
    app.extensions["gxdata_quality"] = quality
    app.extensions[DQV_PROVIDER] = dqv_provider(app)
    app.jinja_env.globals.update(
        quality_of=quality_of,
        quality_label=quality_label,
        error_title=messages.error_title,
        explain_error=messages.explain_error,
        field_type=messages.field_type,
        problem_text=messages.problem_text,
        criterion_label=messages.criterion_label,
        advice_text=messages.advice_text,
        advice_label=messages.advice_label,
        provenance=messages.provenance,
    )
    return quality


DQV_PROVIDER = "gxdata.quality"  # the key the DCAT writer reads (exports.dcat.quality)
DIMENSION_METRICS = {
    "findability": "mqaFindability",
    "accessibility": "mqaAccessibility",
    "interoperability": "mqaInteroperability",
    "reusability": "mqaReusability",
    "contextuality": "mqaContextuality",
}


def dqv_provider(app: Flask) -> QualityProvider:
    """The dataset's scores as DQV measurements for its DCAT document: the 405-point metadata
    quality score, its five dimensions and the plan's data quality index (a percentage).
    It opens its own session, so it needs no request."""
    factory, files = app.extensions["gxdata"].session_factory, app.extensions["gxdata"].files

    def measurements(dataset: Dataset) -> list[Measurement]:
        ns = gx_namespace(app.config["BASE_URL"])  # the served address may set it late
        with factory() as session:
            scores = dataset_quality(session, dataset, files)
        found = [Measurement(str(ns.mqaScore), round(scores.mqa.points, 2))]
        for dimension, local in DIMENSION_METRICS.items():
            earned, _possible = scores.mqa.dimension(dimension)
            found.append(Measurement(str(ns[local]), round(earned, 2)))
        found.append(Measurement(str(ns.dataQualityIndex), round(scores.dqi.index, 2)))
        return found

    return measurements


def quality_of(dataset: Dataset) -> DatasetQuality:
    """The dataset page's scores, from stored reports and link checks."""
    return dataset_quality(get_session(), dataset, services().files)


def quality_label(kind: str, code: str | None) -> str:
    """The label of a dimension, band, DQI component or field code in the user's language."""
    table = {
        "dimension": messages.DIMENSIONS,
        "band": messages.BANDS,
        "component": messages.COMPONENTS,
        "field": messages.FIELDS,
    }[kind]
    return str(table.get(code or "", code or ""))


def limits(app: Flask | None = None, network: bool | None = None) -> Limits:
    config = (app or current_app).config
    return Limits(
        network=config["NETWORK"] if network is None else network and config["NETWORK"],
        timeout=config["LINK_TIMEOUT"],
        fetch_timeout=config["FETCH_TIMEOUT"],
        max_bytes=config["MAX_UPLOAD_BYTES"],
    )


def enrich_context(app: Flask | None = None, network: bool | None = None) -> EnrichContext:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return EnrichContext(
        store=app.extensions["gxdata"].files,
        limits=limits(app, network),
        base_url=app.config["BASE_URL"],
        max_bytes=app.config["MAX_UPLOAD_BYTES"],
    )


def compute_figures() -> OpennessFigures:
    """The catalog's figures as of now, from stored reports and link checks."""
    with services().session_factory() as session:
        return openness_figures(session, public_facts(session, services().files))


def current_figures() -> StoredFigures:
    """The stored figures, which the background thread keeps current; no page computes them,
    except once, under the refresher's lock, when none have been stored yet."""
    refresher: FiguresRefresher = current_app.extensions["gxdata_quality"].refresher
    stored = load(refresher.path)
    if stored is None:
        refresher.refresh()
        stored = load(refresher.path)
    assert stored is not None
    return stored


def start_background_workers(app: Flask) -> list[BackgroundWorker]:
    """Start ``WORKER_THREADS`` worker threads for this server process, and the thread that
    keeps the openness figures current (computing them at once if none are stored)."""
    quality: QualityServices = app.extensions["gxdata_quality"]
    quality.figures_thread = FiguresThread(quality.refresher)
    quality.figures_thread.start()
    for _ in range(app.config["WORKER_THREADS"]):
        worker = Worker(app.extensions["gxdata"].session_factory, enrich_context(app))
        thread = BackgroundWorker(worker)
        thread.start()
        quality.workers.append(thread)
    return quality.workers


def stop_background_workers(app: Flask) -> None:
    quality: QualityServices = app.extensions["gxdata_quality"]
    for thread in quality.workers:
        thread.stop()
    quality.workers.clear()
    if quality.figures_thread is not None:
        quality.figures_thread.stop()
        quality.figures_thread = None
