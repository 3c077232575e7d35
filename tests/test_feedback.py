"""The data-quality loop: every transition and its record, the working-day limits (a report
just before the National Day holiday, the extension to 10, overdue), rejection with a reason,
the automatic close 7 days after the feedback, the figures and the quality index; and through
the pages: the report form's spam and rate refusals, the public tracker's privacy, the
reporter's secret link, and that another department cannot act."""

from __future__ import annotations

import re
import socket
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from form_tokens import csrf
from signing_in import make_person, sign_in_client, signed_in
from sqlalchemy import event as sql_event
from sqlalchemy import select

from catalog.accounts.models import ADMIN, PUBLISHER, REVIEWER, User
from catalog.audit import AuditEntry, Origin, verify
from catalog.errors import InvalidValue
from catalog.feedback import acts, figures, queries, states
from catalog.feedback.models import FeedbackEvent, ProblemReport
from catalog.models import Dataset, Department
from catalog.permissions import Actor, actor_for
from catalog.publishing.acts import Forbidden
from catalog.quality.facts import public_facts
from catalog.quality.figures import openness_figures
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.distributions import attach_distribution
from portal.review.sweeps import SweepThread

ORIGIN = Origin(request_id="test")
BEFORE_HOLIDAY = datetime(2026, 9, 30, 2, 0)  # Wednesday 10:00 in Beijing, before 国庆
CITIZEN = Actor()  # nobody signed in
CONTACT = "citizen@example.cn"


@pytest.fixture
def world(app):
    """统计局 (tongji) with a sub-department (南宁) and 交通运输厅 (jiaotong); a published dataset
    of 南宁 with one file; a publisher of 统计局 (covers 南宁) and a reviewer of 交通运输厅."""
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        parent = Department(slug="tongji", name="统计局")
        other = Department(slug="jiaotong", name="交通运输厅")
        db.add_all([parent, other])
        db.flush()
        child = Department(slug="tongji-nn", name="南宁市统计局", parent_id=parent.id)
        db.add(child)
        db.flush()
        dataset = create_dataset(db, title="南宁市人口统计", department=child, slug="nn-people",
                                 open_type="unconditional")  # fmt: skip
        attach_distribution(db, dataset, title="人口.csv",
                            download_url="https://tjj.example.gov.cn/rk.csv")  # fmt: skip
        publish_dataset(db, dataset)
        ids = {"dataset": dataset.id, "file": dataset.distributions[0].id, "child": child.id}
    ids["publisher"] = make_person(app, "staff@tjj.example.gov.cn", PUBLISHER, "tongji")
    ids["stranger"] = make_person(app, "reviewer@jt.example.gov.cn", REVIEWER, "jiaotong")
    return ids


def _actor(session, user_id: int) -> Actor:
    return actor_for(session.get(User, user_id), two_factor=True)


def _report(session, world, now=BEFORE_HOLIDAY, **fields) -> tuple[ProblemReport, str]:
    dataset = session.get(Dataset, world["dataset"])
    content = {"kind": "wrong_values", "description": "第3行人口数多了一个零。",
               "distribution_id": world["file"], "row_ref": "3", "column_ref": "人口数",
               "contact": CONTACT} | fields  # fmt: skip
    return acts.report_problem(session, CITIZEN, dataset, content, ORIGIN, now)


# --- limits on the working-day calendar --------------------------------------------------------


