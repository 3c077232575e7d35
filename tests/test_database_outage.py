"""A database that cannot be reached: 503 with Retry-After in the format and language of the
address (a Chinese page, problem JSON, CKAN's envelope), no traceback; the next request after
the database is back succeeds."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from conftest import is_postgres
from sqlalchemy.engine import make_url

from catalog import migrate
from portal import create_app

PAGES = ("/dataset/no-such-dataset", "/organization", "/stats/openness")
REST = ("/api/v1/datasets", "/api/v1/departments")
CKAN = ("/api/3/action/package_list", "/api/3/action/package_show?id=x")


def _app(tmp_path: Path, url: str):
    return create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "BASE_URL": "http://gxdata.test",
        }
    )


def assert_unavailable(client) -> None:
    for url in PAGES:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 503 and response.headers["Retry-After"] == "10", url
        assert "数据库暂时无法访问" in html and "Traceback" not in html, url
    english = client.application.test_client().get(PAGES[0] + "?lang=en")
    assert "The database is unavailable" in english.get_data(as_text=True)
    for url in REST:
        response = client.get(url)
        assert response.status_code == 503 and response.headers["Retry-After"] == "10", url
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "service-unavailable"
    for url in CKAN:
        response = client.get(url)
        assert response.status_code == 503 and response.headers["Retry-After"] == "10", url
        body = response.get_json()
        assert body["success"] is False and "数据库暂时无法访问" in body["error"]["message"]


def assert_available(client) -> None:
    assert client.get("/organization").status_code == 200
    assert client.get(REST[0]).status_code == 200
    assert client.get(CKAN[0]).get_json()["success"] is True


def test_postgresql_port_with_nothing_listening(tmp_path):
    app = _app(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:1/x")
    try:
        assert_unavailable(app.test_client())
    finally:
        app.extensions["gxdata"].close()


def test_sqlite_file_that_cannot_be_opened_then_appears(tmp_path):
    folder = tmp_path / "later"  # SQLite cannot create a file in a folder that is not there
    app = _app(tmp_path, f"sqlite:///{folder / 'gxdata.db'}")
    try:
        client = app.test_client()
        assert_unavailable(client)
        folder.mkdir()
        migrate.upgrade(app.extensions["gxdata"].engine)
        assert_available(client)
    finally:
        app.extensions["gxdata"].close()


class Relay:
    """A TCP relay on 127.0.0.1 to the test PostgreSQL server that can be cut and restored,
    as a stopped and restarted server would be."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.open.clear()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.sockets.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.mark.postgres
@pytest.mark.skipif(not is_postgres(), reason="needs GXDATA_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_stopped_and_restarted_under_a_running_app(tmp_path, app):
    url = make_url(app.config["DATABASE_URL"])
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    relayed = _app(
        tmp_path / "relayed",
        url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False),
    )
    try:
        client = relayed.test_client()
        assert_available(client)  # the pool now holds connections through the relay
        relay.cut()
        assert_unavailable(client)
        relay.restore()
        assert_available(client)  # pool_pre_ping replaces the dead connections
    finally:
        relayed.extensions["gxdata"].close()
        relay.close()
