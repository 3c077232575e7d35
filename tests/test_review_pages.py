"""The reviewer's and administrator's pages of applications (portal/review/, portal/admin/):
the queue of one's departments by limit with overdue flagged, another department's
applications hidden, every decision through the services with CSRF and a Chinese refusal,
the applicant told by mail, attachments for the reviewer only, the administrator's listing,
filters, overdue figures and audited CSV export; the grant's usage reports with the next one
due and an overdue one flagged, the department's overdue reports in the queue, and the
header's links to one's applications and the review."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from application_world import (
    EARLY,
    LATE,
    QUEUE_NOW,
    People,
    actor,
    build,
    granted,
    reported,
    submitted,
)
from flask import Flask
from flask.testing import FlaskClient
from form_tokens import csrf
from signing_in import sign_in_client
from sqlalchemy import select

from catalog import audit
from catalog.accounts.models import User
from catalog.applications import acts
from catalog.applications.models import Application, Grant
from catalog.models import Dataset
from portal.admin import applications as admin_pages
from portal.review import views as review_views

APPLICANT_PAGE = "/account/applications/"


@pytest.fixture
def people(app: Flask, monkeypatch: pytest.MonkeyPatch) -> People:
    monkeypatch.setattr(review_views, "utcnow", lambda: QUEUE_NOW)
    monkeypatch.setattr(admin_pages, "utcnow", lambda: QUEUE_NOW)
    return build(app)


def _client(app: Flask, user_id: int) -> FlaskClient:
    client = app.test_client()
    sign_in_client(app, client, user_id)
    return client


def _state(app: Flask, reference: str) -> str:
    with app.extensions["gxdata"].session_factory() as session:
        return session.scalars(
            select(Application.state).where(Application.reference == reference)
        ).one()


def _mails(app: Flask) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "mail"
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        found.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
    return found  # type: ignore[return-value]


def _act(client: FlaskClient, reference: str, event: str, reason: str = "") -> str:
    page = client.get(f"/review/applications/{reference}")
    assert page.status_code == 200
    done = client.post(
        f"/review/applications/{reference}/{event}",
        data={"csrf_token": csrf(page.get_data(as_text=True)), "reason": reason},
    )
    assert done.status_code == 303, done.get_data(as_text=True)
    return client.get(done.headers["Location"]).get_data(as_text=True)


def test_the_queue_holds_one_departments_applications_by_limit_overdue_flagged(
    app: Flask, people: People
) -> None:
    late = submitted(app, people.applicants[0], "mine", LATE)  # made first, limit later
    early = submitted(app, people.applicants[1], "mine", EARLY)
    elsewhere = submitted(app, people.applicants[2], "other", EARLY)
    html = _client(app, people.reviewer).get("/review/applications").get_data(as_text=True)
    assert late in html and early in html and elsewhere not in html
    assert html.index(early) < html.index(late)  # the nearest limit first
    early_row = html[html.index(early) : html.index(late)]
    assert 'class="overdue"' in html[: html.index(early)].rsplit("<tr", 1)[1]
    assert "已超期" in early_row and "已超期" not in html[html.index(late) :]
    assert "2025-10-16" in early_row and "2025-10-29" in html[html.index(late) :]
    assert "个工作日" in html[html.index(late) :]  # the days left
    assert "企业" in early_row and "南宁第1科技有限公司" in early_row  # kind, organization
    with app.extensions["gxdata"].session_factory() as session:
        code = session.get(User, people.applicants[1]).credit_code  # type: ignore[union-attr]
    assert code[:8] + "********" + code[-2:] in early_row and code not in html
    outsider = _client(app, people.outsider).get("/review/applications").get_data(as_text=True)
    assert elsewhere in outsider and early not in outsider


def test_an_estimated_limit_is_labelled(app: Flask, people: People) -> None:
    reference = submitted(app, people.applicants[0], "mine", datetime(2026, 12, 28, 2))
    html = _client(app, people.reviewer).get("/review/applications").get_data(as_text=True)
    assert reference in html and "预计" in html


def test_other_people_cannot_see_or_act(app: Flask, people: People) -> None:
    reference = submitted(app, people.applicants[0], "mine", EARLY)
    outsider = _client(app, people.outsider)
    assert outsider.get(f"/review/applications/{reference}").status_code == 404
    page = _client(app, people.reviewer).get(f"/review/applications/{reference}")
    token = csrf(page.get_data(as_text=True))
    refused = outsider.post(f"/review/applications/{reference}/start_review",
                            data={"csrf_token": token})  # fmt: skip
    assert refused.status_code in (400, 404) and _state(app, reference) == "submitted"
    applicant = _client(app, people.applicants[0])
    assert applicant.get("/review/applications").status_code == 403
    assert applicant.get(f"/review/applications/{reference}").status_code == 404
    assert app.test_client().get("/review/applications").status_code == 302  # sign in first
    reviewer = _client(app, people.reviewer)
    no_token = reviewer.post(f"/review/applications/{reference}/start_review")
    assert no_token.status_code == 400 and _state(app, reference) == "submitted"


def test_request_info_then_approve_makes_an_active_grant_and_mails(
    app: Flask, people: People
) -> None:
    reference = submitted(app, people.applicants[0], "mine", EARLY)
    reviewer = _client(app, people.reviewer)
    html = _act(reviewer, reference, "start_review")
    assert _state(app, reference) == "under_review" and "营业执照.pdf" in html
    html = _act(reviewer, reference, "request_info", "")
    assert "请说明理由" in html and _state(app, reference) == "under_review"
    _act(reviewer, reference, "request_info", "请补充近三年的财务报表")
    assert _state(app, reference) == "more_info_requested"
    with app.extensions["gxdata"].session_factory() as session, session.begin():
        application = session.scalars(
            select(Application).where(Application.reference == reference)
        ).one()
        acts.resubmit(session, actor(session, people.applicants[0]), application, now=EARLY)
    _act(reviewer, reference, "start_review")
    html = _act(reviewer, reference, "approve")
    assert _state(app, reference) == "grant_active"
    assert "请补充近三年的财务报表" in html  # the history says why
    with app.extensions["gxdata"].session_factory() as session:
        grant = session.scalars(select(Grant)).one()
        assert grant.state == "active"
    mails = _mails(app)
    assert [m["To"] for m in mails] == ["e0@example.org"] * 2
    asked, approved = (m.get_content() for m in mails)
    assert "请补充近三年的财务报表" in asked and APPLICANT_PAGE + reference in asked
    assert "已获批准" in approved and "需补充" in mails[0]["Subject"]


def test_reject_needs_a_reason_and_revoke_ends_the_grant(app: Flask, people: People) -> None:
    reference = submitted(app, people.applicants[0], "mine", EARLY)
    reviewer = _client(app, people.reviewer)
    _act(reviewer, reference, "start_review")
    html = _act(reviewer, reference, "reject", "   ")
    assert "请说明理由" in html and _state(app, reference) == "under_review"
    token = csrf(reviewer.get(f"/review/applications/{reference}").get_data(as_text=True))
    html = _act(reviewer, reference, "reject", "用途与数据无关")
    assert _state(app, reference) == "rejected" and "用途与数据无关" in html
    assert 'action="/review/applications/' not in html  # no button left
    late = reviewer.post(f"/review/applications/{reference}/approve", data={"csrf_token": token})
    html = reviewer.get(late.headers["Location"]).get_data(as_text=True)  # a message, no traceback
    assert "当前状态下不能进行此操作" in html and _state(app, reference) == "rejected"
    other, grant_id = granted(app, people, 1, EARLY)
    html = _act(reviewer, other, "revoke", "")
    assert "请说明理由" in html and _state(app, other) == "grant_active"
    _act(reviewer, other, "revoke", "发现数据被转售")
    assert _state(app, other) == "revoked"
    with app.extensions["gxdata"].session_factory() as session:
        grant = session.get(Grant, grant_id)
        assert grant is not None and grant.state == "revoked"
    subjects = [m["Subject"] for m in _mails(app)]
    assert any("未获批准" in s for s in subjects) and any("撤销" in s for s in subjects)
    revoked = next(m for m in _mails(app) if "撤销" in m["Subject"])
    assert "发现数据被转售" in revoked.get_content() and revoked["To"] == "e1@example.org"


def test_attachments_download_for_the_reviewer_only(app: Flask, people: People) -> None:
    reference = submitted(app, people.applicants[0], "mine", EARLY)
    reviewer = _client(app, people.reviewer)
    page = reviewer.get(f"/review/applications/{reference}").get_data(as_text=True)
    link = re.search(r'href="([^"]*/attachments/\d+)"', page).group(1)  # type: ignore[union-attr]
    got = reviewer.get(link)
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert _client(app, people.outsider).get(link).status_code == 404
    assert _client(app, people.admin).get(link).status_code == 404
    assert _client(app, people.applicants[0]).get(link).status_code == 404
    assert reviewer.get(link.rsplit("/", 1)[0] + "/999").status_code == 404


def test_the_administrator_lists_filters_and_exports(app: Flask, people: People) -> None:
    early = submitted(app, people.applicants[0], "mine", EARLY)
    late = submitted(app, people.applicants[1], "mine", LATE)
    elsewhere = submitted(app, people.applicants[2], "other", EARLY)
    admin = _client(app, people.admin)
    html = admin.get("/admin/applications").get_data(as_text=True)
    assert all(ref in html for ref in (early, late, elsewhere))
    overdue = admin.get("/admin/applications?overdue=1").get_data(as_text=True)
    assert early in overdue and elsewhere in overdue and late not in overdue
    with app.extensions["gxdata"].session_factory() as session:
        application = session.scalars(
            select(Application).where(Application.reference == elsewhere)
        ).one()
        other_department = application.dataset_id
        department_id = session.get(Dataset, other_department).department_id  # type: ignore[union-attr]
    only_other = admin.get(f"/admin/applications?department={department_id}").get_data(as_text=True)
    assert elsewhere in only_other and early not in only_other
    by_state = admin.get("/admin/applications?state=rejected").get_data(as_text=True)
    assert early not in by_state
    assert admin.get("/admin/applications?state=nonsense").status_code == 404
    assert "超期审核" in html and "<strong>2</strong>" in html  # the dashboard's figures
    exported = admin.get("/admin/applications.csv?overdue=1")
    assert exported.headers["Content-Disposition"] == "attachment; filename=applications.csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "reference" and {r[0] for r in rows[1:]} == {early, elsewhere}
    titles = {r[0]: r[2] for r in rows[1:]}
    assert titles[elsewhere] == "'=1+2 他厅数据"  # a formula neutralised
    with app.extensions["gxdata"].session_factory() as session:
        entry = session.scalars(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "applications.export")
        ).one()
        assert entry.role == "admin" and entry.object_id == "csv"
    reviewer = _client(app, people.reviewer)
    assert reviewer.get("/admin/applications").status_code == 403
    assert reviewer.get("/admin/applications.csv").status_code == 403


def _reports_section(html: str) -> str:
    start = html.index('id="usage-reports"')
    return html[start : html.index("</section>", start)]


# The grants below start at EARLY + 2 hours (26 September 2025, 12:00 in Beijing) and the
# conditions ask for a report every 30 days: the first falls due on 26 October, 12:00.
REPORTS_NOW = datetime(2025, 11, 5, 2, 0)  # 5 November 2025, 10:00 in Beijing


def test_the_detail_page_lists_the_reports_and_the_next_one_due(
    app: Flask, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, grant_id = granted(app, people, 0, EARLY)
    reviewer = _client(app, people.reviewer)
    html = reviewer.get(f"/review/applications/{reference}").get_data(as_text=True)
    assert "尚未提交使用情况报告" in html
    assert "下次报告截止：2025-10-26 12:00" in html and "使用情况报告已逾期" not in html
    reported(app, people.applicants[0], grant_id, datetime(2025, 10, 1, 2),
             what_built="小微企业信用评分卡", results="<b>放贷效率提升</b>",
             problems="发现三条手机号格式错误")  # fmt: skip
    html = reviewer.get(f"/review/applications/{reference}").get_data(as_text=True)
    section = _reports_section(html)
    assert "下次报告截止：2025-10-31 10:00" in section  # 30 days after the report
    assert "2025-10-01 10:00" in section and "小微企业信用评分卡" in section
    assert "&lt;b&gt;放贷效率提升&lt;/b&gt;" in section and "<b>" not in section  # escaped
    assert "发现三条手机号格式错误" in section
    monkeypatch.setattr(review_views, "utcnow", lambda: REPORTS_NOW)
    html = reviewer.get(f"/review/applications/{reference}").get_data(as_text=True)
    section = _reports_section(html)
    assert "使用情况报告已逾期" in section and "应于 2025-10-31 10:00" in section
    assert "每 30 天" in section  # the conditions' interval
    reported(app, people.applicants[0], grant_id, REPORTS_NOW - timedelta(hours=1), final=True)
    html = reviewer.get(f"/review/applications/{reference}").get_data(as_text=True)
    section = _reports_section(html)
    assert "使用情况报告已逾期" not in section and "下次报告截止：2025-12-05 09:00" in section
    assert section.count("<tr><td>") == 2 and "最终报告" in section


def test_the_queue_lists_the_departments_overdue_reports(
    app: Flask, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    silent, _silent_grant = granted(app, people, 0, EARLY)
    late, late_grant = granted(app, people, 1, EARLY)
    elsewhere, _other_grant = granted(app, people, 2, EARLY, department="other")
    reported(app, people.applicants[1], late_grant, datetime(2025, 10, 1, 2))  # due 31 October
    reviewer = _client(app, people.reviewer)
    html = reviewer.get("/review/applications").get_data(as_text=True)
    assert "使用情况报告逾期" in html and "没有逾期的使用情况报告" in html  # none yet
    monkeypatch.setattr(review_views, "utcnow", lambda: REPORTS_NOW)
    html = reviewer.get("/review/applications").get_data(as_text=True)
    section = html[html.index('id="overdue-reports"') :]
    assert silent in section and late in section and elsewhere not in html
    assert section.index(silent) < section.index(late)  # the longest overdue first
    assert f'href="/review/applications/{silent}#usage-reports"' in section
    silent_row = section[section.index(silent) : section.index(late)]
    late_row = section[section.index(late) :]
    assert "南宁第0科技有限公司" in silent_row and "居民信息" in silent_row
    assert "授权生效以来未提交" in silent_row and "9 天" in silent_row  # since 26 October
    assert "南宁第1科技有限公司" in late_row and "2025-10-01 10:00" in late_row
    assert "5 天" in late_row  # since 31 October
    outsider = _client(app, people.outsider).get("/review/applications").get_data(as_text=True)
    other = outsider[outsider.index('id="overdue-reports"') :]
    assert elsewhere in other and silent not in other and late not in other


def test_the_header_links_to_ones_applications_and_the_review(app: Flask, people: People) -> None:
    signed_out = app.test_client().get("/").get_data(as_text=True)
    assert "我的申请" not in signed_out and "审核申请" not in signed_out
    home = _client(app, people.applicants[0]).get("/").get_data(as_text=True)
    assert 'href="/account/applications">我的申请</a>' in home and "审核申请" not in home
    reviewer = _client(app, people.reviewer).get("/").get_data(as_text=True)
    assert 'href="/review/applications">审核申请</a>' in reviewer
    admin = _client(app, people.admin).get("/").get_data(as_text=True)
    assert "审核申请" not in admin  # the administrator's listing is under 管理
