"""Verification questions from the applicant's application page (portal/applications/
verifying.py): a form per granted file with CSRF, answered 匹配 / 不匹配 with the statistics
updated, refusals in words, the grant's call rate shared with the API (429 with the seconds to
wait), another's application not told apart from none, and no value typed or stored on the page
that comes back."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from form_tokens import csrf
from signing_in import make_person, sign_in_client
from sqlalchemy import select
from test_application_pages import (
    ROWS,
    SECRET_ID,
    Site,
    _application,
    _apply,
    _grant,
    _granted,
    _reference,
    _reviewer,
    _signed_in,
    _token,
    site,
)
from test_applications import CONDITIONS
from test_verification_api import VERIFYING, _stating

from catalog import audit
from catalog.accounts.models import CONDITIONAL
from catalog.applications import acts, grants
from catalog.applications.models import Grant

__all__ = ["site"]  # the fixture
NAME = ROWS[1][1]
ZH = {"Accept-Language": "zh-CN"}


def _verifying(app: Flask, client: FlaskClient, site: Site, stated: dict = VERIFYING) -> str:
    _stating(app, site, stated)
    return _granted(client, site)


def _page(client: FlaskClient, reference: str) -> str:
    page = client.get(f"/account/applications/{reference}", headers=ZH)
    assert page.status_code == 200
    return page.text


def _ask(client: FlaskClient, site: Site, reference: str, *values: str, token: str | None = None):
    """Post one question as the page's form does (value_0 is 身份证号, value_1 姓名)."""
    data = {f"value_{i}": value for i, value in enumerate(values)}
    data["csrf_token"] = token if token is not None else csrf(_page(client, reference))
    path = f"/account/applications/{reference}/files/{site.csv_id}/verify"
    return client.post(path, data=data, headers=ZH)


def _asked(app: Flask) -> list[str]:
    with app.extensions["gxdata"].session_factory() as db:
        found = select(audit.AuditEntry.summary).where(
            audit.AuditEntry.action == "verification.ask"
        )
        return list(db.scalars(found))


def _section(text: str) -> str:
    return text[text.index('id="verifications"') :]


def test_the_page_offers_one_form_per_file_and_no_download(app, client, site) -> None:
    reference = _verifying(app, client, site)
    page = _page(client, reference)
    action = f'action="/account/applications/{reference}/files/{site.csv_id}/verify#verify-'
    assert page.count(action) == 1
    form = page[page.index(action) : page.index("</form>", page.index(action))]
    assert 'name="csrf_token"' in form
    assert re.findall(r'<label for="[^"]+">([^<]+)</label>', form) == ["身份证号", "姓名"]
    assert form.count('autocomplete="off"') == 2 and 'name="value_1"' in form
    assert "下载脱敏副本" not in page  # files are not delivered under this channel
    assert "共核验 0 次，其中一致 0 次" in _section(page)


def test_a_match_then_a_no_match_update_the_statistics(app, client, site) -> None:
    reference = _verifying(app, client, site, {**VERIFYING, "rate_per_minute": 10})
    matched = _ask(client, site, reference, SECRET_ID, NAME)
    assert matched.status_code == 200
    assert matched.headers["Cache-Control"] == "private, no-store"
    assert "核验结果：匹配" in matched.text and "有记录与所填各项值全部一致" in matched.text
    assert "共核验 1 次，其中一致 1 次" in _section(matched.text)
    other = _ask(client, site, reference, SECRET_ID, ROWS[2][1])
    assert other.status_code == 200
    assert "核验结果：不匹配" in other.text and "核验结果：匹配" not in other.text
    assert "共核验 2 次，其中一致 1 次" in _section(other.text)
    assert _asked(app) == ["answer=match; fields=身份证号,姓名",
                           "answer=no match; fields=身份证号,姓名"]  # fmt: skip
    english = client.post(
        f"/account/applications/{reference}/files/{site.csv_id}/verify?lang=en",
        data={"csrf_token": csrf(other.text), "value_0": SECRET_ID, "value_1": ROWS[2][1]},
    )  # fmt: skip
    assert "Answer: no match" in english.text and "3 questions, 1 matches" in english.text


def test_no_value_typed_or_stored_comes_back(app, client, site) -> None:
    reference = _verifying(app, client, site)
    typed = "450000TYPED0000001"
    answers = [
        _ask(client, site, reference, SECRET_ID, NAME),  # match
        _ask(client, site, reference, typed, "某某某"),  # no match
        _ask(client, site, reference, typed, "名" * 201),  # refused: overlong
    ]
    assert [a.status_code for a in answers] == [200, 200, 422]
    for answer in answers:
        for value in (SECRET_ID, NAME, typed, "某某某", "名" * 201, *ROWS[1][2:4]):
            assert value not in answer.text
        inputs = re.findall(r'<input[^>]*name="value_\d"[^>]*>', answer.text)
        assert len(inputs) == 2 and all('value=""' in i for i in inputs)  # not refilled


