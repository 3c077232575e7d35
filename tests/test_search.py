"""The whoosh search engine on a real index in tmp_path: Chinese matching, facets, filters,
paging, sorting, highlighting, writes, odd queries and concurrent use."""

from __future__ import annotations

import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from whoosh import fields as whoosh_fields
from whoosh.filedb.filestore import FileStorage

from catalog.search import (
    FACET_FIELDS,
    NOTICES,
    SearchDocument,
    SearchEngine,
    SearchIndexBusy,
    SearchIndexCorrupt,
    SearchIndexError,
    SearchQuery,
    SearchResult,
    SearchSchemaOutdated,
    chinese,
    open_engine,
    whoosh_arrays,
)
from catalog.search.chinese import JiebaTokenizer, chinese_analyzer, query_terms
from catalog.search.highlight import SNIPPET_CHARS, highlight
from catalog.search.whoosh_schema import INDEX_NAME

LONG_TEXT = "防城港市气象观测站点分布于沿海各乡镇。" * 12 + "本数据为24小时雨量统计。"


def doc(doc_id: str, title: str, **values: object) -> SearchDocument:
    return SearchDocument(id=doc_id, title=title, **values)  # type: ignore[arg-type]


CATALOG = [
    doc("a", "南宁市公交车站点信息", description="南宁市公交车站点的位置与线路。",
        department="南宁市交通运输局", department_slug="nn-transport", category="transport",
        division="450100", formats=("CSV", "XLS"), open_type="unconditional",
        frequency="monthly", modified=datetime(2024, 3, 1), keywords=("公交", "站点")),
    doc("b", "柳州市公交线路信息", description="柳州市公交线路走向与票价。",
        department="柳州市交通运输局", department_slug="lz-transport", category="transport",
        division="450200", formats=("CSV",), open_type="unconditional", frequency="monthly",
        modified=datetime(2023, 6, 1)),
    doc("c", "南宁市空气质量监测数据", description="南宁市空气质量小时监测数据。",
        department="南宁市生态环境局", department_slug="nn-environment", category="environment",
        division="450100", formats=("JSON", "CSV"), open_type="conditional", frequency="daily",
        modified=datetime(2022, 1, 1)),
    doc("d", "桂林市学校名录", description="桂林市中小学校名录，2019年更新。",
        department="桂林市教育局", department_slug="gl-education", category="education",
        division="450300", formats=("XLSX",), open_type="unconditional", frequency="annual"),
    doc("e", "<script>alert('x')</script>北海市公交线路", description="北海 & 公交 <b>数据</b>",
        department="北海市交通运输局", department_slug="bh-transport", division="450500",
        formats=("PDF",), open_type="unconditional", modified=datetime(2021, 5, 5)),
    doc("f", "防城港市24小时雨量", description=LONG_TEXT, department="防城港市气象局",
        department_slug="fcg-weather", category="meteorology", division="450600",
        formats=("CSV", "JSON", "XML"), open_type="unconditional", frequency="realtime",
        modified=datetime(2020, 7, 1)),
    doc("g", "河池市气象站观测数据", description="包括雨量、气温和风速的观测记录。",
        department="河池市气象局", department_slug="hc-weather", category="meteorology",
        division="451200", formats=("CSV",), open_type="unconditional", frequency="daily",
        modified=datetime(2019, 1, 1)),
]  # fmt: skip


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SearchEngine]:
    opened = open_engine("whoosh", str(tmp_path / "index"))
    opened.rebuild(CATALOG)
    yield opened
    opened.close()


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def search(engine: SearchEngine, text: str = "", **options: object) -> SearchResult:
    return engine.search(SearchQuery(text=text, **options))  # type: ignore[arg-type]


# -- Chinese matching ---------------------------------------------------------------------


def test_short_word_finds_titles_containing_a_longer_word(engine: SearchEngine) -> None:
    assert set(ids(search(engine, "公交"))) == {"a", "b", "e"}
    assert "a" in ids(search(engine, "公交车"))
    assert ids(search(engine, "公交车")) == ["a"]


