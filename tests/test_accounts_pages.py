"""The account pages through the Flask test client: sign-in with lockout and one generic
message, sign-out that ends the session on the server, registration confirmed by the mailed
link, reset links used once, TOTP for two-factor roles, forced password change, API tokens,
erasure, CSRF, rate limits (memory and Redis)."""

from __future__ import annotations

import re
import uuid
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pyotp
import pytest
import redis
from signing_in import make_person
from sqlalchemy import select

from catalog.accounts import users
from catalog.accounts.models import ApiToken, User
from catalog.audit import AuditEntry
from portal import create_app

PASSWORD = "Staff-pass-2026!"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf(client, path: str) -> str:
    page = client.get(path)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, path
    return found.group(1)


def post(client, path: str, data: dict, page: str | None = None):
    return client.post(path, data={"csrf_token": csrf(client, page or path), **data})


def sign_in(client, email: str, password: str = PASSWORD, next_: str | None = None):
    path = "/account/sign-in" + (f"?next={next_}" if next_ else "")
    return post(client, path, {"email": email, "password": password})


def actions(app) -> list[str]:
    with app.extensions["gxdata"].session_factory() as db:
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def mails(app) -> list[str]:
    folder = Path(app.instance_path) / "mail"
    found = sorted(folder.glob("*.eml")) if folder.is_dir() else []
    return [
        message_from_bytes(p.read_bytes(), policy=default).get_body().get_content() for p in found
    ]


def link_in(text: str, kind: str) -> str:
    found = re.search(rf"http://gxdata\.test(/account/{kind}/[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def without_tokens(html: str, *emails: str) -> str:
    """The page without its CSRF token and the address typed (echoed in the form)."""
    for email in emails:
        html = html.replace(email, "EMAIL")
    return CSRF.sub("", html)


def test_sign_in_renews_the_session_and_opens_the_account_page(app, client):
    make_person(app, "pub@example.cn")
    with client.session_transaction() as cookie:
        cookie["planted"] = "by an attacker"
    response = sign_in(client, "pub@example.cn")
    assert response.status_code == 302 and response.location.endswith("/account/")
    with client.session_transaction() as cookie:
        first = cookie["_user_id"]
        assert "planted" not in cookie
    page = client.get("/account/")
    assert page.status_code == 200 and "我的账户" in page.get_data(as_text=True)
    sign_in(client, "pub@example.cn")
    with client.session_transaction() as cookie:
        assert cookie["_user_id"] != first
    assert actions(app).count("account.sign-in") == 2
    cookie_header = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie_header and "SameSite=Lax" in cookie_header


def test_unknown_and_known_accounts_get_the_same_answer(app, client):
    make_person(app, "known@example.cn")
    known = sign_in(client, "known@example.cn", "Wrong-pass-1!")
    unknown = sign_in(client, "nobody@example.cn", "Wrong-pass-1!")
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(known.get_data(as_text=True), "known@example.cn") == without_tokens(
        unknown.get_data(as_text=True), "nobody@example.cn"
    )
    assert "电子邮箱或密码不正确" in known.get_data(as_text=True)
    assert actions(app).count("account.sign-in-failed") == 2


def test_five_failures_lock_the_account_with_the_same_words(app, client):
    make_person(app, "lock@example.cn")
    for _ in range(5):
        wrong = sign_in(client, "lock@example.cn", "Wrong-pass-1!")
    locked = sign_in(client, "lock@example.cn")  # the right password, now refused
    assert locked.status_code == 200
    assert without_tokens(locked.get_data(as_text=True)) == without_tokens(
        wrong.get_data(as_text=True)
    )
    assert client.get("/account/").status_code == 302
    assert "account.locked" in actions(app)


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(app, client):
    make_person(app, "copy@example.cn")
    sign_in(client, "copy@example.cn")
    copied = client.get_cookie("session").value
    assert client.get("/account/").status_code == 200
    out = post(client, "/account/sign-out", {})
    assert out.status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account/").status_code == 302
    assert "account.sign-out" in actions(app)


def test_missing_csrf_tokens_are_refused(app, client):
    make_person(app, "csrf@example.cn")
    refused = client.post(
        "/account/sign-in", data={"email": "csrf@example.cn", "password": PASSWORD}
    )
    assert refused.status_code == 400
    sign_in(client, "csrf@example.cn")
    assert client.post("/account/sign-out").status_code == 400
    assert client.post("/account/tokens", data={"name": "x", "scope": "read"}).status_code == 400
    assert client.get("/account/").status_code == 200  # still signed in


def _register(client, email: str, **fields):
    data = {
        "kind": "individual",
        "email": email,
        "phone": "13800138000",
        "display_name": "小李",
        "password": "Citizen-2026",
        "real_name": "李明",
        "id_number": "11010519491231002X",
        **fields,
    }
    return post(client, "/account/register", data)


def test_registration_is_confirmed_by_the_mailed_link(app, client):
    response = _register(client, "li@example.cn")
    assert response.status_code == 302 and "/account/mail-sent" in response.location
    assert sign_in(client, "li@example.cn", "Citizen-2026").status_code == 200  # unconfirmed
    link = link_in(mails(app)[-1], "confirm")  # signing in unconfirmed sent a new one
    assert client.get(link).status_code == 302
    assert client.get(link).status_code == 400  # once only
    assert sign_in(client, "li@example.cn", "Citizen-2026").status_code == 302
    with app.extensions["gxdata"].session_factory() as db:
        user = users.find_by_email(db, "li@example.cn")
        assert user.id_number_last4 == "002X" and user.phone == "+8613800138000"
    assert {"account.register", "account.confirm"} <= set(actions(app))


def test_registering_a_known_address_answers_as_a_new_one(app, client):
    first = _register(client, "twice@example.cn")
    again = _register(client, "twice@example.cn")
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    assert "已经有账户" in mails(app)[-1]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"id_number": "110105194912310021"}, "校验码"),
        ({"phone": "12345"}, "手机号码"),
        ({"kind": "enterprise", "credit_code": "91350100M000100Y40"}, "统一社会信用代码无效"),
        ({"kind": "government"}, "请选择所属部门"),
        ({"password": "short"}, "密码至少 8 个字符"),
    ],
)
def test_registration_errors_are_in_chinese(client, fields, words):
    response = _register(client, "bad@example.cn", **fields)
    assert response.status_code == 200 and words in response.get_data(as_text=True)


