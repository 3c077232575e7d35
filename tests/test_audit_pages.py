"""The audit log as auditors read it: filters by who, action, object and Beijing dates,
numbered pages, Beijing times, actors named while their account exists and by pseudonym once
erased, CSV with formula-neutralised cells; ``gxdata audit verify`` names an edited row and
``gxdata audit export`` writes the log."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from signing_in import make_person, signed_in
from sqlalchemy import select, text

from catalog import audit
from catalog.accounts import users
from catalog.accounts.models import User

NOON = datetime(2026, 12, 1, 4, 0, 0)  # 12:00 in Beijing


def _pseudonym(app, user_id: int) -> str:
    with app.extensions["gxdata"].session_factory() as db:
        return db.get(User, user_id).pseudonym


def _rows(app, rows: list[dict]) -> None:
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        for row in rows:
            audit.record(db, **row)


@pytest.fixture
def auditor(app, client):
    signed_in(app, client, "auditor@gx.test", "auditor")
    return client


@pytest.fixture
def people(app):
    """A publisher who stays and one whose account is erased, with rows of each."""
    staying = make_person(app, "li.ming@gx.test")
    leaving = make_person(app, "gone@gx.test")
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.get(User, staying).display_name = "李明"
    stay, gone = _pseudonym(app, staying), _pseudonym(app, leaving)
    _rows(
        app,
        [
            dict(actor=stay, action="dataset.publish", role="publisher", object_type="dataset",
                 object_id=7, summary="water-quality", now=datetime(2026, 11, 30, 15, 59, 0)),
            dict(actor=stay, action="dataset.edit", role="publisher", object_type="dataset",
                 object_id=7, summary="=HYPERLINK(\"http://x.example\")", now=NOON),
            dict(actor=gone, action="dataset.withdraw", role="publisher", object_type="dataset",
                 object_id=8, summary="bus-lines", now=datetime(2026, 12, 2, 3, 0, 0),
                 request_id="req-12345678", client_addr="10.0.0.9"),
        ],
    )  # fmt: skip
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        users.erase_user(db, db.get(User, leaving))
    return stay, gone


def test_the_log_names_people_and_shows_beijing_time(auditor, people):
    stay, gone = people
    page = auditor.get("/admin/audit").text
    assert "李明 &lt;li.ming@gx.test&gt;" in page  # the current name while the account exists
    assert gone in page and "gone@gx.test" not in page  # the pseudonym once erased
    assert "2026-12-01 12:00:00" in page and "北京时间" in page  # 04:00 UTC
    assert "编辑数据集" in page and "撤回数据集" in page and "部门发布员" in page
    table = page[page.index('<table class="fields admin-table audit">') :]
    assert "dataset.edit" not in table and ">publisher<" not in table  # no raw codes shown
    assert "req-12345678" in page and "10.0.0.9" in page


def test_filters(auditor, people):
    stay, gone = people

    def seqs(**args) -> list[str]:
        page = auditor.get("/admin/audit", query_string=args).text
        return [s for s in ("water-quality", "HYPERLINK", "bus-lines") if s in page]

    assert seqs(actor="li.ming") == ["water-quality", "HYPERLINK"]  # by part of the e-mail
    assert seqs(actor="李明") == ["water-quality", "HYPERLINK"]
    assert seqs(actor=gone) == ["bus-lines"]  # an erased actor by pseudonym
    assert seqs(actor="gone@gx.test") == []  # the erased e-mail names nobody now
    assert seqs(action="dataset.withdraw") == ["bus-lines"]
    assert seqs(object="dataset:7") == ["water-quality", "HYPERLINK"]
    assert seqs(object="bus") == ["bus-lines"]
    # Beijing days: 2026-11-30 15:59 UTC is 23:59 on the 30th; 2026-12-02 03:00 UTC the 2nd
    assert seqs(since="2026-12-01", until="2026-12-01") == ["HYPERLINK"]
    assert seqs(until="2026-11-30") == ["water-quality"]
    assert seqs(since="2026-12-02") == ["bus-lines"]
    assert seqs(since="not-a-day") == ["water-quality", "HYPERLINK", "bus-lines"]


def test_numbered_pages(app, auditor):
    _rows(app, [dict(actor="cli", action="harvest.run", object_id=n, summary=f"run-{n:03d}")
                for n in range(1, 121)])  # fmt: skip
    first = auditor.get("/admin/audit?action=harvest.run").text
    assert "共 120 条记录" in first and "run-120" in first and "run-070" not in first
    links = re.findall(r'<a href="/admin/audit\?([^"]+)">(\d+)</a>', first)
    assert [number for _, number in links] == ["2", "3"]  # 120 rows: three pages of 50
    assert all("action=harvest.run" in query for query, _ in links)  # the filter is kept
    third = auditor.get("/admin/audit?action=harvest.run&page=3").text
    assert "run-020" in third and "run-021" not in third and 'aria-current="page">3<' in third
    beyond = auditor.get("/admin/audit?action=harvest.run&page=99").text
    assert "run-001" in beyond  # past the end: the last page


def test_csv_export_neutralises_formulas(auditor, people):
    stay, gone = people
    response = auditor.get("/admin/audit.csv?object=dataset:7")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["seq", "time", "actor"]
    assert len(rows) == 3
    assert rows[2][1] == "2026-12-01T12:00:00+08:00"
    assert rows[2][2] == "李明 <li.ming@gx.test>" and rows[2][3] == stay
    assert rows[2][8] == '\'=HYPERLINK("http://x.example")'  # not a formula in a spreadsheet


def test_verify_names_an_edited_row(app, runner, people, services):
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0 and "3 rows checked" in intact.output
    with services.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET summary = 'tampered' WHERE seq = 2"))
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "first broken row: seq 2 (edited" in broken.output


def test_verify_names_a_removed_row(runner, people, services):
    with services.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 1"))
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "seq 1 (missing" in broken.output


def test_export_writes_every_row(runner, people, tmp_path, services):
    out = tmp_path / "审计.csv"
    result = runner.invoke(args=["audit", "export", "--csv", str(out)])
    assert result.exit_code == 0 and "wrote 3 rows" in result.output
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert [row[0] for row in rows] == ["seq", "1", "2", "3"]
    assert rows[2][8].startswith("'=")
    with services.session_factory() as db:  # the export is itself an act, after the rows
        assert db.scalar(select(audit.AuditHead.seq)) == 4
        last = db.scalar(select(audit.AuditEntry).where(audit.AuditEntry.seq == 4))
        assert (last.action, last.actor) == ("audit.export", "cli")


def test_the_csv_export_from_the_page_is_an_audited_act(auditor, people, services):
    assert auditor.get("/admin/audit.csv").status_code == 200
    with services.session_factory() as db:
        last = db.scalar(select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc()).limit(1))
        assert (last.action, last.role, last.object_type) == (
            "audit.export",
            "auditor",
            "audit-log",
        )


def test_a_kept_head_finds_a_log_rewritten_to_its_end(runner, people, services):
    intact = runner.invoke(args=["audit", "verify"])
    kept = intact.output.split("head: ", 1)[1].strip()
    assert kept.startswith("3:")
    with services.session_factory() as db, db.begin():  # rewrite row 2 onwards, chain and all
        rows = db.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq)).all()
        previous = rows[0].hash
        for row in rows[1:]:
            row.summary, row.prev_hash = "rewritten", previous
            row.hash = previous = audit.row_hash(row)
        head = db.get(audit.AuditHead, audit.HEAD_ID)
        head.hash = previous
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the chain alone holds
    caught = runner.invoke(args=["audit", "verify", "--head", kept])
    assert caught.exit_code == 1 and "row 3 no longer has the hash kept" in caught.output
    bad = runner.invoke(args=["audit", "verify", "--head", "three"])
    assert bad.exit_code == 2 and "SEQ:HASH" in bad.output
