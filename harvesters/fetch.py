"""Every request a harvester makes goes through here: size and time limits, http(s) only,
a bounded number of redirects, and one typed error for whatever goes wrong.

:class:`LimitedSession` is a ``requests.Session`` (``ckanapi.RemoteCKAN`` takes it as its
``session``) that refuses other schemes on every hop, reads each body itself under
:class:`FetchLimits` (so a body over the limit, a server that trickles bytes, or a redirect
loop ends as a :class:`FetchError` rather than memory or a hung job), and treats a 5xx answer
as a failure of the source. :class:`Fetcher` fetches one document from a URL or, when the
caller allows it, a local path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

USER_AGENT = "gxdata-harvester/0.1 (+https://data.gxzf.gov.cn/)"
SCHEMES = ("http", "https")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 50 * 1024 * 1024  # per response body (after decompression)
    timeout: float = 30.0  # seconds: to connect, between two reads, and for a whole body
    max_redirects: int = 5


class FetchError(Exception):
    """A fetch that failed; ``code`` is stable and kebab-case, ``message`` says what happened.

    | code | when |
    |---|---|
    | ``unsupported-scheme`` | not http or https (``file:``, ``ftp:`` …) |
    | ``timeout`` | no connection, no byte or no whole body within the time limit |
    | ``too-large`` | a body over the size limit |
    | ``redirect-loop`` | more redirects than allowed |
    | ``connection-failed`` | refused, reset, DNS |
    | ``http-error`` | a 4xx or 5xx status where a document was expected |
    | ``not-found`` | a local file that does not exist |
    | ``local-path-refused`` | a local path where only URLs are allowed |
    """

    def __init__(self, code: str, message: str, url: str = "", status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.url = url
        self.status = status


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects, or the local path
    content: bytes
    content_type: str | None


def check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise FetchError(
            "unsupported-scheme", f"only http and https are fetched, not {scheme or url!r}", url
        )


def is_url(location: str) -> bool:
    return "://" in location or location.lower().startswith(("file:", "ftp:", "data:"))


class LimitedSession(requests.Session):
    """A requests session with the portal's limits on every hop."""

    def __init__(self, limits: FetchLimits | None = None):
        super().__init__()
        self.limits = limits or FetchLimits()
        self.max_redirects = self.limits.max_redirects
        self.headers["User-Agent"] = USER_AGENT
        self.trust_env = False  # no proxies or .netrc from the environment
        adapter = HTTPAdapter(max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        text_url = url.decode() if isinstance(url, bytes) else url
        check_scheme(text_url)
        text_method = method.decode() if isinstance(method, bytes) else method
        kwargs["timeout"] = (self.limits.timeout, self.limits.timeout)
        try:
            return super().request(text_method, text_url, *args, **kwargs)
        except requests.TooManyRedirects:
            raise FetchError(
                "redirect-loop", f"more than {self.max_redirects} redirects", text_url
            ) from None
        except requests.Timeout:
            raise FetchError(
                "timeout", f"no answer within {self.limits.timeout:g} s", text_url
            ) from None
        except requests.RequestException as error:  # refused, reset, DNS …
            raise FetchError("connection-failed", _reason(error), text_url) from None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        check_scheme(url)
        kwargs["stream"] = True
        response = super().send(request, **kwargs)
        self._read_body(response, url)
        if response.status_code >= 500:
            raise _http_error(response, url)
        return response

    def _read_body(self, response: requests.Response, url: str) -> None:
        if response._content_consumed:  # already read by an inner hop of a redirect
            return
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            response.close()
            raise self._too_large(url)
        deadline = time.monotonic() + self.limits.timeout
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        try:
            while chunk := raw.read1(CHUNK, decode_content=True):  # whatever has arrived
                size += len(chunk)
                if size > self.limits.max_bytes:
                    raise self._too_large(url)
                if time.monotonic() > deadline:
                    raise FetchError(
                        "timeout", f"the body took longer than {self.limits.timeout:g} s", url
                    )
                chunks.append(chunk)
        except FetchError:
            response.close()
            raise
        except Exception as error:  # urllib3 read errors (reset, timeout, bad gzip)
            response.close()
            if "timed out" in str(error).lower():
                raise FetchError(
                    "timeout", f"no byte within {self.limits.timeout:g} s", url
                ) from None
            raise FetchError("connection-failed", _reason(error), url) from None
        response._content = b"".join(chunks)
        response._content_consumed = True

    def _too_large(self, url: str) -> FetchError:
        limit = self.limits.max_bytes
        return FetchError("too-large", f"the body is larger than {limit:,} bytes", url)


class Fetcher:
    """Fetch whole documents: an http(s) URL, or a local path when ``allow_local``."""

    def __init__(self, limits: FetchLimits | None = None, allow_local: bool = False):
        self.limits = limits or FetchLimits()
        self.allow_local = allow_local
        self.session = LimitedSession(self.limits)

    def get(self, location: str, accept: str | None = None) -> Fetched:
        if not is_url(location):
            return self._local(location)
        headers = {"Accept": accept} if accept else {}
        response = self.session.get(location, headers=headers)
        if response.status_code >= 400:
            raise _http_error(response, location)
        return Fetched(response.url, response.content, response.headers.get("Content-Type"))

    def _local(self, location: str) -> Fetched:
        if not self.allow_local:
            raise FetchError(
                "local-path-refused", "only http and https URLs may be harvested here", location
            )
        path = Path(location).expanduser()
        if not path.is_file():
            raise FetchError("not-found", f"no file at {location}", location)
        if path.stat().st_size > self.limits.max_bytes:
            raise FetchError(
                "too-large", f"the file is larger than {self.limits.max_bytes:,} bytes", location
            )
        return Fetched(str(path.resolve()), path.read_bytes(), None)

    def close(self) -> None:
        self.session.close()


def _http_error(response: requests.Response, url: str) -> FetchError:
    message = f"the source answered {response.status_code} {response.reason or ''}".strip()
    return FetchError("http-error", message, url, response.status_code)


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__
