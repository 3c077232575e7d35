"""The sandbox's pages (portal/sandbox/views.py): the holder queries, sees refusals in words,
submits a result for export and downloads it once after a reviewer approves it; another
person's application is not found, a form without its CSRF token is refused."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask.testing import FlaskClient
from form_tokens import csrf
from signing_in import make_person, sign_in_client
from sqlalchemy import select
from test_accounts_pages import mails
from test_application_pages import Site, _granted, site  # noqa: F401 - the fixture
from test_applications import CONDITIONS

from catalog import conditions
from catalog.applications.models import Delivery
from catalog.models import Dataset
from catalog.sandbox.models import SandboxExport, SandboxQuery

# the application asks for 身份证号, 姓名 and 出生日期 (generalized to the year)
BY_YEAR = "SELECT 出生日期 AS 年份, count(*) AS n FROM data GROUP BY 出生日期 ORDER BY 1"
BY_DECADE = "SELECT count(*) AS n, avg(出生日期) AS 平均 FROM data WHERE 出生日期 > 1900"


@pytest.fixture
def sandboxed(site: Site) -> Site:  # noqa: F811 - the fixture above
    with site.app.extensions["gxdata"].session_factory() as db, db.begin():
        dataset = db.get(Dataset, site.dataset_id)
        dataset.conditions = conditions.to_stored({**CONDITIONS, "delivery_channel": "sandbox"})
    return site


def _query(client: FlaskClient, reference: str, sql: str):
    page = client.get(f"/account/applications/{reference}/sandbox")
    assert page.status_code == 200
    return client.post(f"/account/applications/{reference}/sandbox",
                       data={"csrf_token": csrf(page.text), "sql": sql})  # fmt: skip


def _logged(at: Site) -> list[SandboxQuery]:
    with at.app.extensions["gxdata"].session_factory() as db:
        return list(db.scalars(select(SandboxQuery).order_by(SandboxQuery.id)))


def test_the_holder_queries_and_sees_refusals_in_chinese(client: FlaskClient, sandboxed: Site):
    reference = _granted(client, sandboxed)
    detail = client.get(f"/account/applications/{reference}")
    assert f"/account/applications/{reference}/sandbox" in detail.text
    assert "/link" not in detail.text  # no download button: the data does not leave
    page = client.get(f"/account/applications/{reference}/sandbox")
    assert "<code>data</code>" in page.text and "出生日期" in page.text
    assert "备注" not in page.text  # not a provided field
    answered = _query(client, reference, BY_YEAR)
    assert answered.status_code == 200, answered.text
    answer = answered.text.split('id="answer"')[1].split("</section>")[0]
    shown = re.findall(r"<tr><td>(\d{4})</td><td>(\d+)</td></tr>", answer)
    assert all(int(n) >= 5 for _, n in shown)
    suppressed = int(re.search(r"(\d+) 行因", answer).group(1))
    assert suppressed > 0  # 30 people over many birth years
    total = _query(client, reference, BY_DECADE)
    assert total.status_code == 200 and "<td>30</td>" in total.text
    refused = _query(client, reference, "SELECT * FROM data")
    assert refused.status_code == 422
    assert "只回答汇总结果" in refused.text or "汇总" in refused.text
    isolating = _query(client, reference, "SELECT count(*) FROM data WHERE 出生日期 <> 1900")
    assert isolating.status_code in (200, 422)
    reading = _query(client, reference, "SELECT count(*) FROM read_csv('/etc/passwd')")
    assert reading.status_code == 422 and "root:" not in reading.text  # nothing read
    assert "已拒绝" in reading.text
    logged = _logged(sandboxed)
    assert [q.state for q in logged][:3] == ["answered", "answered", "refused"]
    assert logged[2].refusal == "not-aggregated" and logged[0].rows_touched == 30


def test_export_reviewed_then_downloaded_once(client: FlaskClient, sandboxed: Site, app):
    reference = _granted(client, sandboxed)
    _query(client, reference, BY_YEAR)
    query_id = _logged(sandboxed)[0].id
    page = client.get(f"/account/applications/{reference}/sandbox")
    asked = client.post(f"/account/applications/{reference}/sandbox/queries/{query_id}/export",
                        data={"csrf_token": csrf(page.text)})  # fmt: skip
    assert asked.status_code == 303
    page = client.get(f"/account/applications/{reference}/sandbox")
    assert "导出待审核" in page.text
    with sandboxed.app.extensions["gxdata"].session_factory() as db:
        export_id = db.scalar(select(SandboxExport.id))
    reviewer = app.test_client()
    sign_in_client(app, reviewer, sandboxed.reviewer_id)
    queue = reviewer.get("/review/sandbox-exports")
    assert queue.status_code == 200 and f"/review/sandbox-exports/{export_id}" in queue.text
    application_page = reviewer.get(f"/review/applications/{reference}")
    assert "沙箱查询记录" in application_page.text and "GROUP BY 出生日期" in application_page.text
    detail = reviewer.get(f"/review/sandbox-exports/{export_id}")
    assert "GROUP BY 出生日期" in detail.text
    no_reason = reviewer.post(f"/review/sandbox-exports/{export_id}/reject",
                              data={"csrf_token": csrf(detail.text), "reason": ""})  # fmt: skip
    assert no_reason.status_code == 303
    assert reviewer.get(f"/review/sandbox-exports/{export_id}").text.count("批准导出") >= 1
    token = csrf(detail.text)
    approved = reviewer.post(
        f"/review/sandbox-exports/{export_id}/approve", data={"csrf_token": token, "reason": "汇总"}
    )
    assert approved.status_code == 303
    told = [m for m in mails(app) if "沙箱中提交的查询结果" in m]
    assert len(told) == 1 and "已批准导出，可下载一次" in told[0]
    assert f"/account/applications/{reference}/sandbox#queries" in told[0]
    # the holder cannot review; the reviewer cannot download
    assert client.get(f"/review/sandbox-exports/{export_id}").status_code in (403, 404)
    page = client.get(f"/account/applications/{reference}/sandbox")
    url = f"/account/applications/{reference}/sandbox/exports/{export_id}/download"
    assert url in page.text
    got = client.post(url, data={"csrf_token": csrf(page.text)})
    assert got.status_code == 200 and got.mimetype == "text/csv"
    delivery_id = got.headers["X-Delivery-Id"]
    assert delivery_id in got.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert rows[0] == ["年份", "n", "delivery"] and all(r[2] == delivery_id for r in rows[1:])
    again = client.post(url, data={"csrf_token": csrf(page.text)})
    assert again.status_code == 303
    assert "只能下载一次" in client.get(again.headers["Location"]).text
    with sandboxed.app.extensions["gxdata"].session_factory() as db:
        assert db.get(Delivery, delivery_id).channel == "sandbox"


def test_forms_need_csrf_and_others_find_nothing(client: FlaskClient, sandboxed: Site, app):
    reference = _granted(client, sandboxed)
    refused = client.post(f"/account/applications/{reference}/sandbox", data={"sql": BY_YEAR})
    assert refused.status_code == 400 and _logged(sandboxed) == []
    other = app.test_client()
    sign_in_client(app, other, make_person(app, "x@example.org"))
    assert other.get(f"/account/applications/{reference}/sandbox").status_code == 404
    assert client.get("/account/applications/SQ-2025-00000000/sandbox").status_code == 404
    assert client.get("/review/sandbox-exports").status_code == 403