def test_a_report_before_the_national_day_is_due_after_the_holiday_and_extends_to_ten(
    session, world
):
    with session.begin():
        report, _ = _report(session, world)
        # 5 working days after Wed 30 Sep: 8, 9, Sat 10 (调休, worked), 12, 13 October
        assert report.limit_day == date(2026, 10, 13) and not report.limit_estimated
        staff = _actor(session, world["publisher"])
        with pytest.raises(InvalidValue) as refused:
            acts.handle(session, staff, report, states.EXTEND, ORIGIN, BEFORE_HOLIDAY, "  ")
        assert refused.value.code == "missing-reason"
        acts.handle(session, staff, report, states.EXTEND, ORIGIN, datetime(2026, 10, 9),
                    "需核对原始台账")  # fmt: skip
        # 10 working days: … 13, 14, 15, 16, 19, 20 October
        assert (report.limit_day, report.answer_days, report.extended) == (
            date(2026, 10, 20),
            10,
            True,
        )
        assert report.state == states.REPORTED and report.extension_reason == "需核对原始台账"
        with pytest.raises(InvalidValue) as twice:
            acts.handle(session, staff, report, states.EXTEND, ORIGIN, datetime(2026, 10, 9),
                        "再延一次")  # fmt: skip
        assert twice.value.code == "already-extended"
        assert states.EXTEND not in queries.department_actions(report)


def test_a_report_past_its_limit_cannot_be_extended(session, world):
    with session.begin():
        report, _ = _report(session, world)  # due 13 October
        staff = _actor(session, world["publisher"])
        assert states.EXTEND in queries.department_actions(report, date(2026, 10, 13))
        late = datetime(2026, 10, 14, 1)  # 14 October, 09:00 in Beijing
        with pytest.raises(InvalidValue) as refused:
            acts.handle(session, staff, report, states.EXTEND, ORIGIN, late, "需核对原始台账")
        assert refused.value.code == "limit-passed"
        assert not report.extended and report.limit_day == date(2026, 10, 13)
        assert queries.is_overdue(report, date(2026, 10, 14))  # still overdue
        assert states.EXTEND not in queries.department_actions(report, date(2026, 10, 14))
        (item,) = queries.workbench(session, staff, late)
        assert states.EXTEND not in item.actions


def test_a_report_late_in_the_utc_day_counts_from_the_next_beijing_day(session, world):
    with session.begin():
        report, _ = _report(session, world, now=datetime(2026, 11, 2, 17, 30))  # Tue 01:30
        # Beijing Tuesday 3 Nov: 4, 5, 6, 9, 10 November
        assert report.limit_day == date(2026, 11, 10)


def test_overdue_is_flagged_on_the_workbench_and_counted_as_late(session, world):
    with session.begin():
        report, _ = _report(session, world)
        staff = _actor(session, world["publisher"])
        on_the_day = datetime(2026, 10, 13, 8)  # the limit day in Beijing
        late = datetime(2026, 10, 14, 1)
        assert not queries.is_overdue(report, date(2026, 10, 13))
        assert [i.overdue for i in queries.workbench(session, staff, on_the_day)] == [False]
        assert [i.overdue for i in queries.workbench(session, staff, late)] == [True]
        assert queries.tracker(session, session.get(Dataset, world["dataset"]), late)[0].overdue
        acts.handle(session, staff, report, states.ACCEPT, ORIGIN, late)
        assert queries.is_overdue(report, date(2026, 10, 14))  # accepted is no answer
        acts.handle(session, staff, report, states.START_CORRECTION, ORIGIN, late)
        acts.handle(session, staff, report, states.PUBLISH, ORIGIN, late, "已更正第3行。")
        assert report.answered_in_time is False and not queries.is_overdue(
            report, date(2026, 10, 14)
        )


# --- the transitions -------------------------------------------------------------------------


def test_the_whole_loop_records_every_step_with_actor_time_and_note(session, world):
    with session.begin():
        report, token = _report(session, world)
        assert report.token_hash == acts.token_digest(token) and token not in report.token_hash
        staff = _actor(session, world["publisher"])
        steps = [
            (states.ACCEPT, None, states.ACCEPTED),
            (states.START_CORRECTION, None, states.CORRECTING),
            (states.PUBLISH, "已将第3行人口数更正为 12345，并重新发布文件。", states.PUBLISHED),
        ]
        at = BEFORE_HOLIDAY
        for event, note, target in steps:
            at += timedelta(days=1)
            acts.handle(session, staff, report, event, ORIGIN, at, note)
            assert report.state == target
        assert report.answered_in_time is True and report.fixed_at == at
        assert report.feedback == steps[-1][1] and report.feedback_at == at
        acts.answer_as_reporter(session, report, states.CONFIRM, ORIGIN, at + timedelta(days=1),
                                token=token)  # fmt: skip
        assert report.state == states.CONFIRMED and report.closed_at is not None
    events = session.scalars(select(FeedbackEvent).order_by(FeedbackEvent.seq)).all()
    assert [(e.event, e.role) for e in events] == [
        ("report", "reporter"), ("accept", "department"), ("start_correction", "department"),
        ("publish", "department"), ("confirm", "reporter"),
    ]  # fmt: skip
    assert events[1].actor_id == world["publisher"] and events[0].actor == "reporter"
    assert events[3].note == steps[-1][1] and events[3].at == at
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "feedback_report")
    ).all()
    assert actions == ["feedback.report", "feedback.accept", "feedback.start_correction",
                       "feedback.publish", "feedback.confirm"]  # fmt: skip
    assert verify(session).ok


