"""What the publishing pages tell people by mail: a reviewer's decision reaches whoever sent the
dataset for review, with the reason of a return (the audit log keeps only its digest)."""

from __future__ import annotations

from flask import current_app, url_for

from catalog.accounts.models import User
from catalog.models import Dataset
from portal.accounts.mail import senders

PORTAL = "广西公共数据开放平台"


def review_decision(user: User, dataset: Dataset, approved: bool, reason: str | None) -> None:
    if not user.email:
        return
    link = current_app.config["BASE_URL"] + url_for("publishing.edit", dataset_id=dataset.id)
    if approved:
        subject = "数据集已通过审核 / Your dataset was approved"
        body = f"您提交审核的数据集“{dataset.title}”已通过审核并发布。\n\n{link}\n"
    else:
        subject = "数据集被退回 / Your dataset was returned"
        body = (
            f"您提交审核的数据集“{dataset.title}”被退回修改。\n\n"
            f"退回理由：{reason or '（审核员未填写）'}\n\n请修改后重新提交：{link}\n"
        )
    senders().mail.send(user.email, f"{subject} · {PORTAL}", body)
