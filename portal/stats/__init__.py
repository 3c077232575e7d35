"""Quarterly statistics in the portal: the hit counter, where hits are counted, and the one
function the pages and the CLI read the figures through.

``init_app`` (called by ``create_app``) makes the per-process :class:`HitCounter` and one
``after_request`` hook that counts API calls (the API blueprints) and views of the public pages
(an HTML page answered 200, not to a crawler; a dataset's pages count for it); downloads are
counted where they are served (:mod:`portal.views.downloads`). Nothing personal is counted: no
address, no account, no agent. With ``REDIS_URL`` the counts are kept in Redis, shared by the
processes. The counts are flushed every ``STATS_FLUSH_HITS`` hits, on the first hit
``STATS_FLUSH_SECONDS`` after the last flush, every ``STATS_FLUSH_SECONDS`` from the servers'
timer (:func:`stats_flush_timer`), at exit, and before figures are computed. Only 2xx answers
are counted; a counter that fails (Redis away) never fails the request.
"""

from __future__ import annotations

import atexit
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import Flask, Response, current_app, request
from sqlalchemy.exc import IntegrityError

from catalog.errors import InvalidValue
from catalog.stats.counters import FlushTimer, HitCounter, RedisHitCounter
from catalog.stats.models import API_CALL, DOWNLOAD, NO_DATASET, PAGE_VIEW
from catalog.stats.quarterly import PROVISIONAL, Options, quarterly_figures
from catalog.stats.quarters import quarter
from portal.db import services

API_BLUEPRINTS = frozenset({"ckan_api", "rest_api", "rest_grants", "rest_write", "sparql"})
# the public pages whose views count: the catalog's (a dataset page counts for its dataset)
PAGE_BLUEPRINTS = frozenset({"catalog", "pages", "quality", "stats", "linked_data", "citations"})
BOTS = re.compile(r"bot|spider|crawl|slurp|baiduspider|yandex|bingpreview|facebookexternalhit",
                  re.IGNORECASE)  # fmt: skip


@dataclass
class StatsServices:
    counter: HitCounter | RedisHitCounter
    live_seconds: float
    first_quarter: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    live: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    # one computation per quarter at a time: concurrent asks wait for it and share its figures
    computing: dict[str, threading.Lock] = field(default_factory=dict)

    def computing_lock(self, code: str) -> threading.Lock:
        with self.lock:
            return self.computing.setdefault(code, threading.Lock())

    def cached(self, code: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.live.get(code)
        if found is not None and time.monotonic() - found[0] < self.live_seconds:
            return found[1]
        return None


def init_app(app: Flask) -> StatsServices:
    factory = app.extensions["gxdata"].session_factory
    limits = {
        "flush_hits": app.config["STATS_FLUSH_HITS"],
        "flush_seconds": app.config["STATS_FLUSH_SECONDS"],
    }
    counter: HitCounter | RedisHitCounter = HitCounter(factory, **limits)
    if app.config.get("REDIS_URL"):  # shared by every process of the portal
        # short timeouts: a Redis that hangs costs a request a second at most, never its answer
        client = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=1
        )
        counter = RedisHitCounter(client, factory, **limits)
    first = app.config.get("STATS_FIRST_QUARTER") or None
    if first is not None:
        first = quarter(first).code  # a bad value stops the portal at start, not a request
    stats = StatsServices(counter, app.config["STATS_LIVE_SECONDS"], first)
    app.extensions["gxdata_stats"] = stats
    app.after_request(_count_request)
    if not app.testing:
        atexit.register(counter.close)
    return stats


def stats_flush_timer(app: Flask) -> FlushTimer:
    """The timer that writes the hit counts every ``STATS_FLUSH_SECONDS`` (the servers start
    it), so that they go in even when no hit comes."""
    stats: StatsServices = app.extensions["gxdata_stats"]
    return FlushTimer(stats.counter, app.config["STATS_FLUSH_SECONDS"])


def stats_services() -> StatsServices:
    found: StatsServices = current_app.extensions["gxdata_stats"]
    return found


def count_download(distribution_id: str) -> None:
    """Count a download; a counter that fails (Redis away) is logged, never the answer's end."""
    try:
        stats_services().counter.hit(DOWNLOAD, distribution_id)
    except (redis.RedisError, OSError):
        current_app.logger.exception("download not counted")


def _count_request(response: Response) -> Response:
    try:
        kind, subject = _what_was_hit(response)
        if kind is not None:
            stats_services().counter.hit(kind, subject)
    except Exception:  # counting never breaks an answer
        current_app.logger.exception("hit not counted")
    return response


def _what_was_hit(response: Response) -> tuple[str | None, str]:
    if BOTS.search(request.headers.get("User-Agent", "")):
        return None, NO_DATASET
    view_args = request.view_args or {}
    if not 200 <= response.status_code < 300:  # a 404 names nothing that exists
        return None, NO_DATASET
    if request.blueprint in API_BLUEPRINTS:
        subject = view_args.get("dataset_id") or view_args.get("id_or_slug")
        if view_args.get("name") == "package_show":
            subject = request.args.get("id")
        return API_CALL, str(subject or NO_DATASET)
    if (
        request.blueprint in PAGE_BLUEPRINTS
        and request.method == "GET"
        and response.status_code == 200
        and response.mimetype == "text/html"
    ):
        return PAGE_VIEW, str(view_args.get("id_or_slug") or NO_DATASET)
    return None, NO_DATASET


def figures_for(code: str) -> dict[str, Any]:
    """The figures of quarter ``code`` (InvalidValue for a bad or future one): the current
    quarter's are computed at most every ``STATS_LIVE_SECONDS``; an ended quarter's come from
    its snapshot, made on the first ask."""
    try:
        code = quarter(code).code  # the cache is kept by the normal code ("2026Q3")
    except ValueError as error:
        raise InvalidValue(str(error), code="bad-quarter") from error
    stats = stats_services()
    cached = stats.cached(code)
    if cached is not None:
        return cached
    with stats.computing_lock(code):  # concurrent asks wait for this one computation
        cached = stats.cached(code)
        if cached is not None:
            return cached
        _flush(stats)  # the hits counted so far by this process are in the figures
        options = Options(store=services().files, first_quarter=stats.first_quarter)
        factory = services().session_factory
        try:
            with factory() as session, session.begin():
                figures = quarterly_figures(session, code, options)
        except IntegrityError:  # another process froze the quarter at the same moment
            with factory() as session:
                figures = quarterly_figures(session, code, options)
        if figures["status"] == PROVISIONAL:
            with stats.lock:
                stats.live = {figures["quarter"]: (time.monotonic(), figures)}
        return figures


def _flush(stats: StatsServices) -> None:
    try:
        stats.counter.flush()
    except Exception:  # the hits stay pending (Redis away): the figures go out without them
        current_app.logger.exception("hit counts not flushed before the figures")
