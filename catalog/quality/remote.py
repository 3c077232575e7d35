"""Reach remote files and links, always within limits: size, time, redirects.

Two uses: :func:`fetch` copies a harvested distribution's file to a temporary file for
validation, and :func:`check_url` asks whether a link answers. Both run only in the
background (the worker, a CLI command), never in a web request. Every failure becomes a
kebab-case ``problem`` code rather than an exception: ``network-disabled``, ``invalid-url``,
``unreachable`` (no such host, connection refused), ``timeout``, ``http-error``,
``tls-error``, ``file-too-large``. The whole call is bounded by its timeout even where a
socket timeout is not (name resolution): it runs in a thread that is abandoned at the
deadline.
"""

from __future__ import annotations

import concurrent.futures
import os
import socket
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

USER_AGENT = "gxdata-quality/1.0 (+link check; Guangxi public data portal)"
CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """How far the portal may reach: ``network=False`` reaches nothing."""

    network: bool = True
    timeout: float = 10.0  # seconds for one link check
    fetch_timeout: float = 60.0  # seconds for one whole download
    max_bytes: int = 200 * 1024 * 1024


@dataclass(frozen=True)
class LinkResult:
    url: str
    ok: bool
    status_code: int | None = None
    problem: str | None = None
    elapsed_ms: int | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Fetched:
    path: Path | None
    size: int = 0
    content_type: str | None = None
    problem: str | None = None

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="gxdata-remote")


def is_http(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def check_url(url: str, limits: Limits) -> LinkResult:
    """Whether ``url`` answers: HEAD, or a one-byte GET where HEAD is refused."""
    if not limits.network:
        return LinkResult(url, ok=False, problem="network-disabled")
    if not is_http(url):
        return LinkResult(url, ok=False, problem="invalid-url")
    started = time.monotonic()
    future = _POOL.submit(_check, url, limits.timeout)
    try:
        result = future.result(timeout=limits.timeout + 1)
    except concurrent.futures.TimeoutError:
        result = LinkResult(url, ok=False, problem="timeout")
    elapsed = int((time.monotonic() - started) * 1000)
    return LinkResult(
        url, result.ok, result.status_code, result.problem, elapsed, result.content_type
    )


def _check(url: str, timeout: float) -> LinkResult:
    status, content_type, problem = _request(url, "HEAD", timeout)
    if status in (405, 501) or (status is not None and status >= 400 and status != 404):
        status, content_type, problem = _request(url, "GET", timeout)
    ok = problem is None and status is not None and status < 400
    return LinkResult(url, ok=ok, status_code=status, problem=problem, content_type=content_type)


def _request(url: str, method: str, timeout: float) -> tuple[int | None, str | None, str | None]:
    headers = {"User-Agent": USER_AGENT}
    if method == "GET":
        headers["Range"] = "bytes=0-0"
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if method == "GET":
                response.read(1)
            return response.status, response.headers.get("Content-Type"), None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), "http-error"
    except TimeoutError:
        return None, None, "timeout"
    except urllib.error.URLError as error:
        return None, None, _reason(error.reason)
    except (ConnectionError, OSError, ValueError) as error:
        return None, None, _reason(error)


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(reason, ssl.SSLError):
        return "tls-error"
    return "unreachable"


def fetch(url: str, limits: Limits) -> Fetched:
    """Download ``url`` to a temporary file, at most ``max_bytes`` within ``fetch_timeout``.

    The caller validates the file and then calls :meth:`Fetched.discard`.
    """
    if not limits.network:
        return Fetched(None, problem="network-disabled")
    if not is_http(url):
        return Fetched(None, problem="invalid-url")
    future = _POOL.submit(_download, url, limits)
    try:
        return future.result(timeout=limits.fetch_timeout + 1)
    except concurrent.futures.TimeoutError:
        future.add_done_callback(lambda late: late.result().discard())  # when it ever ends
        return Fetched(None, problem="timeout")


def _download(url: str, limits: Limits) -> Fetched:
    deadline = time.monotonic() + limits.fetch_timeout
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    fd, name = tempfile.mkstemp(prefix="gxdata-fetch-")
    path = Path(name)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(request, timeout=limits.timeout) as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                    raise _Stop("file-too-large")
                while chunk := response.read(CHUNK):
                    size += len(chunk)
                    if size > limits.max_bytes:
                        raise _Stop("file-too-large")
                    if time.monotonic() > deadline:
                        raise _Stop("timeout")
                    out.write(chunk)
                content_type = response.headers.get("Content-Type")
        return Fetched(path, size=size, content_type=content_type)
    except _Stop as stop:
        path.unlink(missing_ok=True)
        return Fetched(None, problem=stop.problem)
    except urllib.error.HTTPError:
        path.unlink(missing_ok=True)
        return Fetched(None, problem="http-error")
    except TimeoutError:
        path.unlink(missing_ok=True)
        return Fetched(None, problem="timeout")
    except urllib.error.URLError as error:
        path.unlink(missing_ok=True)
        return Fetched(None, problem=_reason(error.reason))
    except (ConnectionError, OSError, ValueError) as error:
        path.unlink(missing_ok=True)
        return Fetched(None, problem=_reason(error))


class _Stop(Exception):
    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem
