"""Links and remote files, within limits, against an HTTP server this test starts on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from catalog.quality.links import check_links
from catalog.quality.models import LinkCheck
from catalog.quality.remote import Limits, check_url, fetch
from catalog.quality.validate import validate_distribution
from catalog.services.datasets import create_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import attach_distribution

TABLE = ("编号,城市,人口\n" + "".join(f"{n},南宁市,{n}\n" for n in range(1, 150))).encode()
TABLE = TABLE.replace(b"120,\xe5\x8d\x97\xe5\xae\x81\xe5\xb8\x82,120", "120,南宁市,暂无".encode())


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def _answer(self, body: bool) -> None:
        if self.path == "/slow":
            time.sleep(3)
        if self.path.startswith("/missing"):
            self.send_error(404)
            return
        if self.path == "/no-head" and self.command == "HEAD":
            self.send_error(405)
            return
        payload = TABLE if self.path.endswith(".csv") else "<p>开放数据</p>".encode()
        self.send_response(200)
        kind = "text/csv; charset=utf-8" if self.path.endswith(".csv") else "text/html"
        self.send_header("Content-Type", kind)
        if self.path == "/huge.csv":
            self.send_header("Content-Length", str(50 * 1024 * 1024))
        else:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_HEAD(self):  # noqa: N802 - http.server's naming
        self._answer(body=False)

    def do_GET(self):  # noqa: N802
        self._answer(body=True)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"  # nothing listens there now


LIMITS = Limits(network=True, timeout=0.5, fetch_timeout=2, max_bytes=1024 * 1024)


def test_check_url_outcomes(server, closed_port_url):
    ok = check_url(server + "/ok", LIMITS)
    assert ok.ok and ok.status_code == 200 and ok.problem is None
    assert check_url(server + "/no-head", LIMITS).ok  # HEAD refused, a GET answers
    missing = check_url(server + "/missing", LIMITS)
    assert not missing.ok and missing.status_code == 404 and missing.problem == "http-error"
    started = time.monotonic()
    slow = check_url(server + "/slow", LIMITS)
    assert slow.problem == "timeout" and time.monotonic() - started < 2.5
    assert check_url(closed_port_url, LIMITS).problem == "unreachable"
    assert check_url("ftp://127.0.0.1/x", LIMITS).problem == "invalid-url"
    assert check_url(server + "/ok", Limits(network=False)).problem == "network-disabled"


def test_unreachable_hosts_fail_fast_and_cleanly():
    started = time.monotonic()
    result = check_url("https://data.gxzf.gov.cn.invalid/", LIMITS)
    assert not result.ok and result.problem in ("unreachable", "timeout")
    assert time.monotonic() - started < 2


def test_check_links_keeps_one_result_per_url_and_skips_fresh_ones(session, server):
    urls = [server + "/ok", server + "/missing", server + "/ok"]
    with session.begin():
        checked = check_links(session, urls, LIMITS)
    assert sorted((c.url.rsplit("/", 1)[1], c.ok) for c in checked) == [
        ("missing", False),
        ("ok", True),
    ]
    with session.begin():
        assert check_links(session, urls, LIMITS) == []  # checked within a week
        again = check_links(session, urls, LIMITS, max_age=timedelta(0))
        assert len(again) == 2
        assert len(session.scalars(select(LinkCheck)).all()) == 2
        assert check_links(session, [server + "/new"], Limits(network=False)) == []
        assert len(session.scalars(select(LinkCheck)).all()) == 2  # nothing stored offline


def test_fetch_within_size_and_time_limits(server):
    fetched = fetch(server + "/table.csv", LIMITS)
    assert fetched.path is not None and fetched.size == len(TABLE)
    assert fetched.path.read_bytes() == TABLE
    fetched.discard()
    assert not fetched.path.exists()
    assert fetch(server + "/huge.csv", LIMITS).problem == "file-too-large"
    small = Limits(network=True, timeout=0.5, fetch_timeout=2, max_bytes=100)
    assert fetch(server + "/table.csv", small).problem == "file-too-large"
    assert fetch(server + "/slow", LIMITS).problem == "timeout"
    assert fetch(server + "/missing", LIMITS).problem == "http-error"


def test_a_harvested_table_is_fetched_and_validated(session, services, server):
    with session.begin():
        department = get_or_create_department(session, "南宁市统计局")
        dataset = create_dataset(session, title="南宁市人口", department=department)
        remote = attach_distribution(
            session, dataset, title="人口.csv", download_url=server + "/table.csv"
        )
        gone = attach_distribution(
            session, dataset, title="旧表.csv", download_url=server + "/missing.csv"
        )
    with session.begin():
        report = validate_distribution(session, services.files, remote, LIMITS)
        failed = validate_distribution(session, services.files, gone, LIMITS)
        offline = validate_distribution(session, services.files, gone, Limits(network=False))
    assert report is not None and not report.valid
    assert report.error_counts == {"type-error": 1}
    assert report.errors[0]["row_number"] == 121
    assert report.stats["rows"] == 149 and report.source_sha256
    assert failed is not None and failed.problem == "http-error"
    assert offline is failed  # the network is off: the earlier report stands