def test_rejection_needs_a_reason_and_is_the_answer(session, world):
    with session.begin():
        report, _ = _report(session, world)
        staff = _actor(session, world["publisher"])
        with pytest.raises(InvalidValue) as refused:
            acts.handle(session, staff, report, states.REJECT, ORIGIN, BEFORE_HOLIDAY)
        assert refused.value.code == "missing-reason" and report.state == states.REPORTED
        acts.handle(session, staff, report, states.REJECT, ORIGIN, BEFORE_HOLIDAY,
                    "经核实，原始数据即为此值。")  # fmt: skip
        assert report.state == states.REJECTED and report.answered_in_time is True
        assert report.rejection_reason == "经核实，原始数据即为此值。"
        assert queries.department_actions(report) == []


def test_moves_outside_the_table_are_refused(session, world):
    with session.begin():
        report, token = _report(session, world)
        staff = _actor(session, world["publisher"])
        for event in (states.PUBLISH, states.START_CORRECTION, states.CONFIRM):
            with pytest.raises(InvalidValue) as refused:
                acts.handle(session, staff, report, event, ORIGIN, BEFORE_HOLIDAY, "说明")
            assert refused.value.code in {"impossible-transition", "not-permitted"}
        with pytest.raises(InvalidValue) as early:
            acts.answer_as_reporter(session, report, states.CONFIRM, ORIGIN, BEFORE_HOLIDAY,
                                    token=token)  # fmt: skip
        assert early.value.code == "impossible-transition"
        with pytest.raises(Forbidden):
            acts.answer_as_reporter(session, report, states.CONFIRM, ORIGIN, BEFORE_HOLIDAY,
                                    token="not-the-token")  # fmt: skip


def _published(session, world, at=BEFORE_HOLIDAY) -> tuple[ProblemReport, str]:
    report, token = _report(session, world, now=at)
    staff = _actor(session, world["publisher"])
    acts.handle(session, staff, report, states.ACCEPT, ORIGIN, at)
    acts.handle(session, staff, report, states.START_CORRECTION, ORIGIN, at)
    acts.handle(session, staff, report, states.PUBLISH, ORIGIN, at, "已更正。")
    return report, token


def test_not_fixed_goes_back_to_being_corrected_with_a_new_limit(session, world):
    with session.begin():
        report, token = _published(session, world, at=datetime(2026, 10, 8, 2))
        with pytest.raises(InvalidValue) as why:
            acts.answer_as_reporter(session, report, states.REOPEN, ORIGIN,
                                    datetime(2026, 10, 9, 2), token=token)  # fmt: skip
        assert why.value.code == "missing-reason"
        acts.answer_as_reporter(session, report, states.REOPEN, ORIGIN, datetime(2026, 10, 9, 2),
                                token=token, note="第4行也错了。")  # fmt: skip
        assert report.state == states.CORRECTING and report.feedback_at is None
        # 5 working days after Fri 9 October: Sat 10 (调休), 12, 13, 14, 15
        assert report.limit_day == date(2026, 10, 15) and not report.extended


