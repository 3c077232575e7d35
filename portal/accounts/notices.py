"""The messages the account pages send (confirmation and reset links, security notices), in
Chinese with an English line, through the pluggable senders of :mod:`portal.accounts.mail`."""

from __future__ import annotations

import smtplib

from flask import current_app, url_for

from catalog.accounts.models import User
from catalog.accounts.tokens import CONFIRM_HOURS, RESET_MINUTES
from portal.accounts.mail import senders

PORTAL = "广西公共数据开放平台"


def _link(endpoint: str, **values: str) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def _mail(to: str | None, subject: str, body: str) -> None:
    """Send, or log why not: a mail server that is down must not fail the page (signing in
    again mails a new confirmation link; a reset can be asked for again)."""
    if not to:
        return
    try:
        senders().mail.send(to, f"{subject} · {PORTAL}", body)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("mail not sent (%s): %s", subject, error)


def confirmation(user: User, secret: str) -> None:
    link = _link("accounts.confirm", secret=secret)
    _mail(
        user.email,
        "请确认您的电子邮箱 / Confirm your e-mail address",
        f"您好，{user.display_name or ''}：\n\n请打开下面的链接确认电子邮箱，完成注册"
        f"（{CONFIRM_HOURS} 小时内有效，只能使用一次）：\n\n{link}\n\n"
        "如果不是您本人注册，请忽略本邮件。\n\n"
        f"Open the link above within {CONFIRM_HOURS} hours to confirm your address.\n",
    )


def already_registered(email: str) -> None:
    _mail(
        email,
        "注册申请 / A registration with your address",
        "有人使用本邮箱申请注册账户，但此邮箱已经有账户。\n\n"
        f"如果是您本人，请直接登录；忘记密码可在此重设：{_link('accounts.forgot')}\n\n"
        "如果不是您本人，请忽略本邮件，您的账户没有变化。\n\n"
        "Somebody tried to register with this address, which has an account already. "
        "If it was you, sign in or reset your password; otherwise ignore this message.\n",
    )


def reset_link(user: User, secret: str) -> None:
    link = _link("accounts.reset", secret=secret)
    _mail(
        user.email,
        "重设密码 / Reset your password",
        f"请打开下面的链接设置新密码（{RESET_MINUTES} 分钟内有效，只能使用一次）：\n\n{link}\n\n"
        "如果不是您本人申请，请忽略本邮件，密码不会改变。\n\n"
        f"Open the link above within {RESET_MINUTES} minutes to set a new password.\n",
    )


def password_changed(user: User) -> None:
    text = f"【{PORTAL}】您的账户密码已更改。如非本人操作，请立即重设密码并联系平台。"
    _mail(
        user.email,
        "密码已更改 / Your password was changed",
        text + "\n\nYour password was changed. If it was not you, reset it at once.\n",
    )
    if user.phone:
        try:
            senders().sms.send(user.phone, text)
        except OSError as error:  # urllib's errors are OSErrors
            current_app.logger.warning("text message not sent: %s", error)
