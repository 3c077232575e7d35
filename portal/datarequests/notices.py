"""What the data requests mail: the requester is told when the request is routed to a
department and when the department answers (or the administration closes it). Sent after the
commit; a mail server that is down does not fail the page."""

from __future__ import annotations

import smtplib

from flask import current_app, url_for

from catalog.accounts.models import User
from catalog.datarequests.models import DataRequest
from catalog.models import Dataset, Department
from portal.accounts.mail import senders

PORTAL = "广西公共数据开放平台"
ANSWERS = {
    "planned": "将于 {date} 前开放。",
    "elsewhere": "该数据已在其他地方提供：{where}",
    "refused": "该数据暂不能开放。",
    "published": "该数据已开放：{where}",
}
CLOSES = {"duplicate": "与已有需求重复", "off-topic": "不属于数据需求"}


def _link(request: DataRequest) -> str:
    return current_app.config["BASE_URL"] + url_for("datarequests.detail", request_id=request.id)


def _send(user: User | None, subject: str, body: str, request: DataRequest) -> None:
    if user is None or not user.email or user.erased_at is not None:
        return
    try:
        senders().mail.send(user.email, f"{subject} · {PORTAL}", body)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("data request %s: mail not sent: %s", request.id, error)


def routed(user: User | None, request: DataRequest, department: Department) -> None:
    body = (
        f"您提出的数据需求“{request.title}”已转交{department.name}办理，"
        f"部门答复后我们会再通知您。\n\n{_link(request)}\n\n"
        f"Your data request “{request.title}” was routed to {department.name}.\n"
    )
    _send(user, "数据需求已转交部门 / Your data request was routed", body, request)


def answered(
    user: User | None, request: DataRequest, department: Department | None, dataset: Dataset | None
) -> None:
    where = request.answer_url or ""
    if dataset is not None:
        where = current_app.config["BASE_URL"] + url_for("catalog.dataset", id_or_slug=dataset.slug)
    date = request.publish_by.isoformat() if request.publish_by else ""
    said = ANSWERS.get(request.answer or "", "").format(date=date, where=where)
    reason = f"\n\n说明：{request.answer_text}" if request.answer_text else ""
    name = department.name if department is not None else "部门"
    body = (
        f"{name}已答复您提出的数据需求“{request.title}”：{said}{reason}\n\n{_link(request)}\n\n"
        f"Your data request “{request.title}” was answered.\n"
    )
    _send(user, "数据需求已答复 / Your data request was answered", body, request)


def closed(user: User | None, request: DataRequest) -> None:
    why = CLOSES.get(request.close_reason or "", "")
    body = (
        f"您提出的数据需求“{request.title}”已关闭（{why}）。\n\n理由：{request.close_text}\n\n"
        f"{_link(request)}\n\nYour data request “{request.title}” was closed.\n"
    )
    _send(user, "数据需求已关闭 / Your data request was closed", body, request)