def test_a_report_closes_itself_seven_days_after_the_feedback(session, world, runner):
    with session.begin():
        report, token = _published(session, world)
        reference = report.reference
        acts.settle(session, report, BEFORE_HOLIDAY + timedelta(days=6, hours=23))
        assert report.state == states.PUBLISHED
        assert (
            queries.open_count(session, world["dataset"], BEFORE_HOLIDAY + timedelta(days=6)) == 1
        )
        assert (
            queries.open_count(session, world["dataset"], BEFORE_HOLIDAY + timedelta(days=7)) == 0
        )
        read = acts.get_report(session, reference, BEFORE_HOLIDAY + timedelta(days=8))
        assert read.state == states.CLOSED
        assert read.closed_at == BEFORE_HOLIDAY + timedelta(days=7)
        assert read.events[-1].role == "system" and read.events[-1].event == "close"
        with pytest.raises(InvalidValue):
            acts.answer_as_reporter(session, read, states.CONFIRM, ORIGIN,
                                    BEFORE_HOLIDAY + timedelta(days=8), token=token)  # fmt: skip


def test_the_cli_closes_the_expired_ones(app, session, world, runner):
    with session.begin():
        _published(session, world)
        _published(session, world, at=BEFORE_HOLIDAY + timedelta(days=3))
    result = runner.invoke(args=["feedback", "close-expired", "--now", "2026-10-08T00:00:00"])
    assert result.exit_code == 0 and "closed 1 problem reports" in result.output
    session.expire_all()
    assert sorted(session.scalars(select(ProblemReport.state))) == ["closed", "published"]


def test_another_department_cannot_act_and_a_parent_department_can(session, world):
    with session.begin():
        report, _ = _report(session, world)
        stranger = _actor(session, world["stranger"])
        with pytest.raises(Forbidden):
            acts.handle(session, stranger, report, states.ACCEPT, ORIGIN, BEFORE_HOLIDAY)
        assert queries.workbench(session, stranger, BEFORE_HOLIDAY) == []
        assert not acts.may_handle(session, CITIZEN, report)
        parent_publisher = _actor(session, world["publisher"])  # of 统计局, above 南宁
        assert acts.may_handle(session, parent_publisher, report)
        assert report.state == states.REPORTED


def test_an_administrator_handles_a_report_on_a_dataset_of_no_department(app, session, world):
    admin_id = make_person(app, "admin@example.org", ADMIN)
    with session.begin():
        orphan = create_dataset(session, title="无主数据", department=None, slug="orphan",
                                open_type="unconditional")  # fmt: skip
        publish_dataset(session, orphan)
        content = {"kind": "wrong_values", "description": "这个数据集没有部门负责。"}
        report, _ = acts.report_problem(session, CITIZEN, orphan, content, ORIGIN, BEFORE_HOLIDAY)
        assert report.department_id is None
        admin = _actor(session, admin_id)
        assert acts.may_handle(session, admin, report)
        assert report.reference in [
            i.report.reference for i in queries.workbench(session, admin, BEFORE_HOLIDAY)
        ]
        acts.handle(session, admin, report, states.ACCEPT, ORIGIN, BEFORE_HOLIDAY)
        assert report.state == states.ACCEPTED
        assert not acts.may_handle(session, _actor(session, world["publisher"]), report)
        assert [u.id for u in queries.handlers_of(session, None)] == [admin_id]  # told of it


def test_the_datasets_current_department_handles_its_reports(session, world):
    with session.begin():
        report, _ = _report(session, world)
        dataset = session.get(Dataset, world["dataset"])
        dataset.department_id = session.scalar(select(Department.id).where(
            Department.slug == "jiaotong"))  # fmt: skip
        session.flush()
        newcomer, former = _actor(session, world["stranger"]), _actor(session, world["publisher"])
        assert acts.may_handle(session, newcomer, report)
        assert not acts.may_handle(session, former, report)
        assert [i.report.id for i in queries.workbench(session, newcomer, BEFORE_HOLIDAY)] == [
            report.id
        ]
        assert queries.workbench(session, former, BEFORE_HOLIDAY) == []
        acts.handle(session, newcomer, report, states.ACCEPT, ORIGIN, BEFORE_HOLIDAY)


