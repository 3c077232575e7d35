"""URIs and links follow the address served: `gxdata demo --port 5301` mints on port 5301
unless GXDATA_BASE_URL names the public address; the CKAN API's root and action index answer."""

from __future__ import annotations

import pytest

from exports.sparql import CatalogStore
from portal import commands, create_app
from portal.config import load_config


def _run(app, monkeypatch, *args: str) -> None:
    monkeypatch.setattr(commands, "_load_demo", lambda force: None)
    monkeypatch.setattr(commands, "_serve", lambda a, h, p: None)
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture
def unfixed(app):
    """The test app as the environment would make it: no GXDATA_BASE_URL."""
    app.config["BASE_URL_FIXED"] = False
    return app


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_the_served_port_mints_every_absolute_url(unfixed, monkeypatch, command):
    _run(unfixed, monkeypatch, command, "--port", "5301")
    base = "http://127.0.0.1:5301"
    assert unfixed.config["BASE_URL"] == base
    assert unfixed.extensions["gxdata"].sparql.base_url == base
    client = unfixed.test_client()
    assert client.get("/api/v1/openapi.json").get_json()["servers"][0]["url"].startswith(base)
    assert client.get("/api/3/action/status_show").get_json()["help"].startswith(base)
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert base in docs and ":5000" not in docs
    listing = client.get("/api/v1/datasets?limit=1").get_json()
    assert ":5000" not in str(listing)


def test_a_wildcard_host_is_reached_on_loopback(unfixed, monkeypatch):
    _run(unfixed, monkeypatch, "serve", "--host", "0.0.0.0", "--port", "8080")
    assert unfixed.config["BASE_URL"] == "http://127.0.0.1:8080"


def test_gxdata_base_url_wins(app, monkeypatch):
    _run(app, monkeypatch, "demo", "--port", "5301")
    assert app.config["BASE_URL"] == "http://gxdata.test"


def test_the_environment_says_whether_the_base_is_fixed(tmp_path):
    assert load_config(str(tmp_path), {})["BASE_URL_FIXED"] is False
    assert load_config(str(tmp_path), {"GXDATA_BASE_URL": "https://x.cn"})["BASE_URL_FIXED"]
    app = create_app({"INSTANCE_PATH": str(tmp_path), "BASE_URL": "https://x.cn"})
    assert app.config["BASE_URL_FIXED"] is True
    app.extensions["gxdata"].close()


@pytest.mark.parametrize("path", ["/api/3", "/api/3/", "/api/3/action", "/api/3/action/"])
def test_the_ckan_api_roots_answer(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_json()
    if "action" in path:
        assert body["success"] is True
        assert body["result"]["package_search"] == "http://gxdata.test/api/3/action/package_search"
    else:
        assert body == {"version": 3}


def test_the_catalog_page_links_resolve(client):
    page = client.get("/catalog").get_data(as_text=True)
    assert 'href="/api/3/action/"' in page
    assert client.get("/api/3/action/").status_code == 200


def test_a_store_kept_under_another_base_is_rebuilt(tmp_path):
    store = CatalogStore(str(tmp_path / "sparql"), "http://127.0.0.1:5000")
    try:
        store.position()  # opens (creates) the store's folder
        store.set_position(7, "abc")
        assert store.position() == (7, "abc")
        store.rebase("http://127.0.0.1:5301")
        assert store.position() is None  # its URIs name port 5000: rebuilt at the next start
    finally:
        store.close()
