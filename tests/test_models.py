"""The catalog model and its service functions, on SQLite and (in CI) PostgreSQL."""

from __future__ import annotations

import io
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from catalog import migrate, queries
from catalog.db import Base
from catalog.errors import FileTooLarge, InvalidValue
from catalog.harvest import models as harvest_models  # noqa: F401 - the harvest tables
from catalog.models import Dataset, Distribution
from catalog.quality import models as quality_models  # noqa: F401 - the quality tables
from catalog.search.base import SearchQuery
from catalog.services.datasets import (
    create_dataset,
    publish_dataset,
    update_dataset,
    withdraw_dataset,
)
from catalog.services.departments import create_department, get_or_create_department
from catalog.services.distributions import attach_distribution, store_file


def _dataset(session, title="南宁市公交车站点信息", **fields):
    department = get_or_create_department(session, "南宁市交通运输局")
    dataset = create_dataset(session, title=title, department=department, **fields)
    return dataset


def test_schema_is_at_head_and_matches_models(services):
    config = migrate.alembic_config(services.engine)
    head = ScriptDirectory.from_config(config).get_current_head()
    assert migrate.current_revision(services.engine) == head
    tables = set(inspect(services.engine).get_table_names())
    assert {"department", "dataset", "distribution", "alembic_version"} <= tables
    with services.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.mark.skipif(
    not os.environ.get("GXDATA_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="GXDATA_TEST_DATABASE_URL does not name PostgreSQL",
)
def test_runs_on_postgresql(services):
    assert services.engine.dialect.name == "postgresql"


def test_create_publish_and_read_back(session):
    with session.begin():
        dataset = _dataset(
            session,
            description="南宁市公交站点",
            category="交通和基础设施",
            open_type="无条件开放",
            update_frequency="每月",
            keywords="公交，站点、交通",
            service_item="公共交通运营监管",
            is_e_licence=False,
        )
        publish_dataset(session, dataset)
    stored = session.scalar(select(Dataset).where(Dataset.id == dataset.id))
    assert stored.category == "transport"  # a label is stored as its notation
    assert stored.open_type == "unconditional"
    assert stored.update_frequency == "monthly"
    assert stored.keywords == ["公交", "站点", "交通"]
    assert stored.slug.startswith("nan-ning-shi-gong-jiao-che")
    assert stored.department.division == "450100"
    assert stored.is_public and stored.issued is not None


def test_unknown_controlled_value_is_refused(session):
    with pytest.raises(InvalidValue) as caught:
        _dataset(session, category="不存在的类别")
    assert caught.value.code == "unknown-category"
    with pytest.raises(InvalidValue) as caught:
        _dataset(session, title="   ")
    assert caught.value.code == "missing-title"
    with pytest.raises(InvalidValue):
        _dataset(session, no_such_field=1)


def test_slugs_are_unique(session):
    with session.begin():
        first = _dataset(session)
        second = _dataset(session)
    assert first.slug != second.slug and second.slug.endswith("-2")


def test_department_slug_and_division(session):
    with session.begin():
        department = create_department(session, "百色市住房和城乡建设局")
        again = get_or_create_department(session, "百色市住房和城乡建设局")
    assert again.id == department.id
    assert department.division == "451000"
    assert department.slug == "bai-se-shi-zhu-fang-he-cheng-xiang-jian-she-ju"


def test_closed_and_withdrawn_datasets_are_not_public(session):
    with session.begin():
        closed = publish_dataset(session, _dataset(session, "涉密数据", open_type="不予开放"))
        gone = publish_dataset(session, _dataset(session, "撤回的数据"))
        draft = _dataset(session, "草稿数据")
        withdraw_dataset(session, gone)
    public = set(session.scalars(queries.public_datasets().with_only_columns(Dataset.id)))
    assert not {closed.id, gone.id, draft.id} & public
    assert queries.get_public_dataset(session, closed.slug) is None


def test_distribution_format_flags_come_from_the_vocabulary(session):
    with session.begin():
        dataset = _dataset(session)
        csv = attach_distribution(session, dataset, title="站点_0.csv")
        xls = attach_distribution(session, dataset, title="站点_0.xls")
        rdf = attach_distribution(session, dataset, title="站点_0.rdf")
        pdf = attach_distribution(
            session, dataset, title="说明", download_url="https://example.org/a.pdf"
        )
    assert (csv.format, csv.machine_readable, csv.non_proprietary, csv.rdf) == (
        "CSV",
        True,
        True,
        False,
    )
    assert (xls.format, xls.machine_readable, xls.non_proprietary) == ("XLS", True, False)
    assert rdf.rdf and rdf.machine_readable
    assert pdf.format == "PDF" and not pdf.machine_readable
    assert [d.position for d in dataset.distributions] == [0, 1, 2, 3]


def test_distribution_refuses_non_http_urls(session):
    dataset = _dataset(session)
    with pytest.raises(InvalidValue) as caught:
        attach_distribution(session, dataset, title="x", download_url="file:///etc/passwd")
    assert caught.value.code == "invalid-url"


def test_store_file_keeps_hash_size_and_limit(session, services):
    with session.begin():
        dataset = _dataset(session)
        dist = store_file(
            session,
            services.files,
            dataset,
            file_name="../../名单.csv",
            stream=io.BytesIO("名称,数量\n甲,1\n".encode()),
            max_bytes=1000,
        )
    assert dist.file_name == "名单.csv" and dist.format == "CSV"
    assert dist.byte_size == len("名称,数量\n甲,1\n".encode())
    assert services.files.path(dist.stored_file).read_bytes().startswith("名称".encode())
    with pytest.raises(FileTooLarge):
        store_file(
            session,
            services.files,
            dataset,
            file_name="big.csv",
            stream=io.BytesIO(b"x" * 2000),
            max_bytes=1000,
        )
    assert not list(services.files.root.glob(".upload-*"))  # nothing left behind


def test_index_follows_create_update_withdraw(session, services):
    def found(text):
        return [h.id for h in services.search.search(SearchQuery(text=text)).hits]

    with session.begin():
        dataset = publish_dataset(session, _dataset(session, "北海市公交车线路"))
    assert found("公交") == [dataset.id]
    with session.begin():
        update_dataset(session, dataset, title="北海市渡轮航线")
    assert found("公交") == [] and found("渡轮") == [dataset.id]
    with session.begin():
        attach_distribution(session, dataset, title="航线表_0.csv")
    assert services.search.search(SearchQuery(filters={"format": ["CSV"]})).total == 1
    with session.begin():
        withdraw_dataset(session, dataset)
    assert found("渡轮") == []


def test_rolled_back_write_leaves_index_alone(session, services):
    session.begin()
    publish_dataset(session, _dataset(session, "回滚的钦州港数据"))
    session.rollback()
    assert services.search.search(SearchQuery(text="钦州港")).total == 0
    assert session.scalar(select(Distribution.id)) is None