def test_two_words_must_both_match(engine: SearchEngine) -> None:
    result = search(engine, "南宁 公交")
    assert ids(result) == ["a"]
    assert result.total == 1
    assert set(ids(search(engine, "南宁"))) == {"a", "c"}


def test_words_written_together_are_segmented(engine: SearchEngine) -> None:
    assert ids(search(engine, "南宁公交")) == ["a"]
    assert ids(search(engine, "南宁市空气质量")) == ["c"]


def test_searches_department_keywords_and_distribution_text(tmp_path: Path) -> None:
    engine = open_engine("whoosh", str(tmp_path / "index"))
    engine.add([
        doc("k", "数据一", keywords=("排污许可",)),
        doc("m", "数据二", department="钦州市生态环境局"),
        doc("n", "数据三", distribution_titles=("重点排污单位名录.csv",)),
    ])  # fmt: skip
    assert ids(search(engine, "排污许可")) == ["k"]
    assert ids(search(engine, "钦州")) == ["m"]
    assert ids(search(engine, "重点排污单位")) == ["n"]
    engine.close()


def test_or_and_exclusion(engine: SearchEngine) -> None:
    assert set(ids(search(engine, "柳州 OR 桂林"))) == {"b", "d"}
    assert set(ids(search(engine, "公交 -柳州"))) == {"a", "e"}
    assert set(ids(search(engine, "公交 NOT 柳州"))) == {"a", "e"}


def test_title_match_ranks_above_description_match(engine: SearchEngine) -> None:
    result = search(engine, "雨量")
    assert ids(result) == ["f", "g"]
    assert result.hits[0].score > result.hits[1].score > 0


def test_empty_query_lists_everything_newest_first(engine: SearchEngine) -> None:
    result = search(engine, "", per_page=100)
    assert result.total == len(CATALOG)
    assert ids(result) == ["a", "b", "c", "e", "f", "g", "d"]  # undated "d" last
    assert result.notice is None


# -- facets and filters -------------------------------------------------------------------


def test_facet_counts_cover_the_whole_match_set(engine: SearchEngine) -> None:
    result = search(engine, "公交", per_page=1)
    assert len(result.hits) == 1 and result.total == 3
    assert result.facets["category"] == [("transport", 2)]
    assert result.facets["format"] == [("CSV", 2), ("PDF", 1), ("XLS", 1)]
    assert result.facets["division"] == [("450100", 1), ("450200", 1), ("450500", 1)]
    assert result.facets["open_type"] == [("unconditional", 3)]
    assert result.facets["frequency"] == [("monthly", 2)]
    assert set(result.facets) == set(FACET_FIELDS)


def test_facet_counts_of_everything(engine: SearchEngine) -> None:
    result = search(engine)
    assert result.facets["format"] == [
        ("CSV", 5), ("JSON", 2), ("PDF", 1), ("XLS", 1), ("XLSX", 1), ("XML", 1)
    ]  # fmt: skip
    assert result.facets["open_type"] == [("unconditional", 6), ("conditional", 1)]
    assert result.facets["category"][0] == ("meteorology", 2)


def test_only_requested_facets_up_to_the_limit(engine: SearchEngine) -> None:
    result = search(engine, facets=("format",), facet_limit=2)
    assert result.facets == {"format": [("CSV", 5), ("JSON", 2)]}


def test_filters_or_within_a_field_and_across_fields(engine: SearchEngine) -> None:
    assert set(ids(search(engine, filters={"format": ["JSON", "XLS"]}))) == {"a", "c", "f"}
    both = search(engine, filters={"format": ["JSON", "XLS"], "division": ["450100"]})
    assert set(ids(both)) == {"a", "c"}
    assert set(ids(search(engine, "南宁", filters={"open_type": ["conditional"]}))) == {"c"}
    assert search(engine, filters={"format": ["DOCX"]}).total == 0


