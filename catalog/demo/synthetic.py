"""Made-up personal and enterprise records for the conditional 【示例】 samples.

Every table is generated, deterministically for its sample key, from Faker's ``zh_CN``
provider (names, street names, mobile numbers), placed in Guangxi: addresses start with the
region, a city and one of its county-level divisions from ``vocab/divisions`` (so the
``generalize`` rule maps them back to that county), resident ID numbers carry the county's
code, the holder's birth date and sex and a GB 11643 check character, unified social credit
codes a GB 11714 organization code and a GB 32100 check character, bank card numbers a Luhn
check digit. None of it describes a real person or enterprise.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from faker import Faker

from catalog.accounts import identity
from catalog.errors import InvalidValue
from vocab import divisions
from vocab.skos import Concept

REGION = "广西壮族自治区"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_CARD_BINS = ("622848", "621700", "622202", "621661", "622908", "623668")  # 19-digit debit cards
_ROWS = {
    "tax-credit": 300,
    "clinic-visits": 400,
    "energy-use": 300,
    "property-licence": 300,
    "bus-positions": 240,
}


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Place:
    city: Concept
    county: Concept

    @property
    def generalized(self) -> str:
        """What ``generalize`` (to the county) makes of an address here: "南宁市青秀区"."""
        return self.city.label("zh") + self.county.label("zh")


@dataclass(frozen=True)
class Person:
    name: str
    sex: str
    birth: datetime.date
    resident_id: str
    mobile: str
    place: Place
    address: str


@cache
def places() -> tuple[Place, ...]:
    return tuple(
        Place(city, county)
        for city in divisions.cities()
        for county in divisions.counties(city.notation)
    )


def faker_for(key: str) -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(f"gxdata-sample-{key}")
    return fake


def resident_id(place: Place, birth: datetime.date, sequence: int) -> str:
    """A GB 11643 number: the county's code, the birth date, a sequence (odd for a man)."""
    first17 = f"{place.county.notation}{birth:%Y%m%d}{sequence:03d}"
    return first17 + identity.resident_id_check_character(first17)