def test_the_tracker_reads_every_reports_steps_in_one_query(services, session, world):
    with session.begin():
        for _ in range(5):
            _report(session, world)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = services.session_factory.kw["bind"]
    sql_event.listen(engine, "before_cursor_execute", seen)
    try:
        with services.session_factory() as fresh:
            found = queries.tracker(fresh, fresh.get(Dataset, world["dataset"]), BEFORE_HOLIDAY)
    finally:
        sql_event.remove(engine, "before_cursor_execute", seen)
    assert len(found) == 5 and all(r.steps for r in found)
    assert sum("FROM feedback_event" in s for s in statements) == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "nonsense"}, "unknown-kind"),
        ({"description": "错"}, "description-too-short"),
        ({"description": "错" * 2001}, "description-too-long"),
        ({"description": "看 http://a.example http://b.example www.c.example"}, "too-many-links"),
        ({"contact": "not-a-mail"}, "bad-contact"),
        ({"distribution_id": "no-such-file"}, "unknown-file"),
        ({"row_ref": "9" * 41}, "cell-ref-too-long"),
    ],
)
def test_a_report_is_checked(session, world, fields, code):
    with session.begin(), pytest.raises(InvalidValue) as refused:
        _report(session, world, **fields)
    assert refused.value.code == code


# --- figures and the quality index ----------------------------------------------------------


def test_department_figures_count_received_fixed_overdue_in_time_and_the_median(session, world):
    with session.begin():
        staff = _actor(session, world["publisher"])
        fixed, _ = _published(session, world)  # fixed the same day: in time, 0 days
        late, _ = _report(session, world)
        for event in (states.ACCEPT, states.START_CORRECTION):
            acts.handle(session, staff, late, event, ORIGIN, BEFORE_HOLIDAY)
        acts.handle(session, staff, late, states.PUBLISH, ORIGIN,
                    BEFORE_HOLIDAY + timedelta(days=20), "迟到的更正")  # fmt: skip
        _report(session, world)  # never answered: overdue once its limit has passed
        rejected, _ = _report(session, world)
        acts.handle(session, staff, rejected, states.REJECT, ORIGIN, BEFORE_HOLIDAY, "无误")
        _report(session, world, now=datetime(2026, 12, 1))  # outside the window
    found = figures.department_figures(session, datetime(2026, 9, 1), datetime(2026, 11, 1))
    assert set(found) == {world["child"]}
    item = found[world["child"]]
    assert (item.received, item.fixed, item.rejected) == (4, 2, 1)
    assert (item.due, item.answered_in_time, item.overdue) == (4, 2, 2)
    assert item.share_in_time == 0.5 and item.median_days_to_fix == 10.0
    assert item.to_dict()["median_days_to_fix"] == 10.0
    early = figures.department_figures(session, datetime(2026, 9, 1), datetime(2026, 10, 2))
    assert early[world["child"]].due == 2  # the limits had not passed yet: only the answered


def test_responsiveness_enters_the_department_quality_index(app, session, world):
    services = app.extensions["gxdata"]
    today = date(2026, 11, 1)
    with session.begin():
        before = openness_figures(session, public_facts(session, services.files), today)
    department = next(g for g in before.departments if g.key == "tongji-nn")
    assert "responsiveness" not in department.components
    with session.begin():
        _report(session, world)  # unanswered, limit passed: 0 % in time
        after = openness_figures(session, public_facts(session, services.files), today)
    changed = next(g for g in after.departments if g.key == "tongji-nn")
    assert changed.components["responsiveness"] == 0.0
    measured = sum(v is not None for k, v in department.components.items())
    assert changed.dqi_mean == pytest.approx(department.dqi_mean * measured / (measured + 1))
    assert after.catalog.dqi_mean == before.catalog.dqi_mean  # the catalog's index is the datasets'


# --- the pages ------------------------------------------------------------------------------


def _form(client, path="/dataset/nn-people/feedback/new"):
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    stamp = re.search(r'name="stamp"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="stamp"', html)
    return csrf(html), next(g for g in stamp.groups() if g)


