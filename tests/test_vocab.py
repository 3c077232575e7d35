"""Tests of vocab/: every SKOS file, the generic loader and each vocabulary's lookups."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.resources import files
from types import ModuleType

import pytest
from rdflib import Graph, Literal, URIRef

from catalog.drafts import DatasetDraft
from vocab import (
    catalog_headers,
    categories,
    category_rules,
    delivery_channels,
    divisions,
    formats,
    frequencies,
    licences,
    open_types,
    sensitivity,
    share_types,
    topics,
)
from vocab.namespaces import (
    DCAT,
    EU_ACCESS_RIGHT,
    EU_DATA_THEME,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    GXV,
    HVD_CATEGORY,
    IANA_MEDIA,
    RDF,
    RDFS,
    SKOS,
    VOCAB_SENTINEL_BASE,
    gx_namespace,
)
from vocab.skos import Concept, ConceptScheme, VocabularyError, normalise_label

BASE = "https://data.gxzf.gov.cn"
VOCABULARIES: dict[str, ModuleType] = {
    "categories.ttl": categories,
    "open_types.ttl": open_types,
    "share_types.ttl": share_types,
    "sensitivity.ttl": sensitivity,
    "frequencies.ttl": frequencies,
    "delivery_channels.ttl": delivery_channels,
    "formats.ttl": formats,
    "divisions.ttl": divisions,
    "topics.ttl": topics,
    "licences.ttl": licences,
    "category_rules.ttl": category_rules,
    "catalog_headers.ttl": catalog_headers,
}
# Codes stored in the database: renaming one is a migration, so these lists are pinned.
STORED_NOTATIONS = {
    categories: [
        "enterprise",
        "finance-tax",
        "population",
        "geospatial",
        "health",
        "statistics",
        "social-credit",
        "transport",
        "energy-environment",
        "meteorology",
    ],
    open_types: ["unconditional", "conditional", "closed"],
    share_types: ["unconditional", "conditional", "not-shared"],
    sensitivity: ["public", "internal", "sensitive", "important"],
    frequencies: [
        "realtime",
        "daily",
        "weekly",
        "monthly",
        "quarterly",
        "semiannual",
        "annual",
        "irregular",
    ],
    delivery_channels: ["download", "api", "sandbox", "verification", "offline"],
}


def data_text(filename: str) -> str:
    return files("vocab").joinpath("data", filename).read_text(encoding="utf-8")


def data_graph(filename: str) -> Graph:
    graph = Graph()
    graph.parse(data=data_text(filename), format="turtle", publicID=VOCAB_SENTINEL_BASE)
    return graph


# --- the files themselves -------------------------------------------------------------------


def test_every_data_file_has_a_module() -> None:
    on_disk = {p.name for p in files("vocab").joinpath("data").iterdir() if p.name.endswith(".ttl")}
    assert on_disk == set(VOCABULARIES)


@pytest.mark.parametrize("filename", sorted(VOCABULARIES))
def test_file_is_skos_with_relative_iris(filename: str) -> None:
    text = data_text(filename)
    assert not re.search(r"(?im)^\s*@?base\s*<", text), "no base directive: IRIs stay relative"
    assert "gxdata.invalid" not in text
    graph = data_graph(filename)
    schemes = list(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 1
    assert str(schemes[0]).startswith(VOCAB_SENTINEL_BASE)
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert concepts == set(graph.subjects(SKOS.inScheme, schemes[0]))
    for concept in concepts:
        assert str(concept).startswith(VOCAB_SENTINEL_BASE), concept
        labels = graph.objects(concept, SKOS.prefLabel)
        langs = {label.language for label in labels if isinstance(label, Literal)}
        assert {"zh", "en"} <= langs, concept
        assert len(list(graph.objects(concept, SKOS.notation))) == 1, concept


@pytest.mark.parametrize("filename", sorted(VOCABULARIES))
def test_module_scheme_matches_file(filename: str) -> None:
    scheme = VOCABULARIES[filename].scheme()
    graph = data_graph(filename)
    assert len(scheme) == len(set(graph.subjects(RDF.type, SKOS.Concept)))
    for concept in scheme:
        assert concept.labels["zh"] and concept.labels["en"] and concept.notation
        assert URIRef(VOCAB_SENTINEL_BASE + concept.path) in set(graph.subjects())


@pytest.mark.parametrize("filename", sorted(VOCABULARIES))
def test_lookups_both_ways(filename: str) -> None:
    scheme = VOCABULARIES[filename].scheme()
    for concept in scheme:
        assert scheme.by_notation(concept.notation) is concept
        assert concept.notation in scheme
        assert scheme.by_label(concept.label("zh")) is concept
        assert scheme.by_label(concept.label("en")) is concept
        for alt in concept.alt_labels:
            assert scheme.by_label(alt) is concept
        assert scheme.by_uri(concept.uri(BASE), BASE) is concept
        assert scheme.lookup(concept.uri(BASE + "/"), base_url=BASE) is concept
        for uri in (*concept.exact_match, *concept.close_match):
            assert scheme.lookup(uri) is concept
        for parent in concept.broader:
            assert concept in scheme.narrower(parent)


def test_nothing_is_parsed_at_import() -> None:
    code = (
        "import vocab.categories, vocab.open_types, vocab.share_types, vocab.sensitivity, "
        "vocab.frequencies, vocab.delivery_channels, vocab.formats, vocab.divisions, "
        "vocab.topics, vocab.skos as s; "
        "assert s.parse_file.cache_info().currsize == 0; "
        "vocab.formats.format_for('a.csv'); vocab.formats.format_for('b.xls'); "
        "assert s.parse_file.cache_info().misses == 1"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the generic loader -----------------------------------------------------------------------


def test_concept_uri_follows_base_url() -> None:
    concept = categories.category("meteorology")
    assert concept is not None
    assert concept.path == "categories/meteorology"
    assert concept.uri("https://data.gxzf.gov.cn/") == (
        "https://data.gxzf.gov.cn/vocab/categories/meteorology"
    )
    assert concept.uri("http://localhost:5000/portal") == (
        "http://localhost:5000/portal/vocab/categories/meteorology"
    )
    scheme = categories.scheme()
    assert scheme.uri(BASE) == f"{BASE}/vocab/categories"
    assert scheme.by_uri(concept.uri(BASE), "https://other.example") is None
    assert scheme.by_uri(f"{BASE}/vocab/categories/nothing", BASE) is None


def test_labels_normalised_for_lookup() -> None:
    assert normalise_label(" Ｃ Ｓ Ｖ\u3000") == "csv"
    assert categories.scheme().by_label("  METEOROLOGY ") is categories.category("meteorology")
    assert categories.scheme().by_label("卫生 健康") is categories.category("health")
    assert categories.scheme().lookup("unknown thing") is None


def test_label_falls_back_zh_en_notation() -> None:
    bilingual = Concept(path="x/a", notation="a", labels={"zh": "甲", "en": "A"})
    english = Concept(path="x/b", notation="b", labels={"en": "B"})
    bare = Concept(path="x/c", notation="c", labels={})
    assert bilingual.label("fr") == "甲" and bilingual.label("en") == "A"
    assert english.label() == "B"
    assert bare.label("zh") == "c"


def test_concepts_are_immutable_and_hashable() -> None:
    concept = open_types.open_type("conditional")
    assert concept is not None
    with pytest.raises(TypeError):
        concept.labels["zh"] = "x"  # type: ignore[index]
    assert {concept: 1}[concept] == 1


def test_duplicate_label_is_a_data_error() -> None:
    first = Concept(path="x/a", notation="a", labels={"zh": "同名"})
    second = Concept(path="x/b", notation="b", labels={"zh": "同名"})
    with pytest.raises(VocabularyError):
        ConceptScheme("x", "x", {}, [first, second])


def test_typed_properties_are_checked() -> None:
    closed = open_types.scheme().require("closed")
    assert closed.flag("public_listing") is False
    with pytest.raises(TypeError):
        closed.integer("public_listing")
    with pytest.raises(KeyError):
        open_types.scheme().require("nope")


# --- namespaces -------------------------------------------------------------------------------


def test_namespaces() -> None:
    assert str(gx_namespace("https://data.gxzf.gov.cn/")["Dataset"]) == (
        "https://data.gxzf.gov.cn/ns#Dataset"
    )
    assert str(DCAT.inSeries) == "http://www.w3.org/ns/dcat#inSeries"
    assert str(HVD_CATEGORY["c_164e0bf5"]) == "http://data.europa.eu/bna/c_164e0bf5"
    assert str(IANA_MEDIA["text/csv"]) == "https://www.iana.org/assignments/media-types/text/csv"
    assert str(GXV.order) == VOCAB_SENTINEL_BASE + "terms#order"


# --- stored codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", list(STORED_NOTATIONS), ids=lambda m: m.__name__)
def test_stored_notations_are_stable(module: ModuleType) -> None:
    assert [c.notation for c in module.scheme()] == STORED_NOTATIONS[module]


# --- categories ------------------------------------------------------------------------------

HVD = {
    "geospatial": "c_ac64a52d",
    "energy-environment": "c_dd313021",
    "meteorology": "c_164e0bf5",
    "statistics": "c_e1da4e07",
    "enterprise": "c_a9135398",
    "transport": "c_b79e35eb",
    "finance-tax": None,
    "population": None,
    "health": None,
    "social-credit": None,
}


@pytest.mark.parametrize(("notation", "code"), sorted(HVD.items()))
def test_hvd_categories(notation: str, code: str | None) -> None:
    expected = None if code is None else f"http://data.europa.eu/bna/{code}"
    assert categories.hvd_category(notation) == expected
    if expected is not None:
        assert categories.category(expected) is categories.category(notation)


def test_ten_categories_with_labels_and_themes() -> None:
    zh = [c.label("zh") for c in categories.all_categories()]
    assert zh == [
        "企业法人",
        "金融和税收",
        "人口资源",
        "地理空间",
        "医疗卫生",
        "统计",
        "社会信用",
        "交通和基础设施",
        "能源环境",
        "气象",
    ]
    assert categories.eu_theme("health") == (EU_DATA_THEME + "HEAL",)
    assert categories.eu_theme("transport") == (EU_DATA_THEME + "TRAN",)
    assert set(categories.eu_theme("energy-environment")) == {
        EU_DATA_THEME + "ENER",
        EU_DATA_THEME + "ENVI",
    }
    assert categories.eu_theme("meteorology") == (EU_DATA_THEME + "ENVI",)
    for concept in categories.all_categories():
        assert categories.eu_theme(concept.notation), concept.notation
    econ = {c.notation for c in categories.categories_for_eu_theme(EU_DATA_THEME + "ECON")}
    assert {"enterprise", "finance-tax"} <= econ
    with pytest.raises(KeyError):
        categories.eu_theme("weather")


def test_tenth_category_is_explained_in_the_file() -> None:
    graph = data_graph("categories.ttl")
    scheme_node = URIRef(VOCAB_SENTINEL_BASE + "categories")
    comments = {
        c.language: str(c)
        for c in graph.objects(scheme_node, RDFS.comment)
        if isinstance(c, Literal)
    }
    assert "气象" in comments["zh"] and "九" in comments["zh"]
    assert "tenth" in comments["en"] and "nine" in comments["en"]
    meteorology = categories.category("meteorology")
    assert meteorology is not None
    assert "第十" in meteorology.scope_note["zh"]
    assert "tenth" in meteorology.scope_note["en"]


# --- open types, share types, sensitivity, delivery channels --------------------------------


@pytest.mark.parametrize(
    ("label", "notation", "right", "listed"),
    [
        ("无条件开放", "unconditional", "PUBLIC", True),
        ("有条件开放", "conditional", "RESTRICTED", True),
        ("不予开放", "closed", "NON_PUBLIC", False),
    ],
)
def test_open_types(label: str, notation: str, right: str, listed: bool) -> None:
    concept = open_types.open_type(label)
    assert concept is not None and concept.notation == notation
    assert open_types.access_right(notation) == EU_ACCESS_RIGHT + right
    assert open_types.open_type(EU_ACCESS_RIGHT + right) is concept
    assert open_types.public_listing(notation) is listed


def test_open_type_synonyms() -> None:
    for text in ("无条件", "开放", "普遍开放"):
        assert open_types.open_type(text) is open_types.open_type("unconditional")
    assert open_types.open_type("依申请开放") is open_types.open_type("conditional")
    assert [c.notation for c in open_types.publicly_listed()] == ["unconditional", "conditional"]


def test_share_types() -> None:
    assert share_types.share_type("无条件共享") is share_types.share_type("unconditional")
    assert share_types.share_type("有条件共享") is share_types.share_type("conditional")
    concept = share_types.share_type("不予共享")
    assert concept is not None and concept.notation == "not-shared"


def test_sensitivity_levels() -> None:
    levels = [sensitivity.level(c.notation) for c in sensitivity.scheme()]
    assert levels == [1, 2, 3, 4]
    masked = [c.notation for c in sensitivity.scheme() if sensitivity.requires_masking(c.notation)]
    assert masked == ["sensitive", "important"]
    assert sensitivity.sensitivity_level("三级") is sensitivity.by_level(3)
    assert sensitivity.sensitivity_level("公开") is sensitivity.by_level(1)
    assert sensitivity.max_open_type("important") == "closed"
    for concept in sensitivity.scheme():
        assert sensitivity.max_open_type(concept.notation) in open_types.scheme()
    assert "rdfs:comment" in data_text("sensitivity.ttl")


def test_delivery_channels() -> None:
    for text, notation in [
        ("数据下载", "download"),
        ("接口调用", "api"),
        ("API", "api"),
        ("数据沙箱", "sandbox"),
        ("核验接口", "verification"),
        ("Verification interface", "verification"),
        ("线下提供", "offline"),
    ]:
        concept = delivery_channels.delivery_channel(text)
        assert concept is not None and concept.notation == notation
    assert delivery_channels.is_online("api") and not delivery_channels.is_online("offline")
    assert delivery_channels.is_online("verification")


# --- frequencies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "notation", "eu"),
    [
        ("实时", "realtime", "UPDATE_CONT"),
        ("每天", "daily", "DAILY"),
        ("每周", "weekly", "WEEKLY"),
        ("每月", "monthly", "MONTHLY"),
        ("每季度", "quarterly", "QUARTERLY"),
        ("每半年", "semiannual", "BIANNUAL"),
        ("每年", "annual", "ANNUAL"),
        ("不定期", "irregular", "IRREG"),
    ],
)
def test_guangxi_frequencies(text: str, notation: str, eu: str) -> None:
    concept = frequencies.frequency(text)
    assert concept is not None and concept.notation == notation
    assert frequencies.eu_frequency(notation) == EU_FREQUENCY + eu
    assert frequencies.frequency(EU_FREQUENCY + eu) is concept


def test_frequency_synonyms_and_ages() -> None:
    for text, notation in [
        ("每日", "daily"),
        ("日", "daily"),
        ("月度", "monthly"),
        ("年度", "annual"),
        ("半年", "semiannual"),
        ("季度", "quarterly"),
        ("按需", "irregular"),
        ("不定期更新", "irregular"),
        ("real-time", "realtime"),
        (EU_FREQUENCY + "CONT", "realtime"),
        ("http://purl.org/cld/freq/annual", "annual"),
    ]:
        concept = frequencies.frequency(text)
        assert concept is not None and concept.notation == notation, text
    ages = [frequencies.max_age_days(n) or 0 for n in STORED_NOTATIONS[frequencies][:-1]]
    assert ages == sorted(ages) and ages[0] == 1 and ages[-1] >= 365
    assert frequencies.max_age_days("irregular") is None


# --- formats --------------------------------------------------------------------------------

REQUIRED_FORMATS = (
    "CSV TSV JSON XML GEOJSON ODS ODT XLS XLSX DOC DOCX PDF HTML TXT RDF_XML RDF_TURTLE "
    "JSON_LD RDF_N_TRIPLES N3 ZIP RAR JPEG PNG TIFF GIF SHP KML WMS_SRVC WFS_SRVC"
).split()


@pytest.mark.parametrize(
    ("notation", "machine_readable", "non_proprietary", "rdf"),
    [
        ("CSV", True, True, False),
        ("JSON", True, True, False),
        ("XLS", True, False, False),
        ("XLSX", True, False, False),
        ("PDF", False, True, False),
        ("DOCX", False, False, False),
        ("JPEG", False, True, False),
        ("ZIP", False, True, False),
        ("RDF_XML", True, True, True),
        ("RDF_TURTLE", True, True, True),
        ("JSON_LD", True, True, True),
        ("RDF_N_TRIPLES", True, True, True),
    ],
)
def test_format_flags(
    notation: str, machine_readable: bool, non_proprietary: bool, rdf: bool
) -> None:
    fmt = formats.file_format(notation)
    assert (fmt.machine_readable, fmt.non_proprietary, fmt.rdf) == (
        machine_readable,
        non_proprietary,
        rdf,
    )


def test_format_flags_come_from_the_data_file() -> None:
    graph = data_graph("formats.ttl")
    for fmt in formats.all_formats():
        node = URIRef(VOCAB_SENTINEL_BASE + fmt.concept.path)
        for attribute, predicate in [
            ("machine_readable", GXV.machineReadable),
            ("non_proprietary", GXV.nonProprietary),
            ("rdf", GXV.rdf),
        ]:
            assert graph.value(node, predicate) == Literal(getattr(fmt, attribute)), fmt.notation


def test_required_formats_present_with_eu_and_iana_uris() -> None:
    notations = {fmt.notation for fmt in formats.all_formats()}
    assert set(REQUIRED_FORMATS) <= notations
    for fmt in formats.all_formats():
        assert fmt.eu_uri == EU_FILE_TYPE + fmt.notation
        assert fmt.label and fmt.label_zh
        if fmt.media_type is not None:
            assert fmt.media_type_uri == IANA_MEDIA + fmt.media_type
        if fmt.rdf:
            assert fmt.machine_readable and fmt.non_proprietary
    assert formats.file_format("RDF_XML").extensions == ("rdf",)
    assert formats.file_format("CSV").media_type == "text/csv"
    assert formats.file_format("JPEG").extensions == ("jpeg", "jpg")


@pytest.mark.parametrize(
    ("value", "notation"),
    [
        ("名单_0.xlsx", "XLSX"),
        ("绿色学校、绿色社区信息_0.rdf", "RDF_XML"),
        ("text/csv; charset=utf-8", "CSV"),
        ("TEXT/CSV", "CSV"),
        ("csv", "CSV"),
        (".CSV", "CSV"),
        ("CSV", "CSV"),
        ("xls", "XLS"),
        ("application/vnd.ms-excel", "XLS"),
        ("application/ld+json", "JSON_LD"),
        ("https://www.iana.org/assignments/media-types/text/turtle", "RDF_TURTLE"),
        ("http://publications.europa.eu/resource/authority/file-type/GEOJSON", "GEOJSON"),
        ("https://example.org/files/data.geojson?download=1", "GEOJSON"),
        ("RDF/XML", "RDF_XML"),
        ("Turtle", "RDF_TURTLE"),
        ("Excel XLSX", "XLSX"),
        ("逗号分隔值", "CSV"),
        ("ＪＳＯＮ", "JSON"),
        ("report.PDF", "PDF"),
        ("archive.rar", "RAR"),
        ("application/x-zip-compressed", "ZIP"),
        ("text/xml", "XML"),
        ("WMS", "WMS_SRVC"),
    ],
)
def test_format_for(value: str, notation: str) -> None:
    fmt = formats.format_for(value)
    assert fmt is not None, value
    assert fmt.notation == notation


@pytest.mark.parametrize("value", ["", "  ", "unknown", "file.xyz", "x/y", "README"])
def test_format_for_unknown(value: str) -> None:
    assert formats.format_for(value) is None


def test_extensions_of_the_guangxi_catalog_are_known() -> None:
    for extension in ("xls", "csv", "rdf", "json", "xml", "xlsx", "docx", "pdf", "rar", "zip"):
        assert formats.by_extension(extension) is not None, extension


# --- divisions ------------------------------------------------------------------------------

CITIES = {
    "450100": "南宁市",
    "450200": "柳州市",
    "450300": "桂林市",
    "450400": "梧州市",
    "450500": "北海市",
    "450600": "防城港市",
    "450700": "钦州市",
    "450800": "贵港市",
    "450900": "玉林市",
    "451000": "百色市",
    "451100": "贺州市",
    "451200": "河池市",
    "451300": "来宾市",
    "451400": "崇左市",
}


def test_region_and_cities() -> None:
    assert divisions.region().notation == "450000"
    assert divisions.region().label() == "广西壮族自治区"
    assert {c.notation: c.label() for c in divisions.cities()} == CITIES
    for city in divisions.cities():
        assert divisions.city_of(city) is city
        assert city.broader == ("450000",)
        assert divisions.counties(city.notation), city.label()
        for county in divisions.counties(city.notation):
            assert county.notation[:4] == city.notation[:4]
            assert divisions.city_of(county) is city
    assert divisions.city_of(divisions.region()) is divisions.region()
    assert len(divisions.scheme()) == 1 + 14 + 111
    assert len(divisions.counties("451000")) == 12  # 百色市


def test_division_lookups() -> None:
    tianyang = divisions.division("451003")
    assert tianyang is not None and tianyang.label() == "田阳区"
    assert divisions.division("451021") is tianyang  # former code of 田阳县
    assert divisions.division("田阳县") is tianyang
    assert divisions.division("横县") is divisions.division("450181")
    assert divisions.division("Nanning") is divisions.division("450100")
    assert divisions.division("999999") is None


@pytest.mark.parametrize(
    ("department", "code", "city"),
    [
        ("南宁市生态环境局", "450100", "450100"),
        ("自治区气象局", "450000", "450000"),
        ("广西壮族自治区民族宗教事务委员会", "450000", "450000"),
        ("广西税务局", "450000", "450000"),
        ("田阳县", "451003", "451000"),
        ("田阳区大数据局", "451003", "451000"),
        ("百色市田阳区大数据发展局", "451003", "451000"),
        ("藤县大数据发展局", "450422", "450400"),
        ("岑溪市科学技术和大数据发展局", "450481", "450400"),
        ("玉州区大数据局", "450902", "450900"),
        ("靖西市政管办", "451081", "451000"),
        ("平果市人民政府办公室", "451082", "451000"),
        ("隆林各族自治县人民政府办公室", "451031", "451000"),
        ("乐业县人民政府办公室（政务服务中心）", "451028", "451000"),
        ("荔浦市工业和信息化局", "450381", "450300"),
        ("高新七星区", "450305", "450300"),
        ("叠彩区", "450303", "450300"),
        ("桂林经开区管委会", "450300", "450300"),
        ("贵港海关", "450800", "450800"),
        ("人民银行贵港市中支", "450800", "450800"),
        ("中国银行保险监督管理委员会玉林监管分局", "450900", "450900"),
        ("中华人民共和国钦州海事局", "450700", "450700"),
    ],
)
def test_division_for_department_names(department: str, code: str, city: str) -> None:
    found = divisions.division_for_text(department)
    assert found is not None, department
    assert found.notation == code
    assert divisions.city_of(found).notation == city


def test_division_for_text_without_a_place() -> None:
    assert divisions.division_for_text("国家统计局") is None
    assert divisions.division_for_text("") is None


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("广西壮族自治区南宁市青秀区民族大道100号", "450103"),
        ("广西 南宁市 青秀区", "450103"),
        ("青秀区民族大道", "450103"),
        ("田阳县城东路", "451003"),
        ("柳州市某某路8号", "450200"),
        ("南宁市柳北区", "450100"),
        ("南宁市桂林路", "450100"),
        ("桂林路8号", None),
        ("民族大道100号青秀区", None),
    ],
)
def test_division_at_start_of_an_address(address: str, code: str | None) -> None:
    found = divisions.division_at_start(address)
    assert (found.notation if found else None) == code


# --- topics ---------------------------------------------------------------------------------

GUANGXI_TOPICS = {
    "市场监管": "enterprise",
    "其他": None,
    "工业农业": None,
    "医疗卫生": "health",
    "生态环境": "energy-environment",
    "城建住房": None,
    "法律服务": None,
    "教育文化": None,
    "财税金融": "finance-tax",
    "机构团体": "enterprise",
    "安全生产": None,
    "气象服务": "meteorology",
    "社保就业": None,
    "生活服务": None,
    "商贸流通": None,
    "公共安全": None,
    "交通运输": "transport",
    "科技创新": None,
    "资源能源": "energy-environment",
    "信用服务": "social-credit",
    "商业服务": None,
    "社会救助": None,
    "暂无": None,
    "地理空间": "geospatial",
}


@pytest.mark.parametrize(("name", "category"), sorted(GUANGXI_TOPICS.items()))
def test_guangxi_topics(name: str, category: str | None) -> None:
    concept = topics.topic(name)
    assert concept is not None and concept.label("zh") == name
    assert topics.category_for_topic(name) == category


@pytest.mark.parametrize(
    ("synonym", "category"),
    [
        ("信用", "social-credit"),
        ("统计", "statistics"),
        ("人口", "population"),
        ("交通", "transport"),
        ("财政", "finance-tax"),
        ("税务", "finance-tax"),
        ("金融", "finance-tax"),
        ("环境", "energy-environment"),
        ("能源", "energy-environment"),
        ("气象", "meteorology"),
        ("企业", "enterprise"),
        ("法人", "enterprise"),
        ("卫生健康", "health"),
        ("能源环境", "energy-environment"),  # a category's own name
    ],
)
def test_topic_synonyms(synonym: str, category: str) -> None:
    assert topics.category_for_topic(synonym) == category


def test_every_topic_category_exists_and_all_are_reached() -> None:
    reached = set()
    for concept in topics.scheme():
        category = topics.category_of(concept)
        if category is not None:
            assert category in categories.scheme().concepts
            reached.add(category.notation)
    assert reached == set(STORED_NOTATIONS[categories])
    assert topics.category_for_topic("不存在的主题") is None


def test_schemes_load_once_under_concurrent_first_use() -> None:
    """Waitress serves with threads: the first requests must not load two copies."""
    import threading

    from vocab import formats, skos

    skos._load_scheme.cache_clear()
    formats.all_formats.cache_clear()
    formats._indexes.cache_clear()
    barrier = threading.Barrier(8)
    results: list[object] = []
    errors: list[BaseException] = []

    def first_use() -> None:
        barrier.wait()
        try:
            results.append(formats.format_for("名单_0.xlsx"))
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({id(formats.scheme())}) == 1
    assert all(r is not None and r.notation == "XLSX" for r in results)


# --- catalog spreadsheet headers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("数据资源名称", "title"),
        ("数据目录名称", "title"),
        ("*信息资源名称\n（必填）", "title"),
        ("提供部门", "publisher_name"),
        ("来源部门", "publisher_name"),
        ("摘要", "description"),
        ("描述", "description"),
        ("开放类型", "open_type"),
        ("开放状态", "open_type"),
        ("共享类型", "share_type"),
        ("更新周期", "update_frequency"),
        ("数据量（条）", "record_count"),
        ("关键字：", "keywords"),
        ("Title", "title"),
        ("备注", None),
        ("", None),
        (None, None),
    ],
)
def test_catalog_header_synonyms(header: str | None, field: str | None) -> None:
    assert catalog_headers.field_for_header(header) == field


def test_catalog_header_fields_are_draft_fields_or_columns() -> None:
    draft_fields = set(DatasetDraft.__dataclass_fields__)
    columns = {"formats", "download_url", "access_url"}
    assert set(catalog_headers.fields()) <= draft_fields | columns
