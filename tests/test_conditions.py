"""Structured conditions of conditional datasets (catalog/conditions.py) and where they show."""

from __future__ import annotations

import json
from typing import Any

import pytest
from factories import full_dataset
from form_tokens import csrf
from rdflib import RDF, Graph, Namespace, URIRef
from signing_in import signed_in
from sqlalchemy import select

from catalog import conditions
from catalog.accounts.models import PUBLISHER
from catalog.errors import InvalidValue
from catalog.masking.rules import Rule, keep
from catalog.models import Dataset, Department
from catalog.services.datasets import update_dataset
from vocab import open_types

TAX = "shi-li-qi-ye-na-shui-xin-yong-ping-jia-jie-guo"  # the 【示例】 tax-credit sample

GOOD: dict[str, Any] = {
    "applicant_kinds": ["enterprise", "institution"],
    "qualifications": "在广西登记的企业\n近三年无数据安全事件\n",
    "materials": ["营业执照", "数据使用承诺书"],
    "permitted_uses": ["信贷审批", "信贷审批", " "],
    "forbidden_uses": ["向第三方转让"],
    "security_requirements": ["境内存储", "使用期满后删除"],
    "delivery_channel": "接口调用",
    "period_days": "180",
    "fields": "统一社会信用代码: keep-ends\n企业名称\n法人: pseudonym",
    "report_interval_days": 90,
    "contact": "数据处 0771-0000000",
}


def test_parse_normalises_and_round_trips() -> None:
    parsed = conditions.parse(GOOD)
    assert parsed.applicant_kinds == ("enterprise", "institution")
    assert parsed.qualifications == ("在广西登记的企业", "近三年无数据安全事件")
    assert parsed.permitted_uses == ("信贷审批",)  # repeats and blanks dropped
    assert parsed.delivery_channel == "api"  # a label is stored as the notation
    assert parsed.period_days == 180 and parsed.review_days == conditions.DEFAULT_REVIEW_DAYS
    assert [(f.name, f.mask) for f in parsed.fields] == [
        ("统一社会信用代码", "keep-ends"), ("企业名称", None), ("法人", "pseudonym"),
    ]  # fmt: skip
    assert [f.name for f in parsed.masked_fields] == ["统一社会信用代码", "法人"]
    assert conditions.parse(parsed.to_dict()) == parsed
    assert conditions.parse({}) == conditions.Conditions()


def test_mask_parameters_default_for_old_conditions_and_round_trip() -> None:
    old = conditions.parse({"fields": [{"name": "手机", "mask": "keep-ends"},
                                       {"name": "住址", "mask": "generalize"}]})  # fmt: skip
    phone, home = old.fields
    assert (phone.keep_first, phone.keep_last) == (3, 4) and home.to == "county"
    assert phone.rule() == keep(3, 4) and home.rule() == Rule("generalize", to="county")
    stated = conditions.parse(
        {
            "fields": [
                {"name": "姓名", "mask": "keep-ends", "keep_first": 1},
                {"name": "出生日期", "mask": "generalize", "to": "year"},
                {"name": "身份证号", "mask": "pseudonym"},
                {"name": "性别", "mask": None},
            ]
        }
    )
    assert [f.to_dict() for f in stated.fields] == [
        {"name": "姓名", "mask": "keep-ends", "keep_first": 1, "keep_last": 0},
        {"name": "出生日期", "mask": "generalize", "to": "year"},
        {"name": "身份证号", "mask": "pseudonym"},
        {"name": "性别", "mask": None},
    ]
    assert [f.rule() for f in stated.fields] == [
        keep(1, 0), Rule("generalize", to="year"), Rule("pseudonym"), None,
    ]  # fmt: skip
    assert all(conditions.ProvidedField.from_rule(f.name, f.rule()) == f for f in stated.fields)
    assert conditions.parse(stated.to_dict()) == stated
    text = conditions.fields_text(stated.to_dict()["fields"])
    assert text == "姓名: keep-ends 1 0\n出生日期: generalize year\n身份证号: pseudonym\n性别"
    assert conditions.parse({"fields": text}) == stated  # the editor's lines say as much


