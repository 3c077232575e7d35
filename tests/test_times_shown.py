"""One time zone for people: every moment shown is Beijing time, labelled; stored times stay
naive UTC."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from factories import full_dataset
from sqlalchemy import select, update

from catalog.quality.models import ValidationReport
from catalog.services.distributions import store_file
from portal.templating import local_time


def test_the_filter_converts_naive_utc_and_labels_it(app):
    with app.test_request_context("/?lang=zh"):
        assert local_time(datetime(2026, 12, 1, 10, 50)) == "2026-12-01 18:50（北京时间）"
        assert (
            local_time(datetime(2026, 12, 1, 20, 0, tzinfo=UTC)) == "2026-12-02 04:00（北京时间）"
        )
        assert local_time(None) == ""
    with app.test_request_context("/?lang=en"):
        assert local_time(datetime(2026, 12, 1, 10, 50), seconds=True) == (
            "2026-12-01 18:50:00 (Beijing time, UTC+8)"
        )


def test_dataset_and_validation_pages_show_beijing_time(client, session, services, runner):
    with session.begin():
        dataset = full_dataset(session, modified=datetime(2022, 5, 6, 20, 8))  # 04:08 next day
        table = store_file(
            session,
            services.files,
            dataset,
            file_name="表.csv",
            stream=io.BytesIO("编号,名称\n1,甲\n2,乙\n".encode()),
            max_bytes=100_000,
        )
    assert runner.invoke(args=["worker", "--once", "--no-network"]).exit_code == 0
    with session.begin():
        session.execute(
            update(ValidationReport)
            .where(ValidationReport.distribution_id == table.id)
            .values(created_at=datetime(2026, 12, 1, 10, 50))
        )
    assert session.scalars(select(ValidationReport)).first() is not None

    page = client.get(f"/dataset/{dataset.slug}").get_data(as_text=True)
    assert "2022-05-07 04:08（北京时间）" in page
    assert "2022-05-06 20:08" not in page
    report = client.get(f"/dataset/{dataset.slug}/resource/{table.id}/validation")
    html = report.get_data(as_text=True)
    assert "2026-12-01 18:50（北京时间）" in html
    assert "(UTC)" not in html
