"""The metadata steps of the enrichment pipeline, one function each.

- ``format``: a distribution's format and media type, from its file name, URL, media type
  or content (sniffing); the rule names the evidence or the signature.
- ``category``: the high-value category, from the topic (topics.ttl), then the department
  name, then the title (category_rules.ttl); the rule names the mapping or the keyword.
- ``spatial``: the spatial coverage, from the division named in the department name or the
  title; the rule names the division.
- ``keywords``: from the title and description with jieba's TF-IDF, top five.
- ``file-facts``: byte size, sha256 and row count of stored files (rows from the validation
  report), and the dataset's record count from its largest table.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import PurePosixPath

from sqlalchemy.orm import Session

from catalog.errors import NotFound
from catalog.models import Dataset, Distribution
from catalog.quality.enrichment.pipeline import EnrichContext, Inference, Recorded
from catalog.quality.enrichment.sniff import sniff
from catalog.quality.validate import is_stale, report_for, validate_distribution
from catalog.quality.validation import is_tabular
from vocab import category_rules, divisions, formats, topics
from vocab.skos import Concept

KEYWORD_COUNT = 5
# Words too general to help anyone find a dataset of this catalog.
KEYWORD_STOP_WORDS = frozenset(
    "数据 信息 情况 名单 名录 目录 列表 公开 相关 广西 广西壮族自治区 自治区 我区 全区 一览表 "
    "统计表 汇总表 基本 有关 以及 包括 主要 内容 提供 部门 单位 工作 进行 我市 全市".split()
)


def infer_formats(
    session: Session, dataset: Dataset, context: EnrichContext, recorded: Recorded
) -> list[Inference]:
    found: list[Inference] = []
    for distribution in dataset.distributions:
        found.extend(_format_of(distribution, context))
        fmt = formats.format_for(distribution.format) if distribution.format else None
        if fmt is not None and fmt.media_type and not distribution.media_type:
            found.append(
                Inference(
                    "media_type",
                    fmt.media_type,
                    source=f"format: {fmt.notation}",
                    rule="media-type-of-format:",
                    distribution=distribution,
                )
            )
    return found


def _format_of(distribution: Distribution, context: EnrichContext) -> list[Inference]:
    declared = distribution.format
    known = formats.format_for(declared) if declared else None
    if known is not None and known.notation != declared:  # "xlsx", "Excel XLSX" → "XLSX"
        return [
            Inference(
                "format",
                known.notation,
                source=f"given-format: {declared}",
                rule="format-notation:",
                distribution=distribution,
                replaces=True,
            )
        ]
    if distribution.stored_file and context.store.exists(distribution.stored_file):
        sniffed = sniff(context.store.path(distribution.stored_file), declared)
        if sniffed is not None and sniffed.format != declared:
            if known is None or (sniffed.certain and _other_family(declared, sniffed.format)):
                return [
                    Inference(
                        "format",
                        sniffed.format,
                        source=f"content: {sniffed.evidence}",
                        rule="content-sniffing:",
                        distribution=distribution,
                        replaces=known is not None,
                    )
                ]
    if known is not None:
        return []
    for label, candidate in (
        ("file-name", distribution.file_name),
        ("download-url", _url_name(distribution.download_url)),
        ("media-type", distribution.media_type),
        ("title", distribution.title),
    ):
        fmt = formats.format_for(candidate) if candidate else None
        if fmt is not None:
            return [
                Inference(
                    "format",
                    fmt.notation,
                    source=f"{label}: {candidate}",
                    rule="format-vocabulary:",
                    distribution=distribution,
                    replaces=bool(declared),
                )
            ]
    return []


def _other_family(declared: str | None, sniffed: str) -> bool:
    """Whether the content contradicts the given format (CSV given, TSV sniffed is no news)."""
    same = ({"CSV", "TSV", "TXT"}, {"XML", "RDF_XML"}, {"JSON", "GEOJSON", "JSON_LD"})
    return not any(declared in family and sniffed in family for family in same)


def _url_name(url: str | None) -> str | None:
    if not url:
        return None
    return PurePosixPath(url.split("?", 1)[0]).name or None


def infer_category(
    session: Session, dataset: Dataset, context: EnrichContext, recorded: Recorded
) -> list[Inference]:
    if not recorded.may_set(dataset, "category"):
        return []
    if dataset.topic:
        category = topics.category_for_topic(dataset.topic)
        if category:
            return [
                Inference(
                    "category",
                    category,
                    source=f"topic: {dataset.topic}",
                    rule=f"topic-mapping: topics.ttl {dataset.topic} → {category}",
                )
            ]
    texts = (
        ("department", "department", dataset.department.name if dataset.department else None),
        ("title", "title", dataset.title),
    )
    for kind, label, text in texts:
        match = category_rules.match(text, kind) if text else None
        if match is not None:
            return [
                Inference(
                    "category",
                    match.category,
                    source=f"{label}: {text}",
                    rule=f"category-keyword: category_rules.ttl {match.notation} “{match.keyword}”",
                )
            ]
    return []


def infer_spatial(
    session: Session, dataset: Dataset, context: EnrichContext, recorded: Recorded
) -> list[Inference]:
    """Fill a missing coverage; refine one the pipeline inferred when the title is narrower."""
    department = dataset.department
    if not recorded.may_set(dataset, "spatial"):
        return []
    current = divisions.division(dataset.spatial) if dataset.spatial else None
    titled = divisions.division_for_text(dataset.title)
    if current is not None:
        if titled is not None and _narrower(titled, current):
            return [_spatial(titled.notation, f"title: {dataset.title}", titled.label("zh"))]
        return []
    named = divisions.division_for_text(department.name) if department else None
    if named is not None and titled is not None and _narrower(titled, named):
        return [_spatial(titled.notation, f"title: {dataset.title}", titled.label("zh"))]
    if named is not None:
        assert department is not None
        return [_spatial(named.notation, f"department: {department.name}", named.label("zh"))]
    if titled is not None:
        return [_spatial(titled.notation, f"title: {dataset.title}", titled.label("zh"))]
    if department is not None and department.division:
        return [
            Inference(
                "spatial",
                department.division,
                source=f"department: {department.name}",
                rule="department-division:",
            )
        ]
    return []


def _narrower(inner: Concept, outer: Concept) -> bool:
    """Whether ``inner`` lies strictly inside ``outer`` (a county in its city, a city in
    the region)."""
    if divisions.level(inner) <= divisions.level(outer):
        return False
    if divisions.level(outer) == 1:
        return True
    return divisions.city_of(inner).notation == outer.notation


def _spatial(code: str, source: str, name: str) -> Inference:
    return Inference("spatial", code, source=source, rule=f"division-named: {name} ({code})")


def infer_keywords(
    session: Session, dataset: Dataset, context: EnrichContext, recorded: Recorded
) -> list[Inference]:
    if not recorded.may_set(dataset, "keywords"):
        return []
    # Imported here: jieba's dictionary, part-of-speech and IDF tables take about 180 MB,
    # which only the process that enriches needs (not the portal's web workers nor a harvest).
    import jieba.analyse  # noqa: PLC0415

    jieba.setLogLevel(logging.WARNING)  # its dictionary loads with log lines on stderr

    text = f"{dataset.title}。{dataset.title}。{dataset.description or ''}"
    words = [
        word
        for word in jieba.analyse.extract_tags(text, topK=KEYWORD_COUNT * 3)
        if len(word) > 1 and word not in KEYWORD_STOP_WORDS and not word.isdigit()
    ][:KEYWORD_COUNT]
    if not words:
        return []
    return [
        Inference(
            "keywords",
            words,
            source="title-description:",
            rule=f"jieba-tfidf: {KEYWORD_COUNT}",
        )
    ]


def file_facts(
    session: Session, dataset: Dataset, context: EnrichContext, recorded: Recorded
) -> list[Inference]:
    """Byte size and sha256 of stored files, and the row count of stored tables."""
    found: list[Inference] = []
    largest: tuple[int, Distribution] | None = None
    for distribution in dataset.distributions:
        if not distribution.stored_file:
            continue
        try:
            path = context.store.path(distribution.stored_file)
        except NotFound:
            continue
        measured = "stored-file:"
        if distribution.byte_size is None:
            found.append(
                Inference("byte_size", path.stat().st_size, measured, "measured:", distribution)
            )
        if not distribution.sha256:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found.append(Inference("sha256", digest, measured, "computed:", distribution))
        rows = _rows(session, distribution, context)
        if rows is not None:
            found.append(
                Inference(
                    "row_count",
                    rows,
                    source="validation-report:",
                    rule="validator-rows:",
                    distribution=distribution,
                    record_only=True,
                )
            )
            if largest is None or rows > largest[0]:
                largest = (rows, distribution)
    if largest is not None and recorded.may_set(dataset, "record_count"):
        rows, distribution = largest
        found.append(
            Inference(
                "record_count",
                rows,
                source=f"table: {distribution.title}",
                rule="largest-table:",
            )
        )
    return found


def _rows(session: Session, distribution: Distribution, context: EnrichContext) -> int | None:
    if not is_tabular(distribution.format):
        return None
    report = report_for(session, distribution.id)
    if is_stale(report, distribution):
        report = validate_distribution(session, context.store, distribution, context.limits)
    if report is None or report.problem:
        return None
    rows = report.stats.get("rows")
    return int(rows) if isinstance(rows, int) else None
