"""What the review tells people by mail: each decision reaches the applicant, with its reason
(the history keeps it too), and the reminder reaches the department's reviewers two working
days before a limit. Sent once the decision is committed. An overdue usage report is told to
the department's reviewers and to the grantee, who is asked to file it."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

from catalog.accounts.models import User
from catalog.applications.models import Application
from catalog.applications.queries import OverdueReport
from catalog.beijing import beijing
from catalog.models import Dataset
from portal.accounts.mail import senders
from portal.publishing.notices import PORTAL

APPLICANT_PAGE = "applications.detail"  # the applicant's own page of an application
SUBJECTS = {
    "request_info": "申请需补充材料 / More information is requested",
    "approve": "申请已获批准 / Your application was approved",
    "reject": "申请未获批准 / Your application was rejected",
    "revoke": "授权已被撤销 / Your grant was revoked",
}
OPENING = "您对数据集“{title}”的申请（{reference}）"
BODIES = {
    "request_info": OPENING + "需要补充材料。\n\n需补充的内容：{reason}\n\n"
    "请补充后重新提交：{link}\n",
    "approve": OPENING + "已获批准，授权已生效，可在授权期内下载脱敏数据。\n\n{link}\n",
    "reject": OPENING + "未获批准。\n\n理由：{reason}\n\n{link}\n",
    "revoke": OPENING + "所获授权已被撤销，即时生效，不能再下载。\n\n理由：{reason}\n\n{link}\n",
}


def applicant_link(reference: str) -> str:
    """The applicant's page of the application (its path when that page is not built in, or
    outside a request, as from ``gxdata applications remind``)."""
    if APPLICANT_PAGE in current_app.view_functions and has_request_context():
        path = url_for(APPLICANT_PAGE, reference=reference)
    else:
        path = f"/account/applications/{reference}"
    return current_app.config["BASE_URL"] + path


def decision(
    user: User, application: Application, dataset: Dataset, event: str, reason: str | None
) -> None:
    """Tell the applicant of ``event`` (request_info, approve, reject, revoke)."""
    if event not in SUBJECTS or not user.email:
        return
    body = BODIES[event].format(
        title=dataset.title,
        reference=application.reference,
        reason=reason or "（未填写）",
        link=applicant_link(application.reference),
    )
    senders().mail.send(user.email, f"{SUBJECTS[event]} · {PORTAL}", body)


def reminder(user: User, application: Application, dataset: Dataset, link: str) -> None:
    """Remind a reviewer that ``application``'s review ends soon."""
    if not user.email or application.limit_day is None:
        return
    estimated = "（预计）" if application.limit_estimated else ""
    body = (
        f"数据集“{dataset.title}”的申请（{application.reference}）审核期限为 "
        f"{application.limit_day.isoformat()}{estimated}，还剩不到两个工作日，请及时审核。\n\n{link}\n"
    )
    subject = "申请审核即将到期 / An application's review ends soon"
    senders().mail.send(user.email, f"{subject} · {PORTAL}", body)


def _due(item: OverdueReport) -> str:
    return beijing(item.due_since).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def report_overdue(user: User, item: OverdueReport, link: str) -> None:
    """Tell a reviewer that the grantee of ``item`` has not filed the usage report owed."""
    if not user.email:
        return
    last = item.last_report
    since = beijing(last).strftime("%Y-%m-%d") if last else "授权生效以来未提交过"
    organization = item.applicant.organization_name or item.applicant.pseudonym
    body = (
        f"数据集“{item.dataset.title}”的授权（申请 {item.grant.application.reference}，"
        f"申请人 {organization}）的使用情况报告已逾期：应于 {_due(item)} 前提交。\n"
        f"上次报告：{since}。\n\n已同时提醒申请人提交。\n\n{link}\n"
    )
    subject = "使用情况报告已逾期 / A usage report is overdue"
    senders().mail.send(user.email, f"{subject} · {PORTAL}", body)


def report_owed(item: OverdueReport) -> bool:
    """Ask the grantee of ``item`` to file the usage report owed; whether a mail went."""
    if not item.applicant.email:
        return False
    reference = item.grant.application.reference
    body = (
        OPENING.format(title=item.dataset.title, reference=reference)
        + f"所获授权的使用情况报告已逾期（应于 {_due(item)} 前提交）。\n\n"
        "请说明利用数据开发的产品或服务、取得的成效以及发现的安全或质量问题：\n"
        f"{applicant_link(reference)}#report\n"
    )
    subject = "请提交使用情况报告 / Please file your usage report"
    senders().mail.send(item.applicant.email, f"{subject} · {PORTAL}", body)
    return True


def export_decision(
    user: User, application: Application, dataset: Dataset, approved: bool, reason: str | None
) -> None:
    """Tell the holder that a sandbox export was approved (downloadable once) or rejected."""
    if not user.email:
        return
    link = applicant_link(application.reference).removesuffix("/") + "/sandbox#queries"
    if approved:
        subject = "沙箱导出已批准 / A sandbox export was approved"
        what = "已批准导出，可下载一次。"
    else:
        subject = "沙箱导出未获批准 / A sandbox export was rejected"
        what = f"未获批准导出。\n\n理由：{reason or '（未填写）'}"
    body = (
        f"您在数据集“{dataset.title}”（申请 {application.reference}）的数据沙箱中提交的查询结果"
        f"{what}\n\n{link}\n"
    )
    senders().mail.send(user.email, f"{subject} · {PORTAL}", body)
