"""The conditional 【示例】 samples: made-up records that check, conditions that parse, masking
that the detectors agree with, and files that no public page or API shows."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from catalog import conditions
from catalog.accounts import identity
from catalog.demo import samples, synthetic
from catalog.masking.detectors import luhn_valid, suggest_for_table
from catalog.masking.rules import county_of
from catalog.models import Dataset, Distribution
from vocab import delivery_channels, divisions

KEYS = tuple(synthetic.BUILDERS)
CONDITIONAL = tuple(s.key for s in samples.SAMPLES if s.open_type == "conditional")


def _columns(table: synthetic.Table, *names: str) -> list[list[str]]:
    """The non-empty values of each column named ``names`` (all in the table or none)."""
    found = [name for name in names if name in table.header]
    return [[row[table.header.index(n)] for row in table.rows if row[table.header.index(n)]]
            for n in found]  # fmt: skip


def test_every_conditional_sample_has_a_table_of_200_to_500_rows_made_the_same_way() -> None:
    assert set(KEYS) == set(CONDITIONAL)
    for key in KEYS:
        table = synthetic.table(key)
        assert 200 <= len(table.rows) <= 500, key
        assert all(len(row) == len(table.header) for row in table.rows)
        assert synthetic.table(key) == table  # seeded: the same on every load


@pytest.mark.parametrize("key", KEYS)
def test_identifiers_have_valid_check_characters_and_guangxi_prefixes(key: str) -> None:
    table = synthetic.table(key)
    checked = 0
    for ids in _columns(table, "身份证号"):
        for number in ids:
            assert identity.check_resident_id(number) == number
            county = divisions.division(number[:6])
            assert county is not None and divisions.level(county) == 3
            checked += 1
    for codes in _columns(table, "统一社会信用代码"):
        for code in codes:
            assert identity.check_credit_code(code) == code and code.startswith("91")
            assert divisions.level(divisions.scheme().require(code[2:8])) == 3
            checked += 1
    for phones in _columns(table, "联系电话", "负责人手机"):
        for phone in phones:
            assert identity.check_mobile(phone).startswith("+86")
            checked += 1
    for cards in _columns(table, "支付银行卡号"):
        assert all(luhn_valid(card) and len(card) == 19 for card in cards)
        checked += len(cards)
    assert checked or key == "bus-positions"


def test_a_resident_id_matches_its_holder() -> None:
    table = synthetic.table("clinic-visits")
    at = table.header.index
    for row in table.rows:
        number = row[at("身份证号")]
        assert number[6:14] == date.fromisoformat(row[at("出生日期")]).strftime("%Y%m%d")
        assert int(number[16]) % 2 == (1 if row[at("性别")] == "男" else 0)
        county = divisions.scheme().require(number[:6])
        home = divisions.city_of(county).label("zh") + county.label("zh")
        assert county_of(row[at("现住址")]) == home  # lives where the number was issued


def test_addresses_generalize_to_their_county() -> None:
    for key in KEYS:
        table = synthetic.table(key)
        for name in ("注册地址", "现住址", "坐落"):
            if name not in table.header:
                continue
            for row in table.rows:
                generalized = county_of(row[table.header.index(name)])
                found = divisions.division_for_text(generalized)
                assert found is not None and divisions.level(found) == 3, generalized
                assert generalized and generalized in row[table.header.index(name)]
    assert {place.county.notation for place in synthetic.places()} >= {"450103", "451031"}


@pytest.mark.parametrize("key", CONDITIONAL)
def test_the_conditions_are_full_and_parse(key: str) -> None:
    stated = conditions.parse(samples.sample_conditions(key, synthetic.table(key)))
    assert stated.applicant_kinds and stated.qualifications and stated.materials
    assert stated.permitted_uses and stated.forbidden_uses and stated.contact
    assert 1 <= len(stated.security_requirements) <= 4
    assert delivery_channels.delivery_channel(stated.delivery_channel or "") is not None
    assert stated.period_days and stated.report_interval_days
    assert [f.name for f in stated.fields] == list(synthetic.table(key).header)


def test_the_verification_and_api_samples_state_their_fields_and_rate() -> None:
    licence = conditions.parse(
        samples.sample_conditions("property-licence", synthetic.table("property-licence"))
    )
    assert licence.delivery_channel == "verification"
    assert licence.verify_fields == ("证书编号", "权利人")
    buses = conditions.parse(
        samples.sample_conditions("bus-positions", synthetic.table("bus-positions"))
    )
    assert (buses.delivery_channel, buses.rate_per_minute) == ("api", 60)
    (licence_sample,) = [s for s in samples.SAMPLES if s.key == "property-licence"]
    assert licence_sample.channel == "verification"


def test_one_sample_sets_its_own_review_time_limit() -> None:
    limits = {key: samples.CONDITIONS[key].get("review_days") for key in CONDITIONAL}
    assert [key for key, days in limits.items() if days not in (None, 10)] == ["clinic-visits"]


def _stored(demo_app, key: str) -> tuple[Dataset, list[Distribution]]:  # type: ignore[no-untyped-def]
    with demo_app.extensions["gxdata"].session_factory() as db:
        dataset = db.scalars(
            select(Dataset).where(Dataset.identifier == f"gxdata-sample-{key}")
        ).one()
        return dataset, sorted(dataset.distributions, key=lambda d: d.file_name or "")


@pytest.mark.parametrize("key", CONDITIONAL)
def test_the_detectors_agree_with_the_stored_masking(demo_app, key: str) -> None:  # type: ignore[no-untyped-def]
    dataset, distributions = _stored(demo_app, key)
    path = demo_app.extensions["gxdata"].files.path(distributions[0].stored_file)
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    stated = conditions.stated(dataset)
    assert stated is not None and [f.name for f in stated.fields] == header
    suggested = suggest_for_table(header, rows)
    chosen = samples.MASK_CHOICES.get(key, {})
    for provided in stated.fields:
        found = suggested.get(provided.name)
        expected = chosen.get(provided.name) or (found[0].rule if found else None)
        assert provided.rule() == expected, provided
    personal = {"resident-id", "mobile", "person-name", "address", "bank-card", "credit-code"}
    detected = {found[0].detector for found in suggested.values()}
    assert key == "bus-positions" or len(detected & personal) >= 3


def test_the_tax_credit_sample_is_also_an_xlsx_with_the_same_rows(demo_app) -> None:  # type: ignore[no-untyped-def]
    _dataset, distributions = _stored(demo_app, "tax-credit")
    assert [d.format for d in distributions] == ["CSV", "XLSX"]
    path = demo_app.extensions["gxdata"].files.path(distributions[1].stored_file)
    sheet = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0]
    rows = [tuple(str(v) for v in row) for row in sheet.iter_rows(values_only=True)]
    table = synthetic.table("tax-credit")
    assert rows == [table.header, *table.rows]


def test_loading_the_samples_twice_adds_nothing(session, services, app) -> None:  # type: ignore[no-untyped-def]
    limit = app.config["MAX_UPLOAD_BYTES"]
    counted = select(func.count(Distribution.id))
    with session.begin():
        assert samples.load_samples(session, services.files, limit) == len(samples.SAMPLES)
        before = session.scalar(counted)
    with session.begin():
        assert samples.load_samples(session, services.files, limit) == 0
        assert session.scalar(counted) == before
    assert before == len(samples.SAMPLES) + len(samples.XLSX_SAMPLES)


def test_no_record_of_the_tables_reaches_a_public_page_or_api(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    for key in CONDITIONAL:
        dataset, distributions = _stored(demo_app, key)
        table = synthetic.table(key)
        stated = conditions.stated(dataset)
        assert stated is not None
        masked = [table.header.index(f.name) for f in stated.masked_fields]
        secrets = {row[i] for row in table.rows[:3] for i in masked if len(row[i]) >= 6}
        assert len(secrets) >= 3, key  # long enough not to occur by chance
        urls = [
            f"/dataset/{dataset.slug}",
            f"/dataset/{dataset.id}.ttl",
            f"/dataset/{dataset.slug}/datapackage.json",
            f"/api/3/action/package_show?id={dataset.id}",
            f"/api/v1/datasets/{dataset.id}",
        ]
        for distribution in distributions:
            base = f"/dataset/{dataset.slug}/resource/{distribution.id}"
            download = demo_client.get(f"{base}/download")
            assert download.status_code == 403, (key, distribution.file_name)
            urls += [base, f"{base}/validation", f"{base}/schema.json"]
        for url in urls:
            body = demo_client.get(url).get_data(as_text=True)
            leaked = [s for s in secrets if s in body or json.dumps(s)[1:-1] in body]
            assert not leaked, (url, leaked)
        for secret in sorted(secrets)[:2]:
            found = demo_client.get("/api/3/action/package_search", query_string={"q": secret})
            assert secret not in found.get_data(as_text=True)
