"""One bad record never costs the others: text the catalog cannot store (a lone surrogate, a
NUL or another control character) anywhere in a record rejects that record with
``invalid-text`` naming the field, and a record the database itself refuses is rejected with
``database-rejected`` while the rest of its batch is written."""

from __future__ import annotations

import pytest
from conftest import is_postgres
from sqlalchemy import func, select, text

from catalog.drafts import DatasetDraft, DistributionDraft
from catalog.harvest.models import HarvestJobRecord
from catalog.harvest.prepare import clean_text, invalid_text
from catalog.models import Dataset


def package(n: int, **changes) -> dict:
    base = {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "name": f"package-{n}",
        "title": f"钦州市港口吞吐量（第{n}期）",
        "notes": "钦州港货物吞吐量月报。",
        "organization": {"name": "qinzhou-port", "title": "钦州市港口管理局"},
        "tags": [{"name": "港口"}],
        "metadata_modified": "2024-01-01T00:00:00",
        "resources": [
            {"id": f"r-{n}", "name": "吞吐量.csv", "format": "CSV",
             "url": f"https://data.qinzhou.gov.cn/files/{n}.csv"}
        ],
    }  # fmt: skip
    base.update(changes)
    return base


def _log(session, job_id: int) -> dict[str, HarvestJobRecord]:
    rows = session.scalars(select(HarvestJobRecord).where(HarvestJobRecord.job_id == job_id))
    return {row.remote_id: row for row in rows}


BAD_TEXT = [
    # (package changes, the field named)
    ({"title": "\ud800"}, "title"),
    ({"notes": "港口\u0000吞吐量"}, "description"),
    ({"tags": [{"name": "港口"}, {"name": "\x07铃"}]}, "keywords[1]"),
    ({"resources": [{"id": "r", "name": "a\udfffb.csv", "url": "https://x.example/a.csv"}]},
     "distributions[0].title"),
    ({"extras": [{"key": "note", "value": "x\u0000"}]}, "extras.ckan_extras.note"),
    ({"custom": {"deep": ["ok", {"deeper": "\ud83d"}]}},
     "extras.ckan_fields.custom.deep[1].deeper"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), BAD_TEXT)
def test_bad_text_rejects_its_record_and_the_others_are_written(
    source_server, new_source, harvest, session, changes, field
):
    url, site = source_server.ckan("/ckan")
    site.packages = [package(1), package(2, **changes), package(3), package(4)]
    new_source("qinzhou", "ckan", url)
    report = harvest("qinzhou")
    assert report.status == "succeeded", report
    assert report.counts == {**report.counts, "added": 3, "failed": 1}
    assert session.scalar(select(func.count()).select_from(Dataset)) == 3
    rejected = _log(session, report.job_id)[package(2)["id"]]
    assert rejected.outcome == "failed"
    assert [(e["code"], e["field"]) for e in rejected.errors] == [("invalid-text", field)]
    assert "U+" in rejected.errors[0]["message"]


def test_the_log_of_a_rejected_record_is_stored_even_with_bad_text(
    source_server, new_source, harvest, session
):
    """The job's own log never carries what the database refuses: the title shown for a
    rejected record has its bad characters written as escapes."""
    url, site = source_server.ckan("/ckan")
    site.packages = [package(1, title="坏\u0000标题\ud800"), package(2)]
    new_source("qinzhou", "ckan", url)
    report = harvest("qinzhou")
    assert report.status == "succeeded" and report.counts["added"] == 1
    rejected = _log(session, report.job_id)[package(1)["id"]]
    assert rejected.title == "坏\\u0000标题\\ud800"


