"""The administration pages by role: nobody, an applicant, a publisher and an administrator
without the second factor are refused; an auditor reads the audit log and changes nothing;
an administrator grants and revokes roles, erases accounts and sets departments, each act one
audit row. Every form needs its CSRF token."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from form_tokens import csrf
from signing_in import make_person, signed_in
from sqlalchemy import select

from catalog.accounts import admin as accounts_admin
from catalog.accounts.models import RoleGrant, User
from catalog.audit import AuditEntry
from catalog.models import Department
from catalog.permissions import actor_for, can, system_actor
from catalog.publishing.acts import Forbidden

PAGES = (
    "/admin/",
    "/admin/harvest",
    "/admin/users",
    "/admin/departments",
    "/admin/audit",
    "/admin/audit.csv",
)
CHANGES = (
    "/admin/harvest",
    "/admin/users/1/grant",
    "/admin/users/1/erase",
    "/admin/departments/wx",
)


@pytest.fixture
def departments(session):
    session.add_all(
        [
            Department(slug="wx", name="网信办"),
            Department(slug="nn", name="南宁市大数据局"),
        ]
    )
    session.commit()


@pytest.fixture
def admin(app, client, departments):
    signed_in(app, client, "admin@gx.test", "admin")
    return client


def _audit(session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_nobody_is_sent_to_sign_in(app, client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        target = response.headers["Location"]
        assert target.startswith("/account/sign-in?next="), path
        assert path in unquote(target), path
    for path in CHANGES:
        assert client.post(path, data={}).status_code in (400, 403), path


@pytest.mark.parametrize(
    ("role", "department", "two_factor"),
    [
        (None, None, True),
        ("publisher", "wx", True),
        ("reviewer", "wx", True),
        ("admin", None, False),
    ],
    ids=["applicant", "publisher", "reviewer", "admin-without-second-factor"],
)
def test_others_are_refused(app, client, session, departments, role, department, two_factor):
    signed_in(app, client, "someone@gx.test", role, department, two_factor=two_factor)
    app.config["WTF_CSRF_ENABLED"] = False  # so that the refusal is the permission's
    for method, paths in (("GET", PAGES), ("POST", CHANGES)):
        for path in paths:
            refused(client.open(path, method=method), path, two_factor)
    session.expire_all()
    assert not session.scalar(select(Department.requires_review).where(Department.slug == "wx"))
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.role == "admin")) is None


def refused(response, path: str, two_factor: bool) -> None:
    """403; or, for a person who still owes the second factor, the sign-in's second step."""
    if not two_factor and response.status_code == 302:
        assert "/account/" in response.headers["Location"], path
        assert "/admin" not in response.headers["Location"].split("?")[0], path
    else:
        assert response.status_code == 403, path


def test_an_admin_without_the_second_factor_may_not(app, session):
    """The permission itself, whatever page or command asks."""
    user_id = make_person(app, "half@gx.test", "admin")
    user = session.get(User, user_id)
    for action in ("harvest.manage", "users.manage", "departments.manage", "audit.read"):
        assert not can(session, actor_for(user, two_factor=False), action)
        assert can(session, actor_for(user, two_factor=True), action)


def test_an_auditor_reads_and_changes_nothing(app, client, departments, session):
    target = make_person(app, "target@gx.test")
    signed_in(app, client, "auditor@gx.test", "auditor")
    assert client.get("/admin/audit").status_code == 200
    assert client.get("/admin/audit.csv").status_code == 200
    for path in ("/admin/harvest", "/admin/users", "/admin/departments"):
        assert client.get(path).status_code == 403, path
    app.config["WTF_CSRF_ENABLED"] = False  # so that the refusal is the permission's
    refused = client.post(f"/admin/users/{target}/grant", data={"role": "admin"})
    assert refused.status_code == 403
    assert client.post(f"/admin/users/{target}/erase").status_code == 403
    assert client.post("/admin/departments/wx", data={"requires_review": "y"}).status_code == 403
    session.expire_all()
    assert session.get(User, target).grants == [] and session.get(User, target).email
    assert not session.scalar(select(Department.requires_review).where(Department.slug == "wx"))
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.role == "admin")) is None
    assert not session.scalar(select(Department.requires_review).where(Department.slug == "wx"))
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.role == "admin")) is None
    # the service refuses an auditor too, whatever page calls it
    auditor = session.scalar(select(User).where(User.email == "auditor@gx.test"))
    with pytest.raises(Forbidden):
        accounts_admin.grant(session, actor_for(auditor, two_factor=True), target, "admin")


