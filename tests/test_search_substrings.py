"""Search as citizens type: any substring of a dataset's text finds it (issue 10).

Character unigrams and bigrams are indexed beside jieba's words; whole-word matches rank
above substring-only ones."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from catalog.models import CLOSED, Dataset
from catalog.queries import public_datasets
from catalog.search import SearchDocument, SearchEngine, SearchQuery, open_engine


def _engine(demo_app: Flask) -> SearchEngine:
    return demo_app.extensions["gxdata"].search


def _ids(engine: SearchEngine, text: str, per_page: int = 100) -> list[str]:
    found: list[str] = []
    page = 1
    while True:
        result = engine.search(SearchQuery(text=text, page=page, per_page=per_page))
        found += [hit.id for hit in result.hits]
        if len(found) >= result.total or not result.hits:
            return found
        page += 1


def _dataset_id(demo_app: Flask, title: str) -> str:
    with demo_app.extensions["gxdata"].session_factory() as session:
        return session.scalars(select(Dataset.id).where(Dataset.title == title)).one()


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("公交车", "【示例】公交车辆实时位置"),
        ("站牌", "公交站牌信息"),  # jieba cuts 公交站/牌/信息
        ("税", "岑溪市A级纳税人名单"),
        ("公共交通", "【示例】公交车辆实时位置"),  # its related service item 公共交通运营监管
    ],
)
def test_the_queries_of_the_issue_find_their_datasets(demo_app, query, title) -> None:
    assert _dataset_id(demo_app, title) in _ids(_engine(demo_app), query)


def test_a_single_character_finds_more_than_its_words(demo_app) -> None:
    engine = _engine(demo_app)
    tax = engine.search(SearchQuery(text="税")).total
    assert tax > engine.search(SearchQuery(text="税务")).total >= 13
    assert tax >= 40


def test_random_substrings_of_titles_find_their_dataset(demo_app) -> None:
    with demo_app.extensions["gxdata"].session_factory() as session:
        datasets = [(d.id, d.title) for d in session.scalars(public_datasets())]
    rng = random.Random(2026)
    engine = _engine(demo_app)
    tried, missed = 0, []
    while tried < 200:
        dataset_id, title = rng.choice(datasets)
        size = rng.randint(1, 6)
        start = rng.randrange(max(1, len(title) - size + 1))
        piece = title[start : start + size]
        if not any(char.isalnum() for char in piece):
            continue
        tried += 1
        if dataset_id not in _ids(engine, piece):
            missed.append(piece)
    assert missed == []


def test_results_stay_public_only(demo_app) -> None:
    with demo_app.extensions["gxdata"].session_factory() as session:
        closed = session.scalars(select(Dataset).where(Dataset.open_type == CLOSED)).all()
        public = set(session.scalars(select(Dataset.id).where(Dataset.id.in_(
            public_datasets().with_only_columns(Dataset.id).scalar_subquery()
        ))))  # fmt: skip
    assert closed
    engine = _engine(demo_app)
    for dataset in closed:
        for piece in (dataset.title[-3:], dataset.title[:2]):
            found = _ids(engine, piece)
            assert dataset.id not in found
            assert set(found) <= public


def test_search_page_marks_a_substring_match(demo_client) -> None:
    html = demo_client.get("/dataset", query_string={"q": "站牌"}).get_data(as_text=True)
    assert "公交<mark>站牌</mark>信息" in html


# -- on a small index of its own --------------------------------------------------------------


def doc(doc_id: str, title: str, **values: object) -> SearchDocument:
    return SearchDocument(id=doc_id, title=title, **values)  # type: ignore[arg-type]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SearchEngine]:
    search = open_engine("whoosh", str(tmp_path / "index"))
    search.rebuild(
        [
            doc("word", "南宁市公交线路"),  # 公交 is a jieba word here
            doc("inside", "办公交流活动记录"),  # 办公/交流: 公交 only as a substring
            doc("apart", "公共服务与交通设施"),  # the bigrams of 公交 nowhere
            doc("pm", "南宁市空气质量 PM2.5 日均值", category="environment"),
            doc("year", "2021年度财政预算", formats=("CSV",)),
            doc("file", "预算表", distribution_titles=("yusuan-2021.xlsx",)),
            doc("details", "车辆定位", details=("公共交通运营监管",)),
        ]
    )
    yield search
    search.close()


def _all(engine: SearchEngine, text: str) -> list[str]:
    return [hit.id for hit in engine.search(SearchQuery(text=text, per_page=100)).hits]


def test_whole_word_matches_rank_above_substring_matches(engine) -> None:
    assert _all(engine, "公交") == ["word", "inside"]


def test_a_substring_longer_than_the_ngrams_needs_all_its_bigrams(engine) -> None:
    assert _all(engine, "公交流活动") == ["inside"]
    assert _all(engine, "交流活动记") == ["inside"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PM2.5", ["pm"]),
        ("pm2", ["pm"]),
        ("M2.5 日", ["pm"]),
        ("2021年", ["year"]),  # then "file" (its word 2021)
        ("021", ["year", "file"]),
        ("yusuan", ["file"]),
        ("suan-20", ["file"]),
        ("共交通", ["details"]),  # then "apart" (its word 交通)
        ("均", ["pm"]),
        ("的", []),  # a stop word, not in any text: nothing rather than everything
    ],
)
def test_latin_digits_and_single_characters(engine, query, expected) -> None:
    """``expected`` first; a dataset holding only the query's words (fewer) may follow."""
    assert sorted(_all(engine, query)[: len(expected)]) == sorted(expected)
    if not expected:
        assert _all(engine, query) == []