def test_invalid_text_walks_every_field():
    draft = DatasetDraft(
        title="好",
        keywords=["a", "b"],
        distributions=[DistributionDraft("f", table_schema={"fields": [{"name": "x\x1f"}]})],
    )
    issue = invalid_text(draft)
    assert issue is not None and issue.field == "distributions[0].table_schema.fields[0].name"
    draft.distributions = []
    assert invalid_text(draft) is None
    draft.extras = {"k\u0000ey": 1}  # a key is text too
    assert invalid_text(draft).field == "extras.k\\u0000ey"
    draft.extras = {"tab": "a\tb\r\nc", "emoji": "😀"}  # tab, newlines and real pairs are fine
    assert invalid_text(draft) is None
    assert clean_text("a\x00b\ud800c") == "a\\u0000b\\ud800c"


@pytest.fixture
def refusing_database(services):
    """A database trigger that refuses one title, as a database refuses a value it cannot
    hold: a real error from the database for one record of the batch."""
    with services.engine.begin() as connection:
        if is_postgres():
            connection.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.title = '拒收' THEN RAISE EXCEPTION 'refused by the database'; "
                    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON dataset "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON dataset WHEN NEW.title = '拒收' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"
                )
            )


def test_a_record_the_database_refuses_is_rejected_and_its_batch_written(
    source_server, new_source, harvest, session, refusing_database
):
    url, site = source_server.ckan("/ckan")
    site.packages = [package(n) for n in range(1, 8)]
    site.packages[3]["title"] = "拒收"
    new_source("qinzhou", "ckan", url)
    report = harvest("qinzhou", batch_size=5)
    assert report.status == "succeeded", report
    assert report.counts == {**report.counts, "added": 6, "failed": 1}
    assert session.scalar(select(func.count()).select_from(Dataset)) == 6
    rejected = _log(session, report.job_id)[package(4)["id"]]
    assert [e["code"] for e in rejected.errors] == ["database-rejected"]
    assert "refused by the database" in rejected.errors[0]["message"]
    again = harvest("qinzhou", full=True)  # the refused one is tried again, alone
    assert again.counts == {**again.counts, "unchanged": 6, "failed": 1}


def test_bad_text_in_a_dcat_catalog_rejects_its_record_only(
    source_server, new_source, harvest, session
):
    turtle = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://data.gxzf.gov.cn/dataset/a> a dcat:Dataset ; dct:title "好的数据集"@zh .
<https://data.gxzf.gov.cn/dataset/b> a dcat:Dataset ; dct:title "坏\\uD800"@zh .
<https://data.gxzf.gov.cn/dataset/c> a dcat:Dataset ; dct:title "也坏"@zh ;
    dct:description "x\\u0000y" .
"""
    new_source("dcat", "dcat", source_server.file("/catalog.ttl", turtle.encode(), "text/turtle"))
    report = harvest("dcat")
    assert report.status == "succeeded", report
    assert report.counts == {**report.counts, "added": 1, "failed": 2}
    log = _log(session, report.job_id)
    fields = {
        remote_id.rsplit("/", 1)[-1]: [(e["code"], e["field"]) for e in row.errors]
        for remote_id, row in log.items()
    }
    assert fields == {
        "a": [],
        "b": [("invalid-text", "title")],
        "c": [("invalid-text", "description")],
    }


def test_a_nul_in_a_csv_catalog_rejects_its_row_only(tmp_path, new_source, harvest, session):
    rows = [
        "数据目录名称,来源部门,描述,开放状态,更新周期,资源格式,目录编码",
        "钦州市空气质量,钦州市生态环境局,每日监测,无条件开放,每日,csv,450700000001",
        "钦州市水质,钦州市生态环境局,坏\x00描述,无条件开放,每月,csv,450700000002",
        "钦州市噪声,钦州市生态环境局,每季监测,无条件开放,每季度,csv,450700000003",
    ]
    path = tmp_path / "catalog.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    new_source("csv", "spreadsheet", str(path))
    report = harvest("csv")
    assert report.status == "succeeded", report
    assert report.counts == {**report.counts, "added": 2, "failed": 1}
    failed = session.scalars(
        select(HarvestJobRecord).where(HarvestJobRecord.outcome == "failed")
    ).one()
    assert [(e["code"], e["field"]) for e in failed.errors] == [("invalid-text", "description")]
