"""Quarterly statistics in the portal: the hit counter, where hits are counted, and the one
function the pages and the CLI read the figures through.

``init_app`` (called by ``create_app``) makes the per-process :class:`HitCounter` and one
``after_request`` hook that counts API calls (the API blueprints) and views of the public pages
(an HTML page answered 200, not to a crawler; a dataset's pages count for it); downloads are
counted where they are served (:mod:`portal.views.downloads`). Nothing personal is counted: no
address, no account, no agent. With ``REDIS_URL`` the counts are kept in Redis, shared by the
processes. The counts are flushed every ``STATS_FLUSH_HITS`` hits or ``STATS_FLUSH_SECONDS``,
at exit, and before figures are computed.
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

from catalog.stats.counters import HitCounter, RedisHitCounter
from catalog.stats.models import API_CALL, DOWNLOAD, NO_DATASET, PAGE_VIEW
from catalog.stats.quarterly import PROVISIONAL, Options, quarterly_figures
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
    lock: threading.Lock = field(default_factory=threading.Lock)
    live: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)


def init_app(app: Flask) -> StatsServices:
    factory = app.extensions["gxdata"].session_factory
    limits = {
        "flush_hits": app.config["STATS_FLUSH_HITS"],
        "flush_seconds": app.config["STATS_FLUSH_SECONDS"],
    }
    counter: HitCounter | RedisHitCounter = HitCounter(factory, **limits)
    if app.config.get("REDIS_URL"):  # shared by every process of the portal
        counter = RedisHitCounter(redis.Redis.from_url(app.config["REDIS_URL"]), factory, **limits)
    stats = StatsServices(counter, app.config["STATS_LIVE_SECONDS"])
    app.extensions["gxdata_stats"] = stats
    app.after_request(_count_request)
    if not app.testing:
        atexit.register(counter.close)
    return stats


def stats_services() -> StatsServices:
    found: StatsServices = current_app.extensions["gxdata_stats"]
    return found


def count_download(distribution_id: str) -> None:
    stats_services().counter.hit(DOWNLOAD, distribution_id)


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
    if request.blueprint in API_BLUEPRINTS and response.status_code < 500:
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
    stats = stats_services()
    stats.counter.flush()  # the hits counted so far by this process are in the figures
    with stats.lock:
        cached = stats.live.get(code.upper())
        if cached is not None and time.monotonic() - cached[0] < stats.live_seconds:
            return cached[1]
    options = Options(store=services().files)
    factory = services().session_factory
    try:
        with factory() as session, session.begin():
            figures = quarterly_figures(session, code, options)
    except IntegrityError:  # another request froze the quarter at the same moment
        with factory() as session:
            figures = quarterly_figures(session, code, options)
    if figures["status"] == PROVISIONAL:
        with stats.lock:
            stats.live = {figures["quarter"]: (time.monotonic(), figures)}
    return figures
