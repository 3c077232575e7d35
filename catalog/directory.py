"""The departments page: departments grouped by the city and county they serve, and the page
numbers of a result list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from catalog.models import Department
from vocab import divisions

Row = tuple[Department, int]  # a department and its number of public datasets


@dataclass
class CountyGroup:
    code: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class CityGroup:
    """The region itself (level 1), a city (level 2) or, with ``code`` None, no known place."""

    code: str | None
    rows: list[Row] = field(default_factory=list)  # departments of the city (or region) itself
    counties: list[CountyGroup] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.rows) + sum(len(c.rows) for c in self.counties)


def _matches(department: Department, text: str) -> bool:
    if not text:
        return True
    concept = divisions.division(department.division) if department.division else None
    names = [department.name]
    if concept is not None:
        names += [concept.label("zh"), concept.label("en"), divisions.city_of(concept).label("zh")]
    return any(text.casefold() in name.casefold() for name in names if name)


def group_by_division(rows: Sequence[Row], text: str = "") -> list[CityGroup]:
    """The departments (filtered by ``text`` in their name or their place's name) grouped by
    city and county: the region first, then the cities by code, then the unplaced."""
    cities: dict[str | None, CityGroup] = {}
    for department, count in rows:
        if not _matches(department, text.strip()):
            continue
        concept = divisions.division(department.division) if department.division else None
        if concept is None:
            cities.setdefault(None, CityGroup(None)).rows.append((department, count))
            continue
        city = divisions.city_of(concept)
        group = cities.setdefault(city.notation, CityGroup(city.notation))
        if divisions.level(concept) <= 2:
            group.rows.append((department, count))
            continue
        county = next((c for c in group.counties if c.code == concept.notation), None)
        if county is None:
            county = CountyGroup(concept.notation)
            group.counties.append(county)
        county.rows.append((department, count))
    for group in cities.values():
        group.counties.sort(key=lambda c: c.code)
    return sorted(cities.values(), key=lambda g: (g.code is None, g.code or ""))


def page_numbers(current: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first, the last and ``around`` on each side of the
    current one; None marks a gap (…)."""
    shown = sorted({1, pages, *range(max(current - around, 1), min(current + around, pages) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
