"""The verification interface and the paged rows of the api channel, in the domain
(catalog/verification.py, catalog/applications/rows.py): answers are match / no match and
never a value, only the stated fields are asked, only under an active grant of the right
channel, every question and page logged."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from test_applications import (
    CONDITIONS,
    SECRET,
    _granted,
    world,  # noqa: F401 - the fixture
)
from test_applications import World as AppWorld
from test_masking import table

from catalog import audit, conditions, verification
from catalog.applications import grants
from catalog.applications.delivery import NotGranted
from catalog.applications.models import Delivery, Grant
from catalog.applications.rows import page_rows
from catalog.errors import InvalidValue, NotFound
from catalog.services.distributions import store_file

ROWS = table(200)
ID, NAME = ROWS[5][0], ROWS[5][1]
VERIFYING = {
    **CONDITIONS,
    "delivery_channel": "verification",
    "verify_fields": ["身份证号", "姓名"],
}
API_ROWS = {**CONDITIONS, "delivery_channel": "api", "rate_per_minute": 2}


@pytest.fixture
def w(world: AppWorld) -> AppWorld:  # noqa: F811 - test_applications' fixture
    return world


def _set(w: AppWorld, stated: dict) -> Grant:
    w.dataset.conditions = conditions.to_stored(stated)
    w.session.flush()
    return _granted(w)


def _ask(w: AppWorld, grant: Grant, question: dict, **kw) -> verification.Answer:
    now = kw.pop("now", grant.starts_at + timedelta(hours=1))
    actor = kw.pop("actor", w.applicant)
    return verification.verify(w.session, actor, w.dataset, w.csv, question, now, w.store)


def _asked(w: AppWorld) -> list[audit.AuditEntry]:
    found = select(audit.AuditEntry).where(audit.AuditEntry.action == "verification.ask")
    return list(w.session.scalars(found))


def test_match_and_no_match_never_carry_a_value(w: AppWorld) -> None:
    grant = _set(w, VERIFYING)
    assert _ask(w, grant, {"身份证号": ID, "姓名": NAME}).answer == "match"
    full_width = ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert _ask(w, grant, {"身份证号": f" {full_width} ", "姓名": NAME}).answer == "match"  # NFKC
    assert _ask(w, grant, {"身份证号": ID, "姓名": ROWS[6][1]}).answer == "no match"  # another's
    assert _ask(w, grant, {"身份证号": ID[:-1], "姓名": NAME}).answer == "no match"
    logged = _asked(w)
    assert [e.summary for e in logged] == [
        "answer=match; fields=身份证号,姓名",
        "answer=match; fields=身份证号,姓名",
        "answer=no match; fields=身份证号,姓名",
        "answer=no match; fields=身份证号,姓名",
    ]
    assert {(e.object_type, e.object_id, e.role) for e in logged} == {
        ("grant", grant.id, "applicant")
    }
    for entry in logged:  # the row keeps names and the answer, never a value asked or stored
        text = json.dumps([getattr(entry, c.name) for c in entry.__table__.columns], default=str)
        assert ID not in text and NAME not in text and ROWS[5][2] not in text
    answer = _ask(w, grant, {"身份证号": ID, "姓名": NAME})
    assert vars(answer) == {"matched": True}  # nothing else travels back


def test_only_all_the_stated_fields_may_be_asked(w: AppWorld) -> None:
    grant = _set(w, VERIFYING)
    for question, code in [
        ({"身份证号": ID, "姓名": NAME, "手机号": ROWS[5][2]}, "field-not-verifiable"),
        ({"手机号": ROWS[5][2]}, "field-not-verifiable"),
        ({"姓名": NAME}, "missing-verify-field"),  # a subset: who is in the register?
        ({}, "empty-question"),
        ({"身份证号": ID, "姓名": "  "}, "invalid-verify-value"),
        ({"身份证号": ID, "姓名": ["x"]}, "invalid-verify-value"),
        ({"身份证号": ID, "姓名": "名" * 201}, "invalid-verify-value"),
    ]:
        with pytest.raises(InvalidValue) as refused:
            _ask(w, grant, question)
        assert refused.value.code == code, question
    grant.fields = ["身份证号"]  # a grant without one of the fields asks none
    with pytest.raises(InvalidValue) as narrower:
        _ask(w, grant, {"身份证号": ID, "姓名": NAME})
    assert narrower.value.code == "field-not-verifiable"


def test_no_grant_and_the_wrong_channel_are_refused(w: AppWorld) -> None:
    grant = _set(w, VERIFYING)
    question = {"身份证号": ID, "姓名": NAME}
    with pytest.raises(NotGranted):
        _ask(w, grant, question, actor=w.stranger)
    with pytest.raises(NotGranted):
        _ask(w, grant, question, now=grant.ends_at)
    grants.revoke(w.session, w.reviewer, grant, "违规")
    with pytest.raises(NotGranted):
        _ask(w, grant, question)
    w.dataset.conditions = conditions.to_stored({**CONDITIONS, "delivery_channel": "download"})
    other = _granted(w)
    with pytest.raises(InvalidValue) as channel:
        _ask(w, other, question)
    assert channel.value.code == "wrong-channel"
    assert _asked(w) == []  # refused questions leave no answer behind


def test_an_xlsx_is_asked_too(w: AppWorld) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in ROWS[:20]:
        sheet.append(row)
    sheet.append(["450100199001011234", 42.0, "", "", "", ""])  # a number stored as a float
    content = io.BytesIO()
    book.save(content)
    w.csv = store_file(w.session, w.store, w.dataset, file_name="居民.xlsx",
                       stream=io.BytesIO(content.getvalue()), max_bytes=10**7)  # fmt: skip
    w.session.flush()
    application_fields = {**VERIFYING}
    grant = _set(w, application_fields)
    grant.distribution_ids = [*grant.distribution_ids, w.csv.id]
    assert _ask(w, grant, {"身份证号": ID, "姓名": NAME}).answer == "match"
    assert _ask(w, grant, {"身份证号": "450100199001011234", "姓名": "42"}).answer == "match"


def test_statistics_count_per_day_for_the_holder_and_the_reviewer(w: AppWorld) -> None:
    grant = _set(w, VERIFYING)
    first = grant.starts_at + timedelta(hours=1)
    _ask(w, grant, {"身份证号": ID, "姓名": NAME}, now=first)
    _ask(w, grant, {"身份证号": ID, "姓名": "某某"}, now=first)
    _ask(w, grant, {"身份证号": ID, "姓名": NAME}, now=first + timedelta(days=1))
    for who in (w.applicant, w.reviewer, w.admin):
        stats = verification.statistics(w.session, who, grant)
        assert (stats.questions, stats.matches) == (3, 2)
        assert [(d.questions, d.matches) for d in stats.days] == [(1, 1), (2, 1)]
        assert stats.days[0].day - stats.days[1].day == timedelta(days=1)
    for who in (w.stranger, w.outsider):
        with pytest.raises(NotFound):
            verification.statistics(w.session, who, grant)


def test_rows_are_paged_masked_and_logged(w: AppWorld) -> None:
    grant = _set(w, API_ROWS)
    now = grant.starts_at + timedelta(hours=1)
    kw = {"secret": SECRET, "now": now}
    first = page_rows(w.session, w.applicant, w.dataset, w.csv, w.store, page=1, limit=3, **kw)
    assert first.header == ("身份证号", "姓名", "手机号", "住址", "出生日期")  # 备注 not provided
    assert len(first.rows) == 3 and first.more
    assert [str(row[4]) for row in first.rows] == [r[4][:4] for r in ROWS[1:4]]  # to the year
    flat = json.dumps(first.rows, ensure_ascii=False)
    assert all(r[0] not in flat and r[1] not in flat and r[2] not in flat for r in ROWS[1:4])
    last = page_rows(w.session, w.applicant, w.dataset, w.csv, w.store, page=67, limit=3, **kw)
    assert len(last.rows) == 2 and not last.more  # 200 rows: 66 pages of 3, then 2
    past = page_rows(w.session, w.applicant, w.dataset, w.csv, w.store, page=90, limit=3, **kw)
    assert past.rows == [] and not past.more
    logged = list(w.session.scalars(select(Delivery).order_by(Delivery.at)))
    assert {(d.channel, d.format, d.grant_id) for d in logged} == {("api", "csv", grant.id)}
    assert {d.id for d in logged} == {first.delivery_id, last.delivery_id, past.delivery_id}
    acts = w.session.scalars(
        select(audit.AuditEntry).where(audit.AuditEntry.action == "grant.deliver")
    ).all()
    assert {a.object_id for a in acts} == {d.id for d in logged}


def test_rows_need_the_api_channel_and_a_grant(w: AppWorld) -> None:
    grant = _set(w, VERIFYING)
    kw = {"secret": SECRET, "now": grant.starts_at + timedelta(hours=1), "page": 1, "limit": 5}
    with pytest.raises(InvalidValue) as channel:
        page_rows(w.session, w.applicant, w.dataset, w.csv, w.store, **kw)
    assert channel.value.code == "wrong-channel"
    with pytest.raises(NotGranted):
        page_rows(w.session, w.stranger, w.dataset, w.csv, w.store, **kw)
    assert w.session.scalars(select(Delivery)).all() == []


def test_the_file_is_read_once_into_an_index_and_again_when_it_changes(w: AppWorld, monkeypatch):
    grant = _set(w, VERIFYING)
    reads = []
    real = verification.table_rows

    def counting(path, kind):
        reads.append(path)
        return real(path, kind)

    monkeypatch.setattr(verification, "table_rows", counting)
    monkeypatch.setattr(verification, "INDEXES", verification.Indexes(most=1))
    assert _ask(w, grant, {"身份证号": ID, "姓名": NAME}).answer == "match"
    assert _ask(w, grant, {"身份证号": ID, "姓名": ROWS[7][1]}).answer == "no match"
    assert _ask(w, grant, {"身份证号": ROWS[7][0], "姓名": ROWS[7][1]}).answer == "match"
    assert len(reads) == 1
    path = w.store.path(w.csv.stored_file)
    path.chmod(0o644)
    text = path.read_text("utf-8").replace(ID, "110101190001010000")
    path.write_text(text + "\n", "utf-8")
    assert _ask(w, grant, {"身份证号": ID, "姓名": NAME}).answer == "no match"  # read anew
    assert len(reads) == 2 and len(verification.INDEXES) == 1


def test_an_index_keeps_no_value_and_tells_rows_apart():
    rows = iter([["证书编号", "权利人"], ["A1", "张三"], ["A2", "李四"], ["A3"]])
    index = verification.Index.build(rows, ("证书编号", "权利人"))
    assert len(index) == 2  # the short row cannot match
    assert index.holds(["A1", "张三"]) and not index.holds(["A1", "李四"])
    assert not index.holds(["A1张", "三"])  # values are not run together
    assert "张三" not in repr(vars(index)) and "A1" not in repr(vars(index))
    with pytest.raises(InvalidValue) as error:
        verification.Index.build(iter([["证书编号"]]), ("证书编号", "权利人"))
    assert error.value.code == "not-verifiable"