def _post(client, world, path="/dataset/nn-people/feedback/new", **fields):
    token, stamp = _form(client, path)
    data = {"csrf_token": token, "stamp": stamp, "kind": "wrong_values",
            "description": "第3行人口数多了一个零。", "distribution_id": world["file"],
            "row_ref": "3", "column_ref": "人口数", "contact": CONTACT,
            "website": ""} | fields  # fmt: skip
    return client.post(path, data=data)


@pytest.fixture
def fast(app):
    app.config["FEEDBACK_MIN_SECONDS"] = 0
    return app


def _mails(app) -> list[Path]:
    return sorted((Path(app.instance_path) / "mail").glob("*.eml"))


def test_a_citizen_reports_through_the_form_and_follows_the_secret_link(fast, client, world,
                                                                          session):  # fmt: skip
    dataset_page = client.get("/dataset/nn-people").get_data(as_text=True)
    assert "报告数据问题" in dataset_page and "未结问题：0" in dataset_page
    answer = _post(client, world)
    assert answer.status_code == 303
    follow = answer.headers["Location"]
    match = re.search(r"/feedback/(WT-\d{4}-[0-9A-F]{8})/follow/([A-Za-z0-9_-]+)$", follow)
    assert match, follow
    reference, token = match.groups()
    report = session.scalar(select(ProblemReport))
    assert report.reference == reference and report.token_hash == acts.token_digest(token)
    assert token not in str(session.scalar(select(ProblemReport.token_hash)))
    page = client.get(follow).get_data(as_text=True)
    assert "已收到" in page and "第3行人口数多了一个零。" in page and "人口.csv" in page
    mails = [m.read_bytes().decode() for m in _mails(fast)]
    to_reporter = [m for m in mails if f"To: {CONTACT}" in m]
    assert len(to_reporter) == 1 and token in to_reporter[0]
    to_staff = [m for m in mails if "To: staff@tjj.example.gov.cn" in m]
    assert len(to_staff) == 1 and reference in to_staff[0]
    assert report.limit_day.isoformat() in to_staff[0]
    assert all("To: reviewer@jt.example.gov.cn" not in m for m in mails)  # another department
    assert client.get(f"/feedback/{reference}/follow/not-the-token").status_code == 404
    assert "未结问题：1" in client.get("/dataset/nn-people").get_data(as_text=True)


class _Refusing:
    """An SMTP server (aiosmtpd on 127.0.0.1) that refuses some recipients."""

    def __init__(self, refused: set[str]) -> None:
        self.refused = refused
        self.delivered: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.refused:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.delivered.extend(envelope.rcpt_tos)
        return "250 OK"


