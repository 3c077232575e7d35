"""Off the network: ``gxdata demo`` unless GXDATA_NETWORK=1, and the whole test suite."""

from __future__ import annotations

import socket

import network_guard
import pytest

from portal import commands
from portal.config import load_config


@pytest.mark.parametrize(
    ("value", "serve", "demo"),
    [(None, True, False), ("1", True, True), ("0", False, False), ("false", False, False)],
)
def test_the_demo_is_off_the_network_unless_told(tmp_path, value, serve, demo):
    environ = {} if value is None else {"GXDATA_NETWORK": value}
    config = load_config(str(tmp_path), environ)
    assert (config["NETWORK"], config["DEMO_NETWORK"]) == (serve, demo)


def _run_demo(app, monkeypatch) -> tuple[str, list[bool]]:
    served: list[bool] = []
    monkeypatch.setattr(commands, "_load_demo", lambda force: None)
    monkeypatch.setattr(commands, "_serve", lambda a, h, p: served.append(a.config["NETWORK"]))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output, served


def test_gxdata_demo_says_it_stays_off_the_network(app, monkeypatch):
    app.config["NETWORK"] = True  # as `gxdata serve` would have it
    output, served = _run_demo(app, monkeypatch)
    assert served == [False]
    assert "演示不访问外部网络" in output and "The demo stays off the network" in output


def test_gxdata_demo_uses_the_network_with_gxdata_network_1(app, monkeypatch):
    app.config["DEMO_NETWORK"] = True
    output, served = _run_demo(app, monkeypatch)
    assert served == [True] and "GXDATA_NETWORK=1" in output


def test_the_test_app_is_off_the_network(app):
    assert app.config["NETWORK"] is False


@pytest.mark.network
def test_a_test_may_opt_in(app):
    assert app.config["NETWORK"] is True


def test_connections_beyond_loopback_are_refused_and_recorded():
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("data.gxzf.gov.cn", 443)
    assert network_guard.attempts == [
        "connect to ('192.0.2.1', 80)",
        "name lookup of 'data.gxzf.gov.cn'",
    ]
    network_guard.attempts.clear()  # else this test itself fails at teardown


def test_loopback_connections_pass():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
        with socket.create_connection(("localhost", port), timeout=1):
            pass
    assert network_guard.attempts == []