def test_facet_counts_respect_filters(engine: SearchEngine) -> None:
    result = search(engine, filters={"division": ["450100"]})
    assert result.total == 2
    assert result.facets["format"] == [("CSV", 2), ("JSON", 1), ("XLS", 1)]
    assert result.facets["department"] == [("nn-environment", 1), ("nn-transport", 1)]


def test_filter_values_may_be_a_single_value(engine: SearchEngine) -> None:
    filters: dict[str, object] = {"division": "450100", "format": None, "category": []}
    assert set(ids(search(engine, filters=filters))) == {"a", "c"}


def test_unknown_filter_field_is_ignored_with_a_notice(engine: SearchEngine) -> None:
    result = search(engine, filters={"colour": ["red"]})
    assert result.total == len(CATALOG)
    assert result.notice == "unknown-filter"


# -- paging and sorting -------------------------------------------------------------------


def test_pages_partition_the_results(engine: SearchEngine) -> None:
    first = search(engine, per_page=3)
    second = search(engine, per_page=3, page=2)
    third = search(engine, per_page=3, page=3)
    assert (len(first.hits), len(second.hits), len(third.hits)) == (3, 3, 1)
    assert ids(first) + ids(second) + ids(third) == ids(search(engine, per_page=100))
    assert second.page == 2 and second.notice is None


def test_relevance_pages_are_stable(engine: SearchEngine) -> None:
    everything = ids(search(engine, "市", per_page=100))
    paged = [hit for page in (1, 2, 3) for hit in ids(search(engine, "市", per_page=2, page=page))]
    assert paged == everything[:6]


def test_page_beyond_the_end_is_empty_with_a_notice(engine: SearchEngine) -> None:
    result = search(engine, "公交", page=5)
    assert result.hits == [] and result.total == 3
    assert result.notice == "page-out-of-range"
    assert search(engine, page=-3).page == 1


def test_per_page_is_clamped(engine: SearchEngine) -> None:
    small = search(engine, per_page=0)
    assert small.per_page == 1 and len(small.hits) == 1
    assert small.notice == "per-page-out-of-range"
    assert search(engine, per_page=1000).per_page == 100


def test_sort_by_title(engine: SearchEngine) -> None:
    result = search(engine, sort="title", per_page=100)
    expected = sorted(CATALOG, key=lambda d: d.title.casefold())
    assert ids(result) == [d.id for d in expected]


def test_sort_by_modified_with_text(engine: SearchEngine) -> None:
    assert ids(search(engine, "公交", sort="modified")) == ["a", "b", "e"]


def test_unknown_sort_falls_back_to_relevance(engine: SearchEngine) -> None:
    result = search(engine, "雨量", sort="popularity")
    assert ids(result) == ["f", "g"]
    assert result.notice == "unknown-sort"


# -- highlights ---------------------------------------------------------------------------


def test_highlights_mark_terms_and_escape_html(engine: SearchEngine) -> None:
    (hit,) = search(engine, "北海 公交").hits
    title = hit.highlights["title"]
    assert "<script>" not in title
    assert title.startswith("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;")
    assert "<mark>北海</mark>市<mark>公交</mark>线路" in title
    assert hit.highlights["description"] == (
        "<mark>北海</mark> &amp; <mark>公交</mark> &lt;b&gt;数据&lt;/b&gt;"
    )


def test_description_snippet_is_cut_around_the_match(engine: SearchEngine) -> None:
    (hit, _) = search(engine, "雨量").hits
    snippet = hit.highlights["description"]
    assert "<mark>雨量</mark>" in snippet
    assert snippet.startswith("…")
    visible = snippet.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert len(visible) == SNIPPET_CHARS


def test_highlight_marks_latin_terms_as_whole_words_only() -> None:
    assert highlight("COVID-19 数据 2019", ["19"]) == "COVID-<mark>19</mark> 数据 2019"
    assert highlight("a<b", []) == "a&lt;b"


