"""Sample conditionally-open datasets for the application workflow (clearly labelled 【示例】).

They are made up: the records are generated here, not taken from any department. Each
has the government catalog fields filled in, application conditions, and a small CSV whose
download is refused to the public (conditional data is granted per application). One
不予开放 sample checks that such data never reaches a public page.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.cells import safe_row
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
    columns: tuple[str, ...]


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
        "api",
        "annual",
        "申请单位须为在广西登记的金融机构或政府部门；说明使用场景；签署数据使用承诺书；"
        "仅限申请场景使用，不得转让。",
        ("统一社会信用代码", "企业名称", "评价年度", "信用等级"),
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
        ("机构名称", "所在市", "月份", "门诊人次", "急诊人次"),
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
        ("单位名称", "所在市", "日期", "综合能耗（吨标准煤）"),
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
        "api",
        "realtime",
        "仅向经授权的政府部门和金融机构开放核验接口；须经权利人授权；查询全程留痕审计。",
        ("证书编号", "权利人（脱敏）", "坐落", "登记日期"),
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
        ("线路", "车辆编号", "时间", "经度", "纬度"),
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


# The structured conditions of the conditional samples (catalog/conditions.py), by key.
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
        "delivery_channel": "api",
        "period_days": 365,
        "review_days": 10,
        "fields": [
            {"name": "统一社会信用代码", "mask": "keep-ends"},
            {"name": "企业名称", "mask": None},
            {"name": "评价年度", "mask": None},
            {"name": "信用等级", "mask": None},
        ],
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
        "fields": [
            {"name": "机构名称", "mask": None},
            {"name": "所在市", "mask": None},
            {"name": "月份", "mask": None},
            {"name": "门诊人次", "mask": None},
            {"name": "急诊人次", "mask": None},
        ],
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
        "fields": [
            {"name": "单位名称", "mask": "pseudonym"},
            {"name": "所在市", "mask": None},
            {"name": "日期", "mask": None},
            {"name": "综合能耗（吨标准煤）", "mask": None},
        ],
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
        "delivery_channel": "api",
        "period_days": 730,
        "fields": [
            {"name": "证书编号", "mask": "keep-ends"},
            {"name": "权利人（脱敏）", "mask": "pseudonym"},
            {"name": "坐落", "mask": "generalize"},
            {"name": "登记日期", "mask": None},
        ],
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
        "period_days": 365,
        "review_days": 5,
        "fields": [
            {"name": "线路", "mask": None},
            {"name": "车辆编号", "mask": "pseudonym"},
            {"name": "时间", "mask": None},
            {"name": "经度", "mask": None},
            {"name": "纬度", "mask": None},
        ],
        "report_interval_days": 180,
        "contact": "南宁市交通运输局信息中心 0771-5555005",
    },
}


def load_samples(session: Session, store: FileStore, max_bytes: int) -> int:
    added = 0
    rng = random.Random(2022)
    for sample in SAMPLES:
        identifier = f"gxdata-sample-{sample.key}"
        if session.scalar(select(Dataset.id).where(Dataset.identifier == identifier)):
            continue
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
            conditions=CONDITIONS.get(sample.key),
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
        )
        store_file(
            session,
            store,
            dataset,
            file_name=f"{sample.title}.csv",
            stream=io.BytesIO(_rows(sample.columns, rng)),
            max_bytes=max_bytes,
        )
        publish_dataset(session, dataset)
        added += 1
    return added


def _rows(columns: tuple[str, ...], rng: random.Random) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for n in range(20):
        writer.writerow(
            safe_row(
                f"示例{n + 1:03d}" if i == 0 else str(rng.randint(1, 999))
                for i in range(len(columns))
            )
        )
    return out.getvalue().encode("utf-8")
