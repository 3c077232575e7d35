"""Desensitization rules, detectors, streaming maskers and tracing of leaked copies."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import random
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from catalog.accounts import identity
from catalog.errors import InvalidValue
from catalog.masking import detectors, rules, streams, trace
from catalog.masking.rules import Rule, grant_key, keep, pseudonym

SECRET = b"portal-secret-for-tests"
HEADER = ["身份证号", "姓名", "手机号", "住址", "出生日期", "备注"]
RULES = {
    "身份证号": Rule("pseudonym"),
    "姓名": keep(1, 0, "＊"),
    "手机号": keep(3, 4),
    "住址": Rule("generalize", to="county"),
    "出生日期": Rule("generalize", to="year"),
    "备注": Rule("drop"),
}
STREETS = ["民族大道", "友爱路", "中山路", "解放路", "滨江路"]
PLACES = ["南宁市青秀区", "柳州市城中区", "桂林市秀峰区", "百色市田阳区", "玉林市北流市"]


def resident_id(rng: random.Random) -> str:
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
    first17 = f"450103{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + identity.resident_id_check_character(first17)


def credit_code(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91450100" + "".join(rng.choice(alphabet) for _ in range(9))
    return first17 + identity.credit_code_check_character(first17)


def bank_card(rng: random.Random) -> str:
    body = "622202" + "".join(str(rng.randrange(10)) for _ in range(9))
    for check in "0123456789":
        if detectors.luhn_valid(body + check):
            return body + check
    raise AssertionError("no Luhn digit")


def mobile(rng: random.Random) -> str:
    return rng.choice(["139", "186", "135", "177"]) + f"{rng.randrange(10**8):08d}"


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice("明华丽强军芳秀英") for _ in range(2))
    return rng.choice("王李张刘陈黄韦覃蒙") + given


def table(rows: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    body = []
    for _ in range(rows):
        number = resident_id(rng)
        street = f"{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
        address = f"广西壮族自治区{rng.choice(PLACES)}{street}"
        birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
        body.append([number, person_name(rng), mobile(rng), address, birth, "内部备注"])
    return [HEADER, *body]


def csv_bytes(rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def key(grant: str) -> bytes:
    return grant_key(SECRET, grant)


def delivery(grant: str, delivery_id: str = "dlv") -> streams.Delivery:
    return streams.Delivery(delivery_id, RULES, key(grant))


# --- rules ------------------------------------------------------------------------------


def test_keep_masks_the_middle_and_always_something() -> None:
    assert rules.mask_middle("13912345678", 3, 4) == "139****5678"
    assert rules.mask_middle("张三", 1, 0, "＊") == "张＊"
    assert rules.mask_middle("王小明", 1, 0, "＊") == "王＊＊"
    assert rules.mask_middle("abc", 2, 2) == "ab*"
    assert rules.mask_middle("", 1, 1) == ""
    masker = rules.compile_rule(keep(3, 4), key("g"))
    assert masker(13912345678) == "139****5678"
    assert masker(None) is None


def test_pseudonyms_are_stable_per_grant_self_verifying_and_differ_between_grants() -> None:
    one, two = key("grant-1"), key("grant-2")
    assert one != two
    token = pseudonym("450103199005121234", one)
    assert token == pseudonym("450103199005121234", one)
    assert rules.TOKEN_PATTERN.fullmatch(token)
    assert rules.token_verifies(token, one)
    assert not rules.token_verifies(token, two)
    values = [resident_id(random.Random(seed)) for seed in range(500)]
    firsts = {pseudonym(value, one) for value in values}
    seconds = {pseudonym(value, two) for value in values}
    assert len(firsts) == len(set(values))
    assert not firsts & seconds


def test_generalize_to_year_and_to_county() -> None:
    year = rules.compile_rule(Rule("generalize", to="year"), b"k")
    assert year("1990-05-12") == 1990
    assert year("1990年5月12日") == 1990
    assert year("19900512") == 1990
    assert year(datetime.date(1985, 1, 2)) == 1985
    assert year("不详") is None
    county = rules.compile_rule(Rule("generalize", to="county"), b"k")
    assert county("广西壮族自治区南宁市青秀区民族大道100号") == "南宁市青秀区"
    assert county("百色市田阳区那坡镇") == "百色市田阳区"
    assert county("柳州市某某路8号") == "柳州市"
    assert county("北京市朝阳区") == ""
    assert county("广西田阳县城东路") == "百色市田阳区"  # a former name
    assert county("南宁市柳北区某路") == "南宁市"  # 柳北区 is in Liuzhou
    assert county("桂林路8号") == ""  # a street named after a city


def test_rules_round_trip_as_json_and_unknown_kinds_are_refused() -> None:
    stored = json.loads(json.dumps(rules.rules_as_json(RULES)))
    assert rules.rules_from_json(stored) == RULES
    with pytest.raises(InvalidValue) as raised:
        rules.rule_from_dict({"kind": "shuffle"})
    assert raised.value.code == "unknown-masking-rule"
    with pytest.raises(InvalidValue) as raised:
        rules.rule_from_dict({"kind": "generalize", "to": "month"})
    assert raised.value.code == "unknown-generalization"
    with pytest.raises(InvalidValue) as raised:
        rules.rule_from_dict({"kind": "keep", "keep_first": -1})
    assert raised.value.code == "invalid-masking-rule"


# --- detectors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (resident_id, "resident-id"),
        (mobile, "mobile"),
        (person_name, "person-name"),
        (credit_code, "credit-code"),
        (bank_card, "bank-card"),
        (lambda rng: f"南宁市青秀区{rng.choice(STREETS)}{rng.randrange(99)}号", "address"),
    ],
)
def test_detectors_name_the_kind_of_column(make, expected: str) -> None:
    rng = random.Random(3)
    sample = [make(rng) for _ in range(40)] + ["", None]
    found = detectors.suggest_rules(sample)
    assert found[0].detector == expected
    assert found[0].share == 1.0
    assert found[0].rule == {d.name: d.rule for d in detectors.DETECTORS}[expected]


def test_detectors_report_the_share_and_ignore_other_columns() -> None:
    rng = random.Random(5)
    sample = [resident_id(rng) for _ in range(6)] + ["450103199005121230", "未登记", "x", "-"]
    found = detectors.suggest_rules(sample)
    assert [(s.detector, s.share) for s in found] == [("resident-id", 0.6)]
    assert detectors.suggest_rules(["苹果", "香蕉", "10", "2.5"]) == []
    assert not detectors.is_mobile("12345678901")
    assert not detectors.is_bank_card("6222020000000001")
    suggestions = detectors.suggest_for_table(HEADER, table(30)[1:])
    assert {name: s[0].detector for name, s in suggestions.items()} == {
        "身份证号": "resident-id",
        "姓名": "person-name",
        "手机号": "mobile",
        "住址": "address",
    }


# --- streaming maskers ------------------------------------------------------------------


def stored(tmp_path: Path, name: str, content: bytes) -> tuple[Path, str]:
    path = tmp_path / name
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


def read_delivered_zip(content: bytes) -> tuple[list[list[str]], dict]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["data.csv", "datapackage.json"]
        rows = list(csv.reader(io.StringIO(archive.read("data.csv").decode("utf-8"))))
        return rows, json.loads(archive.read("datapackage.json"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_masked_into_a_zip_with_the_delivery_id(tmp_path: Path, encoding: str) -> None:
    original = table(50)
    path, digest = stored(tmp_path, "people.csv", csv_bytes(original, encoding))
    target = io.BytesIO()
    with path.open("rb") as source:
        streams.mask_csv_zip(source, target, delivery("g1", "dlv-0001"))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    rows, descriptor = read_delivered_zip(target.getvalue())
    assert rows[0] == HEADER[:5]
    assert descriptor["id"] == descriptor["gxdata"]["delivery"] == "dlv-0001"
    assert [f["name"] for f in descriptor["resources"][0]["schema"]["fields"]] == HEADER[:5]
    for source_row, masked in zip(original[1:], rows[1:], strict=True):
        assert masked[0] == pseudonym(source_row[0], key("g1"))
        assert masked[1] == source_row[1][0] + "＊" * (len(source_row[1]) - 1)
        assert masked[2] == source_row[2][:3] + "****" + source_row[2][-4:]
        assert masked[3] == rules.county_of(source_row[3]) != ""
        assert masked[4] == source_row[4][:4]
        assert "内部备注" not in masked


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_masked_with_the_delivery_in_its_properties(tmp_path: Path) -> None:
    original = table(30)
    for row in original[1:]:
        row[4] = datetime.datetime.fromisoformat(row[4])
    path, digest = stored(tmp_path, "people.xlsx", xlsx_bytes(original))
    target = io.BytesIO()
    with path.open("rb") as source:
        streams.mask_xlsx(source, target, delivery("g1", "dlv-0002"))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    book = load_workbook(io.BytesIO(target.getvalue()))
    assert book.properties.identifier == "dlv-0002"
    assert "dlv-0002" in (book.properties.keywords or "")
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == HEADER[:5]
    for source_row, masked in zip(original[1:], rows[1:], strict=True):
        assert masked[0] == pseudonym(str(source_row[0]), key("g1"))
        assert masked[2] == str(source_row[2])[:3] + "****" + str(source_row[2])[-4:]
        assert masked[4] == source_row[4].year


def test_json_masked_inside_an_envelope(tmp_path: Path) -> None:
    original = table(20)
    objects = [dict(zip(HEADER, row, strict=True)) | {"序号": n} for n, row in enumerate(original)]
    content = json.dumps(objects[1:], ensure_ascii=False).encode()
    path, digest = stored(tmp_path, "people.json", content)
    target = io.BytesIO()
    with path.open("rb") as source:
        streams.mask_json(source, target, delivery("g1", "dlv-0003"))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    delivered = json.loads(target.getvalue())
    assert delivered["delivery"] == "dlv-0003"
    assert len(delivered["data"]) == 20
    for source_object, masked in zip(objects[1:], delivered["data"], strict=True):
        assert "备注" not in masked
        assert masked["序号"] == source_object["序号"]
        assert masked["身份证号"] == pseudonym(source_object["身份证号"], key("g1"))
        assert masked["住址"] == rules.county_of(source_object["住址"])


# --- tracing ----------------------------------------------------------------------------

GRANTS = ("grant-a", "grant-b", "grant-c")


def candidates() -> list[trace.Candidate]:
    return [trace.Candidate(grant, key(grant), RULES) for grant in GRANTS]


def reordered(rows: list[list[object]], count: int) -> list[list[object]]:
    order = [3, 0, 4, 2, 1]
    return [[row[i] for i in order] for row in rows[: count + 1]]


def deliveries(kind: str, original: bytes) -> dict[str, list[list[object]]]:
    """The rows each of the three grants received of ``original`` (header first)."""
    masker, _ = streams.MASKERS[kind]
    received: dict[str, list[list[object]]] = {}
    for grant in GRANTS:
        target = io.BytesIO()
        masker(io.BytesIO(original), target, delivery(grant, f"dlv-{grant}"))
        if kind == "csv":
            received[grant] = list(read_delivered_zip(target.getvalue())[0])
        else:
            book = load_workbook(io.BytesIO(target.getvalue()))
            received[grant] = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    return received


def test_trace_names_the_grant_of_a_partial_reordered_csv_copy(tmp_path: Path) -> None:
    original = csv_bytes(table(200))
    received = deliveries("csv", original)["grant-b"]
    leak = tmp_path / "leak.csv"
    leak.write_bytes(csv_bytes(reordered([received[0], *received[60:]], 20), "gb18030"))
    result = trace.trace_file(leak, candidates())
    assert result.grant_id == "grant-b"
    assert result.matches == (trace.GrantMatch("grant-b", 20),)
    whole = tmp_path / "whole.zip"
    target = io.BytesIO()
    streams.mask_csv_zip(io.BytesIO(original), target, delivery("grant-c"))
    whole.write_bytes(target.getvalue())
    assert trace.trace_file(whole, candidates()).grant_id == "grant-c"


def test_trace_names_the_grant_of_a_partial_reordered_xlsx_copy(tmp_path: Path) -> None:
    received = deliveries("xlsx", xlsx_bytes(table(100)))["grant-c"]
    leak = tmp_path / "leak.xlsx"
    leak.write_bytes(xlsx_bytes(reordered([received[0], *received[40:]], 20)))
    assert load_workbook(leak).properties.identifier is None
    result = trace.trace_file(leak, candidates())
    assert result.matches == (trace.GrantMatch("grant-c", 20),)


def test_trace_of_a_json_copy_and_of_a_file_without_pseudonyms(tmp_path: Path) -> None:
    objects = [dict(zip(HEADER, row, strict=True)) for row in table(30)[1:]]
    target = io.BytesIO()
    source = io.BytesIO(json.dumps(objects, ensure_ascii=False).encode())
    streams.mask_json(source, target, delivery("grant-a"))
    data = json.loads(target.getvalue())["data"][:20]
    leak = tmp_path / "leak.json"
    leak.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert trace.trace_file(leak, candidates()).matches == (trace.GrantMatch("grant-a", 20),)
    plain = tmp_path / "plain.csv"
    plain.write_bytes(csv_bytes(table(20)))
    result = trace.trace_file(plain, candidates())
    assert result.grant_id is None
    assert result.tokens_seen == 0
