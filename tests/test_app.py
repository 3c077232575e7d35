"""The application factory: configuration, the instance folder, and recovery at start."""

from __future__ import annotations

import stat

from portal import create_app
from portal.config import load_config


def test_config_comes_from_the_environment(tmp_path):
    environ = {
        "GXDATA_DATABASE_URL": "postgresql+psycopg://u@h/db",
        "GXDATA_BASE_URL": "https://data.example.gov.cn/",
        "GXDATA_SECRET_KEY": "s3cret",
        "GXDATA_MAX_UPLOAD_MB": "5",
    }
    config = load_config(str(tmp_path), environ)
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert config["BASE_URL"] == "https://data.example.gov.cn"  # no trailing slash
    assert config["SECRET_KEY"] == "s3cret"
    assert config["MAX_UPLOAD_BYTES"] == 5 * 1024 * 1024
    assert not (tmp_path / "secret_key").exists()


def test_defaults_live_in_the_instance_folder(tmp_path):
    config = load_config(str(tmp_path), {})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'gxdata.db'}"
    assert config["SEARCH_INDEX"] == str(tmp_path / "index")
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == config["SECRET_KEY"] and len(config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_config(str(tmp_path), {})["SECRET_KEY"] == config["SECRET_KEY"]  # kept


def test_an_unreadable_index_is_recreated(tmp_path, app):
    index = tmp_path / "broken-index"
    index.mkdir()
    (index / "garbage.txt").write_text("not an index")
    second = create_app(
        {
            "INSTANCE_PATH": app.instance_path,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SEARCH_INDEX": str(index),
            "TESTING": True,
        }
    )
    try:
        services = second.extensions["gxdata"]
        assert services.index_recreated and services.search.count() == 0
    finally:
        second.extensions["gxdata"].close()


def test_a_good_index_is_kept(app):
    assert app.extensions["gxdata"].index_recreated is False