# -- writes -------------------------------------------------------------------------------


def test_upsert_replaces_without_duplicates(engine: SearchEngine) -> None:
    engine.add([doc("b", "柳州市地铁线路信息", formats=("JSON",))])
    assert engine.count() == len(CATALOG)
    assert ids(search(engine, "地铁")) == ["b"]
    assert "b" not in ids(search(engine, "公交"))
    assert search(engine, filters={"format": ["JSON"]}).total == 3


def test_duplicate_ids_in_one_batch_keep_the_last(tmp_path: Path) -> None:
    engine = open_engine("whoosh", str(tmp_path / "index"))
    engine.add([doc("x", "第一版"), doc("x", "第二版")])
    assert engine.count() == 1
    assert ids(search(engine, "第二版")) == ["x"]
    assert engine.rebuild([doc("y", "甲"), doc("y", "乙"), doc("z", "丙")]) == 2
    assert engine.count() == 2
    assert ids(search(engine, "乙")) == ["y"]
    assert search(engine, "甲").total == 0
    engine.close()


def test_remove(engine: SearchEngine) -> None:
    engine.remove(["a", "unknown-id"])
    assert engine.count() == len(CATALOG) - 1
    assert "a" not in ids(search(engine, "公交"))
    assert search(engine).facets["division"][0] == ("450100", 1)


def test_rebuild_replaces_everything(engine: SearchEngine) -> None:
    assert engine.rebuild([doc("z", "贺州市旅游景区名录")]) == 1
    assert engine.count() == 1
    assert ids(search(engine)) == ["z"]
    assert search(engine, "公交").total == 0


def test_many_small_commits_with_merges_stay_consistent(engine: SearchEngine) -> None:
    for number in range(25):
        engine.add([doc(f"s{number}", f"贺州市养老机构{number}", formats=("CSV",))])
        if number % 5 == 4:
            engine.remove([f"s{number - 2}"])
        assert search(engine, "养老").total == number + 1 - (number + 1) // 5
    engine.add([doc("s0", "贺州市殡葬服务机构")])  # replaces a document of an old segment
    result = search(engine, "养老", per_page=100)
    assert result.total == 19 and "s0" not in ids(result)
    assert result.facets["format"] == [("CSV", 19)]
    assert engine.count() == len(CATALOG) + 20
    engine.close()
    assert engine.count() == len(CATALOG) + 20  # reopens after close


def test_a_second_engine_sees_commits(engine: SearchEngine, tmp_path: Path) -> None:
    other = open_engine("whoosh", str(tmp_path / "index"))
    assert other.count() == len(CATALOG)
    engine.add([doc("new", "来宾市养老机构名录")])
    assert ids(other.search(SearchQuery(text="养老"))) == ["new"]
    other.close()


def test_busy_index_raises_a_typed_error(tmp_path: Path) -> None:
    path = str(tmp_path / "index")
    engine = open_engine("whoosh", path, write_timeout=0.2)
    holder = FileStorage(path).open_index(indexname=INDEX_NAME).writer()
    try:
        with pytest.raises(SearchIndexBusy):
            engine.add([doc("x", "标题")])
    finally:
        holder.cancel()
    engine.add([doc("x", "标题")])
    assert engine.count() == 1
    engine.close()


def test_concurrent_add_and_search(tmp_path: Path) -> None:
    engine = open_engine("whoosh", str(tmp_path / "index"))
    engine.add(CATALOG)
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            for batch in range(15):
                engine.add([doc(f"w{batch}-{n}", f"玉林市公交站点{batch}") for n in range(5)])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            done.set()

    def reader() -> None:
        try:
            while not done.is_set():
                result = engine.search(SearchQuery(text="公交", per_page=5))
                assert result.total >= 3
                assert len({hit.id for hit in result.hits}) == len(result.hits)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert engine.count() == len(CATALOG) + 75
    assert search(engine, "玉林").total == 75
    engine.close()