def test_a_grant_without_every_field_to_verify_is_refused(app, client, site) -> None:
    _stating(app, site, VERIFYING)
    reference = _reference(_apply(_signed_in(client, site), site, fields=["身份证号", "出生日期"]))
    _application(site, reference, acts.start_review)
    _application(site, reference, grants.approve)
    refused = _ask(client, site, reference, SECRET_ID, NAME)
    assert refused.status_code == 422
    assert "本授权未包含全部可核验字段" in refused.text and "核验结果" not in refused.text
    empty = _ask(client, site, reference, SECRET_ID, "")
    assert empty.status_code == 422 and "本授权未包含全部可核验字段" in empty.text
    assert _asked(app) == []  # refused before anything is logged
    assert "共核验 0 次" in _section(refused.text)


def test_an_empty_value_and_another_channel_are_refused_in_words(app, client, site) -> None:
    reference = _verifying(app, client, site)
    empty = _ask(client, site, reference, SECRET_ID, "  ")
    assert empty.status_code == 422 and "每项值须为 1 至 200 个字符" in empty.text
    _stating(app, site, {**CONDITIONS, "delivery_channel": "download"})
    page = _page(client, reference)
    assert "/verify#" not in page and "下载脱敏副本" in page  # no form under another channel
    wrong = _ask(client, site, reference, SECRET_ID, NAME, token=csrf(page))
    assert wrong.status_code == 422 and "该数据集未开放核验接口" in wrong.text
    assert _asked(app) == []


def test_a_revoked_grant_answers_no_more(app, client, site) -> None:
    reference = _verifying(app, client, site)
    token = csrf(_page(client, reference))
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        grant = db.scalars(select(Grant)).one()
        grants.revoke(db, _reviewer(db, site), grant, "违规")
    revoked = _ask(client, site, reference, SECRET_ID, NAME, token=token)
    assert revoked.status_code == 403 and "没有" in revoked.text
    assert "核验结果" not in revoked.text and _asked(app) == []


def test_past_the_rate_the_page_says_how_long_to_wait(app, client, site) -> None:
    reference = _verifying(app, client, site)  # 3 calls a minute, the page and the API together
    grant = _grant(site)
    headers = {"Authorization": f"Bearer {_token(app, site.applicant_id, CONDITIONAL)}"}
    api = app.test_client().post(f"/api/v1/grants/{grant.id}/files/{site.csv_id}/verify",
                                 headers=headers, json={"fields": {"身份证号": SECRET_ID,
                                                                   "姓名": NAME}})  # fmt: skip
    assert api.get_json() == {"answer": "match"}
    assert _ask(client, site, reference, SECRET_ID, NAME).status_code == 200
    assert _ask(client, site, reference, SECRET_ID, "").status_code == 422  # counted too
    limited = _ask(client, site, reference, SECRET_ID, NAME)
    assert limited.status_code == 429
    wait = int(limited.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert f"每分钟最多 3 次，请 {wait} 秒后再试" in limited.text
    assert "核验结果" not in limited.text and SECRET_ID not in limited.text
    assert len(_asked(app)) == 2  # the API's question and the page's first
    assert "共核验 2 次，其中一致 2 次" in _section(limited.text)


def test_a_question_without_its_csrf_token_is_refused(app, client, site) -> None:
    reference = _verifying(app, client, site)
    path = f"/account/applications/{reference}/files/{site.csv_id}/verify"
    bare = client.post(path, data={"value_0": SECRET_ID, "value_1": NAME}, headers=ZH)
    assert bare.status_code == 400
    forged = _ask(client, site, reference, SECRET_ID, NAME, token="forged")
    assert forged.status_code == 400
    assert SECRET_ID not in bare.text + forged.text and _asked(app) == []


def test_another_persons_application_or_file_is_not_found(app, client, site) -> None:
    reference = _verifying(app, client, site)
    stranger = app.test_client()
    sign_in_client(app, stranger, make_person(app, "s@example.org"))
    token = csrf(stranger.get("/account/password").text)  # a token of the stranger's session
    theirs = _ask(stranger, site, reference, SECRET_ID, NAME, token=token)
    assert theirs.status_code == 404
    not_granted = client.post(
        f"/account/applications/{reference}/files/{'0' * 36}/verify",
        data={"csrf_token": csrf(_page(client, reference)), "value_0": SECRET_ID,
              "value_1": NAME},
    )  # fmt: skip
    assert not_granted.status_code == 404
    assert _asked(app) == []
