"""The domain side of accounts: identity checks, sign-in with lockout, tokens, sessions,
permissions scoped to departments, and the hash-chained audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog import audit, migrate
from catalog.accounts import identity, passwords, sessions, tokens, users
from catalog.accounts.models import ADMIN, AUDITOR, PUBLISHER
from catalog.db import utcnow
from catalog.errors import InvalidValue
from catalog.models import Department
from catalog.permissions import ANONYMOUS, actor_for, can, system_actor

KEY = b"k" * 32
GOOD = "Gx-portal-2026"


def _id_number(first17: str) -> str:
    return first17 + identity.resident_id_check_character(first17)


def _credit_code(first17: str) -> str:
    return first17 + identity.credit_code_check_character(first17)


def test_the_published_examples_pass_their_check_digits() -> None:
    assert identity.check_resident_id("11010519491231002x") == "11010519491231002X"  # GB 11643
    assert identity.check_credit_code("91350100M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "number", ["110105194912310021", "11010519491331002X", "1101051949123100", "A1010519491231002X"]
)
def test_a_wrong_resident_id_is_refused(number: str) -> None:
    with pytest.raises(InvalidValue) as error:
        identity.check_resident_id(number)
    assert error.value.code == "invalid-id-number"


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91350100M000100YI3", "9135"])
def test_a_wrong_credit_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidValue) as error:
        identity.check_credit_code(code)
    assert error.value.code == "invalid-credit-code"


def test_mobile_numbers_are_chinese_mobiles_in_e164() -> None:
    assert identity.check_mobile("138 0013 8000") == "+8613800138000"
    assert identity.check_mobile("+86 13800138000") == "+8613800138000"
    for bad in ("0771-5555555", "+1 202 555 0100", "12345", "x" * 40):
        with pytest.raises(InvalidValue):
            identity.check_mobile(bad)


def test_the_id_number_is_stored_as_a_keyed_hash_and_its_last_four(session: Session) -> None:
    number = _id_number("45010219900101123")
    user = _register(session, id_number=number)
    assert user.id_number_last4 == number[-4:]
    assert number not in (user.id_number_hash or "")
    assert user.id_number_hash == identity.resident_id_digest(number, KEY)[0]
    assert passwords.verify_password(user.password_hash, GOOD)
    assert user.password_hash.startswith("$argon2id$")


def test_registering_an_address_twice_raises_account_exists(session: Session) -> None:
    _register(session)
    with pytest.raises(users.AccountExists):
        _register(session, email="A@Example.org ")


def test_five_wrong_passwords_lock_the_account_for_15_minutes(session: Session) -> None:
    user = _register(session)
    users.confirm_user(user)
    now = utcnow()
    outcomes = [users.authenticate(session, "a@example.org", "nope", now).outcome for _ in range(5)]
    assert outcomes == ["wrong"] * 4 + ["locked"]
    assert users.authenticate(session, "a@example.org", GOOD, now).outcome == "locked"
    later = now + timedelta(minutes=16)
    assert users.authenticate(session, "a@example.org", GOOD, later).outcome == "signed-in"
    assert users.authenticate(session, "nobody@example.org", GOOD, later).outcome == "wrong"


def test_an_unconfirmed_account_does_not_sign_in(session: Session) -> None:
    _register(session)
    assert users.authenticate(session, "a@example.org", GOOD).outcome == "unconfirmed"


def test_api_tokens_are_hashed_expire_and_revoke(session: Session) -> None:
    user = _confirmed(session)
    token, secret = tokens.create_api_token(session, user, "notebook", scope="publish", days=1)
    assert secret.startswith("gx_") and secret not in token.token_hash
    assert tokens.find_api_token(session, secret) is token
    assert token.last_used_at is not None
    assert tokens.find_api_token(session, secret, utcnow() + timedelta(days=2)) is None
    tokens.revoke_api_token(token)
    assert tokens.find_api_token(session, secret) is None
    assert tokens.find_api_token(session, "gx_" + "x" * 500) is None


def test_a_one_time_link_works_once_and_expires(session: Session) -> None:
    user = _confirmed(session)
    secret = tokens.issue_one_time(session, user, "reset")
    assert tokens.redeem_one_time(session, secret, "confirm") is None  # another purpose
    assert tokens.redeem_one_time(session, secret, "reset") is user
    assert tokens.redeem_one_time(session, secret, "reset") is None  # reused
    old = tokens.issue_one_time(session, user, "reset")
    late = utcnow() + timedelta(minutes=tokens.RESET_MINUTES + 1)
    assert tokens.redeem_one_time(session, old, "reset", late) is None


def test_sessions_end_on_sign_out_idle_time_and_password_change(session: Session) -> None:
    user = _confirmed(session)
    row, secret = sessions.start_session(session, user, "127.0.0.1")
    assert sessions.find_session(session, secret) is row
    sessions.end_session(row)
    assert sessions.find_session(session, secret) is None
    _, second = sessions.start_session(session, user)
    assert sessions.find_session(session, second, utcnow() + timedelta(days=8)) is None
    _, third = sessions.start_session(session, user)
    users.set_password(session, user, "Another-pass-1")
    session.flush()
    session.expire_all()
    assert sessions.find_session(session, third) is None


def test_staff_sessions_end_after_30_idle_minutes(session: Session) -> None:
    user = _confirmed(session)
    users.grant_role(session, user, ADMIN)
    _, secret = sessions.start_session(session, user)
    assert sessions.find_session(session, secret, utcnow() + timedelta(minutes=29)) is not None
    assert sessions.find_session(session, secret, utcnow() + timedelta(minutes=61)) is None


def test_staff_passwords_are_stricter_and_expire(session: Session) -> None:
    with pytest.raises(InvalidValue):
        passwords.check_password("abcdefgh12", staff=True)
    passwords.check_password("abcdefgh12", staff=False)
    user = _confirmed(session)
    users.grant_role(session, user, AUDITOR)
    user.password_changed_at = utcnow() - timedelta(days=91)
    assert users.password_change_due(user)


def test_department_roles_cover_the_departments_below_never_another(session: Session) -> None:
    region = Department(slug="region", name="区厅")
    city = Department(slug="city", name="市局", parent=region)
    county = Department(slug="county", name="县局", parent=city)
    other = Department(slug="other", name="别的厅")
    session.add_all([region, city, county, other])
    session.flush()
    user = _confirmed(session)
    users.grant_role(session, user, PUBLISHER, city)
    actor = actor_for(user)
    assert can(session, actor, "dataset.publish", city.id)
    assert can(session, actor, "dataset.publish", county.id)
    assert not can(session, actor, "dataset.publish", region.id)
    assert not can(session, actor, "dataset.publish", other.id)
    assert not can(session, actor, "dataset.publish", None)
    assert not can(session, actor, "harvest.manage")
    assert not can(session, actor, "no.such.action", city.id)
    assert not can(session, ANONYMOUS, "dataset.publish", city.id)


def test_tokens_are_cut_to_their_scope(session: Session) -> None:
    department = Department(slug="d", name="部门")
    session.add(department)
    session.flush()
    user = _confirmed(session)
    users.grant_role(session, user, PUBLISHER, department)
    users.grant_role(session, user, ADMIN)
    read = actor_for(user, scope="read")
    publish = actor_for(user, scope="publish")
    assert not can(session, read, "dataset.edit", department.id)
    assert can(session, read, "dataset.read-draft", department.id)
    assert can(session, publish, "dataset.edit", department.id)
    assert not can(session, publish, "harvest.manage")  # no administration through a token


def test_two_factor_roles_count_only_after_the_second_factor(session: Session) -> None:
    user = _confirmed(session)
    users.grant_role(session, user, ADMIN)
    assert not can(session, actor_for(user), "harvest.manage")
    assert can(session, actor_for(user, two_factor=True), "harvest.manage")
    assert can(session, system_actor(), "harvest.manage")


def test_the_audit_chain_finds_an_edited_a_removed_and_a_reordered_row(session: Session) -> None:
    for n in range(5):
        audit.record(session, actor="u-1", action="dataset.edit", object_id=n, change={"n": n})
    assert audit.verify(session) == audit.Verification(True, 5)

    session.execute(update(audit.AuditEntry).where(audit.AuditEntry.seq == 3).values(actor="x"))
    result = audit.verify(session)
    assert (result.ok, result.broken_seq, result.reason) == (False, 3, "edited")
    session.execute(update(audit.AuditEntry).where(audit.AuditEntry.seq == 3).values(actor="u-1"))
    assert audit.verify(session).ok

    second = session.scalar(select(audit.AuditEntry).where(audit.AuditEntry.seq == 2))
    session.delete(second)
    session.flush()
    assert (audit.verify(session).broken_seq, audit.verify(session).reason) == (2, "missing")


def test_removing_the_last_rows_is_found_by_the_head(session: Session) -> None:
    for n in range(3):
        audit.record(session, actor="u-1", action="sign-in", object_id=n)
    last = session.scalar(select(audit.AuditEntry).where(audit.AuditEntry.seq == 3))
    session.delete(last)
    session.flush()
    assert audit.verify(session).reason == "truncated"


def test_erasing_an_account_keeps_its_pseudonym_and_the_chain(session: Session) -> None:
    user = _confirmed(session)
    audit.record(session, actor=user.pseudonym, action="sign-in")
    tokens.create_api_token(session, user, "t")
    pseudonym = user.pseudonym
    users.erase_user(session, user)
    assert user.email is None and user.phone is None and user.password_hash is None
    assert user.pseudonym == pseudonym and not user.active
    assert audit.verify(session).ok
    assert users.authenticate(session, "a@example.org", GOOD).outcome == "wrong"


def _register(session: Session, **overrides: object) -> users.User:
    fields: dict[str, object] = {
        "email": "a@example.org",
        "password": GOOD,
        "phone": "13800138000",
        "display_name": "小李",
        "kind": "individual",
        "real_name": "李明",
        "id_number": _id_number("45010219900101123"),
        "id_key": KEY,
    }
    fields.update(overrides)
    return users.register_user(session, **fields)  # type: ignore[arg-type]


def _confirmed(session: Session) -> users.User:
    user = _register(session)
    users.confirm_user(user)
    session.flush()
    return user


def test_migration_0008_adds_and_removes_the_account_tables(services) -> None:
    engine = services.engine
    command.downgrade(migrate.alembic_config(engine), "0007")
    assert "user_account" not in sa.inspect(engine).get_table_names()
    migrate.upgrade(engine, "0008")
    tables = set(sa.inspect(engine).get_table_names())
    assert {"user_account", "role_grant", "api_token", "audit_log", "audit_head"} <= tables
    with services.session_factory() as session, session.begin():
        audit.record(session, actor="cli", action="check")  # the head row is there
    migrate.upgrade(engine)
