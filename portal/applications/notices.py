"""What the applicant pages mail: a receipt when an application is (re)submitted, with its
reference, the time limit and the link to follow it (the reviewers' side mails decisions)."""

from __future__ import annotations

import smtplib

from flask import current_app, url_for

from catalog.accounts.models import User
from catalog.applications.models import Application
from catalog.models import Dataset
from portal.accounts.mail import senders

PORTAL = "广西公共数据开放平台"


def receipt(user: User, application: Application, dataset: Dataset) -> None:
    """Sent after the commit; a mail server that is down does not fail the page."""
    if not user.email:
        return
    link = current_app.config["BASE_URL"] + url_for(
        "applications.detail", reference=application.reference
    )
    limit = application.limit_day.isoformat() if application.limit_day else "—"
    estimated = "（预计）" if application.limit_estimated else ""
    body = (
        f"您对数据集“{dataset.title}”的使用申请（编号 {application.reference}）已提交，"
        f"审核时限为 {limit}{estimated}。\n\n查看申请进度：{link}\n\n"
        f"Your application {application.reference} for “{dataset.title}” was submitted; "
        f"the review is due by {limit}.\n"
    )
    subject = f"申请已提交 / Application submitted · {application.reference}"
    try:
        senders().mail.send(user.email, f"{subject} · {PORTAL}", body)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("receipt not sent (%s): %s", application.reference, error)
