"""The one fetch module: http(s) only, size and time limits, bounded redirects, typed errors."""

from __future__ import annotations

import gzip

import pytest
from ckanapi import RemoteCKAN

from harvesters.fetch import Fetcher, FetchError, FetchLimits, LimitedSession

LIMITS = FetchLimits(max_bytes=1024 * 1024, timeout=0.5, max_redirects=3)


@pytest.fixture
def fetcher():
    fetcher = Fetcher(LIMITS)
    yield fetcher
    fetcher.close()


def _code(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as raised:
        fetcher.get(url)
    return raised.value.code


def test_fetches_a_document(source_server, fetcher):
    url = source_server.file("/catalog.ttl", b"<a> <b> <c> .", "text/turtle")
    fetched = fetcher.get(url)
    assert fetched.content == b"<a> <b> <c> ." and fetched.content_type == "text/turtle"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"])
def test_refuses_other_schemes(fetcher, url):
    assert _code(fetcher, url) == "unsupported-scheme"


def test_refuses_a_redirect_to_another_scheme(source_server, fetcher):
    source_server.routes["/to-file"] = lambda handler, _p: (
        handler.send_response(302),
        handler.send_header("Location", "file:///etc/passwd"),
        handler.send_header("Content-Length", "0"),
        handler.end_headers(),
    )
    assert _code(fetcher, source_server.url("/to-file")) == "unsupported-scheme"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("500", "http-error"),
        ("timeout", "timeout"),
        ("redirect-loop", "redirect-loop"),
        ("huge", "too-large"),
        ("trickle", "timeout"),
    ],
)
def test_faults_become_typed_errors(source_server, fetcher, fault, code):
    source_server.slow_seconds = 2.0
    assert _code(fetcher, source_server.fault(f"/{fault}", fault)) == code


def test_a_declared_length_over_the_limit_is_refused_before_reading(source_server, fetcher):
    url = source_server.file("/big", b"x" * (LIMITS.max_bytes + 1), "application/json")
    assert _code(fetcher, url) == "too-large"


def test_a_gzip_bomb_is_measured_after_decompression(source_server, fetcher):
    body = gzip.compress(b" " * (LIMITS.max_bytes * 4))
    assert len(body) < LIMITS.max_bytes

    def respond(handler, _params):
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    source_server.routes["/bomb"] = respond
    assert _code(fetcher, source_server.url("/bomb")) == "too-large"


def test_connection_refused(fetcher, source_server):
    url = source_server.url("/")
    source_server.stop()
    assert _code(fetcher, url) == "connection-failed"


def test_local_paths_only_when_allowed(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text("数据资源名称\n公交站点\n", encoding="utf-8")
    with pytest.raises(FetchError) as raised:
        Fetcher(LIMITS).get(str(path))
    assert raised.value.code == "local-path-refused"
    assert Fetcher(LIMITS, allow_local=True).get(str(path)).content.startswith("数据".encode())
    with pytest.raises(FetchError) as raised:
        Fetcher(LIMITS, allow_local=True).get(str(tmp_path / "missing.csv"))
    assert raised.value.code == "not-found"


def test_ckanapi_goes_through_the_limited_session(source_server):
    url, site = source_server.ckan("/ckan")
    site.packages = [{"id": "1", "name": "a", "title": "A"}]
    with RemoteCKAN(url, session=LimitedSession(LIMITS), get_only=True) as ckan:
        assert ckan.action.package_list() == ["a"]
        site.fault = "huge"
        with pytest.raises(FetchError) as raised:
            ckan.action.package_search(rows=10)
    assert raised.value.code == "too-large"
