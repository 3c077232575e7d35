"""Benchmark of the whoosh search engine on synthetic Guangxi catalogs.

Builds catalogs of realistic Chinese datasets (titles composed from the 14 prefecture cities,
~150 departments and their usual data subjects, years 2015-2024; descriptions of 1-3
sentences; random facet values), indexes each in a temporary directory and measures build
time, index size, query latency (one- and two-word Chinese queries, a quarter with a facet
filter, all with counts for the six facet fields) and memory. Each size runs in its own
process so that peak RSS belongs to that size alone.

    .venv/bin/python -m benchmarks.search --sizes 10000,100000 --queries 200
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from catalog.search import FACET_FIELDS, SearchDocument, SearchEngine, SearchQuery, open_engine

CITIES = {
    "南宁市": "450100", "柳州市": "450200", "桂林市": "450300", "梧州市": "450400",
    "北海市": "450500", "防城港市": "450600", "钦州市": "450700", "贵港市": "450800",
    "玉林市": "450900", "百色市": "451000", "贺州市": "451100", "河池市": "451200",
    "来宾市": "451300", "崇左市": "451400",
}  # fmt: skip
REGION = ("广西壮族自治区", "450000")

# department -> (category, subjects it publishes)
DEPARTMENTS: dict[str, tuple[str | None, list[str]]] = {
    "交通运输局": ("transport", [
        "公交车站点信息", "公交线路信息", "道路运输经营许可", "出租汽车企业名录",
        "客运站基本信息", "公路里程统计", "机动车维修企业名录"]),
    "生态环境局": ("environment", [
        "空气质量监测数据", "排污许可", "环境影响评价审批结果", "地表水水质监测数据",
        "重点排污单位名录", "噪声监测数据"]),
    "市场监督管理局": ("economy", [
        "企业登记信息", "行政处罚信息", "食品经营许可", "特种设备使用登记",
        "个体工商户登记信息", "药品零售企业名录"]),
    "气象局": ("meteorology", [
        "24小时雨量", "气象灾害预警信息", "逐日气温数据", "台风路径数据", "自动气象站观测数据"]),
    "卫生健康委员会": ("health", [
        "医疗机构名录", "执业医师注册信息", "疫苗接种点信息", "医疗卫生机构床位数",
        "二级以上医院名录"]),
    "财政局": ("finance", [
        "财政预算公开", "政府采购信息", "非税收入项目目录", "一般公共预算收支情况"]),
    "住房和城乡建设局": ("housing", [
        "建筑施工许可", "商品房预售许可", "房地产开发企业资质", "保障性住房信息",
        "物业服务企业名录"]),
    "公安局": ("public-security", [
        "户籍人口统计", "交通违法处罚信息", "机动车保有量", "出入境办证网点"]),
    "教育局": ("education", [
        "学校名录", "幼儿园名录", "中小学招生计划", "民办学校办学许可", "校外培训机构名录"]),
    "民政局": ("social", [
        "养老机构名录", "社会组织登记信息", "婚姻登记机关信息", "最低生活保障统计",
        "殡葬服务机构"]),
    "人力资源和社会保障局": ("social", [
        "职业技能培训机构", "社会保险参保人数", "人力资源服务机构名录", "最低工资标准"]),
    "自然资源局": (None, [
        "国有建设用地供应", "不动产登记机构", "地质灾害隐患点", "矿业权审批信息"]),
    "农业农村局": ("economy", [
        "农产品质量安全检测", "农业合作社名录", "农机购置补贴", "动物防疫信息"]),
    "文化广电和旅游局": (None, [
        "A级旅游景区名录", "星级饭店名录", "文物保护单位", "旅行社名录"]),
    "统计局": ("economy", [
        "地区生产总值", "居民消费价格指数", "规模以上工业增加值", "常住人口统计"]),
}  # fmt: skip
REGION_DEPARTMENTS = ["生态环境厅", "交通运输厅", "教育厅", "卫生健康委员会", "财政厅",
                      "市场监督管理局", "气象局", "住房和城乡建设厅", "公安厅",
                      "民政厅"]  # fmt: skip
CATEGORY_OF_REGION = {"生态环境厅": "environment", "交通运输厅": "transport",
                      "教育厅": "education", "卫生健康委员会": "health", "财政厅": "finance",
                      "市场监督管理局": "economy", "气象局": "meteorology",
                      "住房和城乡建设厅": "housing", "公安厅": "public-security",
                      "民政厅": "social"}  # fmt: skip
FORMATS = ["CSV", "XLS", "XLSX", "JSON", "XML", "RDF", "PDF"]
FREQUENCIES = ["realtime", "daily", "weekly", "monthly", "quarterly", "semiannual", "annual",
               "irregular"]  # fmt: skip
FREQUENCY_WORDS = {"realtime": "实时", "daily": "每日", "weekly": "每周", "monthly": "每月",
                   "quarterly": "每季度", "semiannual": "每半年", "annual": "每年",
                   "irregular": "不定期"}  # fmt: skip
COUNTIES = ["青秀区", "兴宁区", "城中区", "鱼峰区", "秀峰区", "象山区", "万秀区", "海城区",
            "港口区", "钦南区", "港北区", "玉州区", "右江区", "八步区", "金城江区", "兴宾区",
            "江州区", "武鸣区", "阳朔县", "北流市"]  # fmt: skip
FIELDS = ["名称", "地址", "经纬度", "联系电话", "许可证号", "有效期", "统一社会信用代码",
          "负责人", "监测时间", "监测值", "行政区划", "更新时间"]  # fmt: skip
USES = ["公众出行查询", "企业信用评价", "环境质量分析", "城市规划研究", "防灾减灾决策",
        "公共服务设施布局", "学术研究", "政务服务便民应用"]  # fmt: skip

QUERY_WORDS = ["公交", "空气质量", "雨量", "企业", "许可", "学校", "医疗机构", "行政处罚",
               "排污", "养老", "预算", "气温", "台风", "旅游", "人口", "招生", "食品", "不动产",
               "监测", "名录", "施工", "道路运输", "幼儿园", "社会组织", "公交车"]  # fmt: skip
QUERY_PLACES = ["南宁", "柳州", "桂林", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色",
                "贺州", "河池", "来宾", "崇左", "2019", "2023", "广西"]  # fmt: skip


def _departments(rng: random.Random) -> list[tuple[str, str, str, str | None, list[str]]]:
    """~150 departments: (name, slug, division, category, subjects)."""
    found = []
    bases = list(DEPARTMENTS)
    for number, (city, code) in enumerate(CITIES.items()):
        for base in rng.sample(bases, 10):
            category, subjects = DEPARTMENTS[base]
            found.append((city + base, f"d{number:02d}-{bases.index(base):02d}", code, category,
                          subjects))  # fmt: skip
    for base in REGION_DEPARTMENTS:
        subjects = next(
            (s for b, (c, s) in DEPARTMENTS.items() if c == CATEGORY_OF_REGION[base]), []
        )
        found.append((REGION[0] + base, f"gx-{len(found)}", REGION[1],
                      CATEGORY_OF_REGION[base], subjects))  # fmt: skip
    return found


def _description(rng: random.Random, place: str, subject: str, department: str,
                 frequency: str | None) -> str:  # fmt: skip
    fields = "、".join(rng.sample(FIELDS, rng.randint(2, 4)))
    sentences = [f"本数据集包含{place}{subject}的{fields}等信息，数据来源于{department}。"]
    if frequency and rng.random() < 0.7:
        word = FREQUENCY_WORDS[frequency]
        sentences.append(f"数据{word}更新，覆盖{place}{rng.choice(COUNTIES)}等各县（市、区）。")
    if rng.random() < 0.5:
        sentences.append(f"可用于{rng.choice(USES)}等场景。")
    return "".join(sentences)


def synthetic_catalog(size: int, seed: int = 42) -> Iterator[SearchDocument]:
    rng = random.Random(seed)
    departments = _departments(rng)
    start = datetime(2015, 1, 1)
    for _ in range(size):
        name, slug, division, category, subjects = rng.choice(departments)
        place = name[:3] if name[2] == "市" else name[:4] if name[3] == "市" else "广西"
        subject = rng.choice(subjects)
        year = rng.randint(2015, 2024)
        title = rng.choice([
            f"{name}{subject}", f"{place}{subject}（{year}年）", f"{year}年{place}{subject}",
            f"{place}{subject}", f"{name}{year}年度{subject}",
        ])  # fmt: skip
        frequency = rng.choice(FREQUENCIES) if rng.random() < 0.9 else None
        formats = tuple(rng.sample(FORMATS, rng.randint(1, 3)))
        modified = None if rng.random() < 0.03 else start + timedelta(days=rng.randint(0, 3650))
        yield SearchDocument(
            id=str(uuid.UUID(int=rng.getrandbits(128))),
            title=title,
            description=_description(rng, place, subject, name, frequency),
            keywords=(place, subject[:4], str(year)),
            department=name,
            department_slug=slug,
            category=category if rng.random() < 0.9 else None,
            division=division,
            formats=formats,
            open_type="unconditional" if rng.random() < 0.75 else "conditional",
            frequency=frequency,
            distribution_titles=tuple(f"{title}.{fmt.lower()}" for fmt in formats),
            modified=modified,
            downloads=int(rng.paretovariate(1.2) * 10),
        )


def query_set(count: int, seed: int = 7) -> list[SearchQuery]:
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        word = rng.choice(QUERY_WORDS)
        text = word if rng.random() < 0.5 else f"{rng.choice(QUERY_PLACES)} {word}"
        filters: dict[str, list[str]] = {}
        if rng.random() < 0.25:
            name, values = rng.choice([
                ("format", ["CSV"]), ("open_type", ["unconditional"]),
                ("division", [rng.choice(list(CITIES.values()))]),
                ("category", ["transport", "environment"]), ("frequency", ["annual"]),
            ])  # fmt: skip
            filters[name] = values
        queries.append(SearchQuery(text=text, filters=filters, facets=FACET_FIELDS))
    return queries


def _directory_size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)  # fmt: skip


def _latencies(engine: SearchEngine, queries: list[SearchQuery]) -> list[float]:
    timings = []
    for query in queries:
        started = time.perf_counter()
        engine.search(query)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _after_writes(engine: SearchEngine, size: int, queries: list[SearchQuery]) -> list[float]:
    """Latency of the first search after each of 20 one-dataset upserts (the portal's edits):
    it includes opening the new index generation."""
    timings = []
    edited = itertools.islice(synthetic_catalog(size), 20)
    for doc, query in zip(edited, itertools.cycle(queries), strict=False):
        engine.add([dataclasses.replace(doc, title=doc.title + "（更新）")])
        started = time.perf_counter()
        engine.search(query)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _query_memory(engine: SearchEngine) -> float:
    """tracemalloc peak (MB) of two queries, one of them matching most datasets."""
    tracemalloc.start()
    engine.search(SearchQuery(text="南宁 公交"))
    engine.search(SearchQuery(text="数据"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def measure(size: int, query_count: int) -> dict[str, float]:
    """Build one catalog and measure it (runs in a child process)."""
    queries = query_set(query_count)
    directory = tempfile.mkdtemp(prefix="gxsearch-bench-")
    path = os.path.join(directory, "index")
    try:
        engine = open_engine("whoosh", path)
        started = time.perf_counter()
        engine.rebuild(synthetic_catalog(size))
        row = {"size": size, "build_s": time.perf_counter() - started}
        row["index_mb"] = _directory_size(directory) / 2**20
        started = time.perf_counter()
        engine.search(SearchQuery())  # opens the searcher and reads the segment arrays
        row["first_ms"] = (time.perf_counter() - started) * 1000
        uncached = open_engine("whoosh", path, cached_postings=0)
        uncached.search(SearchQuery())
        cold = _latencies(uncached, queries)
        uncached.close()
        first_pass = _latencies(engine, queries)
        warm = _latencies(engine, queries)
        row.update(
            cold_p50=statistics.median(cold),
            cold_p95=_percentile(cold, 0.95),
            first_pass_p95=_percentile(first_pass, 0.95),
            warm_p50=statistics.median(warm),
            warm_p95=_percentile(warm, 0.95),
            after_write_p50=statistics.median(_after_writes(engine, size, queries)),
            traced_query_mb=_query_memory(engine),
            max_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        )
        engine.close()
        return row
    finally:
        shutil.rmtree(directory, ignore_errors=True)


COLUMNS = [
    ("size", "datasets", "{:,.0f}"),
    ("build_s", "build s", "{:.1f}"),
    ("index_mb", "index MB", "{:.1f}"),
    ("first_ms", "open ms", "{:.0f}"),
    ("cold_p50", "p50 ms (no cache)", "{:.1f}"),
    ("cold_p95", "p95 ms (no cache)", "{:.1f}"),
    ("first_pass_p95", "p95 ms (1st pass)", "{:.1f}"),
    ("warm_p50", "p50 ms (warm)", "{:.1f}"),
    ("warm_p95", "p95 ms (warm)", "{:.1f}"),
    ("after_write_p50", "p50 ms after write", "{:.0f}"),
    ("traced_query_mb", "query peak MB", "{:.1f}"),
    ("max_rss_mb", "max RSS MB", "{:.0f}"),
]


def print_table(rows: list[dict[str, float]]) -> None:
    cells = [[fmt.format(row[key]) for key, _, fmt in COLUMNS] for row in rows]
    widths = [max(len(title), *(len(line[i]) for line in cells))
              for i, (_, title, _) in enumerate(COLUMNS)]  # fmt: skip
    titles = [title for _, title, _ in COLUMNS]
    print("  ".join(title.rjust(width) for title, width in zip(titles, widths, strict=True)))
    for line in cells:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated catalog sizes")
    parser.add_argument("--queries", type=int, default=200, help="queries per measurement")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    rows = []
    context = multiprocessing.get_context("spawn")
    for size in sizes:
        with context.Pool(1) as pool:
            row = pool.apply(measure, (size, args.queries))
        rows.append(row)
        print(f"measured {size:,} datasets", flush=True)
    print()
    print_table(rows)
    print()
    print(f"{args.queries} queries: one or two Chinese words, ~25% with a facet filter, counts for "
          f"all {len(FACET_FIELDS)} facet fields. 'no cache': posting cache off; '1st pass': "
          "cache filling; 'warm': same queries again; 'after write': first search after a "
          "one-dataset upsert (opens the new index generation). 'query peak MB': tracemalloc "
          "peak of two queries; 'max RSS': whole child process.")  # fmt: skip


if __name__ == "__main__":
    main()
