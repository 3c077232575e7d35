"""The demo catalog: the real 2021 data.gxzf.gov.cn catalog, read faithfully."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from catalog.demo import guangxi
from catalog.demo.loader import GUANGXI_FILE, IDENTIFIER_PREFIX, demo_loaded, load_demo
from catalog.models import Dataset, Department, Distribution
from catalog.queries import public_datasets


def _entries():
    report = guangxi.ReadReport()
    records = list(guangxi.read_records(GUANGXI_FILE.read_text(encoding="utf-8"), report))
    return report, guangxi.group_entries(records)


def test_every_record_is_read_and_grouped():
    report, entries = _entries()
    assert report.records == 5411 and report.unreadable == 0
    assert report.repaired_records == 3079
    assert len(entries) == 1046
    assert sum(len(e.files) for e in entries) == 5411
    assert len({e.value("来源部门") for e in entries}) == 154


def test_grouping_agrees_with_the_file_count_field():
    _report, entries = _entries()
    with_count = [e for e in entries if e.integer("文件数") is not None]
    assert len(with_count) > 20
    assert all(e.integer("文件数") == len(e.files) for e in with_count)


def test_shifted_record_is_repaired():
    pairs = [
        ("来源部门", "自治区气象局"),
        ("数据量", "998"),
        ("开放状态", "无条件开放"),
        ("所属行业", "发布时间"),
        ("2021-04-21 09:51:58", "最后更新时间"),
        ("2021-06-23 01:00:14", "更新频率"),
        ("每天", "部门电话"),
        ("暂无", "描述"),
    ]
    fields, shifted = guangxi.repair_fields(pairs)
    assert shifted
    assert fields["所属行业"] == ""
    assert fields["发布时间"] == "2021-04-21 09:51:58"
    assert fields["最后更新时间"] == "2021-06-23 01:00:14"
    assert fields["更新频率"] == "每天"
    assert fields["部门电话"] == "暂无"


def test_broken_json_in_the_stream_is_skipped_and_counted():
    good = json.dumps(
        {"name": "甲_0.csv", "topic": "其他", "info": {"来源部门": "某局"}}, ensure_ascii=False
    )
    report = guangxi.ReadReport()
    records = list(guangxi.read_records(good + '{"name": "坏', report))
    records += list(guangxi.read_records('{"name": 1}' + good, report))
    assert [r.name for r in records] == ["甲_0.csv", "甲_0.csv"]
    assert report.unreadable >= 2


def test_load_demo_is_idempotent_and_keeps_real_values(session, services, app):
    limit = app.config["MAX_UPLOAD_BYTES"]
    with session.begin():
        first = load_demo(session, services.files, limit)
    assert first.datasets_added == 1046 and first.distributions_added == 5411
    assert first.repaired_records == 3079
    with session.begin():
        assert demo_loaded(session)
        second = load_demo(session, services.files, limit)
    assert second.datasets_added == 0 and second.datasets_existing == 1046
    assert second.packages == 0 and second.samples == 0

    rain = session.scalar(select(Dataset).where(Dataset.title == "广西24小时雨量"))
    assert rain.department.name == "自治区气象局"
    assert rain.category == "meteorology" and rain.update_frequency == "daily"
    assert rain.record_count == 998 and rain.issued.isoformat() == "2021-04-21T09:51:58"
    assert sorted(d.format for d in rain.distributions) == ["CSV", "JSON", "RDF_XML", "XLS", "XML"]
    assert rain.identifier.startswith(IDENTIFIER_PREFIX)

    departments = session.scalar(select(func.count(Department.id)))
    assert departments >= 154
    public = session.scalar(select(func.count()).select_from(public_datasets().subquery()))
    total = session.scalar(select(func.count(Dataset.id)))
    assert public == total - 1  # only the 不予开放 sample is hidden
    stored = session.scalar(
        select(func.count(Distribution.id)).where(Distribution.stored_file.is_not(None))
    )
    assert stored >= 8


def test_world_datasets_claim_no_guangxi_place_and_are_issued_by_their_source(demo_app):
    """The reprinted world packages cover the world, not 广西壮族自治区, and were issued on the
    source's own date (never the load time, never after 最近更新)."""
    from datetime import datetime

    from catalog.demo.packages import PACKAGES

    titles = [spec.title for spec in PACKAGES]
    with demo_app.extensions["gxdata"].session_factory() as session:
        world = session.scalars(select(Dataset).where(Dataset.title.in_(titles))).all()
        assert len(world) == len(titles)
        for dataset in world:
            assert dataset.spatial is None, dataset.title
            assert dataset.issued is not None and dataset.modified is not None
            assert dataset.issued <= dataset.modified, dataset.title
            assert dataset.issued < datetime(2026, 6, 1), dataset.title  # not the load time
        later = session.scalars(select(Dataset).where(Dataset.issued > Dataset.modified)).all()
        assert [d.title for d in later] == []
