"""The production senders against real servers on 127.0.0.1: SMTP (aiosmtpd, with STARTTLS
off as a local relay would have it) and an SMS gateway (an HTTP server taking JSON)."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from signing_in import make_person

from portal.accounts.mail import GatewaySms, SmtpMailer, senders_for

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed")


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    with socket.socket() as probe:  # aiosmtpd's start-up check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_mail_goes_through_smtp_when_a_host_is_set(smtp_server, tmp_path):
    port, inbox = smtp_server
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none",
              "MAIL_FROM": "no-reply@data.gxzf.example"}  # fmt: skip
    senders = senders_for(config, str(tmp_path))
    assert isinstance(senders.mail, SmtpMailer)
    senders.mail.send("wang@example.org", "请确认您的电子邮箱", "请打开链接：http://127.0.0.1/x")
    ((sender, recipients, content),) = inbox.messages
    assert sender == "no-reply@data.gxzf.example" and recipients == ["wang@example.org"]
    message = message_from_bytes(content, policy=default)
    assert message["Subject"] == "请确认您的电子邮箱"
    assert "请打开链接" in message.get_body().get_content()
    assert not (tmp_path / "mail").exists()  # nothing written as a file


def test_text_messages_are_posted_to_the_gateway(tmp_path):
    received: list[dict[str, str]] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sms"
        senders = senders_for({"SMS_URL": url}, str(tmp_path))
        assert isinstance(senders.sms, GatewaySms)
        senders.sms.send("+8613800138000", "【广西公共数据开放平台】您的账户密码已更改。")
    finally:
        server.shutdown()
    assert received == [
        {"to": "+8613800138000", "text": "【广西公共数据开放平台】您的账户密码已更改。"}
    ]


def test_a_mail_server_that_is_down_does_not_fail_the_page(app, client, tmp_path, caplog):
    make_person(app, "a@example.org")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.extensions["gxdata_senders"] = senders_for(
        {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none"}, str(tmp_path)
    )
    page = client.get("/account/forgot")
    token = page.text.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/account/forgot", data={"csrf_token": token, "email": "a@example.org"})
    assert answer.status_code in (200, 302)
    assert "mail not sent" in caplog.text  # the reset mail was tried, and its failure logged
