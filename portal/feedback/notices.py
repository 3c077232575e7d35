"""What the loop tells a reporter by mail, when they left a contact: that the report was
received (with their secret link, the only time it is sent), and the department's answer
(rejected with its reason, or the correction published with its feedback). Sent once the act
is committed."""

from __future__ import annotations

import smtplib

from flask import current_app

from catalog.accounts.models import User
from catalog.feedback.models import ProblemReport
from catalog.models import Dataset
from portal.accounts.mail import senders
from portal.publishing.notices import PORTAL

OPENING = "您对数据集“{title}”报告的数据问题（{reference}）"


def _mail(to: str, subject: str, body: str, report: ProblemReport) -> None:
    """Send one mail; a mail server that fails is logged, never the page's failure (the act
    is already committed) nor the other recipients'."""
    try:
        senders().mail.send(to, f"{subject} · {PORTAL}", body)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("problem report %s: mail not sent: %s",
                                   report.reference, error)  # fmt: skip


def _send(report: ProblemReport, subject: str, body: str) -> None:
    if report.contact:
        _mail(report.contact, subject, body, report)


def received(report: ProblemReport, dataset: Dataset, follow_path: str) -> None:
    link = current_app.config["BASE_URL"] + follow_path
    body = (
        OPENING.format(title=dataset.title, reference=report.reference)
        + f"已收到，部门将在 {report.limit_day.isoformat()} 前答复。\n\n"
        f"跟踪、确认整改请用此链接（请妥善保存，勿转给他人）：\n{link}\n"
    )
    _send(report, "数据问题已收到 / Your problem report was received", body)


def answered(report: ProblemReport, dataset: Dataset, public_path: str) -> None:
    link = current_app.config["BASE_URL"] + public_path
    opening = OPENING.format(title=dataset.title, reference=report.reference)
    if report.state == "rejected":
        subject = "数据问题未被受理 / Your problem report was not accepted"
        body = opening + f"未被受理。\n\n理由：{report.rejection_reason}\n\n{link}\n"
    elif report.state == "published":
        subject = "数据问题已整改 / A correction was published"
        body = (
            opening + f"已整改并发布。\n\n部门反馈：{report.feedback}\n\n"
            "请用收到报告时的跟踪链接确认已解决，或说明仍未解决；7 天内未答复将自动关闭。\n\n"
            f"{link}\n"
        )
    else:
        return
    _send(report, subject, body)


def to_department(staff: list[User], report: ProblemReport, dataset: Dataset, path: str) -> None:
    """Tell the department's publishers and reviewers of a new report and its limit."""
    link = current_app.config["BASE_URL"] + path
    body = (
        f"数据集“{dataset.title}”收到数据问题报告（{report.reference}），"
        f"请在 {report.limit_day.isoformat()} 前答复"
        "（受理后整改并发布，或说明不予受理的理由）。\n\n"
        f"{link}\n"
    )
    subject = "新的数据问题报告 / A new data problem report"
    for user in staff:
        if user.email:
            _mail(user.email, subject, body, report)
