"""Real HTTP servers on 127.0.0.1 standing in for the sources a harvester reads.

:class:`SourceServer` serves files, fixed bodies and faults (a 500, a timeout, a redirect loop,
malformed JSON, a body over the size limit, a body that trickles in) at chosen paths, and any
number of :class:`CkanSite` action APIs (package_search with ``fq`` on ``organization`` and
``metadata_modified``, ``rows``/``start`` paging and ``fl``; package_list; package_show;
organization_list; status_show) over a list of package dicts a test may change between runs.
It records every request, so a test can show that nothing was fetched.

Tests reach it through the ``source_server`` fixture; ``benchmarks/harvest.py`` imports it.
"""

from __future__ import annotations

import json
import mimetypes
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

Respond = Callable[["_Handler", dict[str, Any]], None]

_RANGE = re.compile(r"metadata_modified:\[(\S+) TO \*\]")
_ORGANIZATION = re.compile(r"organization:(\S+)")


@dataclass
class CkanSite:
    """A CKAN action API over ``packages`` (dicts as package_show returns them)."""

    packages: list[dict[str, Any]] = field(default_factory=list)
    search: bool = True  # False: package_search is unknown, as on old or restricted sites
    missing: tuple[str, ...] = ()  # actions answered 404 (Not Found Error), as some sites do
    fault: str | None = None  # a fault answered to package_search (see SourceServer.FAULTS)
    fault_after_pages: int = 0  # answer this many pages normally first
    max_rows: int = 1000
    pages_served: int = 0
    organizations: list[str] = field(default_factory=list)

    def call(self, action: str, params: dict[str, Any]) -> tuple[int, Any]:
        handler = getattr(self, f"_{action}", None)
        if action in self.missing:
            return 404, _error("Not Found Error", "Not found")
        if handler is None:
            return 400, _error("Bad Request", f"Bad request - Action name not known: {action}")
        return handler(params)

    def _package_search(self, params: dict[str, Any]) -> tuple[int, Any]:
        if not self.search:
            return 400, _error("Bad Request", "Bad request - Action name not known: package_search")
        found = self.packages
        fq = str(params.get("fq") or "")
        since = _RANGE.search(fq)
        if since:
            start = since.group(1).rstrip("Z")
            found = [p for p in found if str(p.get("metadata_modified") or "") >= start]
        organization = _ORGANIZATION.search(fq)
        if organization:
            name = organization.group(1).strip('"')
            found = [p for p in found if _organization_name(p) == name]
        rows = min(int(params.get("rows") or 10), self.max_rows)
        offset = int(params.get("start") or 0)
        page = found[offset : offset + rows]
        fields = params.get("fl")
        if fields:
            names = fields if isinstance(fields, list) else str(fields).replace(",", " ").split()
            page = [{k: p.get(k) for k in names} for p in page]
        return 200, _ok({"count": len(found), "results": page, "sort": params.get("sort")})

    def _package_list(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, _ok([p["name"] for p in self.packages])

    def _package_show(self, params: dict[str, Any]) -> tuple[int, Any]:
        wanted = params.get("id")
        for package in self.packages:
            if wanted in (package.get("id"), package.get("name")):
                return 200, _ok(package)
        return 404, _error("Not Found Error", "Not found")

    def _organization_list(self, params: dict[str, Any]) -> tuple[int, Any]:
        names = self.organizations or sorted({_organization_name(p) for p in self.packages})
        return 200, _ok(names)

    def _status_show(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, _ok({"ckan_version": "2.10.0", "site_title": "test CKAN"})


class SourceServer:
    """One threaded HTTP server; register what it serves, then ``start()`` it."""

    FAULTS = ("500", "timeout", "redirect-loop", "malformed-json", "huge", "trickle", "reset")

    def __init__(self) -> None:
        self.routes: dict[str, Respond] = {}
        self.requests: list[str] = []
        self.slow_seconds = 3.0  # for "timeout" and "trickle"
        self.huge_bytes = 8 * 1024 * 1024
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what it serves ------------------------------------------------------------------------

    def file(self, path: str, body: bytes, content_type: str = "application/octet-stream") -> str:
        def respond(handler: _Handler, _params: dict[str, Any]) -> None:
            handler.reply(200, body, content_type)

        self.routes[path] = respond
        return self.url(path)

    def directory(self, prefix: str, folder: Path) -> str:
        """Serve the files below ``folder`` at ``prefix/…``."""

        def respond(handler: _Handler, _params: dict[str, Any]) -> None:
            relative = urlsplit(handler.path).path[len(prefix) :].lstrip("/")
            target = (folder / relative).resolve()
            if folder.resolve() not in target.parents or not target.is_file():
                handler.reply(404, b"not found", "text/plain")
                return
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            handler.reply(200, target.read_bytes(), kind)

        self.routes[prefix.rstrip("/") + "/"] = respond
        return self.url(prefix.rstrip("/") + "/")

    def fault(self, path: str, kind: str) -> str:
        if kind not in self.FAULTS:
            raise ValueError(kind)

        def respond(handler: _Handler, _params: dict[str, Any]) -> None:
            self.answer_fault(handler, kind, path)

        self.routes[path] = respond
        return self.url(path)

    def ckan(self, prefix: str = "/ckan", site: CkanSite | None = None) -> tuple[str, CkanSite]:
        site = site or CkanSite()

        def respond(handler: _Handler, params: dict[str, Any]) -> None:
            action = urlsplit(handler.path).path.rstrip("/").rsplit("/", 1)[-1]
            if action == "package_search" and site.fault:
                if site.pages_served >= site.fault_after_pages:
                    self.answer_fault(handler, site.fault, handler.path)
                    return
                site.pages_served += 1
            status, payload = site.call(action, params)
            handler.reply(status, json.dumps(payload).encode(), "application/json;charset=utf-8")

        self.routes[prefix.rstrip("/") + "/api/"] = respond
        return self.url(prefix.rstrip("/")), site

    def answer_fault(self, handler: _Handler, kind: str, path: str) -> None:
        if kind == "500":
            handler.reply(500, b"<html><body>Internal Server Error</body></html>", "text/html")
        elif kind == "timeout":
            time.sleep(self.slow_seconds)
            handler.reply(200, b"{}", "application/json")
        elif kind == "redirect-loop":
            handler.send_response(302)
            handler.send_header("Location", path)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        elif kind == "malformed-json":
            handler.reply(
                200,
                b'{"success": true, "result": {"count": 3, "results": [{"id": ',
                "application/json",
            )
        elif kind == "huge":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.end_headers()
            block = b" " * 65536
            try:
                for _ in range(self.huge_bytes // len(block) + 1):
                    handler.wfile.write(block)
            except OSError:
                pass  # the client hung up, as it should
        elif kind == "trickle":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.end_headers()
            try:
                for _ in range(int(self.slow_seconds * 10)):
                    handler.wfile.write(b" ")
                    handler.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif kind == "reset":
            handler.close_connection = True
            handler.connection.close()

    # -- life --------------------------------------------------------------------------------

    def start(self) -> str:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.source = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.url("")

    def url(self, path: str) -> str:
        if self._server is None:
            raise RuntimeError("start the server first")
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def route_for(self, path: str) -> Respond | None:
        matches = [p for p in self.routes if path == p or (p.endswith("/") and path.startswith(p))]
        return self.routes[max(matches, key=len)] if matches else None


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (as a harvester over its size limit does) is no error."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed ACKs

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._dispatch(
            {k: v[0] if len(v) == 1 else v for k, v in parse_qs(urlsplit(self.path).query).items()}
        )

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            params = json.loads(body) if body.strip() else {}
        except ValueError:
            params = {}
        self._dispatch(params if isinstance(params, dict) else {})

    def _dispatch(self, params: dict[str, Any]) -> None:
        source: SourceServer = self.server.source  # type: ignore[attr-defined]
        source.requests.append(self.path)
        respond = source.route_for(urlsplit(self.path).path)
        if respond is None:
            self.reply(404, b"not found", "text/plain")
            return
        respond(self, params)

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _ok(result: Any) -> dict[str, Any]:
    return {"help": "test", "success": True, "result": result}


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"help": "test", "success": False, "error": {"__type": kind, "message": message}}


def _organization_name(package: dict[str, Any]) -> str:
    organization = package.get("organization")
    if isinstance(organization, dict):
        return str(organization.get("name") or "")
    return str(package.get("owner_org") or "")