def test_facets_count_the_substring_matches(engine) -> None:
    result = engine.search(SearchQuery(text="2.5", facets=("category",)))
    assert result.total == 1
    assert result.facets["category"] == [("environment", 1)]


def test_highlight_marks_what_was_typed(engine) -> None:
    hit = engine.search(SearchQuery(text="公交流")).hits[0]
    assert hit.highlights["title"] == "办<mark>公交流</mark>活动记录"


def test_exclusion_and_or_work_with_substrings(engine) -> None:
    assert _all(engine, "公交 -办公") == ["word"]
    assert sorted(_all(engine, "公交流 OR 共服")) == ["apart", "inside"]


def test_ngrams_of_texts_and_queries() -> None:
    from catalog.search.chinese import run_grams, text_grams

    assert list(text_grams("公交 Pm2")) == ["公", "交", "公交", "p", "m", "2", "pm", "m2"]
    assert run_grams("公交站牌") == ["公交", "交站", "站牌"]
    assert run_grams("税") == ["税"]


def test_an_index_without_ngrams_is_outdated(tmp_path: Path) -> None:
    from whoosh import fields as whoosh_fields
    from whoosh.filedb.filestore import FileStorage

    from catalog.search import SearchSchemaOutdated
    from catalog.search.whoosh_schema import GRAM_FIELD, INDEX_NAME, build_schema

    path = tmp_path / "index"
    path.mkdir()
    current = build_schema()
    old = whoosh_fields.Schema(**{n: current[n] for n in current.names() if n != GRAM_FIELD})
    FileStorage(str(path)).create_index(old, indexname=INDEX_NAME)
    with pytest.raises(SearchSchemaOutdated):
        open_engine("whoosh", str(path))


def test_pages_partition_word_and_substring_matches(tmp_path: Path) -> None:
    search = open_engine("whoosh", str(tmp_path / "index"))
    titles = ["公交线路", "南宁公交", "公交站点", "办公交流", "办公交接", "公交"]
    search.rebuild([doc(f"d{i}", title, description="公交" * i) for i, title in enumerate(titles)])
    everything = _all(search, "公交")
    paged = [
        hit.id
        for page in (1, 2, 3)
        for hit in search.search(SearchQuery(text="公交", page=page, per_page=2)).hits
    ]
    assert paged == everything and sorted(paged) == [f"d{i}" for i in range(6)]
    assert set(everything[-2:]) == {"d3", "d4"}  # the substring-only matches last
    search.close()
