"""Browsing: departments by city and county, topics, searching within a page, page numbers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from catalog.directory import page_numbers
from catalog.models import Dataset
from catalog.queries import public_datasets


def test_departments_grouped_by_city_and_county_with_a_filter(demo_client):
    html = demo_client.get("/organization").get_data(as_text=True)
    groups = re.findall(r'<section class="division-group" data-filter-group>\s*<h2>([^<]+)<', html)
    names = [g.strip() for g in groups]
    assert names[0] == "广西壮族自治区" and "南宁市" in names and "柳州市" in names
    assert '<section class="county-group"' in html
    assert 'data-filter-input="#department-groups"' in html and "js/filter.js" in html
    filtered = demo_client.get("/organization?q=柳州").get_data(as_text=True)
    assert "柳州市" in filtered and "南宁市统计局" not in filtered
    assert filtered.count("data-filter-item") < html.count("data-filter-item")
    none = demo_client.get("/organization?q=不存在的部门").get_data(as_text=True)
    assert "没有与“不存在的部门”相符的部门。" in none


def test_topics_are_browsable_and_a_facet(demo_app, demo_client):
    html = demo_client.get("/topic").get_data(as_text=True)
    links = re.findall(r'href="/topic/([a-z-]+)"', html)
    assert len(links) >= 20
    with demo_app.extensions["gxdata"].session_factory() as session:
        public = public_datasets().subquery()
        outside = session.scalar(
            select(func.count()).select_from(public).where(public.c.category.is_(None))
        )
        uncategorised = session.scalars(
            select(public.c.id).where(public.c.category.is_(None), public.c.topic.is_not(None))
        ).all()
    assert outside > 250
    found = set()
    for notation in links:
        page = demo_client.get(f"/topic/{notation}?per_page=100")
        assert page.status_code == 200
        total = int(re.search(r"找到 (\d+) 个数据集", page.get_data(as_text=True)).group(1))
        for number in range(1, -(-total // 100) + 1):
            text = demo_client.get(f"/dataset?topic={notation}&per_page=100&page={number}")
            found.update(re.findall(r'href="/dataset/([^"/?]+)"', text.get_data(as_text=True)))
    with demo_app.extensions["gxdata"].session_factory() as session:
        slugs = set(session.scalars(select(Dataset.slug).where(Dataset.id.in_(uncategorised))))
    assert slugs and slugs <= found  # every dataset outside the ten categories is reachable
    search = demo_client.get("/dataset").get_data(as_text=True)
    assert 'data-facet="topic"' in search
    assert demo_client.get("/topic/no-such-topic").status_code == 404


def test_search_box_on_a_department_or_category_page_searches_within_it(demo_client):
    html = demo_client.get("/category/meteorology").get_data(as_text=True)
    form = re.search(r'<form class="search-form".*?</form>', html, re.S).group(0)
    assert '<input type="hidden" name="category" value="meteorology">' in form
    departments = demo_client.get("/organization").get_data(as_text=True)
    slug = re.search(r'href="/organization/([^"]+)"', departments).group(1)
    page = demo_client.get(f"/organization/{slug}").get_data(as_text=True)
    form = re.search(r'<form class="search-form".*?</form>', page, re.S).group(0)
    assert f'<input type="hidden" name="department" value="{slug}">' in form
    home = demo_client.get("/").get_data(as_text=True)
    form = re.search(r'<form class="search-form".*?</form>', home, re.S).group(0)
    assert 'type="hidden"' not in form


def test_numbered_pages(demo_client):
    html = demo_client.get("/dataset?page=5").get_data(as_text=True)
    pager = re.search(r'<nav class="pager".*?</nav>', html, re.S).group(0)
    assert '<span class="current" aria-current="page">5</span>' in pager
    for number in (1, 3, 4, 6, 7):
        assert f">{number}</a>" in pager
    assert 'rel="prev"' in pager and 'rel="next"' in pager and "…" in pager
    assert page_numbers(1, 1) == [1]
    assert page_numbers(5, 10) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert page_numbers(10, 53) == [1, None, 8, 9, 10, 11, 12, None, 53]