# -- odd queries never raise --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["!!!", "，。、？", "AND OR NOT (((", "*", '"公交', '""', "OR", "-", "NOT NOT",
     "x" * 10_000, "公交" * 5_000, "\x00\x01", "𠀀𠀁", "((公交))", "公交 OR", "a:b title:公交",
     "<script>", "%s %d {0}", "\\", "南宁 " * 100],
)  # fmt: skip
def test_odd_queries_never_raise(engine: SearchEngine, text: str) -> None:
    result = search(engine, text, page=2, per_page=3)
    assert result.total >= 0
    assert result.notice is None or result.notice in NOTICES


@pytest.mark.parametrize(
    ("text", "notice", "total"),
    [
        ("AND OR NOT (((", "query-unparsable", 0),
        ("!!! ，。", "query-unparsable", 0),
        ("*", "query-unparsable", 0),
        ("x" * 10_000, "query-too-long", 0),
        ('"公交', "query-adjusted", 3),
        ("公交 OR", "query-adjusted", 3),
        ("((公交))", None, 3),
        ('"南宁 公交"', None, 1),
    ],
)
def test_odd_queries_are_adjusted_with_a_notice(
    engine: SearchEngine, text: str, notice: str | None, total: int
) -> None:
    result = search(engine, text)
    assert (result.notice, result.total) == (notice, total)


def test_long_query_is_cut_and_still_searched(engine: SearchEngine) -> None:
    result = search(engine, "公交" + " " * 10_000 + "柳州")
    assert result.notice == "query-too-long"
    assert result.total == 3  # 柳州 was cut off


def test_weird_query_values_are_adjusted(engine: SearchEngine) -> None:
    query = SearchQuery(text="公交", page="x", per_page=None, facets=("bogus",))  # type: ignore[arg-type]
    result = engine.search(query)
    assert result.total == 3 and result.page == 1 and result.facets == {}
    assert result.query is query


# -- opening the index --------------------------------------------------------------------


def test_open_creates_the_directory_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "index"
    engine = open_engine("whoosh", str(path))
    engine.add(CATALOG[:2])
    engine.close()
    reopened = open_engine("whoosh", str(path))
    assert reopened.count() == 2
    reopened.close()
    assert open_engine("whoosh", str(path), recreate=True).count() == 0


def test_open_refuses_what_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an index")
    with pytest.raises(SearchIndexCorrupt):
        open_engine("whoosh", str(tmp_path))
    with pytest.raises(SearchIndexError):
        open_engine("whoosh", str(tmp_path / "notes.txt"))
    with pytest.raises(SearchIndexError):
        open_engine("elasticsearch", str(tmp_path / "other"))


def test_open_reports_a_corrupt_index(tmp_path: Path) -> None:
    path = tmp_path / "index"
    open_engine("whoosh", str(path)).close()
    for toc in path.glob("*.toc"):
        toc.write_bytes(b"garbage")
    with pytest.raises(SearchIndexCorrupt):
        open_engine("whoosh", str(path))


def test_open_reports_an_outdated_schema(tmp_path: Path) -> None:
    path = tmp_path / "index"
    path.mkdir()
    old = whoosh_fields.Schema(id=whoosh_fields.ID(unique=True, stored=True))
    FileStorage(str(path)).create_index(old, indexname=INDEX_NAME)
    with pytest.raises(SearchSchemaOutdated):
        open_engine("whoosh", str(path))
    assert open_engine("whoosh", str(path), recreate=True).count() == 0


def test_an_index_segmented_by_another_segmenter_is_outdated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index"
    monkeypatch.setattr(chinese, "SEGMENTER", "jieba")  # the Python jieba, before jieba-rs
    open_engine("whoosh", str(path)).close()
    monkeypatch.undo()
    with pytest.raises(SearchSchemaOutdated):
        open_engine("whoosh", str(path))


