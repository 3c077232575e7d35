"""Applications for conditional data: every move through the one table, each refusal, the
history and audit rows, working-day limits, grants acting at once in ``active_grant``, usage
reports, public counts, masked delivery and trace (catalog/applications/)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_masking import csv_bytes, reordered, table

from catalog import audit
from catalog.access import active_grant
from catalog.accounts import tokens, users
from catalog.accounts.models import ADMIN, CONDITIONAL, ENTERPRISE, REVIEWER, User
from catalog.applications import acts, grants, queries, states
from catalog.applications.delivery import NotGranted, deliver, prepare_delivery, trace
from catalog.applications.models import Application, Delivery, Grant
from catalog.errors import CatalogError, FileTooLarge, InvalidValue, NotFound
from catalog.masking.rules import TOKEN_PATTERN, grant_key, token_verifies
from catalog.models import Dataset, Department, Distribution
from catalog.permissions import Actor, actor_for
from catalog.publishing.acts import Forbidden
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.distributions import attach_distribution, store_file
from catalog.storage import FileStore

SECRET = b"portal-secret-for-tests"
REQUIREMENTS = ["不得向第三方提供数据", "数据存储于境内服务器"]
CONDITIONS = {
    "applicant_kinds": ["enterprise", "institution"],
    "materials": ["营业执照复印件"],
    "security_requirements": REQUIREMENTS,
    "period_days": 90,
    "review_days": 10,
    "report_interval_days": 30,
    "fields": [
        {"name": "身份证号", "mask": "pseudonym"},
        {"name": "姓名", "mask": "keep-ends", "keep_first": 1, "keep_last": 1},
        {"name": "手机号", "mask": "keep-ends", "keep_first": 1, "keep_last": 1},
        {"name": "住址", "mask": "generalize"},
        {"name": "出生日期", "mask": "generalize", "to": "year"},
    ],
}
# Friday 26 September 2025, 10:00 in Beijing: the National Day holiday (1-8 October) and its
# worked Sunday 28 September and Saturday 11 October fall in the ten working days after it.
SUBMITTED = datetime(2025, 9, 26, 2, 0)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@dataclass
class World:
    session: Session
    store: FileStore
    dataset: Dataset
    csv: Distribution
    other: Distribution  # a file of another dataset
    applicant: Actor
    stranger: Actor  # another applicant
    reviewer: Actor
    outsider: Actor  # a reviewer of another department
    admin: Actor
    applicant_user: User


def _person(session: Session, email: str, kind: str = ENTERPRISE) -> User:
    user, _ = users.create_staff_user(session, email=email, password=None)
    user.kind = kind
    return user


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    mine, other = Department(slug="mine", name="本厅"), Department(slug="other", name="他厅")
    session.add_all([mine, other])
    session.flush()
    store = FileStore(tmp_path / "files")
    dataset = create_dataset(
        session, title="居民信息", department=mine, open_type="conditional", conditions=CONDITIONS
    )
    stored = store_file(
        session, store, dataset, file_name="居民.csv", stream=io.BytesIO(csv_bytes(table(200))),
        max_bytes=10**7,
    )  # fmt: skip
    attach_distribution(session, dataset, title="说明", download_url="https://x.test/a.pdf")
    publish_dataset(session, dataset)
    elsewhere = create_dataset(session, title="别的", department=other, open_type="conditional")
    foreign = attach_distribution(
        session, elsewhere, title="别的文件", download_url="https://x.test/b"
    )
    reviewer = _person(session, "r@example.org")
    users.grant_role(session, reviewer, REVIEWER, mine)
    outsider = _person(session, "o@example.org")
    users.grant_role(session, outsider, REVIEWER, other)
    admin = _person(session, "a@example.org")
    users.grant_role(session, admin, ADMIN)
    applicant = _person(session, "e@example.org")
    return World(
        session, store, dataset, stored, foreign,
        actor_for(applicant), actor_for(_person(session, "s@example.org")),
        actor_for(reviewer, two_factor=True), actor_for(outsider, two_factor=True),
        actor_for(admin, two_factor=True), applicant,
    )  # fmt: skip


def _draft(w: World, **changes: object) -> Application:
    fields = {
        "purpose": "信用评估模型",
        "scenario": "小微企业贷款风控",
        "distribution_ids": [w.csv.id],
        "fields": [],
        "commitments": REQUIREMENTS,
    } | changes
    application = acts.create_application(w.session, w.applicant, w.dataset, fields, now=SUBMITTED)
    acts.add_attachment(
        w.session, w.applicant, application, w.store, stream=io.BytesIO(PDF),
        file_name="营业执照.pdf", now=SUBMITTED,
    )  # fmt: skip
    return application


def _granted(w: World, at: datetime = SUBMITTED) -> Grant:
    application = _draft(w)
    acts.submit(w.session, w.applicant, application, now=at)
    acts.start_review(w.session, w.reviewer, application, now=at + timedelta(days=1))
    return grants.approve(w.session, w.reviewer, application, now=at + timedelta(days=2))


def _code(error: pytest.ExceptionInfo[CatalogError]) -> str:
    return error.value.code


# --- the moves -----------------------------------------------------------------------------


def test_the_whole_way_with_history_and_audit_rows(world: World) -> None:
    w = world
    application = _draft(w)
    assert application.state == states.DRAFT and application.reference.startswith("SQ-2025-")
    acts.submit(w.session, w.applicant, application, now=SUBMITTED)
    acts.start_review(w.session, w.reviewer, application, now=SUBMITTED + timedelta(hours=1))
    acts.request_info(w.session, w.reviewer, application, "请补充数据安全管理制度", now=SUBMITTED)
    acts.update_application(w.session, w.applicant, application, {"scenario": "贷款风控与反欺诈"})
    acts.resubmit(w.session, w.applicant, application, now=SUBMITTED + timedelta(days=1))
    acts.start_review(w.session, w.reviewer, application, now=SUBMITTED + timedelta(days=1))
    grant = grants.approve(w.session, w.reviewer, application, now=SUBMITTED + timedelta(days=2))
    assert application.state == states.GRANT_ACTIVE and grant.state == "active"
    assert grant.ends_at - grant.starts_at == timedelta(days=90)
    assert grant.fields == ["身份证号", "姓名", "手机号", "住址", "出生日期"]
    grants.file_usage_report(w.session, w.applicant, grant, what_built="模型", results="上线",
                             final=True)  # fmt: skip
    grants.close(w.session, w.applicant, grant, now=SUBMITTED + timedelta(days=30))
    assert application.state == states.CLOSED and grant.state == "closed"

    steps = [(e.seq, e.event, e.from_state, e.to_state, e.role) for e in application.events]
    assert steps == [
        (1, "submit", "draft", "submitted", "applicant"),
        (2, "start_review", "submitted", "under_review", "reviewer"),
        (3, "request_info", "under_review", "more_info_requested", "reviewer"),
        (4, "resubmit", "more_info_requested", "resubmitted", "applicant"),
        (5, "start_review", "resubmitted", "under_review", "reviewer"),
        (6, "approve", "under_review", "approved", "reviewer"),
        (7, "activate", "approved", "grant_active", "system"),
        (8, "close", "grant_active", "closed", "applicant"),
    ]
    assert application.events[2].reason == "请补充数据安全管理制度"
    assert application.events[6].actor_id is None and application.events[6].actor == "system"
    assert application.events[0].actor == w.applicant.pseudonym
    rows = list(w.session.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq)))
    transitions = [r.action for r in rows if r.action.removeprefix("application.") in
                   states.EVENTS]  # fmt: skip
    assert transitions == [f"application.{step[1]}" for step in steps]
    assert {r.object_id for r in rows if r.object_type == "application"} == {application.reference}
    assert "usage-report.file" in [r.action for r in rows]
    assert audit.verify(w.session).ok
    history = acts.history(w.session, w.reviewer, application)
    assert len(history) == 8


def test_reject_and_withdraw(world: World) -> None:
    w = world
    rejected = _draft(w)
    acts.submit(w.session, w.applicant, rejected, now=SUBMITTED)
    acts.start_review(w.session, w.reviewer, rejected, now=SUBMITTED)
    with pytest.raises(InvalidValue) as missing:
        acts.reject(w.session, w.reviewer, rejected, "  ", now=SUBMITTED)
    assert _code(missing) == "missing-reason"
    acts.reject(w.session, w.reviewer, rejected, "用途与开放条件不符", now=SUBMITTED)
    assert rejected.state == states.REJECTED and rejected.decision_reason == "用途与开放条件不符"
    withdrawn = _draft(w)
    acts.submit(w.session, w.applicant, withdrawn, now=SUBMITTED)
    acts.withdraw(w.session, w.applicant, withdrawn, now=SUBMITTED)
    assert withdrawn.state == states.WITHDRAWN
    with pytest.raises(InvalidValue) as impossible:
        acts.start_review(w.session, w.reviewer, withdrawn, now=SUBMITTED)
    assert _code(impossible) == "impossible-transition"


def test_wrong_actors_are_refused(world: World) -> None:
    w = world
    application = _draft(w)
    with pytest.raises(Forbidden):
        acts.submit(w.session, w.stranger, application)
    with pytest.raises(InvalidValue) as by_reviewer:
        acts.submit(w.session, w.reviewer, application)  # a reviewer is no applicant
    assert _code(by_reviewer) == "not-permitted"
    acts.submit(w.session, w.applicant, application, now=SUBMITTED)
    with pytest.raises(InvalidValue) as own:
        acts.start_review(w.session, w.applicant, application)
    assert _code(own) == "not-permitted"
    with pytest.raises(Forbidden):
        acts.start_review(w.session, w.outsider, application)  # another department
    reviewer_no_2fa = replace(w.reviewer, two_factor=False)
    with pytest.raises(Forbidden):
        acts.start_review(w.session, reviewer_no_2fa, application)
    with pytest.raises(NotFound):
        acts.get_application(w.session, w.stranger, application.reference)
    assert acts.get_application(w.session, w.admin, application.reference) is application
    assert acts.next_events(w.session, w.reviewer, application) == ["start_review"]
    assert acts.next_events(w.session, w.applicant, application) == ["withdraw"]
    with pytest.raises(InvalidValue) as impossible:
        acts.submit(w.session, w.applicant, application)
    assert _code(impossible) == "impossible-transition"
    with pytest.raises(InvalidValue) as locked:
        acts.update_application(w.session, w.applicant, application, {"purpose": "改"})
    assert _code(locked) == "not-editable"


def test_content_refusals(world: World) -> None:
    w = world
    with pytest.raises(InvalidValue) as foreign:
        _draft(w, distribution_ids=[w.other.id])
    assert _code(foreign) == "unknown-distribution"
    with pytest.raises(InvalidValue) as field:
        _draft(w, fields=["备注"])
    assert _code(field) == "unknown-field"
    with pytest.raises(InvalidValue) as period:
        _draft(w, period_days=91)  # longer than the conditions allow
    assert _code(period) == "invalid-period"
    application = _draft(w, commitments=REQUIREMENTS[:1])
    with pytest.raises(InvalidValue) as commitment:
        acts.submit(w.session, w.applicant, application, now=SUBMITTED)
    assert _code(commitment) == "missing-commitment"
    assert application.state == states.DRAFT and application.events == []
    individual = _person(w.session, "i@example.org", kind="individual")
    with pytest.raises(InvalidValue) as kind:
        acts.create_application(w.session, actor_for(individual), w.dataset, {})
    assert _code(kind) == "applicant-kind-refused"
    open_one = create_dataset(w.session, title="公开", department=w.dataset.department)
    publish_dataset(w.session, open_one)
    with pytest.raises(InvalidValue) as unconditional:
        acts.create_application(w.session, w.applicant, open_one, {})
    assert _code(unconditional) == "not-conditional"


def test_attachments_are_typed_by_content_and_size_limited(world: World) -> None:
    w = world
    application = _draft(w)
    png = acts.add_attachment(w.session, w.applicant, application, w.store,
                              stream=io.BytesIO(PNG), file_name="章.png")  # fmt: skip
    assert png.media_type == "image/png" and application.attachments[0].media_type == (
        "application/pdf"
    )
    for content, name in ((b"plain text, not a PDF", "伪装.pdf"), (PNG, "图.pdf"),
                          (b"a,b\n1,2\n", "表.csv")):  # fmt: skip
        with pytest.raises(InvalidValue) as wrong:
            acts.add_attachment(w.session, w.applicant, application, w.store,
                                stream=io.BytesIO(content), file_name=name)  # fmt: skip
        assert _code(wrong) == "attachment-type"

    class Endless(io.RawIOBase):
        read_bytes = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            buffer[:] = b"\0" * len(buffer)
            self.read_bytes += len(buffer)
            return len(buffer)

    endless = Endless()
    with pytest.raises(FileTooLarge):
        acts.add_attachment(w.session, w.applicant, application, w.store,
                            stream=endless, file_name="大.pdf")  # fmt: skip
    assert endless.read_bytes <= acts.MAX_ATTACHMENT + 2 * 1024 * 1024
    assert len(application.attachments) == 2


# --- time limits ---------------------------------------------------------------------------


def test_review_limit_counts_working_days_across_national_day_2025(world: World) -> None:
    w = world
    application = _draft(w)
    acts.submit(w.session, w.applicant, application, now=SUBMITTED)
    assert application.limit_day == date(2025, 10, 16) and not application.limit_estimated
    assert queries.due_reminders(w.session, date(2025, 10, 13)) == []
    assert queries.due_reminders(w.session, date(2025, 10, 14)) == [application]
    queries.mark_reminded([application], datetime(2025, 10, 14, 1))
    assert queries.due_reminders(w.session, date(2025, 10, 15)) == []
    queue = queries.reviewer_queue(w.session, w.reviewer, date(2025, 10, 16))
    assert [(r.application, r.overdue) for r in queue] == [(application, False)]
    queue = queries.reviewer_queue(w.session, w.reviewer, date(2025, 10, 17))
    assert queue[0].overdue and queue[0].applicant.kind == ENTERPRISE
    assert queries.reviewer_queue(w.session, w.outsider, date(2025, 10, 17)) == []
    assert [r.application for r in queries.all_applications(w.session, w.admin, date.today())] == [
        application
    ]
    with pytest.raises(Forbidden):
        queries.all_applications(w.session, w.reviewer, date.today())
    assert queries.own_applications(w.session, w.applicant) == [application]
    assert queries.own_applications(w.session, w.stranger) == []


# --- grants and access ---------------------------------------------------------------------


def test_grants_act_at_once_in_active_grant(world: World) -> None:
    w = world
    grant = _granted(w)
    during = grant.starts_at + timedelta(days=10)
    assert active_grant(w.session, w.applicant, w.dataset, w.csv, during) is grant
    assert active_grant(w.session, w.stranger, w.dataset, w.csv, during) is None
    assert active_grant(w.session, w.applicant, w.dataset, w.dataset.distributions[1], during) is (
        None
    )  # a file the grant does not name
    assert active_grant(w.session, w.applicant, w.dataset, w.csv, grant.ends_at) is None
    assert active_grant(
        w.session, w.applicant, w.dataset, w.csv, grant.starts_at - timedelta(1)
    ) is (None)
    with pytest.raises(InvalidValue) as reason:
        grants.revoke(w.session, w.reviewer, grant, "")
    assert _code(reason) == "missing-reason"
    with pytest.raises(Forbidden):
        grants.revoke(w.session, w.outsider, grant, "违规")
    grants.revoke(w.session, w.reviewer, grant, "发现违规使用", now=during)
    assert grant.state == "revoked" and grant.application.state == states.REVOKED
    assert active_grant(w.session, w.applicant, w.dataset, w.csv, during) is None
    with pytest.raises(NotGranted):
        prepare_delivery(w.session, w.applicant, w.dataset, w.csv, secret=SECRET, now=during)


def test_expiry_sweep_is_a_system_transition(world: World) -> None:
    w = world
    grant = _granted(w)
    assert grants.expire_grants(w.session, grant.ends_at - timedelta(seconds=1)) == []
    assert grants.expire_grants(w.session, grant.ends_at) == [grant]
    assert grant.state == "expired" and grant.application.state == states.EXPIRED
    last = grant.application.events[-1]
    assert (last.event, last.role, last.actor_id) == ("expire", "system", None)
    assert active_grant(w.session, w.applicant, w.dataset, w.csv, grant.starts_at) is None
    with pytest.raises(InvalidValue) as ended:
        grants.file_usage_report(w.session, w.applicant, grant, what_built="x", results="y")
    assert _code(ended) == "grant-not-active"


def test_only_a_conditional_token_downloads(world: World) -> None:
    w = world
    grant = _granted(w)
    during = grant.starts_at + timedelta(days=1)
    for scope in ("read", "publish"):
        token, _ = tokens.create_api_token(w.session, w.applicant_user, scope, scope=scope)
        actor = actor_for(w.applicant_user, scope=scope, token_id=token.id)
        assert active_grant(w.session, actor, w.dataset, w.csv, during) is None
    token, _ = tokens.create_api_token(w.session, w.applicant_user, "下载", scope=CONDITIONAL)
    actor = actor_for(w.applicant_user, scope=CONDITIONAL, token_id=token.id)
    assert active_grant(w.session, actor, w.dataset, w.csv, during) is grant
    with pytest.raises(Forbidden):  # a conditional token writes nothing
        acts.create_application(w.session, actor, w.dataset, {})
    prepared = prepare_delivery(w.session, actor, w.dataset, w.csv, secret=SECRET, now=during)
    assert prepared.record.channel == "token"


def test_close_needs_a_final_report_and_reports_fall_overdue(world: World) -> None:
    w = world
    grant = _granted(w)
    start = grant.starts_at
    assert queries.overdue_reports(w.session, start + timedelta(days=29)) == []
    overdue = queries.overdue_reports(w.session, start + timedelta(days=30))
    assert [(o.grant, o.last_report) for o in overdue] == [(grant, None)]
    assert queries.overdue_reports(w.session, start + timedelta(days=30), departments=[]) == []
    with pytest.raises(InvalidValue) as empty:
        grants.file_usage_report(w.session, w.applicant, grant, what_built=" ", results="y")
    assert _code(empty) == "missing-what-built"
    with pytest.raises(Forbidden):
        grants.file_usage_report(w.session, w.stranger, grant, what_built="x", results="y")
    grants.file_usage_report(w.session, w.applicant, grant, what_built="评分模型",
                             results="试运行", now=start + timedelta(days=31))  # fmt: skip
    assert queries.overdue_reports(w.session, start + timedelta(days=60)) == []
    assert len(queries.overdue_reports(w.session, start + timedelta(days=61))) == 1
    with pytest.raises(InvalidValue) as final:
        grants.close(w.session, w.applicant, grant)
    assert _code(final) == "missing-final-report"
    with pytest.raises(InvalidValue) as by_reviewer:
        grants.close(w.session, w.reviewer, grant)
    assert _code(by_reviewer) == "not-permitted"


def test_public_counts_are_numbers_only(world: World) -> None:
    w = world
    grant = _granted(w)  # approved on the second day after submission: one working day
    rejected = _draft(w)
    acts.submit(w.session, w.applicant, rejected, now=SUBMITTED)
    acts.start_review(w.session, w.reviewer, rejected, now=SUBMITTED)
    acts.reject(w.session, w.reviewer, rejected, "不符", now=datetime(2025, 10, 10, 2))
    _draft(w)  # a draft is no application yet
    grants.file_usage_report(w.session, w.applicant, grant, what_built="x", results="y")
    counts = queries.public_counts(w.session, w.dataset, grant.starts_at + timedelta(days=1))
    assert counts == queries.PublicCounts(
        applications=2, approvals=1, rejections=1, active_grants=1, usage_reports=1,
        median_review_days=(1 + 5) / 2,
    )  # fmt: skip
    assert all(isinstance(v, int | float) for v in counts.__dict__.values())


# --- delivery and trace --------------------------------------------------------------------


def test_a_delivery_is_masked_and_logged(world: World) -> None:
    w = world
    grant = _granted(w)
    target = io.BytesIO()
    prepared = deliver(w.session, w.applicant, w.dataset, w.csv, w.store, target, secret=SECRET,
                       now=grant.starts_at + timedelta(hours=1))  # fmt: skip
    logged = w.session.get(Delivery, prepared.record.id)
    assert logged is not None and logged.grant_id == grant.id and logged.channel == "link"
    assert logged.bytes == len(target.getvalue()) and logged.format == "csv"
    assert prepared.file_name.endswith(".zip") and prepared.media_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
        rows = list(csv.reader(io.StringIO(archive.read("居民.csv").decode("utf-8"))))
    assert descriptor["gxdata"]["delivery"] == logged.id
    original = table(200)
    assert rows[0] == ["身份证号", "姓名", "手机号", "住址", "出生日期"]  # 备注 not granted
    first = rows[1]
    assert TOKEN_PATTERN.fullmatch(first[0]) and token_verifies(
        first[0], grant_key(SECRET, grant.id)
    )
    name = original[1][1]
    assert first[1] == name[0] + "*" * (len(name) - 2) + name[-1]
    assert first[2] == original[1][2][0] + "*" * 9 + original[1][2][-1]
    assert first[3].endswith(("区", "市")) and "号" not in first[3]
    assert first[4] == original[1][4][:4]
    entry = w.session.scalar(
        select(audit.AuditEntry).where(audit.AuditEntry.action == "grant.deliver")
    )
    assert entry is not None and entry.object_id == logged.id
    assert entry.summary == grant.application.reference
    untyped = w.dataset.distributions[1]
    untyped.format = "PDF"
    grant.distribution_ids = [*grant.distribution_ids, untyped.id]
    with pytest.raises(InvalidValue) as kind:
        prepare_delivery(w.session, w.applicant, w.dataset, untyped, secret=SECRET,
                         now=grant.starts_at)  # fmt: skip
    assert _code(kind) == "not-deliverable"


@pytest.mark.parametrize("channel", ["sandbox", "verification"])
def test_no_file_leaves_the_portal_under_an_in_portal_channel(world: World, channel: str) -> None:
    """Data granted for the sandbox or a verification interface (数据不出域) is never
    delivered as a file, even masked, under an otherwise active grant."""
    w = world
    grant = _granted(w)
    w.dataset.conditions = {**w.dataset.conditions, "delivery_channel": channel}
    with pytest.raises(InvalidValue) as refused:
        prepare_delivery(w.session, w.applicant, w.dataset, w.csv, secret=SECRET,
                         now=grant.starts_at + timedelta(hours=1))  # fmt: skip
    assert _code(refused) == "wrong-channel"
    assert w.session.scalar(select(Delivery.id)) is None  # nothing logged as delivered


def test_trace_names_the_grant_of_a_partial_reordered_copy_among_three(
    world: World, tmp_path: Path
) -> None:
    w = world
    received: dict[str, list[list[str]]] = {}
    made = []
    for n in range(3):
        grant = _granted(w, SUBMITTED + timedelta(days=n))
        made.append(grant)
        target = io.BytesIO()
        prepared = deliver(w.session, w.applicant, w.dataset, w.csv, w.store, target,
                           secret=SECRET, now=grant.starts_at + timedelta(hours=1))  # fmt: skip
        assert prepared.grant is grant
        with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
            text = archive.read("居民.csv").decode("utf-8")
        received[grant.id] = list(csv.reader(io.StringIO(text)))
    middle = made[1]
    rows = received[middle.id]
    leak = tmp_path / "leak.csv"
    leak.write_bytes(csv_bytes(reordered([rows[0], *rows[80:]], 20)[1:], "gb18030"))
    found = trace(w.session, leak, SECRET)
    assert found.grant is middle and found.application is middle.application
    assert [(m.grant_id, m.tokens) for m in found.result.matches] == [(middle.id, 20)]
    assert trace(w.session, leak, b"another secret").grant is None