def credit_code(place: Place, rng: random.Random) -> str:
    """A GB 32100 code of an enterprise (registered by market regulation, 91) in ``place``."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(digit) * weight for digit, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    organization = body + ("X" if check == 10 else str(check))  # GB 11714
    first17 = f"91{place.county.notation}{organization}"
    return first17 + identity.credit_code_check_character(first17)


def luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:  # doubled once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def bank_card(rng: random.Random) -> str:
    body = rng.choice(_CARD_BINS) + "".join(rng.choice("0123456789") for _ in range(12))
    return body + luhn_digit(body)


def mobile(fake: Faker) -> str:
    while True:
        number = fake.phone_number()
        try:
            identity.check_mobile(number)
        except InvalidValue:
            continue
        return number


def address(fake: Faker, place: Place) -> str:
    street = f"{fake.street_name()}{fake.random_int(1, 399)}号"
    if fake.random.random() < 0.6:
        street += f"{fake.random_int(1, 30)}栋{fake.random_int(1, 32)}{fake.random_int(1, 9):02d}室"
    return f"{REGION}{place.city.label('zh')}{place.county.label('zh')}{street}"


def person(fake: Faker, *, minimum_age: int = 18, place: Place | None = None) -> Person:
    place = place or fake.random.choice(places())
    sex = fake.random.choice("男女")
    name = fake.name_male() if sex == "男" else fake.name_female()
    birth = fake.date_of_birth(minimum_age=minimum_age, maximum_age=85)
    sequence = fake.random_int(0, 499) * 2 + (1 if sex == "男" else 0)
    number = resident_id(place, birth, sequence)
    return Person(name, sex, birth, number, mobile(fake), place, address(fake, place))


def company(fake: Faker, place: Place) -> str:
    return f"广西{place.city.label('zh').removesuffix('市')}{fake.company()}"


def _header(names: str) -> tuple[str, ...]:
    return tuple(names.split())


def _day(fake: Faker, start: str, end: str) -> datetime.date:
    return fake.date_between_dates(
        datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    )


def _tax_credit(fake: Faker, rows: int) -> Table:
    header = _header("统一社会信用代码 企业名称 法定代表人 联系电话 注册地址 评价年度 信用等级")
    out = []
    for _ in range(rows):
        boss = person(fake)
        grade = fake.random.choices("ABMCD", weights=(30, 40, 20, 7, 3))[0]
        out.append(
            (
                credit_code(boss.place, fake.random),
                company(fake, boss.place),
                boss.name,
                boss.mobile,
                address(fake, boss.place),
                str(fake.random_int(2021, 2024)),
                grade,
            )
        )
    return Table(header, tuple(out))


_HOSPITALS = ("人民医院", "中医医院", "妇幼保健院", "第一人民医院", "第二人民医院")
_DEPARTMENTS = ("内科", "外科", "儿科", "妇产科", "眼科", "口腔科", "皮肤科", "急诊科")
_DIAGNOSES = (
    "J06.9 急性上呼吸道感染",
    "I10 特发性高血压",
    "E11.9 2型糖尿病",
    "K29.7 胃炎",
    "M54.5 下背痛",
    "J20.9 急性支气管炎",
    "S61.0 手指开放性伤口",
    "H10.9 结膜炎",
)


def _clinic_visits(fake: Faker, rows: int) -> Table:
    header = _header(
        "就诊流水号 就诊日期 医疗机构 就诊类型 科室 患者姓名 性别 出生日期 身份证号 联系电话 "
        "现住址 诊断 结算方式 支付银行卡号"
    )
    out = []
    for n in range(rows):
        patient = person(fake, minimum_age=0)
        kind = fake.random.choices(("门诊", "急诊"), weights=(85, 15))[0]
        out.append(
            (
                f"MZ2024{n + 1:06d}",
                _day(fake, "2024-01-01", "2024-12-31").isoformat(),
                patient.place.city.label("zh") + fake.random.choice(_HOSPITALS),
                kind,
                "急诊科" if kind == "急诊" else fake.random.choice(_DEPARTMENTS[:-1]),
                patient.name,
                patient.sex,
                patient.birth.isoformat(),
                patient.resident_id,
                patient.mobile,
                patient.address,
                fake.random.choice(_DIAGNOSES),
                *_payment(fake),
            )
        )
    return Table(header, tuple(out))


def _payment(fake: Faker) -> tuple[str, str]:
    """How a visit was settled, and the bank card paid with (empty for the others)."""
    how = fake.random.choices(("医保统筹", "银行卡", "移动支付"), weights=(40, 40, 20))[0]
    return how, bank_card(fake.random) if how == "银行卡" else ""


def _energy_use(fake: Faker, rows: int) -> Table:
    header = _header(
        "统一社会信用代码 单位名称 所在市 日期 综合能耗（吨标准煤） 能源管理负责人 负责人手机"
    )
    units = [person(fake) for _ in range(rows // 10)]
    names = [company(fake, unit.place) for unit in units]
    codes = [credit_code(unit.place, fake.random) for unit in units]
    out = []
    for n in range(rows):
        i, day = (
            n % len(units),
            datetime.date(2024, 6, 1) + datetime.timedelta(days=n // len(units)),
        )
        out.append(
            (
                codes[i],
                names[i],
                units[i].place.city.label("zh"),
                day.isoformat(),
                f"{fake.random.uniform(5, 900):.2f}",
                units[i].name,
                units[i].mobile,
            )
        )
    return Table(header, tuple(out))


_USES = ("住宅", "住宅", "住宅", "商业", "办公", "工业")


def _property_licence(fake: Faker, rows: int) -> Table:
    header = _header("证书编号 不动产单元号 权利人 身份证号 坐落 建筑面积（平方米） 用途 登记日期")
    out = []
    for n in range(rows):
        owner = person(fake, minimum_age=22)
        day = _day(fake, "2019-01-01", "2024-12-31")
        city = owner.place.city.label("zh")
        unit = f"{owner.place.county.notation}{fake.random_int(1, 999):03d}{fake.random_int(1, 99):03d}GB{fake.random_int(1, 99999):05d}F{fake.random_int(1, 99999999):08d}"  # noqa: E501
        out.append(
            (
                f"桂（{day.year}）{city}不动产权第{n * 37 + 1001:07d}号",
                unit,
                owner.name,
                owner.resident_id,
                address(fake, owner.place),
                f"{fake.random.uniform(35, 220):.2f}",
                fake.random.choice(_USES),
                day.isoformat(),
            )
        )
    return Table(header, tuple(out))


def _bus_positions(fake: Faker, rows: int) -> Table:
    header = _header("线路 车辆编号 驾驶员 时间 经度 纬度")
    buses = [
        (f"{fake.random_int(1, 99)}路", f"桂A{fake.random_int(10000, 99999)}", fake.name())
        for _ in range(24)
    ]
    start = datetime.datetime(2024, 9, 2, 7, 0)
    out = []
    for n in range(rows):
        line, bus, driver = buses[n % len(buses)]
        moment = start + datetime.timedelta(seconds=30 * (n // len(buses)))
        out.append(
            (
                line,
                bus,
                driver,
                moment.isoformat(timespec="seconds"),
                f"{fake.random.uniform(108.20, 108.50):.6f}",
                f"{fake.random.uniform(22.72, 22.92):.6f}",
            )
        )
    return Table(header, tuple(out))


BUILDERS: dict[str, Callable[[Faker, int], Table]] = {
    "tax-credit": _tax_credit,
    "clinic-visits": _clinic_visits,
    "energy-use": _energy_use,
    "property-licence": _property_licence,
    "bus-positions": _bus_positions,
}


def table(key: str) -> Table:
    """The table of the conditional sample ``key``; the same on every call."""
    return BUILDERS[key](faker_for(key), _ROWS[key])
