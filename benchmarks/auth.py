"""What a session cookie and an API token add to a request, against an anonymous one.

Builds a small catalog in a temporary SQLite database, one publisher with a server-side
session (made with the domain functions, as a sign-in leaves it) and an API token, then times
``package_show`` (CKAN API) and the dataset page, each anonymously, with the session cookie
and with the token, through Flask's test client (no network). Prints the median of each and
the difference to the anonymous request; the issue's target is at most 5 ms each.

    .venv/bin/python -m benchmarks.auth --requests 300
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from catalog import migrate
from catalog.accounts import sessions, tokens, users
from catalog.accounts.models import PUBLISH, PUBLISHER
from catalog.models import Department
from catalog.permissions import actor_for
from catalog.publishing import acts
from portal import create_app


def build(instance: Path) -> tuple[Flask, str, str, str]:
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'bench.db'}",
            "SECRET_KEY": "benchmark",
            "BASE_URL": "http://gxdata.test",
            "NETWORK": False,
        }
    )
    migrate.upgrade(app.extensions["gxdata"].engine)
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        department = Department(slug="jiaotong", name="交通运输厅")
        db.add(department)
        db.flush()
        user, _ = users.create_staff_user(db, email="p@example.org", password=None)
        user.must_change_password = False
        users.grant_role(db, user, PUBLISHER, department)
        actor = actor_for(user)
        dataset = acts.create_dataset(
            db, actor, department, {"title": "公交站点", "open_type": "无条件开放"}, slug="bus"
        )
        acts.publish_dataset(db, actor, dataset)
        _, session_secret = sessions.start_session(db, user, "127.0.0.1")
        _, token = tokens.create_api_token(db, user, "bench", scope=PUBLISH)
    return app, dataset.slug, session_secret, token


def median_ms(call: Callable[[], object], count: int) -> float:
    for _ in range(20):  # warm up
        call()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def signed_in_client(app: Flask, secret: str) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = secret
        cookie["_fresh"] = True
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, slug, session_secret, token = build(Path(tmp))
        anonymous, signed_in = app.test_client(), signed_in_client(app, session_secret)
        show = f"/api/3/action/package_show?id={slug}"
        page = f"/dataset/{slug}"

        def get(client: FlaskClient, url: str, **headers: str) -> Callable[[], object]:
            def run() -> object:
                response = client.get(url, headers=headers)
                assert response.status_code == 200, response.status_code
                return response

            return run

        rows = [
            ("package_show", "anonymous", get(anonymous, show)),
            ("package_show", "session cookie", get(signed_in, show)),
            ("package_show", "API token", get(anonymous, show, Authorization=token)),
            ("dataset page", "anonymous", get(anonymous, page)),
            ("dataset page", "session cookie", get(signed_in, page)),
        ]
        base: dict[str, float] = {}
        print(f"{'request':14} {'as':16} {'median ms':>10} {'added ms':>9}")
        for what, who, call in rows:
            ms = median_ms(call, args.requests)
            base.setdefault(what, ms)
            print(f"{what:14} {who:16} {ms:10.2f} {ms - base[what]:9.2f}")
        app.extensions["gxdata"].close()


if __name__ == "__main__":
    main()
