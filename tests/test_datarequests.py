"""Data requests (数据需求): a signed-in person asks for data the catalog lacks, others support it
once each, the administrator routes it to a department (or closes it), the department's staff
(a department role covers the departments below) answer in one of four ways, and the requester
is mailed on routing and answer. Pages, permissions, the search page's "no results" link, the
JSON list, the audit rows and the quarterly figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from form_tokens import csrf
from signing_in import make_person, sign_in_client
from sqlalchemy import select
from test_accounts_pages import mails

from catalog import datarequests
from catalog.accounts.models import ADMIN, PUBLISHER, REVIEWER, User
from catalog.audit import AuditEntry
from catalog.datarequests import service
from catalog.datarequests.models import DataRequest, DataRequestEvent, DataRequestSupport
from catalog.db import utcnow
from catalog.models import Dataset, Department
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.workdays import beijing_day

ASKED = {
    "title": "南宁市公共自行车站点实时数据",
    "description": "各站点位置、车位数和可借车辆数，按分钟更新。",
    "purpose": "开发骑行导航小程序，方便市民找车还车。",
    "department_id": "",
    "department_text": "南宁市城市管理局",
}


@pytest.fixture
def world(app: Flask) -> dict[str, int]:
    """统计局 with 南宁调查队 below it, 交通运输厅 beside them, and a published dataset of
    交通运输厅 (``bus-stops``) and a draft one (``draft-stops``)."""
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        stats = Department(slug="statcan", name="统计局")
        db.add(stats)
        db.flush()
        team = Department(slug="statcan-nanning", name="南宁调查队", parent_id=stats.id)
        transport = Department(slug="jiaotong", name="交通运输厅")
        db.add_all([team, transport])
        db.flush()
        published = create_dataset(db, title="公交站点", department=transport, slug="bus-stops")
        publish_dataset(db, published)
        create_dataset(db, title="未发布的站点", department=transport, slug="draft-stops")
        return {"stats": stats.id, "team": team.id, "transport": transport.id}


def person(
    app: Flask, email: str, role: str | None = None, department: str | None = None,
    name: str | None = None,
) -> FlaskClient:  # fmt: skip
    user_id = make_person(app, email, role, department)
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        user = db.get(User, user_id)
        assert user is not None
        user.display_name = name
    client = app.test_client()
    sign_in_client(app, client, user_id)
    return client


def ask(client: FlaskClient, **changes: str):
    page = client.get("/datarequests/new")
    assert page.status_code == 200
    return client.post(
        "/datarequests/new", data={"csrf_token": csrf(page.text), **ASKED, **changes}
    )


def made(client: FlaskClient) -> int:
    answer = ask(client)
    assert answer.status_code == 302, answer.text
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def stored(app: Flask, request_id: int) -> DataRequest:
    with app.extensions["gxdata"].session_factory() as db:
        found = db.get(DataRequest, request_id)
        assert found is not None
        db.expunge(found)
        return found


def post_on(client: FlaskClient, page: str, url: str, data: dict[str, str]):
    return client.post(url, data={"csrf_token": csrf(client.get(page).text), **data})


def route(admin: FlaskClient, request_id: int, department_id: int):
    return post_on(admin, "/datarequests/new", f"/admin/datarequests/{request_id}/route",
                   {"department_id": str(department_id), "note": "请答复"})  # fmt: skip


def answer(staff: FlaskClient, request_id: int, **data: str):
    return post_on(staff, f"/datarequests/{request_id}", f"/datarequests/{request_id}/answer", data)


# --- asking --------------------------------------------------------------------------------------


def test_anonymous_cannot_ask(app: Flask, client: FlaskClient, world):
    page = client.get("/datarequests/new?title=公交")
    assert page.status_code == 302 and "/account/sign-in" in page.headers["Location"]
    posted = client.post("/datarequests/new", data=ASKED)
    assert posted.status_code in (302, 400, 403)
    listing = client.get("/datarequests")
    assert listing.status_code == 200 and "数据需求" in listing.text
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(DataRequest)).all() == []


def test_asking_needs_the_csrf_token(app: Flask, world):
    citizen = person(app, "citizen@example.org", name="骑行爱好者")
    refused = citizen.post("/datarequests/new", data=ASKED)
    assert refused.status_code == 400
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(DataRequest)).all() == []


def test_errors_in_chinese_with_the_form_refilled(app: Flask, world):
    citizen = person(app, "citizen@example.org", name="骑行爱好者")
    refused = ask(citizen, description="   ", purpose="")
    assert refused.status_code == 422
    assert "请描述所需的数据。" in refused.text
    assert f'value="{ASKED["title"]}"' in refused.text  # what was typed is kept
    assert ASKED["department_text"] in refused.text
    too_long = ask(citizen, title="数" * 201)
    assert too_long.status_code == 422 and "内容过长。" in too_long.text
    unknown = ask(citizen, department_id="999999")
    assert unknown.status_code == 422 and "请从列表中选择部门。" in unknown.text
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(DataRequest)).all() == []


def test_a_request_is_made_and_shown_with_the_display_name_only(app: Flask, client, world):
    citizen = person(app, "citizen@example.org", name="骑行爱好者")
    prefilled = citizen.get("/datarequests/new?title=公共自行车")
    assert 'value="公共自行车"' in prefilled.text
    request_id = made(citizen)
    found = stored(app, request_id)
    assert found.state == "open" and found.title == ASKED["title"]
    assert found.suggested_department_text == "南宁市城市管理局"
    page = client.get(f"/datarequests/{request_id}")  # anyone reads it
    assert page.status_code == 200
    assert "骑行爱好者" in page.text and "citizen@example.org" not in page.text
    assert "待分派" in page.text and ASKED["purpose"] in page.text
    assert "登录后支持" in page.text  # no button for a person signed out
    listing = client.get("/datarequests")
    assert ASKED["title"] in listing.text and "citizen@example.org" not in listing.text
    nameless = person(app, "nameless@example.org")
    other = stored(app, made(nameless))
    shown = client.get(f"/datarequests/{other.id}").text
    assert "注册用户" in shown and "nameless@example.org" not in shown


def test_a_request_names_a_department_of_the_list(app: Flask, world):
    citizen = person(app, "citizen@example.org")
    request_id = made_with(citizen, department_id=str(world["transport"]), department_text="")
    found = stored(app, request_id)
    assert found.suggested_department_id == world["transport"]
    assert "交通运输厅" in citizen.get(f"/datarequests/{request_id}").text


def made_with(client: FlaskClient, **changes: str) -> int:
    answer = ask(client, **changes)
    assert answer.status_code == 302, answer.text
    return int(answer.headers["Location"].rsplit("/", 1)[1])


# --- support -------------------------------------------------------------------------------------


def supporters(app: Flask, request_id: int) -> int:
    with app.extensions["gxdata"].session_factory() as db:
        rows = db.scalars(
            select(DataRequestSupport).where(DataRequestSupport.request_id == request_id)
        )
        return len(rows.all())


def test_support_once_each_and_withdraw(app: Flask, client, world):
    request_id = made(person(app, "citizen@example.org"))
    fan = person(app, "fan@example.org")
    page = f"/datarequests/{request_id}"
    url = f"{page}/support"
    assert post_on(fan, page, url, {"action": "support"}).status_code == 302
    assert post_on(fan, page, url, {"action": "support"}).status_code == 302
    assert supporters(app, request_id) == 1  # once per person
    shown = fan.get(page).text
    assert '<strong class="support-count">1</strong>' in shown and "撤回支持" in shown
    second = person(app, "second@example.org")
    post_on(second, page, url, {"action": "support"})
    assert supporters(app, request_id) == 2
    post_on(fan, page, url, {"action": "withdraw"})
    assert supporters(app, request_id) == 1
    assert "我也需要这些数据" in fan.get(page).text
    assert fan.post(url, data={"action": "support"}).status_code == 400  # no CSRF token
    assert client.post(url, data={"action": "support"}).status_code in (302, 400)  # signed out
    assert supporters(app, request_id) == 1


def test_the_list_filters_by_state_and_sorts_by_support(app: Flask, client, world):
    citizen = person(app, "citizen@example.org")
    less = made_with(citizen, title="甲类需求")
    more = made_with(citizen, title="乙类需求")
    newest = made_with(citizen, title="丙类需求")
    for i in range(2):
        fan = person(app, f"fan{i}@example.org")
        post_on(fan, f"/datarequests/{more}", f"/datarequests/{more}/support", {})
    fan = person(app, "fan9@example.org")
    post_on(fan, f"/datarequests/{less}", f"/datarequests/{less}/support", {})
    by_support = client.get("/datarequests?sort=support").text
    assert (
        by_support.index("乙类需求") < by_support.index("甲类需求") < by_support.index("丙类需求")
    )
    by_date = client.get("/datarequests?sort=newest").text
    assert by_date.index("丙类需求") < by_date.index("乙类需求") < by_date.index("甲类需求")
    admin = person(app, "admin@example.org", ADMIN)
    route(admin, newest, world["transport"])
    routed = client.get("/datarequests?state=routed").text
    assert "丙类需求" in routed and "甲类需求" not in routed
    assert "甲类需求" not in client.get("/datarequests?state=nonsense").text  # fails closed


# --- routing, answering, mail ---------------------------------------------------------------


def test_route_then_answer_each_kind(app: Flask, client, world):
    citizen = person(app, "citizen@example.org", name="骑行爱好者")
    admin = person(app, "admin@example.org", ADMIN)
    staff = person(app, "staff@example.org", PUBLISHER, "jiaotong")
    tomorrow = (beijing_day(utcnow()) + timedelta(days=30)).isoformat()
    kinds = {
        "planned": {"publish_by": tomorrow, "text": "正在整理"},
        "elsewhere": {"url": "https://jtt.gxzf.gov.cn/sjkf/", "text": "交通厅网站已提供"},
        "refused": {"text": "涉及个人隐私，暂不能开放"},
        "published": {"dataset": "bus-stops"},
    }
    admin_page = admin.get("/admin/datarequests")
    assert admin_page.status_code == 200 and "分派数据需求" in admin_page.text
    for kind, data in kinds.items():
        request_id = made_with(citizen, title=f"需求 {kind}")
        before = len(mails(app))
        assert route(admin, request_id, world["transport"]).status_code == 302
        found = stored(app, request_id)
        assert found.state == "routed" and found.department_id == world["transport"]
        routed_mail = mails(app)[before:]
        assert len(routed_mail) == 1 and "已转交交通运输厅" in routed_mail[0]
        page = staff.get(f"/datarequests/{request_id}")
        assert "以部门身份答复" in page.text
        answered = answer(staff, request_id, kind=kind, **data)
        assert answered.status_code == 302, answered.text
        found = stored(app, request_id)
        assert found.state == "answered" and found.answer == kind
        sent = mails(app)[before + 1 :]
        assert len(sent) == 1 and "交通运输厅已答复" in sent[0]
        shown = client.get(f"/datarequests/{request_id}").text
        if kind == "planned":
            assert found.publish_by == date.fromisoformat(tomorrow) and "前开放" in sent[0]
            assert tomorrow in sent[0] and tomorrow in shown
        elif kind == "elsewhere":
            assert found.answer_url == data["url"] and data["url"] in sent[0]
            assert f'href="{data["url"]}"' in shown
        elif kind == "refused":
            assert "涉及个人隐私" in sent[0] and "暂不能开放" in shown
        else:
            assert "/dataset/bus-stops" in sent[0] and 'href="/dataset/bus-stops"' in shown
        assert "staff@example.org" not in shown and "admin@example.org" not in shown
    with app.extensions["gxdata"].session_factory() as db:
        events = db.scalars(select(DataRequestEvent).order_by(DataRequestEvent.id)).all()
        assert [e.event for e in events[:3]] == ["create", "route", "answer"]
        assert [e.role for e in events[:3]] == ["applicant", "admin", "publisher"]
        assert all(e.actor and e.at for e in events)
        actions = [row.action for row in db.scalars(select(AuditEntry))]
        for action in ("datarequest.create", "datarequest.route", "datarequest.answer"):
            assert action in actions
    audit = admin.get("/admin/audit")
    assert audit.status_code == 200 and "答复数据需求" in audit.text


def test_a_planned_answer_is_followed_by_publication(app: Flask, world):
    citizen = person(app, "citizen@example.org")
    admin = person(app, "admin@example.org", ADMIN)
    staff = person(app, "staff@example.org", PUBLISHER, "jiaotong")
    request_id = made(citizen)
    route(admin, request_id, world["transport"])
    soon = (beijing_day(utcnow()) + timedelta(days=3)).isoformat()
    assert answer(staff, request_id, kind="planned", publish_by=soon).status_code == 302
    assert answer(staff, request_id, kind="published", dataset="bus-stops").status_code == 302
    assert stored(app, request_id).answer == "published"
    again = answer(staff, request_id, kind="refused", text="改变主意")
    assert again.status_code == 422 and "该需求当前不能进行此操作。" in again.text


def test_answers_are_checked_in_chinese(app: Flask, world):
    admin = person(app, "admin@example.org", ADMIN)
    staff = person(app, "staff@example.org", REVIEWER, "jiaotong")
    request_id = made(person(app, "citizen@example.org"))
    route(admin, request_id, world["transport"])
    cases = [
        ({"kind": "refused", "text": ""}, "请说明不能开放的理由。"),
        ({"kind": "planned", "publish_by": "2020-01-01"}, "计划开放日期不能早于今天。"),
        ({"kind": "planned", "publish_by": "明年"}, "请按日期格式填写"),
        (
            {"kind": "elsewhere", "url": "ftp://example.org/x"},
            "网址须以 http:// 或 https:// 开头。",
        ),
        ({"kind": "published", "dataset": "draft-stops"}, "本平台目录中没有该标识的公开数据集。"),
        ({"kind": "published", "dataset": ""}, "请填写已开放的本平台数据集。"),
        ({"kind": "maybe"}, "请选择一种答复。"),
    ]
    for data, message in cases:
        refused = answer(staff, request_id, **data)
        assert refused.status_code == 422 and message in refused.text, data
    assert stored(app, request_id).state == "routed"
    typed = answer(staff, request_id, kind="refused", text="", url="https://typed.example.org/")
    assert 'value="https://typed.example.org/"' in typed.text  # what was typed is kept


def test_only_the_departments_staff_answer(app: Flask, client, world):
    admin = person(app, "admin@example.org", ADMIN)
    citizen = person(app, "citizen@example.org")
    request_id = made(citizen)
    route(admin, request_id, world["team"])  # 南宁调查队, below 统计局
    elsewhere = person(app, "transport@example.org", PUBLISHER, "jiaotong")
    assert "以部门身份答复" not in elsewhere.get(f"/datarequests/{request_id}").text
    refused = answer(elsewhere, request_id, kind="refused", text="不")
    assert refused.status_code == 403
    refused = answer(citizen, request_id, kind="refused", text="不")  # the requester
    assert refused.status_code == 403
    assert stored(app, request_id).state == "routed"
    assert elsewhere.get("/datarequests/department").status_code == 200
    assert "南宁市公共自行车" not in elsewhere.get("/datarequests/department").text
    assert citizen.get("/datarequests/department").status_code == 403
    above = person(app, "stats@example.org", PUBLISHER, "statcan")  # the department above
    listed = above.get("/datarequests/department")
    assert listed.status_code == 200 and ASKED["title"] in listed.text
    assert "本部门的数据需求" in above.get("/datarequests").text
    done = answer(above, request_id, kind="refused", text="样本数据不能公开")
    assert done.status_code == 302
    assert stored(app, request_id).answer == "refused"


def test_only_the_administrator_routes_and_closes(app: Flask, client, world):
    citizen = person(app, "citizen@example.org")
    request_id = made(citizen)
    staff = person(app, "staff@example.org", PUBLISHER, "jiaotong")
    assert staff.get("/admin/datarequests").status_code == 403
    sneaked = route(staff, request_id, world["transport"])
    assert sneaked.status_code == 403
    assert stored(app, request_id).state == "open"
    admin = person(app, "admin@example.org", ADMIN)
    assert "关闭需求" in admin.get(f"/datarequests/{request_id}").text
    before = len(mails(app))
    page, url = f"/datarequests/{request_id}", f"/admin/datarequests/{request_id}/close"
    empty = post_on(admin, page, url, {"reason": "duplicate", "text": ""})
    assert empty.status_code == 302 and stored(app, request_id).state == "open"
    assert "请填写理由。" in admin.get(empty.headers["Location"]).text
    closed = post_on(admin, page, url, {"reason": "duplicate", "text": "与第 1 号需求重复"})
    assert closed.status_code == 302
    found = stored(app, request_id)
    assert found.state == "closed" and found.close_reason == "duplicate"
    assert "与第 1 号需求重复" in client.get(f"/datarequests/{request_id}").text
    assert "已关闭" in mails(app)[before]
    late = route(admin, request_id, world["transport"])
    assert late.status_code == 302 and stored(app, request_id).state == "closed"


# --- the search page, the API, the figures ------------------------------------------------------


def test_no_results_offer_a_data_request(client: FlaskClient, world):
    page = client.get("/dataset?q=共享单车停放点")
    assert page.status_code == 200
    assert "提出数据需求" in page.text
    assert "/datarequests/new?title=%E5%85%B1%E4%BA%AB%E5%8D%95%E8%BD%A6" in page.text
    assert "数据需求" in client.get("/").text  # the nav link


def test_the_json_list(app: Flask, client, world):
    citizen = person(app, "citizen@example.org", name="骑行爱好者")
    request_id = made(citizen)
    admin = person(app, "admin@example.org", ADMIN)
    route(admin, request_id, world["transport"])
    body = client.get("/api/v1/datarequests").get_json()
    assert body["total"] == 1
    item = body["results"][0]
    assert item["id"] == request_id and item["state"] == "routed" and item["supporters"] == 0
    assert item["department"] == {"id": "jiaotong", "name": "交通运输厅"}
    assert "骑行爱好者" not in str(body) and "citizen@example.org" not in str(body)
    assert client.get("/api/v1/datarequests?state=routed").get_json()["total"] == 1
    assert client.get("/api/v1/datarequests?state=answered").get_json()["total"] == 0
    assert client.get("/api/v1/datarequests?sort=nonsense").status_code == 400


def test_figures_per_department(app: Flask, world):
    citizen = person(app, "citizen@example.org")
    admin = person(app, "admin@example.org", ADMIN)
    staff = person(app, "staff@example.org", PUBLISHER, "jiaotong")
    first, second, third = made(citizen), made(citizen), made(citizen)
    for request_id in (first, second):
        route(admin, request_id, world["transport"])
    route(admin, third, world["team"])
    answer(staff, first, kind="refused", text="不能开放")
    start = utcnow() - timedelta(hours=1)
    end = utcnow() + timedelta(hours=1)
    with app.extensions["gxdata"].session_factory() as db:
        rows = {
            row.department: (row.received, row.answered)
            for row in datarequests.figures(db, start, end)
        }
        assert rows == {"交通运输厅": (2, 1), "南宁调查队": (1, 0)}
        assert datarequests.figures(db, datetime(2020, 1, 1), datetime(2020, 4, 1)) == []
        assert db.scalar(select(Dataset).where(Dataset.slug == "bus-stops")) is not None


def test_a_person_makes_a_few_requests_a_day(app: Flask, world, monkeypatch):
    monkeypatch.setattr(service, "MAX_PER_DAY", 2)
    citizen = person(app, "citizen@example.org")
    made(citizen), made(citizen)
    refused = ask(citizen)
    assert refused.status_code == 422 and "请明天再提" in refused.text
    assert ASKED["purpose"] in refused.text  # nothing typed is lost
    made(person(app, "other@example.org"))  # another person still may


def test_the_route_note_is_for_staff_only(app: Flask, client, world):
    admin = person(app, "admin@example.org", ADMIN)
    request_id = made(person(app, "citizen@example.org"))
    route(admin, request_id, world["transport"])
    staff = person(app, "staff@example.org", PUBLISHER, "jiaotong")
    assert "请答复" in staff.get(f"/datarequests/{request_id}").text
    public = client.get(f"/datarequests/{request_id}").text
    assert "请答复" not in public and "→ 交通运输厅" in public


def test_the_json_list_pages(app: Flask, client, world, monkeypatch):
    monkeypatch.setattr("portal.datarequests.api.LIMIT", 2)
    citizen = person(app, "citizen@example.org")
    for title in ("一", "二", "三"):
        made_with(citizen, title=f"需求{title}")
    first = client.get("/api/v1/datarequests").get_json()
    assert first["total"] == 3 and len(first["results"]) == 2 and first["next"] == "2"
    following = first["links"]["next"].removeprefix("http://gxdata.test")
    second = client.get(following).get_json()
    assert [r["title"] for r in second["results"]] == ["需求一"] and second["next"] is None


def test_superscript_digits_are_not_numbers(app: Flask, client, world):
    """ "²".isdigit() is True but int("²") fails: every page number and department is checked as
    ASCII digits, so the pages answer (first page, or the form's error) and the API its 400."""
    assert client.get("/datarequests?page=²").status_code == 200
    answer = client.get("/api/v1/datarequests?page=²")
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    admin = person(app, "admin@example.org", ADMIN)
    assert admin.get("/admin/datarequests?page=²").status_code == 200
    citizen = person(app, "citizen@example.org")
    assert ask(citizen, department_id="²").status_code in (302, 400, 422)
    request_id = made(citizen)
    refused = post_on(admin, "/datarequests/new", f"/admin/datarequests/{request_id}/route",
                      {"department_id": "²", "note": "请答复"})  # fmt: skip
    assert refused.status_code in (302, 303, 400, 422)
    assert stored(app, request_id).state == "open"


def test_an_expired_form_is_shown_again_as_typed(app: Flask, world):
    citizen = person(app, "citizen@example.org")
    citizen.get("/datarequests/new")
    refused = citizen.post("/datarequests/new", data={"csrf_token": "an-old-token", **ASKED})
    assert refused.status_code == 400 and "页面已过期，请重新提交" in refused.text
    assert ASKED["title"] in refused.text and ASKED["purpose"] in refused.text
    with app.extensions["gxdata"].session_factory() as db:
        assert db.scalars(select(DataRequest)).all() == []
    again = citizen.post("/datarequests/new", data={**ASKED, "csrf_token": csrf(refused.text)})
    assert again.status_code == 302
    request_id = int(again.headers["Location"].rsplit("/", 1)[1])
    admin = person(app, "admin@example.org", ADMIN)
    route(admin, request_id, world["transport"])
    staff = person(app, "staff@example.org", PUBLISHER, "jiaotong")
    staff.get(f"/datarequests/{request_id}")
    late = staff.post(f"/datarequests/{request_id}/answer",
                      data={"csrf_token": "an-old-token", "kind": "refused",
                            "text": "涉及个人隐私，暂不能开放"})  # fmt: skip
    assert late.status_code == 400 and "页面已过期，请重新提交" in late.text
    assert "涉及个人隐私，暂不能开放" in late.text
    assert stored(app, request_id).state == "routed"