def test_segmentation_splits_latin_runs_as_jieba_does() -> None:
    words = [w for w, _, _ in chinese.segment("2020-05-15 JG数据_0.csv(km2)", "default")]
    assert words == [
        "2020", "-", "05", "-", "15", " ", "JG", "数据", "_", "0", ".", "csv", "(", "km2", ")"
    ]  # fmt: skip


def test_open_reports_a_schema_pickled_from_vanished_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType("vanished_analysis")
    exec("from whoosh.analysis import Tokenizer\nclass Gone(Tokenizer):\n    pass", module.__dict__)
    monkeypatch.setitem(sys.modules, "vanished_analysis", module)
    module.Gone.__module__ = "vanished_analysis"
    schema = whoosh_fields.Schema(text=whoosh_fields.TEXT(analyzer=module.Gone()))
    path = tmp_path / "index"
    path.mkdir()
    FileStorage(str(path)).create_index(schema, indexname=INDEX_NAME)
    monkeypatch.delitem(sys.modules, "vanished_analysis")
    with pytest.raises(SearchSchemaOutdated):
        open_engine("whoosh", str(path))


# -- analysis -----------------------------------------------------------------------------


def test_tokenizer_gives_positions_and_character_offsets() -> None:
    text = "南宁市公交车"
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in JiebaTokenizer()(text, positions=True, chars=True)
    ]
    assert ("公交", tokens[[t[0] for t in tokens].index("公交")][1], 3, 5) in tokens
    assert all(text[start:end] == word for word, _, start, end in tokens)
    assert [pos for _, pos, _, _ in tokens] == list(range(len(tokens)))


def test_analyzer_drops_punctuation_and_stop_words_and_lowercases() -> None:
    terms = [t.text for t in chinese_analyzer()("住房和城乡建设局，COVID-19！")]
    assert "和" not in terms and "，" not in terms and "！" not in terms
    assert "covid" in terms and "19" in terms
    assert {"住房", "城乡", "建设局"} <= set(terms)


def test_query_terms_use_the_precise_cut_and_drop_lone_characters() -> None:
    assert query_terms("南宁市公交车站点") == ["南宁市", "公交车站"]
    assert query_terms("雨") == ["雨"]


def test_jieba_is_quiet() -> None:
    code = "from catalog.search.chinese import query_terms; query_terms('南宁公交')"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1]
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout == ""


def test_fast_array_reading_agrees_with_the_public_api(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine.add([doc("b", "柳州市公交线路信息（新）", formats=("CSV",))])  # a deletion
    queries = [SearchQuery(), SearchQuery(text="公交"), SearchQuery(text="南宁 数据"),
               SearchQuery(text="雨量", filters={"format": ["CSV"]})]  # fmt: skip
    fast = [engine.search(query) for query in queries]
    monkeypatch.setattr(whoosh_arrays, "_FAST_PATHS", False)
    slow_engine = open_engine("whoosh", str(tmp_path / "index"), cached_postings=0)
    slow = [slow_engine.search(query) for query in queries]
    slow_engine.close()
    for fast_result, slow_result in zip(fast, slow, strict=True):
        assert fast_result.total == slow_result.total
        assert fast_result.facets == slow_result.facets
        assert ids(fast_result) == ids(slow_result)
        assert [h.score for h in fast_result.hits] == pytest.approx(
            [h.score for h in slow_result.hits]
        )


def test_a_recreated_index_forgets_the_old_change_log_position(tmp_path):
    """A corrupt or outdated index is recreated empty: its old position file must not make
    the new one look caught up (which would skip the rebuild from the database)."""
    path = str(tmp_path / "index")
    engine = open_engine("whoosh", path)
    engine.set_position(42)
    assert engine.position() is not None
    engine.close()
    recreated = open_engine("whoosh", path, recreate=True)
    assert recreated.position() is None
    recreated.close()
