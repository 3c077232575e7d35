"""Sending mail and text messages, pluggable.

- Development (the default): every message is written as a file under ``<instance>/mail/``
  (``*.eml`` for mail, readable by any mail client; ``*.sms.txt`` for text messages).
- Production: ``GXDATA_SMTP_HOST`` (with ``GXDATA_SMTP_PORT``, ``GXDATA_SMTP_USER``,
  ``GXDATA_SMTP_PASSWORD``, ``GXDATA_SMTP_TLS`` = ``starttls`` | ``ssl`` | ``none``) sends mail
  through an SMTP server from ``GXDATA_MAIL_FROM``; ``GXDATA_SMS_URL`` posts each text message
  as JSON ``{"to": "+86…", "text": "…"}`` to the SMS gateway at that address.

The app holds one :class:`Senders` in ``app.extensions["gxdata_senders"]``.
"""

from __future__ import annotations

import json
import secrets
import smtplib
import ssl
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class SmsSender(Protocol):
    def send(self, to: str, text: str) -> None: ...


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "gxdata.local")
    message.set_content(body, cte="8bit")  # a mail file stays readable as it is
    return message


def _file_name(folder: Path, suffix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{stamp}-{secrets.token_hex(4)}{suffix}"


@dataclass
class FileMailer:
    folder: Path
    sender: str

    def send(self, to: str, subject: str, body: str) -> None:
        path = _file_name(self.folder, ".eml")
        path.write_bytes(bytes(_message(self.sender, to, subject, body)))


@dataclass
class SmtpMailer:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    tls: str = "starttls"  # starttls | ssl | none
    timeout: float = 20

    def send(self, to: str, subject: str, body: str) -> None:
        message = _message(self.sender, to, subject, body)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.tls == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.tls == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


@dataclass
class FileSms:
    folder: Path

    def send(self, to: str, text: str) -> None:
        _file_name(self.folder, ".sms.txt").write_text(f"To: {to}\n\n{text}\n", encoding="utf-8")


@dataclass
class GatewaySms:
    url: str
    timeout: float = 10

    def send(self, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            response.read()


@dataclass
class Senders:
    mail: Mailer
    sms: SmsSender


def senders_for(config: dict[str, Any] | Any, instance: str) -> Senders:
    folder = Path(config.get("MAIL_FOLDER") or Path(instance) / "mail")
    sender = config.get("MAIL_FROM") or "no-reply@gxdata.local"
    mail: Mailer
    if config.get("SMTP_HOST"):
        mail = SmtpMailer(
            host=config["SMTP_HOST"],
            port=int(config.get("SMTP_PORT") or 587),
            sender=sender,
            user=config.get("SMTP_USER") or None,
            password=config.get("SMTP_PASSWORD") or None,
            tls=config.get("SMTP_TLS") or "starttls",
        )
    else:
        mail = FileMailer(folder, sender)
    sms: SmsSender = GatewaySms(config["SMS_URL"]) if config.get("SMS_URL") else FileSms(folder)
    return Senders(mail, sms)


def init_app(app: Flask) -> None:
    app.extensions["gxdata_senders"] = senders_for(app.config, app.instance_path)


def senders() -> Senders:
    found: Senders = current_app.extensions["gxdata_senders"]
    return found