def test_a_refusing_mail_server_does_not_lose_the_follow_link(fast, client, world, caplog):
    controller_module = pytest.importorskip("aiosmtpd.controller")
    from portal.accounts.mail import senders_for

    second = "second@tjj.example.gov.cn"
    make_person(fast, second, REVIEWER, "tongji")
    handler = _Refusing({CONTACT, "staff@tjj.example.gov.cn"})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        fast.extensions["gxdata_senders"] = senders_for(
            {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none"}, fast.instance_path
        )
        answer = _post(client, world)
    finally:
        controller.stop()
    assert answer.status_code == 303 and "/follow/" in answer.headers["Location"]
    assert handler.delivered == [second]  # the first refused staff member did not stop it
    assert caplog.text.count("mail not sent") == 2
    assert "已收到" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_a_mail_server_that_is_down_does_not_fail_the_answer(fast, client, app, world, session):
    from portal.accounts.mail import senders_for

    follow = _post(client, world).headers["Location"]
    reference = follow.split("/feedback/")[1].split("/")[0]
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.extensions["gxdata_senders"] = senders_for(
        {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none"}, app.instance_path
    )
    staff = app.test_client()
    sign_in_client(app, staff, world["publisher"])
    token = csrf(staff.get(f"/workbench/feedback/{reference}").get_data(as_text=True))
    done = staff.post(f"/workbench/feedback/{reference}/reject",
                      data={"csrf_token": token, "note": "数据无误。"})  # fmt: skip
    assert done.status_code == 303
    session.expire_all()
    assert session.scalar(select(ProblemReport.state)) == "rejected"


def test_the_tracker_hides_personal_data(fast, client, app, world, session):
    user_id = signed_in(app, client, "named.person@example.cn")
    assert _post(client, world, contact="secret.contact@example.cn").status_code == 303
    assert _post(client, world, kind="privacy", description="第5行含有身份证号码 450102...",
                 row_ref="R5-ID", column_ref="身份证列",
                 contact="").status_code == 303  # fmt: skip
    pseudonym = session.get(User, user_id).pseudonym
    references = session.scalars(select(ProblemReport.reference)).all()
    anonymous = app.test_client()
    for path in ["/dataset/nn-people/feedback", *(f"/feedback/{r}" for r in references)]:
        html = anonymous.get(path).get_data(as_text=True)
        assert "secret.contact" not in html and "named.person" not in html
        assert pseudonym not in html and "身份证号码" not in html
    tracker = anonymous.get("/dataset/nn-people/feedback").get_data(as_text=True)
    assert "数值错误" in tracker and "隐私" in tracker
    private = session.scalar(select(ProblemReport.reference).where(ProblemReport.kind == "privacy"))
    private_page = anonymous.get(f"/feedback/{private}").get_data(as_text=True)
    assert "个人信息" in private_page
    assert "R5-ID" not in private_page and "身份证列" not in private_page  # not the leaking cell
    assert "R5-ID" not in tracker and "身份证列" not in tracker
    leaked = session.scalar(select(ProblemReport).where(ProblemReport.kind == "privacy"))
    view = queries.public_view(leaked, date(2026, 1, 1))
    assert (view.distribution_id, view.row_ref, view.column_ref) == (None, None, None)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"website": "http://spam.example"}, "未被受理"),
        ({"stamp": "forged"}, "重新提交"),
        ({"description": "请访问 http://a.example http://b.example http://c.example"}, "链接过多"),
        ({"description": "错"}, "至少 5 个字"),
        ({"contact": "not-a-mail"}, "电子邮件地址"),
    ],
)
def test_spam_and_bad_input_are_refused_in_chinese_with_the_form_kept(
    fast, client, world, session, fields, words
):
    answer = _post(client, world, **fields)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert words in html, html
    assert "人口数" in html  # the column typed is still there
    assert session.scalar(select(ProblemReport)) is None


def test_a_form_sent_back_too_fast_is_refused(app, client, world, session):
    app.config["FEEDBACK_MIN_SECONDS"] = 30
    answer = _post(client, world)
    assert answer.status_code == 400 and "提交过快" in answer.get_data(as_text=True)
    assert "第3行人口数多了一个零。" in answer.get_data(as_text=True)
    assert session.scalar(select(ProblemReport)) is None


def test_reports_are_rate_limited_per_client(fast, client, world, session):
    fast.config["FEEDBACK_RATE"] = "2 per minute"
    assert _post(client, world).status_code == 303
    assert _post(client, world).status_code == 303
    refused = _post(client, world, description="第三次报告，应被限流。")
    assert refused.status_code == 429
    assert "过于频繁" in refused.get_data(as_text=True)
    assert "第三次报告，应被限流。" in refused.get_data(as_text=True)
    assert len(session.scalars(select(ProblemReport)).all()) == 2


def test_the_form_needs_its_csrf_token(fast, client, world):
    answer = client.post("/dataset/nn-people/feedback/new",
                         data={"kind": "other", "description": "没有令牌的报告"})  # fmt: skip
    assert answer.status_code == 400


