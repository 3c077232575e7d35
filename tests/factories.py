"""Factories beside the models: records with every field filled, for tests of the exports,
and the packages a CKAN site serves to the harvester."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Dataset, Department
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import create_department
from catalog.services.distributions import attach_distribution


def full_dataset(session: Session, **overrides: Any) -> Dataset:
    """A published dataset with every catalog field and one fully described file;
    ``overrides`` replace dataset fields (e.g. ``open_type="conditional"``)."""
    department = create_department(session, "广西壮族自治区统计局", division="450000")
    fields: dict[str, Any] = {
        "description": "全区人口抽样调查结果。",
        "keywords": ["人口", "抽样"],
        "identifier": "gx-stats-001",
        "issued": datetime(2021, 3, 1, 9, 30),
        "modified": datetime(2022, 5, 6, 7, 8, 9),
        "landing_page": "https://tjj.gxzf.gov.cn/sjfb/",
        "version": "2.1",
        "category": "statistics",
        "open_type": "unconditional",
        "update_frequency": "annual",
        "spatial": "450100",
        "licence": "CC-BY-4.0",
        "topic": "人口",
        "industry": "公共管理、社会保障和社会组织",
        "service_item": "人口抽样调查",
        "result_name": "调查结果",
        "is_e_licence": True,
        "sensitivity": "public",
        "share_type": "unconditional",
        "source_system": "统计联网直报平台",
        "application_scenarios": "人口规划",
        "delivery_channel": "api",
        "record_count": 12345,
        "access_conditions": "无",
        "temporal_start": date(2020, 1, 1),
        "temporal_end": date(2020, 12, 31),
        "contact_name": "人口处",
        "contact_phone": "0771-5888888",
        "contact_email": "rk@tjj.gxzf.gov.cn",
    }
    dataset = create_dataset(
        session, title="广西人口抽样调查", department=department, **(fields | overrides)
    )
    attach_distribution(
        session,
        dataset,
        title="抽样结果.csv",
        description="CSV 文件",
        download_url="https://tjj.gxzf.gov.cn/files/rk.csv",
        access_url="https://tjj.gxzf.gov.cn/sjfb/rk",
        byte_size=2048,
        sha256="ab" * 32,
        issued=datetime(2021, 3, 1),
        modified=datetime(2022, 5, 6),
    )
    publish_dataset(session, dataset)
    session.flush()
    return dataset


def ckan_package(n: int, **changes: Any) -> dict[str, Any]:
    """Package ``n`` as CKAN's package_show gives it: one organization, one CSV resource;
    ``changes`` replace top-level keys."""
    return {
        "id": f"20000000-0000-0000-0000-{n:012d}",
        "name": f"water-{n}",
        "title": f"玉林市水质监测数据（第{n}期）",
        "organization": {"name": "yulin-water", "title": "玉林市水利局"},
        "metadata_modified": "2024-01-01T00:00:00",
        "resources": [{"id": f"w{n}", "name": "水质.csv", "url": f"https://x.example/{n}.csv"}],
        **changes,
    }


def dataset_row(app: Any, slug: str) -> Dataset | None:
    """The dataset of ``slug`` as stored now, detached from its session."""
    with app.extensions["gxdata"].session_factory() as db:
        dataset = db.scalar(select(Dataset).where(Dataset.slug == slug))
        if dataset is not None:
            db.expunge(dataset)
        return dataset


def two_departments(app: Any) -> None:
    """统计局 (statcan) and 交通运输厅 (jiaotong), for tests of who may write where."""
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        db.add_all(
            [
                Department(slug="statcan", name="统计局"),
                Department(slug="jiaotong", name="交通运输厅"),
            ]
        )
