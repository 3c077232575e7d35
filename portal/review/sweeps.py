"""The review's periodic work: reminders two working days before a limit, reminders of overdue
usage reports, and the expiry of grants whose period ended. ``gxdata applications
remind|expire`` run it once; ``gxdata serve`` runs it every ``SWEEP_SECONDS`` in a thread
(:class:`SweepThread`), so a portal without cron still reminds and records expiries. All are
idempotent: an application is reminded once per (re)submission, an overdue usage report once
per due period (an audit row, :func:`catalog.applications.queries.mark_report_reminded`), a
grant expires once."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Flask, current_app

from catalog.applications import oversight, queries
from catalog.applications.grants import expire_grants
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.models import Dataset
from catalog.workdays import beijing_day
from portal.db import services
from portal.feedback import commands as feedback_commands
from portal.review import notices

SWEEP_SECONDS = 3600.0
ORIGIN = Origin(request_id="cli")
REVIEW_PATH = "/review/applications/"  # the reviewer's page of an application, by reference
log = logging.getLogger(__name__)


def remind(now: datetime) -> tuple[int, int]:
    """Mail the reviewers of each application due a reminder; (applications, mails)."""
    base = current_app.config["BASE_URL"] + REVIEW_PATH
    reminded = mails = 0
    with services().session_factory() as session:
        for application in queries.due_reminders(session, beijing_day(now)):
            dataset = session.get(Dataset, application.dataset_id)
            assert dataset is not None  # an application goes with its dataset (cascade)
            for reviewer in oversight.reviewers_of(session, dataset.department_id):
                notices.reminder(reviewer, application, dataset, base + application.reference)
                mails += 1
            queries.mark_reminded([application], now)
            session.commit()  # one at a time: a mail failing later leaves these reminded
            reminded += 1
    return reminded, mails


def remind_reports(now: datetime, origin: Origin = ORIGIN) -> tuple[int, int]:
    """Mail the reviewers of each overdue usage report, and its grantee, once per due period;
    (reports, mails)."""
    reminded = mails = 0
    with services().session_factory() as session:
        for item in queries.due_report_reminders(session, now):
            reference = item.grant.application.reference
            link = current_app.config["BASE_URL"] + REVIEW_PATH + reference + "#usage-reports"
            for reviewer in oversight.reviewers_of(session, item.dataset.department_id):
                notices.report_overdue(reviewer, item, link)
                mails += 1
            if notices.report_owed(item):
                mails += 1
            queries.mark_report_reminded(session, item, now, origin)
            session.commit()  # one at a time, as the review reminders
            reminded += 1
    return reminded, mails


def expire(now: datetime, origin: Origin = ORIGIN) -> int:
    """Expire the active grants whose period ended by ``now``; how many."""
    with services().session_factory() as session, session.begin():
        return len(expire_grants(session, now, origin))


class SweepThread(threading.Thread):
    """Runs :func:`expire` and :func:`remind` at start and every ``interval`` seconds."""

    def __init__(self, app: Flask, interval: float = SWEEP_SECONDS) -> None:
        super().__init__(name="application-sweeps", daemon=True)
        self.app, self.interval = app, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sweep()
            self.stopping.wait(self.interval)

    def sweep(self) -> None:
        try:
            with self.app.app_context():
                expire(utcnow())
                remind(utcnow())
                remind_reports(utcnow())
                feedback_commands.close_expired(utcnow())  # problem reports 7 days after feedback
        except Exception:  # a database or mail outage: tried again at the next sweep
            log.exception("application sweep failed")

    def stop(self) -> None:
        self.stopping.set()