def test_the_department_handles_and_another_department_cannot(fast, client, app, world, session):
    follow = _post(client, world).headers["Location"]
    reference = follow.split("/feedback/")[1].split("/")[0]
    stranger = app.test_client()
    sign_in_client(app, stranger, world["stranger"])
    assert reference not in stranger.get("/workbench/feedback").get_data(as_text=True)
    assert stranger.get(f"/workbench/feedback/{reference}").status_code == 404
    page = stranger.get("/dataset/nn-people/feedback/new").get_data(as_text=True)
    refused = stranger.post(f"/workbench/feedback/{reference}/accept",
                            data={"csrf_token": csrf(page)})  # fmt: skip
    assert refused.status_code == 404
    staff = app.test_client()
    sign_in_client(app, staff, world["publisher"])
    assert reference in staff.get("/workbench/feedback").get_data(as_text=True)
    item = staff.get(f"/workbench/feedback/{reference}").get_data(as_text=True)
    assert CONTACT not in item and "受理" in item
    token = csrf(item)
    no_reason = staff.post(f"/workbench/feedback/{reference}/reject", data={"csrf_token": token})
    assert no_reason.status_code == 303
    assert "请填写理由" in staff.get(no_reason.headers["Location"]).get_data(as_text=True)
    for event, note in (("accept", ""), ("start_correction", ""), ("publish", "已更正第3行。")):
        done = staff.post(f"/workbench/feedback/{reference}/{event}",
                          data={"csrf_token": token, "note": note})  # fmt: skip
        assert done.status_code == 303
    session.expire_all()
    assert session.scalar(select(ProblemReport.state)) == "published"
    assert "已更正第3行。" in _mails(app)[-1].read_bytes().decode()
    # the reporter, through the link
    page = client.get(follow).get_data(as_text=True)
    assert "确认已解决" in page
    secret = follow.rsplit("/", 1)[1]
    confirmed = client.post(
        f"/feedback/{reference}/answer/confirm", data={"csrf_token": csrf(page), "token": secret}
    )
    assert confirmed.status_code == 303
    session.expire_all()
    assert session.scalar(select(ProblemReport.state)) == "confirmed"


def test_a_signed_in_reporter_answers_from_the_account(fast, client, app, world, session):
    signed_in(app, client, "reporter@example.cn")
    follow = _post(client, world).headers["Location"]
    reference = follow.split("/feedback/")[1].split("/")[0]
    with session.begin():
        report = session.scalar(select(ProblemReport))
        staff = _actor(session, world["publisher"])
        now = datetime.now().replace(microsecond=0) - timedelta(hours=1)
        for event, note in (("accept", None), ("start_correction", None), ("publish", "已更正")):
            acts.handle(session, staff, report, event, ORIGIN, now, note)
    mine = client.get("/account/feedback").get_data(as_text=True)
    assert reference in mine and "已发布整改" in mine
    page = client.get(f"/feedback/{reference}").get_data(as_text=True)
    answer = client.post(f"/feedback/{reference}/answer/reopen",
                         data={"csrf_token": csrf(page), "note": "第4行仍然不对。"})  # fmt: skip
    assert answer.status_code == 303
    session.expire_all()
    assert session.scalar(select(ProblemReport.state)) == "correcting"
    other = app.test_client()
    page = other.get("/dataset/nn-people/feedback/new").get_data(as_text=True)
    assert other.post(f"/feedback/{reference}/answer/confirm",
                      data={"csrf_token": csrf(page)}).status_code == 403  # fmt: skip


def test_the_background_sweep_closes_them_too(app, session, world):
    with session.begin():
        _published(session, world)  # in 2026: long over by now
    SweepThread(app).sweep()
    session.expire_all()
    assert session.scalar(select(ProblemReport.state)) == "closed"


def test_a_dataset_no_longer_public_hides_its_reports(fast, client, app, world, session):
    follow = _post(client, world).headers["Location"]
    reference = follow.split("/feedback/")[1].split("/")[0]
    with session.begin():
        session.get(Dataset, world["dataset"]).state = "withdrawn"
    staff = app.test_client()
    sign_in_client(app, staff, world["publisher"])
    for path in ("/dataset/nn-people/feedback", "/dataset/nn-people/feedback/new",
                 f"/feedback/{reference}", follow):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert staff.get(f"/workbench/feedback/{reference}").status_code == 404