@pytest.mark.parametrize(
    "fields",
    [
        [{"name": "a", "mask": "pseudonym", "keep_first": 2}],
        [{"name": "a", "mask": "keep-ends", "keep_last": -1}],
        [{"name": "a", "mask": "keep-ends", "keep_first": True}],
        [{"name": "a", "mask": "keep-ends", "keep_first": 65}],
        [{"name": "a", "mask": "generalize", "to": "province"}],
        [{"name": "a", "mask": None, "to": "year"}],
        "a: keep-ends 1 2 3",
        "a: keep-ends one",
        "a: pseudonym 4",
        "a: generalize decade",
    ],
)
def test_bad_mask_parameters_are_refused(fields: Any) -> None:
    with pytest.raises(InvalidValue) as caught:
        conditions.parse({"fields": fields})
    assert caught.value.code == "invalid-conditions-mask-parameter"
    assert caught.value.field == "conditions.fields"


def test_verify_fields_and_rate_are_optional_checked_and_round_trip() -> None:
    assert conditions.parse(GOOD).verify_fields == ()
    assert conditions.parse(GOOD).call_rate == conditions.DEFAULT_RATE_PER_MINUTE
    verification = {**GOOD, "delivery_channel": "核验接口", "rate_per_minute": "30",
                    "verify_fields": "法人\n统一社会信用代码\n法人"}  # fmt: skip
    parsed = conditions.parse(verification)
    assert parsed.delivery_channel == "verification"
    assert parsed.verify_fields == ("统一社会信用代码", "法人")  # the provided fields' order
    assert parsed.rate_per_minute == parsed.call_rate == 30
    assert conditions.parse(parsed.to_dict()) == parsed
    old = parsed.to_dict()
    del old["verify_fields"], old["rate_per_minute"]  # stored before they existed
    before = conditions.parse(old)
    assert before.verify_fields == () and before.rate_per_minute is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"delivery_channel": "verification", "verify_fields": ["身份证号"]},
         "invalid-conditions-verify-fields"),  # not a provided field
        ({"delivery_channel": "api", "verify_fields": ["法人"]},
         "invalid-conditions-verify-fields"),  # another channel is not asked
        ({"rate_per_minute": 0}, "invalid-conditions-rate-per-minute"),
        ({"rate_per_minute": "fast"}, "invalid-conditions-rate-per-minute"),
        ({"rate_per_minute": True}, "invalid-conditions-rate-per-minute"),
        ({"delivery_channel": "download", "rate_per_minute": 60},
         "invalid-conditions-rate-per-minute"),
    ],
)  # fmt: skip
def test_bad_verify_fields_and_rates_are_refused(change: dict, code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        conditions.parse({**GOOD, **change})
    assert caught.value.code == code
    assert caught.value.field == "conditions." + code.removeprefix("invalid-conditions-").replace(
        "-", "_"
    )


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"applicant_kinds": ["alien"]}, "invalid-conditions-applicant-kind", "applicant_kinds"),
        ({"delivery_channel": "pigeon"}, "invalid-conditions-delivery-channel", "delivery_channel"),
        ({"period_days": "half a year"}, "invalid-conditions-period-days", "period_days"),
        ({"period_days": 0}, "invalid-conditions-period-days", "period_days"),
        ({"review_days": -3}, "invalid-conditions-review-days", "review_days"),
        ({"report_interval_days": True}, "invalid-conditions-report-interval-days",
         "report_interval_days"),
        ({"fields": "姓名: blur"}, "invalid-conditions-mask-rule", "fields"),
        ({"fields": [{"mask": "drop"}]}, "invalid-conditions-field-name", "fields"),
        ({"materials": {"a": 1}}, "invalid-conditions-materials", "materials"),
        ({"contact": "x" * 501}, "invalid-conditions-contact", "contact"),
        ({"colour": "red"}, "invalid-conditions-unknown-key", ""),
    ],
)  # fmt: skip
def test_parse_refuses_bad_values_with_field_codes(change: dict, code: str, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        conditions.parse({**GOOD, **change})
    assert caught.value.code == code
    assert caught.value.field == ("conditions." + field if field else "conditions")


def test_the_service_validates_and_stores_conditions(session) -> None:  # type: ignore[no-untyped-def]
    dataset = full_dataset(session, open_type="conditional")
    update_dataset(session, dataset, conditions=GOOD)
    assert dataset.conditions == conditions.parse(GOOD).to_dict()
    with pytest.raises(InvalidValue) as caught:
        update_dataset(session, dataset, conditions={"period_days": "x"})
    assert caught.value.field == "conditions.period_days"
    assert dataset.conditions["period_days"] == 180
    update_dataset(session, dataset, conditions=None)
    assert dataset.conditions is None


def test_ckan_and_rest_carry_the_structured_conditions(demo_client, demo_app) -> None:  # type: ignore[no-untyped-def]
    from jsonschema import Draft202012Validator

    package = demo_client.get("/api/3/action/package_show", query_string={"id": TAX}).get_json()
    package = package["result"]
    stated = package["conditions"]
    assert stated["applicant_kinds"] == ["enterprise", "institution", "government"]
    assert "向第三方转让或出售" in stated["forbidden_uses"]
    assert stated["period_days"] == 365 and stated["review_days"] == 10
    credit_code = {"name": "统一社会信用代码", "mask": "keep-ends", "keep_first": 8, "keep_last": 0}
    assert credit_code in stated["fields"]  # a mask states its parameters
    extras = {row["key"]: row["value"] for row in package["extras"]}
    assert json.loads(extras["conditions"]) == stated  # extras stay strings
    assert "签署数据使用承诺书" in package["access_conditions"]  # the free text is kept

    rest = demo_client.get(f"/api/v1/datasets/{package['id']}").get_json()
    assert (
        rest["conditions"] == stated and rest["access_conditions"] == package["access_conditions"]
    )
    spec = demo_client.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/Dataset", "components": spec["components"]}
    Draft202012Validator(schema).validate(rest)
    broken = {**rest, "conditions": {**stated, "fields": [{"name": "x", "mask": "blur"}]}}
    assert not Draft202012Validator(schema).is_valid(broken)  # the schema describes them

    unconditional = demo_client.get("/api/v1/datasets?open_type=unconditional&limit=1")
    first = unconditional.get_json()["results"][0]
    assert demo_client.get(f"/api/v1/datasets/{first['id']}").get_json()["conditions"] is None


ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
DCT = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")


def test_dcat_publishes_the_conditions_as_an_odrl_offer(demo_client) -> None:  # type: ignore[no-untyped-def]
    package = demo_client.get("/api/3/action/package_show", query_string={"id": TAX}).get_json()
    dataset_id = package["result"]["id"]
    response = demo_client.get(f"/dataset/{dataset_id}.ttl")
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    s = URIRef(f"http://gxdata.test/dataset/{dataset_id}")
    assert graph.value(s, DCT.accessRights) == URIRef(open_types.access_right("conditional"))
    page = URIRef(f"http://gxdata.test/dataset/{TAX}/apply")  # the application page
    distributions = list(graph.objects(s, DCAT.distribution))
    assert distributions and all(graph.value(d, DCAT.accessURL) == page for d in distributions)
    assert not any(graph.value(d, DCAT.downloadURL) for d in distributions)

    policy = graph.value(s, ODRL.hasPolicy)
    assert (policy, RDF.type, ODRL.Offer) in graph
    assert graph.value(policy, ODRL.uid) == policy and graph.value(policy, ODRL.target) == s
    assert graph.value(policy, ODRL.assigner) is not None  # an Offer names its assigner

    def constraints(rule):  # type: ignore[no-untyped-def]
        out = {}
        for c in graph.objects(rule, ODRL.constraint):
            values = {str(v) for v in graph.objects(c, ODRL.rightOperand)}
            out[graph.value(c, ODRL.leftOperand)] = (graph.value(c, ODRL.operator), values)
        return out

    permission = graph.value(policy, ODRL.permission)
    assert graph.value(permission, ODRL.action) == ODRL.use
    allowed = constraints(permission)
    assert allowed[ODRL.purpose] == (ODRL.isAnyOf, {"金融机构信贷审批", "招投标资格审查"})
    assert allowed[ODRL.elapsedTime] == (ODRL.lteq, {"P365D"})
    assert len(allowed[ODRL.recipient][1]) == 3
    duty = graph.value(permission, ODRL.duty)
    assert graph.value(duty, ODRL.action) == ODRL.inform
    assert constraints(duty)[ODRL.timeInterval] == (ODRL.eq, {"P90D"})
    prohibition = graph.value(policy, ODRL.prohibition)
    assert graph.value(prohibition, ODRL.action) == ODRL.use
    forbidden = constraints(prohibition)[ODRL.purpose][1]
    assert "向第三方转让或出售" in forbidden and "金融机构信贷审批" not in forbidden

    follow = demo_client.get(f"/dataset/{dataset_id}/conditions")  # the policy IRI dereferences
    assert follow.status_code == 303 and follow.location.endswith(f"/dataset/{TAX}#conditions")


def test_the_odrl_policy_still_conforms_to_dcat_ap(demo_client, shared_reference) -> None:  # type: ignore[no-untyped-def]
    from shacl_shapes import official_dcat_ap_shapes, violations

    package = demo_client.get("/api/3/action/package_show", query_string={"id": TAX}).get_json()
    response = demo_client.get(f"/dataset/{package['result']['id']}.ttl")
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert next(graph.objects(None, ODRL.hasPolicy), None) is not None
    assert violations(graph, official_dcat_ap_shapes(shared_reference)) == []


def test_the_page_shows_the_conditions_signed_out_in_chinese(demo_client) -> None:  # type: ignore[no-untyped-def]
    page = demo_client.get(f"/dataset/{TAX}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    section = html[html.index('id="conditions"') : html.index('id="files-title"')]
    for shown in ("申请主体", "企业", "在广西登记的银行业金融机构或政府部门", "申请材料",
                  "营业执照或统一社会信用代码证明", "允许的用途", "金融机构信贷审批", "禁止的用途",
                  "向第三方转让或出售", "安全要求", "数据存储于境内服务器", "使用期限", "365 天",
                  "审核时限", "10 个工作日", "使用情况报告", "每 90 天一次", "提供的字段",
                  "统一社会信用代码", "脱敏：仅保留首尾字符", "（保留前 8 位、后 0 位）", "不脱敏",
                  "自治区税务局纳税服务处 0771-5555001", "签署数据使用承诺书"):  # fmt: skip
        assert shown in section, shown
    for code in ("keep-ends", "enterprise", "institution", "api<", "Who may apply"):
        assert code not in section, code  # no raw codes or English on the Chinese page


def test_the_page_shows_verified_fields_and_the_call_rate(demo_app) -> None:  # type: ignore[no-untyped-def]
    found = {}
    for key in ("property-licence", "bus-positions"):
        with demo_app.extensions["gxdata"].session_factory() as db:
            slug = db.scalars(
                select(Dataset.slug).where(Dataset.identifier == f"gxdata-sample-{key}")
            ).one()
        page = demo_app.test_client().get(f"/dataset/{slug}",
                                          headers={"Accept-Language": "zh-CN"}).text  # fmt: skip
        found[key] = page[page.index('id="conditions"') : page.index('id="files-title"')]
    licence, buses = found["property-licence"], found["bus-positions"]
    assert "核验接口" in licence and "可核验的字段" in licence
    assert "证书编号" in licence and "只回答一致或不一致" in licence
    assert "每项授权每分钟最多调用 60 次" in buses and "可核验的字段" not in buses


@pytest.fixture
def publisher(app, client):  # type: ignore[no-untyped-def]
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        department = Department(slug="jtt", name="广西壮族自治区交通运输厅")
        db.add(department)
        db.flush()
        department_id = department.id
    signed_in(app, client, "publisher@jtt.example.org", PUBLISHER, "jtt")
    return client, department_id


def test_the_editor_saves_the_conditions(app, publisher) -> None:  # type: ignore[no-untyped-def]
    publisher, department_id = publisher
    page = publisher.get("/workspace/new")
    assert "申请主体" in page.text and 'name="cond_period_days"' in page.text
    conditional = {
        "title": "南宁市公交车辆位置",
        "department": str(department_id),
        "category": "transport",
        "open_type": "conditional",
        "access_conditions": "须申请并签署承诺书",
        "licence": "CC-BY-4.0",
    }
    typed = {
        "cond_applicant_kinds": ["enterprise", "institution"],
        "cond_permitted_uses": "出行服务应用\n交通规划研究",
        "cond_forbidden_uses": "转售原始数据",
        "cond_security_requirements": "妥善保管接口令牌",
        "cond_delivery_channel": "api",
        "cond_period_days": "abc",
        "cond_fields": "线路\n车辆编号: pseudonym",
        "cond_report_interval_days": "180",
        "cond_rate_per_minute": "60",
    }
    data = {"csrf_token": csrf(page.text), "then": "draft", **conditional, **typed}
    refused = publisher.post("/workspace/new", data=data)
    assert refused.status_code == 200 and "使用期限为 1 至 3660 之间的天数。" in refused.text
    assert "出行服务应用" in refused.text  # what was typed is kept

    saved = publisher.post("/workspace/new", data={**data, "cond_period_days": "365"})
    assert saved.status_code == 302, saved.text
    with app.extensions["gxdata"].session_factory() as db:
        dataset = db.scalars(select(Dataset).where(Dataset.title == "南宁市公交车辆位置")).one()
        stated = conditions.parse(dataset.conditions)
    assert stated.applicant_kinds == ("enterprise", "institution")
    assert stated.permitted_uses == ("出行服务应用", "交通规划研究")
    assert stated.period_days == 365 and stated.review_days == 10
    assert stated.rate_per_minute == 60
    assert [(f.name, f.mask) for f in stated.fields] == [("线路", None), ("车辆编号", "pseudonym")]
    editor = publisher.get(saved.headers["Location"]).text
    assert "车辆编号: pseudonym" in editor and 'value="enterprise" checked' in editor


def test_the_editor_sets_the_sandbox_threshold(app, publisher) -> None:  # type: ignore[no-untyped-def]
    publisher, department_id = publisher
    page = publisher.get("/workspace/new")
    assert 'name="cond_sandbox_k"' in page.text
    data = {
        "csrf_token": csrf(page.text), "then": "draft", "title": "门急诊诊疗人次",
        "department": str(department_id), "category": "health", "open_type": "conditional",
        "access_conditions": "须提交研究方案", "licence": "CC-BY-4.0",
        "cond_delivery_channel": "sandbox", "cond_fields": "医疗机构\n科室", "cond_sandbox_k": "1",
    }  # fmt: skip
    refused = publisher.post("/workspace/new", data=data)
    assert refused.status_code == 200 and "沙箱阈值 k 须为 2 至 1000 的整数" in refused.text
    saved = publisher.post("/workspace/new", data={**data, "cond_sandbox_k": "8"})
    assert saved.status_code == 302, saved.text
    with app.extensions["gxdata"].session_factory() as db:
        dataset = db.scalars(select(Dataset).where(Dataset.title == "门急诊诊疗人次")).one()
        stated = conditions.parse(dataset.conditions)
    assert stated.sandbox_k == 8 and stated.disclosure_k == 8