def test_the_admin_grants_and_revokes_a_department_role(app, admin, session):
    target = make_person(app, "pub@gx.test")
    page = admin.get(f"/admin/users/{target}")
    assert page.status_code == 200 and "网信办" in page.text and "部门发布员" in page.text
    token = csrf(page.text)
    assert admin.post(f"/admin/users/{target}/grant", data={"role": "publisher"}).status_code == 400
    missing = admin.post(
        f"/admin/users/{target}/grant",
        data={"role": "publisher", "department": "", "csrf_token": token},
        follow_redirects=True,
    )
    assert "发布员和审核员代表某个部门，请选择部门" in missing.text
    granted = admin.post(
        f"/admin/users/{target}/grant",
        data={"role": "publisher", "department": "wx", "csrf_token": token},
        follow_redirects=True,
    )
    assert "已授予角色" in granted.text and "部门发布员（网信办）" in granted.text
    dep = session.scalar(select(Department.id).where(Department.slug == "wx"))
    grant = session.scalar(select(RoleGrant).where(RoleGrant.user_id == target))
    assert (grant.role, grant.department_id) == ("publisher", dep)
    [row] = _audit(session, "role.grant")
    pseudonym = session.get(User, target).pseudonym
    assert (row.object_type, row.object_id, row.role) == ("user", pseudonym, "admin")
    assert row.summary == "publisher@wx" and "pub@gx.test" not in (row.summary or "")

    revoked = admin.post(
        f"/admin/users/{target}/revoke",
        data={"role": "publisher", "department": str(dep), "csrf_token": token},
        follow_redirects=True,
    )
    assert "已撤销角色" in revoked.text
    session.expire_all()
    assert session.scalar(select(RoleGrant).where(RoleGrant.user_id == target)) is None
    assert len(_audit(session, "role.revoke")) == 1


def test_the_admin_cannot_revoke_their_own_administration(admin, session):
    me = session.scalar(select(User).where(User.email == "admin@gx.test"))
    page = admin.get(f"/admin/users/{me.id}")
    answer = admin.post(
        f"/admin/users/{me.id}/revoke",
        data={"role": "admin", "department": "", "csrf_token": csrf(page.text)},
        follow_redirects=True,
    )
    assert "不能撤销您自己的管理员角色" in answer.text
    session.expire_all()
    assert [g.role for g in session.get(User, me.id).grants] == ["admin"]


def test_the_admin_finds_and_erases_an_account(app, admin, session):
    target = make_person(app, "leaving@gx.test", "publisher", "nn")
    found = admin.get("/admin/users?q=LEAVING")
    assert "leaving@gx.test" in found.text and "admin@gx.test" not in found.text
    page = admin.get(f"/admin/users/{target}")
    erased = admin.post(
        f"/admin/users/{target}/erase", data={"csrf_token": csrf(page.text)}, follow_redirects=True
    )
    assert "已删除该账户的个人信息" in erased.text and "leaving@gx.test" not in erased.text
    session.expire_all()
    user = session.get(User, target)
    assert user.email is None and user.erased_at is not None and user.grants == []
    [row] = _audit(session, "account.erase")
    assert row.object_id == user.pseudonym
    assert "leaving@gx.test" not in admin.get("/admin/users?q=leaving").text


def test_the_admin_sets_a_department(admin, session):
    page = admin.get("/admin/departments")
    assert "网信办" in page.text and "需要审核" in page.text
    token = csrf(page.text)
    assert admin.post("/admin/departments/wx", data={"requires_review": "y"}).status_code == 400
    saved = admin.post(
        "/admin/departments/wx",
        data={"requires_review": "y", "licence": "CC-BY-4.0", "csrf_token": token},
        follow_redirects=True,
    )
    assert "已保存部门“网信办”" in saved.text
    session.expire_all()
    wx = session.scalar(select(Department).where(Department.slug == "wx"))
    assert wx.requires_review and wx.default_licence == "CC-BY-4.0"
    assert [r.object_id for r in _audit(session, "department.review")] == ["wx"]
    assert [r.object_id for r in _audit(session, "department.licence")] == ["wx"]
    refused = admin.post(
        "/admin/departments/wx",
        data={"requires_review": "y", "licence": "no-such", "csrf_token": token},
        follow_redirects=True,
    )
    assert "没有这个许可协议" in refused.text
    cleared = admin.post("/admin/departments/wx", data={"csrf_token": token})
    assert cleared.status_code == 302
    session.expire_all()
    wx = session.get(Department, wx.id)
    assert not wx.requires_review and wx.default_licence is None


def test_the_command_line_licence_is_audited(runner, departments, session):
    result = runner.invoke(args=["department", "set-licence", "nn", "CC-BY-4.0"])
    assert result.exit_code == 0, result.output
    [row] = _audit(session, "department.licence")
    assert (row.actor, row.object_id) == (system_actor().pseudonym, "nn")


def test_the_administration_home_opens_the_first_page_allowed(app, client, admin):
    assert admin.get("/admin/").headers["Location"] == "/admin/harvest"
    other = app.test_client()
    signed_in(app, other, "auditor@gx.test", "auditor")
    assert other.get("/admin/").headers["Location"] == "/admin/audit"


def test_without_a_sign_in_page_nobody_gets_a_plain_401(app, client):
    """An app built without the accounts pages (here: their sign-in view taken away)."""
    app.view_functions.pop("accounts.sign_in", None)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 401, path
        assert "请登录后查看此页面" in response.text, path
