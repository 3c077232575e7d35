"""Sample conditionally-open datasets for the application workflow (clearly labelled 【示例】).

They are made up: the records are generated here, not taken from any department. Each
has the government catalog fields filled in and structured application conditions. Each
conditional one has a table of made-up personal or enterprise records
(:mod:`catalog.demo.synthetic`) stored as CSV (the tax-credit one also as XLSX), whose
download is refused to the public: it is delivered masked, per grant. The masking of each
column is what :mod:`catalog.masking.detectors` suggests for it, except where
:data:`MASK_CHOICES` records the publisher's own choice. One 不予开放 sample, with a small
table, checks that such data never reaches a public page.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.cells import safe_row
from catalog.conditions import ProvidedField
from catalog.demo import synthetic
from catalog.masking.detectors import suggest_for_table
from catalog.masking.rules import Rule, keep
from catalog.models import Dataset
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import store_file
from catalog.storage import FileStore

_NAMESPACE = uuid.UUID("a3c1e7d2-5b4f-4e8a-9c6d-1f2e3d4c5b6a")
LABEL = "【示例】"
NOTE = "本数据集为演示用示例数据，并非真实部门发布的数据，仅用于演示有条件开放数据的申请流程。"


@dataclass(frozen=True)
class Sample:
    key: str
    title: str
    department: str
    category: str
    open_type: str
    sensitivity: str
    share_type: str
    service_item: str
    result_name: str
    is_e_licence: bool
    source_system: str
    scenarios: str
    channel: str
    frequency: str
    conditions: str
    columns: tuple[str, ...] = ()  # of a sample without a synthetic table (the closed one)


SAMPLES = (
    Sample(
        "tax-credit",
        "企业纳税信用评价结果",
        "国家税务总局广西壮族自治区税务局",
        "finance-tax",
        "conditional",
        "sensitive",
        "conditional",
        "纳税信用评价",
        "纳税信用等级评价结果",
        False,
        "金税三期税收管理系统",
        "金融机构信贷审批；招投标资格审查",
        "download",
        "annual",
        "申请单位须为在广西登记的金融机构或政府部门；说明使用场景；签署数据使用承诺书；"
        "仅限申请场景使用，不得转让。",
    ),
    Sample(
        "clinic-visits",
        "医疗机构门急诊诊疗人次",
        "广西壮族自治区卫生健康委员会",
        "health",
        "conditional",
        "internal",
        "conditional",
        "医疗机构执业登记",
        "诊疗人次统计",
        False,
        "全民健康信息平台",
        "医疗资源规划；公共卫生研究",
        "sandbox",
        "monthly",
        "面向科研机构和医疗卫生单位开放；须提交研究方案；数据在沙箱内使用，结果经审核后导出。",
    ),
    Sample(
        "energy-use",
        "重点用能单位能耗在线监测数据",
        "广西壮族自治区发展和改革委员会",
        "energy-environment",
        "conditional",
        "sensitive",
        "conditional",
        "重点用能单位节能管理",
        "能耗监测记录",
        False,
        "重点用能单位能耗在线监测系统",
        "节能诊断；碳排放核算",
        "api",
        "daily",
        "申请单位须具备节能服务或碳核算资质；按企业授权范围提供；禁止公开单个企业数据。",
    ),
    Sample(
        "property-licence",
        "不动产权证书电子证照",
        "广西壮族自治区自然资源厅",
        "geospatial",
        "conditional",
        "important",
        "conditional",
        "不动产登记",
        "不动产权证书",
        True,
        "不动产登记信息管理平台",
        "金融抵押贷款；公积金提取核验",
        "verification",
        "realtime",
        "仅向经授权的政府部门和金融机构开放核验接口；须经权利人授权；查询全程留痕审计。",
    ),
    Sample(
        "bus-positions",
        "公交车辆实时位置",
        "南宁市交通运输局",
        "transport",
        "conditional",
        "internal",
        "unconditional",
        "公共交通运营监管",
        "车辆定位数据",
        False,
        "城市公交智能调度系统",
        "出行服务应用；交通规划",
        "api",
        "realtime",
        "面向出行服务开发者开放；注册并说明应用名称；调用频率每分钟不超过60次。",
    ),
    Sample(
        "closed-case",
        "涉密案件办理信息",
        "广西壮族自治区公安厅",
        "social-credit",
        "closed",
        "important",
        "not-shared",
        "案件办理",
        "案件信息",
        False,
        "警务综合平台",
        "—",
        "offline",
        "irregular",
        "不予开放。",
        ("案件编号", "状态"),
    ),
)


XLSX_SAMPLES = frozenset({"tax-credit"})  # also stored as XLSX, to try masked XLSX delivery

# The structured conditions of the conditional samples (catalog/conditions.py), by key; the
# provided fields come from their tables (sample_conditions).
CONDITIONS: dict[str, dict[str, Any]] = {
    "tax-credit": {
        "applicant_kinds": ["institution", "government", "enterprise"],
        "qualifications": ["在广西登记的银行业金融机构或政府部门", "近三年无重大数据安全事件"],
        "materials": [
            "营业执照或统一社会信用代码证明",
            "数据使用承诺书（加盖公章）",
            "应用场景说明",
        ],
        "permitted_uses": ["金融机构信贷审批", "招投标资格审查"],
        "forbidden_uses": ["向第三方转让或出售", "用于营销推广", "公开发布单个企业的信用等级"],
        "security_requirements": [
            "数据存储于境内服务器",
            "访问人员实名并留存操作日志",
            "使用期满后30日内删除数据",
        ],
        "delivery_channel": "download",  # the sample to try the whole flow with, in a browser
        "period_days": 365,
        "review_days": 10,
        "report_interval_days": 90,
        "contact": "自治区税务局纳税服务处 0771-5555001",
    },
    "clinic-visits": {
        "applicant_kinds": ["institution"],
        "qualifications": ["科研机构、高等院校或医疗卫生单位", "研究方案经伦理委员会审查"],
        "materials": ["研究方案", "伦理审查意见", "单位介绍信"],
        "permitted_uses": ["医疗资源规划研究", "公共卫生研究"],
        "forbidden_uses": ["识别或联系具体患者", "商业用途", "将原始数据带出沙箱"],
        "security_requirements": ["仅在数据沙箱内使用", "分析结果经审核后导出"],
        "delivery_channel": "sandbox",
        "period_days": 180,
        "review_days": 15,
        "report_interval_days": 30,
        "contact": "自治区卫生健康委统计信息中心 0771-5555002",
    },
    "energy-use": {
        "applicant_kinds": ["enterprise", "institution"],
        "qualifications": ["具备节能服务或碳排放核算资质", "取得用能单位的书面授权"],
        "materials": ["资质证明", "用能单位授权书", "数据使用承诺书"],
        "permitted_uses": ["节能诊断", "碳排放核算"],
        "forbidden_uses": ["公开单个企业的能耗数据", "向第三方转让"],
        "security_requirements": ["按授权范围使用", "使用期满后删除数据"],
        "delivery_channel": "api",
        "period_days": 365,
        "report_interval_days": 180,
        "contact": "自治区发展改革委环资处 0771-5555003",
    },
    "property-licence": {
        "applicant_kinds": ["government", "institution"],
        "qualifications": ["经授权的政府部门或金融机构", "每次核验须取得权利人授权"],
        "materials": ["单位授权文件", "权利人授权书样式", "安全保护方案"],
        "permitted_uses": ["金融抵押贷款核验", "公积金提取核验"],
        "forbidden_uses": ["批量下载或留存证照信息", "超出授权范围查询"],
        "security_requirements": ["查询全程留痕审计", "专线或加密通道接入", "核验人员实名"],
        "delivery_channel": "verification",  # answers match / no match, never a value
        "verify_fields": ["证书编号", "权利人"],
        "period_days": 730,
        "report_interval_days": 90,
        "contact": "自治区自然资源厅不动产登记局 0771-5555004",
    },
    "bus-positions": {
        "applicant_kinds": ["individual", "enterprise", "institution"],
        "qualifications": ["注册并说明应用名称"],
        "materials": ["应用说明（名称、功能、预计用户数）"],
        "permitted_uses": ["出行服务应用", "交通规划研究"],
        "forbidden_uses": ["调用频率每分钟超过60次", "转售原始数据"],
        "security_requirements": ["妥善保管接口令牌"],
        "delivery_channel": "api",
        "rate_per_minute": 60,
        "period_days": 365,
        "report_interval_days": 180,
        "contact": "南宁市交通运输局信息中心 0771-5555005",
    },
}


# The publisher's masking where the detectors suggest none or a wrong one (by sample, column).
MASK_CHOICES: dict[str, dict[str, Rule]] = {
    "clinic-visits": {"出生日期": Rule("generalize", to="year")},
    "energy-use": {"单位名称": Rule("pseudonym")},
    "property-licence": {"证书编号": keep(6, 1)},  # "…南宁市不动产权第…号" reads as an address
    "bus-positions": {"车辆编号": Rule("pseudonym")},
}


def sample_conditions(key: str, table: synthetic.Table) -> dict[str, Any]:
    """The structured conditions of a conditional sample, with every column of its table as a
    provided field masked as the detectors suggest (or as :data:`MASK_CHOICES` says)."""
    suggested = suggest_for_table(list(table.header), [list(row) for row in table.rows])
    rules = {name: found[0].rule for name, found in suggested.items()}
    rules.update(MASK_CHOICES.get(key, {}))
    fields = [ProvidedField.from_rule(name, rules.get(name)).to_dict() for name in table.header]
    return {**CONDITIONS[key], "fields": fields}


def load_samples(session: Session, store: FileStore, max_bytes: int) -> int:
    added = 0
    rng = random.Random(2022)
    for sample in SAMPLES:
        identifier = f"gxdata-sample-{sample.key}"
        if session.scalar(select(Dataset.id).where(Dataset.identifier == identifier)):
            continue
        table = synthetic.table(sample.key) if sample.key in synthetic.BUILDERS else None
        department = get_or_create_department(session, sample.department)
        dataset = create_dataset(
            session,
            id=str(uuid.uuid5(_NAMESPACE, identifier)),
            title=LABEL + sample.title,
            department=department,
            description=NOTE,
            keywords=["示例", "有条件开放" if sample.open_type == "conditional" else "不予开放"],
            category=sample.category,
            open_type=sample.open_type,
            access_conditions=sample.conditions,
            conditions=None if table is None else sample_conditions(sample.key, table),
            sensitivity=sample.sensitivity,
            share_type=sample.share_type,
            service_item=sample.service_item,
            result_name=sample.result_name,
            is_e_licence=sample.is_e_licence,
            source_system=sample.source_system,
            application_scenarios=sample.scenarios,
            delivery_channel=sample.channel,
            update_frequency=sample.frequency,
            spatial=department.division,
            identifier=identifier,
            is_sample=True,
            contact_name=sample.department,
            extras={"source": "sample"},
            record_count=None if table is None else len(table.rows),
        )
        files = {f"{sample.title}.csv": _csv(table or _small_table(sample.columns, rng))}
        if sample.key in XLSX_SAMPLES and table is not None:
            files[f"{sample.title}.xlsx"] = _xlsx(table, sample.title)
        for file_name, content in files.items():
            store_file(
                session,
                store,
                dataset,
                file_name=file_name,
                stream=io.BytesIO(content),
                max_bytes=max_bytes,
            )
        publish_dataset(session, dataset)
        added += 1
    return added


def _small_table(columns: tuple[str, ...], rng: random.Random) -> synthetic.Table:
    """Twenty placeholder rows, for a sample without a synthetic table."""
    rows = tuple(
        tuple(
            f"示例{n + 1:03d}" if i == 0 else str(rng.randint(1, 999)) for i in range(len(columns))
        )
        for n in range(20)
    )
    return synthetic.Table(columns, rows)


def _csv(table: synthetic.Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows(safe_row(row) for row in table.rows)
    return out.getvalue().encode("utf-8")


def _xlsx(table: synthetic.Table, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = LABEL + title
    sheet = workbook.create_sheet("数据")
    sheet.append(table.header)
    for row in table.rows:
        sheet.append(safe_row(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
