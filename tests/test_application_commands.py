"""``gxdata applications remind|expire|list`` and ``gxdata trace`` (portal/review/commands.py),
at fixed times: a reminder goes once per application to its department's reviewers, an
overdue usage report is told once per due period to the reviewers and the grantee, expiry
is recorded, and a partial, reordered leaked copy names the grant it was delivered under."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from application_world import (
    EARLY,
    LATE,
    QUEUE_NOW,
    build,
    dataset_of,
    granted,
    reported,
    submitted,
)
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from test_masking import csv_bytes, reordered

from catalog import audit
from catalog.accounts.models import User
from catalog.applications.delivery import deliver
from catalog.applications.models import Grant
from catalog.permissions import actor_for
from portal.review import sweeps


def _mails(app: Flask) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "mail"
    paths = sorted(folder.glob("*.eml")) if folder.is_dir() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]  # type: ignore[misc]


def test_remind_mails_the_departments_reviewers_once(app: Flask, runner: FlaskCliRunner) -> None:
    people = build(app)
    early = submitted(app, people.applicants[0], "mine", EARLY)  # limit Thursday 16 October
    submitted(app, people.applicants[1], "mine", LATE)  # limit 29 October: not yet
    before = runner.invoke(args=["applications", "remind", "--now", "2025-10-13T02:00:00"])
    assert before.exit_code == 0 and "reminded 0 applications" in before.output
    assert _mails(app) == []
    due = runner.invoke(args=["applications", "remind", "--now", "2025-10-14T02:00:00"])
    assert due.exit_code == 0, due.output
    assert "reminded 1 applications (1 mails)" in due.output
    again = runner.invoke(args=["applications", "remind", "--now", "2025-10-15T02:00:00"])
    assert "reminded 0 applications" in again.output
    mails = _mails(app)
    assert [m["To"] for m in mails] == ["r@example.org"]  # not the other department's
    body = mails[0].get_content()
    assert early in body and "2025-10-16" in body and f"/review/applications/{early}" in body


def _remind(runner: FlaskCliRunner, now: str) -> str:
    result = runner.invoke(args=["applications", "remind", "--now", now])
    assert result.exit_code == 0, result.output
    return result.output


def test_remind_tells_an_overdue_usage_report_once_per_due_period(
    app: Flask, runner: FlaskCliRunner
) -> None:
    people = build(app)
    reference, grant_id = granted(app, people, 0, EARLY)  # report due 26 October, 04:00 UTC
    other, _other_grant = granted(app, people, 1, EARLY, department="other")
    assert "reminded 0 overdue usage reports" in _remind(runner, "2025-10-26T03:00:00")
    assert _mails(app) == []
    out = _remind(runner, "2025-10-26T05:00:00")
    assert "reminded 2 overdue usage reports (4 mails)" in out  # each to its reviewer, grantee
    assert "reminded 0 overdue usage reports" in _remind(runner, "2025-10-27T05:00:00")
    mails = _mails(app)
    assert sorted(m["To"] for m in mails) == [f"{w}@example.org" for w in ("e0", "e1", "o", "r")]
    to_reviewer = next(m for m in mails if m["To"] == "r@example.org")
    body = to_reviewer.get_content()
    assert "使用情况报告已逾期" in to_reviewer["Subject"] and reference in body
    assert "南宁第0科技有限公司" in body and "2025-10-26 12:00" in body
    assert f"/review/applications/{reference}" in body and other not in body
    to_grantee = next(m for m in mails if m["To"] == "e0@example.org").get_content()
    assert f"/account/applications/{reference}#report" in to_grantee and "逾期" in to_grantee
    with app.extensions["gxdata"].session_factory() as session:
        rows = session.scalars(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "usage-report.remind")
        ).all()
        assert {(r.object_id, r.summary, r.actor) for r in rows} == {
            (reference, "due 2025-10-26T04:00:00", "system"),
            (other, "due 2025-10-26T04:00:00", "system"),
        }
        assert audit.verify(session).ok
    reported(app, people.applicants[0], grant_id, datetime(2025, 10, 28, 2))  # due 27 November
    assert "reminded 0 overdue usage reports" in _remind(runner, "2025-11-27T01:00:00")
    out = _remind(runner, "2025-11-27T03:00:00")  # a new period: told again; "other" was told
    assert "reminded 1 overdue usage reports (2 mails)" in out
    everyone = sorted(m["To"] for m in _mails(app))
    assert everyone == [f"{w}@example.org" for w in ("e0", "e0", "e1", "o", "r", "r")]


def test_expire_records_the_grants_whose_period_ended(app: Flask, runner: FlaskCliRunner) -> None:
    people = build(app)
    reference, grant_id = granted(app, people, 0, EARLY)
    within = runner.invoke(args=["applications", "expire", "--now", "2025-12-01T00:00:00"])
    assert within.exit_code == 0 and "expired 0 grants" in within.output
    past = (EARLY + timedelta(days=91)).isoformat()
    done = runner.invoke(args=["applications", "expire", "--now", past])
    assert done.exit_code == 0 and "expired 1 grants" in done.output
    with app.extensions["gxdata"].session_factory() as session:
        grant = session.get(Grant, grant_id)
        assert grant is not None and grant.state == "expired"
        assert grant.application.state == "expired" and grant.application.reference == reference
    assert (
        "expired 0 grants" in runner.invoke(args=["applications", "expire", "--now", past]).output
    )


def test_list_shows_overdue_reviews(app: Flask, runner: FlaskCliRunner) -> None:
    people = build(app)
    early = submitted(app, people.applicants[0], "mine", EARLY)
    late = submitted(app, people.applicants[1], "other", LATE)
    now = QUEUE_NOW.isoformat()
    everything = runner.invoke(args=["applications", "list", "--now", now])
    assert everything.exit_code == 0 and early in everything.output and late in everything.output
    assert everything.output.index(early) < everything.output.index(late)
    overdue = runner.invoke(args=["applications", "list", "--overdue", "--now", now])
    assert early in overdue.output and late not in overdue.output and "OVERDUE" in overdue.output
    assert "1 applications" in overdue.output
    assert runner.invoke(args=["applications", "list", "--state", "nonsense"]).exit_code == 1


def test_trace_names_the_grant_of_partial_reordered_copies_among_three(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    people = build(app)
    secret = str(app.config["MASKING_KEY"]).encode()
    made = [granted(app, people, n, EARLY + timedelta(days=n)) for n in range(3)]
    received = {}
    services = app.extensions["gxdata"]
    with services.session_factory() as session, session.begin():
        dataset = dataset_of(session, "mine")
        stored = next(d for d in dataset.distributions if d.stored_file)
        for n, (_reference, grant_id) in enumerate(made):
            user = session.get(User, people.applicants[n])
            assert user is not None
            target = io.BytesIO()
            at = EARLY + timedelta(days=n, hours=3)
            prepared = deliver(session, actor_for(user), dataset, stored, services.files, target,
                               secret=secret, now=at)  # fmt: skip
            assert prepared.grant.id == grant_id
            with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
                text = archive.read("居民.csv").decode("utf-8")
            received[grant_id] = list(csv.reader(io.StringIO(text)))
    for n, (reference, grant_id) in enumerate(made):
        rows = received[grant_id]
        leak = tmp_path / f"leak-{n}.csv"
        leak.write_bytes(csv_bytes(reordered([rows[0], *rows[50 + n * 30 :]], 20), "gb18030"))
        result = runner.invoke(args=["trace", str(leak)])
        assert result.exit_code == 0, result.output
        assert f"grant: {grant_id}" in result.output
        assert f"application: {reference}" in result.output
        assert f"南宁第{n}科技有限公司" in result.output
        assert "deliveries under this grant: 1" in result.output
        assert "pseudonyms matched: 20" in result.output
        assert "also matched" not in result.output
    plain = tmp_path / "plain.csv"
    plain.write_bytes(csv_bytes([["姓名", "身份证号"], ["王明", "450102199001011234"]]))
    missed = runner.invoke(args=["trace", str(plain)])
    assert missed.exit_code == 1 and "no grant matches" in missed.output
    with services.session_factory() as session:
        traced = session.scalars(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "grant.trace")
        ).all()
        assert [entry.object_id for entry in traced] == [g for _r, g in made] + ["none"]


def test_the_servers_sweep_expires_and_reminds(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = build(app)
    _reference, grant_id = granted(app, people, 0, EARLY)
    waiting = submitted(app, people.applicants[1], "mine", EARLY + timedelta(days=80))
    monkeypatch.setattr(sweeps, "utcnow", lambda: EARLY + timedelta(days=91))
    thread = sweeps.SweepThread(app)
    thread.sweep()
    thread.sweep()  # idempotent
    with app.extensions["gxdata"].session_factory() as session:
        grant = session.get(Grant, grant_id)
        assert grant is not None and grant.state == "expired"
    assert [waiting in m.get_content() for m in _mails(app)] == [True]
