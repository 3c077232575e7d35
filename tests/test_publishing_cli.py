"""``gxdata dataset publish|withdraw|review --as EMAIL``: the acts from the command line, with
the account's own rights and an audit row naming it."""

from __future__ import annotations

from signing_in import make_person
from sqlalchemy import select

from catalog import audit
from catalog.accounts.models import PUBLISHER, REVIEWER, User
from catalog.models import Department
from catalog.permissions import actor_for
from catalog.publishing import acts


def _draft(app, slug: str) -> str:
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        department = db.scalar(select(Department).where(Department.slug == slug))
        user = db.scalar(select(User).where(User.email == "p@jtt.example.org"))
        return acts.create_dataset(db, actor_for(user), department, {"title": "公交线路"}).slug


def test_publish_withdraw_and_review_as_an_account(app, runner):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.add_all(
            [Department(slug="jtt", name="交通运输厅"), Department(slug="wjw", name="卫健委")]
        )
    make_person(app, "p@jtt.example.org", PUBLISHER, "jtt")
    make_person(app, "r@jtt.example.org", REVIEWER, "jtt")
    make_person(app, "other@wjw.example.org", PUBLISHER, "wjw")
    slug = _draft(app, "jtt")

    refused = runner.invoke(args=["dataset", "publish", slug, "--as", "other@wjw.example.org"])
    assert refused.exit_code == 1 and "forbidden" in refused.output
    done = runner.invoke(args=["dataset", "publish", slug, "--as", "p@jtt.example.org"])
    assert done.exit_code == 0 and f"{slug}: published" in done.output
    gone = runner.invoke(args=["dataset", "withdraw", slug, "--as", "p@jtt.example.org"])
    assert gone.exit_code == 0 and "withdrawn" in gone.output

    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.scalar(select(Department).where(Department.slug == "jtt")).requires_review = True
    sent = runner.invoke(args=["dataset", "publish", slug, "--as", "p@jtt.example.org"])
    assert "pending" in sent.output
    approved = runner.invoke(
        args=["dataset", "review", slug, "--approve", "--as", "r@jtt.example.org"]
    )
    assert approved.exit_code == 0 and "published" in approved.output
    unknown = runner.invoke(args=["dataset", "publish", "nope", "--as", "p@jtt.example.org"])
    assert unknown.exit_code == 1 and "no dataset" in unknown.output

    with app.extensions["gxdata"].session_factory() as db:
        rows = db.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq)).all()
        cli_rows = [r.action for r in rows if r.request_id == "cli"]
        assert cli_rows == [
            "dataset.publish",
            "dataset.withdraw",
            "dataset.submit",
            "dataset.approve",
        ]
        assert audit.verify(db).ok
