"""`gxdata user add` and `gxdata user token add/list/revoke`, and the demo's accounts."""

from __future__ import annotations

from sqlalchemy import select

from catalog.accounts import tokens, users
from catalog.audit import AuditEntry
from catalog.demo.samples import load_samples
from catalog.models import Dataset, Department
from portal.accounts.commands import create_demo_accounts


def _department(app, slug="dep-cli"):
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.add(Department(slug=slug, name="乙局"))


def test_user_add_prints_a_one_time_password_and_grants_the_role(app, runner):
    _department(app)
    result = runner.invoke(
        args=["user", "add", "p@example.cn", "--role", "publisher", "--department", "dep-cli"]
    )
    assert result.exit_code == 0, result.output
    one_time = result.output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    with app.extensions["gxdata"].session_factory() as db:
        signed = users.authenticate(db, "p@example.cn", one_time)
        assert signed.outcome == "signed-in"
        assert [g.role for g in signed.user.grants] == ["publisher"]
        assert users.password_change_due(signed.user)
        assert "account.create" in db.scalars(select(AuditEntry.action)).all()


def test_user_add_reads_the_password_from_stdin_and_refuses_bad_input(app, runner):
    ok = runner.invoke(
        args=["user", "add", "a@example.cn", "--role", "admin", "--password-stdin"],
        input="Admin-pass-2026!\n",
    )
    assert ok.exit_code == 0 and "one-time" not in ok.output
    again = runner.invoke(args=["user", "add", "a@example.cn"])
    assert again.exit_code != 0 and "has an account" in again.output
    missing = runner.invoke(args=["user", "add", "r@example.cn", "--role", "reviewer"])
    assert missing.exit_code != 0
    weak = runner.invoke(args=["user", "add", "w@example.cn", "--password-stdin"], input="abc\n")
    assert weak.exit_code != 0 and "weak" in weak.output


def test_token_add_prints_the_token_alone_on_its_last_line(app, runner):
    runner.invoke(args=["user", "add", "t@example.cn"])
    result = runner.invoke(
        args=["user", "token", "add", "t@example.cn", "loader", "--scope", "publish", "--days", "7"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("gx_") and " " not in secret
    with app.extensions["gxdata"].session_factory() as db:
        token = tokens.find_api_token(db, secret)
        assert token is not None and token.scope == "publish"
        token_id = token.id
    listed = runner.invoke(args=["user", "token", "list", "t@example.cn"])
    assert f"{token_id}\t{secret[:11]}…\tpublish\tlive" in listed.output
    assert secret not in listed.output
    revoked = runner.invoke(args=["user", "token", "revoke", "t@example.cn", str(token_id)])
    assert revoked.exit_code == 0
    with app.extensions["gxdata"].session_factory() as db:
        assert tokens.find_api_token(db, secret) is None
        actions = db.scalars(select(AuditEntry.action)).all()
    assert {"token.create", "token.revoke"} <= set(actions)


def test_the_demo_makes_one_account_of_each_role_once(app):
    _department(app, "dep-demo")
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        made = create_demo_accounts(db)
    assert [account.role for account in made] == [
        "applicant",
        "publisher",
        "reviewer",
        "admin",
        "auditor",
    ]
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        assert create_demo_accounts(db) == []
        for account in made:
            assert users.authenticate(db, account.email, account.password).outcome == "signed-in"


def test_the_demo_reviewer_reviews_the_conditional_samples(app):
    """With the demo accounts alone the whole application flow can be tried: the demo's
    reviewer reviews the departments of the conditionally open samples."""
    services = app.extensions["gxdata"]
    with services.session_factory() as db, db.begin():
        load_samples(db, services.files, app.config["MAX_UPLOAD_BYTES"])
    with services.session_factory() as db, db.begin():
        (reviewer,) = [a for a in create_demo_accounts(db) if a.role == "reviewer"]
    with services.session_factory() as db:
        user = users.find_by_email(db, reviewer.email)
        reviewed = {grant.department_id for grant in user.grants if grant.role == "reviewer"}
        owners = set(
            db.scalars(select(Dataset.department_id).where(Dataset.open_type == "conditional"))
        )
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "role.grant")
        ).all()
    assert owners and owners <= reviewed
    assert len(actions) == len(owners)  # each added role is an audited act
