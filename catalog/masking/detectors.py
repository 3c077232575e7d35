"""Detectors that suggest a masking rule for a column from a sample of its values.

Each detector is a row of :data:`DETECTORS`: a name, a test of one value and the rule it
suggests. :func:`suggest_rules` runs them all on the non-empty sampled values and returns
those matching at least ``min_share`` of them, best first, with the share that matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from catalog.accounts import identity
from catalog.errors import InvalidValue
from catalog.masking.rules import Rule, keep

# The commonest single and compound surnames (百家姓 by population): enough for a heuristic.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = frozenset(
    "欧阳 上官 司马 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 西门 独孤".split()
)
ADDRESS_MARKERS = frozenset("省市区县镇乡村屯路街道巷弄号栋幢楼室组")

_HAN_NAME = re.compile(r"[\u4e00-\u9fff·]{2,5}")
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_CARD = re.compile(r"\d{16,19}")
_SEPARATORS = str.maketrans("", "", " -\u3000")


def _checked(check: Callable[[str], str], text: str) -> bool:
    try:
        check(text)
    except InvalidValue:
        return False
    return True


def is_resident_id(text: str) -> bool:
    return len(text) == 18 and _checked(identity.check_resident_id, text)


def is_mobile(text: str) -> bool:
    compact = text.translate(_SEPARATORS)
    return bool(_MOBILE.fullmatch(compact)) and _checked(identity.check_mobile, compact)


def is_credit_code(text: str) -> bool:
    return len(text) == 18 and _checked(identity.check_credit_code, text)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def is_bank_card(text: str) -> bool:
    compact = text.translate(_SEPARATORS)
    return bool(_CARD.fullmatch(compact)) and luhn_valid(compact)


def is_person_name(text: str) -> bool:
    """2–4 Han characters (a ``·`` allowed) starting with a common surname."""
    if not _HAN_NAME.fullmatch(text) or not 2 <= len(text.replace("·", "")) <= 4:
        return False
    if text[:2] in COMPOUND_SURNAMES:
        return len(text) >= 3
    return text[0] in SURNAMES


def is_address(text: str) -> bool:
    """At least six characters, with two place markers (省, 市, 区, 路, 号…) in them."""
    return len(text) >= 6 and sum(char in ADDRESS_MARKERS for char in text) >= 2


@dataclass(frozen=True)
class Detector:
    name: str
    matches: Callable[[str], bool]
    rule: Rule


DETECTORS: tuple[Detector, ...] = (
    Detector("resident-id", is_resident_id, Rule("pseudonym")),
    Detector("mobile", is_mobile, keep(3, 4)),
    Detector("credit-code", is_credit_code, keep(8, 0)),
    Detector("bank-card", is_bank_card, keep(6, 4)),
    Detector("person-name", is_person_name, keep(1, 0)),
    Detector("address", is_address, Rule("generalize", to="county")),
)


@dataclass(frozen=True)
class Suggestion:
    detector: str
    share: float
    rule: Rule


def suggest_rules(values: Iterable[Any], *, min_share: float = 0.5) -> list[Suggestion]:
    """What the sampled non-empty values of a column look like, best match first."""
    texts = [str(value).strip() for value in values if value is not None]
    texts = [text for text in texts if text]
    if not texts:
        return []
    found = []
    for detector in DETECTORS:
        share = sum(detector.matches(text) for text in texts) / len(texts)
        if share >= min_share and share > 0:
            found.append(Suggestion(detector.name, share, detector.rule))
    return sorted(found, key=lambda suggestion: -suggestion.share)


def suggest_for_table(
    header: list[str], rows: Iterable[list[Any]], *, min_share: float = 0.5
) -> dict[str, list[Suggestion]]:
    """Suggestions per column of a sample of rows (columns with none are left out)."""
    columns: list[list[Any]] = [[] for _ in header]
    for row in rows:
        for index, value in enumerate(row[: len(header)]):
            columns[index].append(value)
    suggestions = {
        name: suggest_rules(column, min_share=min_share)
        for name, column in zip(header, columns, strict=True)
    }
    return {name: found for name, found in suggestions.items() if found}