def test_a_reset_link_works_once(app, client):
    make_person(app, "reset@example.cn")
    assert post(client, "/account/forgot", {"email": "reset@example.cn"}).status_code == 302
    assert post(client, "/account/forgot", {"email": "none@example.cn"}).status_code == 302
    assert len(mails(app)) == 1  # nothing is sent for an unknown address
    link = link_in(mails(app)[0], "reset")
    weak = post(client, link, {"password": "weak"})
    assert weak.status_code == 200 and "密码至少 8 个字符" in weak.get_data(as_text=True)
    assert post(client, link, {"password": "New-pass-2026!"}).status_code == 302
    reused = post(client, link, {"password": "Other-pass-2026!"})
    assert reused.status_code == 400 and "已被使用" in reused.get_data(as_text=True)
    assert sign_in(client, "reset@example.cn", "New-pass-2026!").status_code == 302
    assert {"account.password-reset-request", "account.password-reset"} <= set(actions(app))


def test_a_reviewer_sets_up_totp_and_gives_a_code_at_each_sign_in(app, client):
    app.config["TESTING"] = True
    make_person(app, "pages-rev@example.cn")
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        from catalog.models import Department

        db.add(Department(slug="dep-a", name="甲局"))
    make_person(app, "pages-rev@example.cn", "reviewer", "dep-a")
    response = sign_in(client, "pages-rev@example.cn")
    assert "/account/sign-in/two-factor" in response.location
    setup = client.get(client.get(response.location).location)
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', setup.get_data(as_text=True)).group(1)
    assert 'class="totp-qr" src="data:image/svg+xml' in setup.get_data(as_text=True)
    assert client.get("/datasets").status_code == 302  # owed: the second factor first
    wrong = post(client, "/account/two-factor", {"code": "000000"})
    assert "动态口令不正确" in wrong.get_data(as_text=True)
    done = post(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert client.get("/account/").status_code == 200
    post(client, "/account/sign-out", {}, page="/account/sign-out")
    again = sign_in(client, "pages-rev@example.cn")
    assert again.location.startswith("/account/sign-in/two-factor")
    ok = post(client, "/account/sign-in/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302 and client.get("/account/").status_code == 200
    assert {"account.two-factor-on", "account.two-factor"} <= set(actions(app))


def test_a_one_time_password_must_be_changed_first(app, client, runner):
    result = runner.invoke(args=["user", "add", "new@example.cn", "--role", "auditor"])
    one_time = result.output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    response = sign_in(client, "new@example.cn", one_time)
    assert "/account/password" in response.location
    assert client.get("/account/").status_code == 302
    changed = post(client, "/account/password", {"old": one_time, "password": "Fresh-pass-2026!"})
    assert changed.status_code == 302
    assert client.get("/account/").status_code == 200  # a new session goes on
    assert "account.password-change" in actions(app)


def test_api_tokens_are_shown_once_listed_and_revoked(app, client):
    make_person(app, "dev@example.cn")
    sign_in(client, "dev@example.cn")
    made = post(
        client, "/account/tokens", {"name": "脚本", "scope": "read", "days": "30"}, page="/account/"
    )
    secret = re.search(r'class="new-token">(gx_[A-Za-z0-9_-]+)<', made.get_data(as_text=True))
    assert secret
    listed = client.get("/account/").get_data(as_text=True)
    assert secret.group(1) not in listed and "脚本" in listed and "尚未使用" in listed
    with app.extensions["gxdata"].session_factory() as db:
        token_id = db.scalar(select(ApiToken.id))
    assert (
        post(client, f"/account/tokens/{token_id}/revoke", {}, page="/account/").status_code == 302
    )
    assert "已撤销" in client.get("/account/").get_data(as_text=True)
    assert {"token.create", "token.revoke"} <= set(actions(app))


def test_deleting_the_account_erases_its_personal_data(app, client):
    user_id = make_person(app, "gone@example.cn")
    sign_in(client, "gone@example.cn")
    assert (
        post(client, "/account/delete", {"password": PASSWORD}, page="/account/").status_code == 302
    )
    with app.extensions["gxdata"].session_factory() as db:
        user = db.get(User, user_id)
        assert user.email is None and user.erased_at is not None and user.pseudonym
    assert client.get("/account/").status_code == 302
    assert "account.erase" in actions(app)


def test_the_header_links_follow_the_sign_in(app, client):
    page = client.get("/").get_data(as_text=True)
    assert "登录" in page and "/account/register" in page and "我的账户" not in page
    make_person(app, "nav@example.cn")
    sign_in(client, "nav@example.cn")
    page = client.get("/").get_data(as_text=True)
    assert "我的账户" in page and "/account/sign-out" in page


def _hammer(client, times: int) -> list[int]:
    return [sign_in(client, "rate@example.cn", "Wrong-pass-1!").status_code for _ in range(times)]


def test_sign_in_is_rate_limited_in_memory(app, client):
    app.extensions["gxdata_limiter"].reset()
    codes = _hammer(client, 11)
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_the_rate_limit_counts_are_shared_through_redis(tmp_path):
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"gxdata-test-{uuid.uuid4().hex[:8]}"
    apps = [
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path / name),
                "TESTING": True,
                "SECRET_KEY": "s",
                "REDIS_URL": "redis://127.0.0.1:6379/0",
                "RATELIMIT_KEY_PREFIX": prefix,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
            }
        )
        for name in ("one", "two")
    ]
    from catalog import migrate

    migrate.upgrade(apps[0].extensions["gxdata"].engine)
    first, second = (application.test_client() for application in apps)
    assert _hammer(first, 6) == [200] * 6
    assert _hammer(second, 5) == [200] * 4 + [429]  # the other process's 6 counted
    for application in apps:
        application.extensions["gxdata"].close()
