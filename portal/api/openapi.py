"""The OpenAPI 3.1 description of ``/api/v1``; the browsable page and a test read it too."""

from __future__ import annotations

from typing import Any

from catalog import uris
from catalog.accounts.models import KINDS
from catalog.conditions import MASK_RULES, MAX_KEPT
from catalog.masking.rules import GENERALIZATIONS
from catalog.search.base import FACET_FIELDS
from portal.api.openapi_grants import GRANT_SCHEMAS, grant_paths
from portal.api.openapi_write import SECURITY_SCHEMES, WRITE_SCHEMAS, write_paths
from portal.datarequests.openapi import (
    DATA_REQUEST_SCHEMAS,
    DATA_REQUEST_SORTS,
    DATA_REQUEST_STATES,
)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
NINT = {"type": ["integer", "null"]}
CODED = _nullable({"$ref": "#/components/schemas/Coded"})


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
    }


SCHEMAS: dict[str, Any] = {
    "Coded": _obj({"code": STR, "label": STR}),
    # The effective licence (catalog.licensing): source is dataset, department or platform.
    "Licence": _obj(
        {
            "code": STR,
            "label": STR,
            "url": NSTR,
            "source": {"enum": ["dataset", "department", "platform"]},
        }
    ),
    "DepartmentRef": _obj({"slug": STR, "name": STR, "uri": STR}),
    "DatasetSummary": _obj(
        {
            "id": STR,
            "slug": STR,
            "uri": STR,
            "title": STR,
            "description": STR,
            "department": _nullable({"$ref": "#/components/schemas/DepartmentRef"}),
            "category": CODED,
            "open_type": CODED,
            "update_frequency": CODED,
            "formats": {"type": "array", "items": STR},
            "issued": NSTR,
            "modified": NSTR,
            "metadata_modified": NSTR,
            "links": _obj({"self": STR, "page": STR, "rdf": STR}),
        }
    ),
    "Distribution": _obj(
        {
            "id": STR,
            "dataset_id": STR,
            "uri": STR,
            "title": STR,
            "description": NSTR,
            "format": NSTR,
            "media_type": NSTR,
            "byte_size": NINT,
            "sha256": NSTR,
            "access_url": STR,
            "download_url": NSTR,
            "conforms_to": NSTR,
            "issued": NSTR,
            "modified": NSTR,
            "machine_readable": {"type": "boolean"},
        }
    ),
    "Facet": _obj({"value": STR, "count": {"type": "integer"}}),
    "DatasetPage": _obj(
        {
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "next": NSTR,
            "links": _obj({"next": NSTR}),
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/DatasetSummary"}},
            "facets": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Facet"},
                },
            },
        },
        ["total", "limit", "next", "links", "results"],
    ),
    "Department": _obj(
        {
            "slug": STR,
            "name": STR,
            "name_en": NSTR,
            "uri": STR,
            "division": NSTR,
            "homepage": NSTR,
            "datasets": {"type": "integer"},
            "links": _obj({"datasets": STR}),
        }
    ),
    "Concept": _obj(
        {
            "code": STR,
            "label": STR,
            "labels": {"type": "object", "additionalProperties": STR},
            "uri": STR,
            "definition": NSTR,
            "exact_match": {"type": "array", "items": STR},
            "close_match": {"type": "array", "items": STR},
            "broad_match": {"type": "array", "items": STR},
            "broader": {"type": "array", "items": STR},
        }
    ),
    "Problem": _obj(
        {
            "type": STR,
            "title": STR,
            "status": {"type": "integer"},
            "detail": STR,
            "code": STR,
            "errors": {
                "type": "object",
                "description": "字段 → 错误信息 · field → messages (validation errors)",
                "additionalProperties": {"type": "array", "items": STR},
            },
        },
        ["type", "title", "status"],
    ),
}
NLIST = {"type": "array", "items": STR}
NDAYS = {"type": ["integer", "null"], "minimum": 1}
KEPT = {"type": "integer", "minimum": 0, "maximum": MAX_KEPT, "description": "keep-ends only"}
SCHEMAS["Conditions"] = _obj(
    {
        "applicant_kinds": {
            "type": "array",
            "items": {"enum": list(KINDS)},
            "description": "谁可以申请 · applicant kinds",
        },
        "qualifications": NLIST,
        "materials": NLIST,
        "permitted_uses": NLIST,
        "forbidden_uses": NLIST,
        "security_requirements": NLIST,
        "delivery_channel": {**NSTR, "description": "vocab/delivery_channels notation"},
        "period_days": NDAYS,
        "review_days": {"type": "integer", "minimum": 1, "description": "工作日 · working days"},
        "fields": {
            "type": "array",
            "items": _obj(
                {
                    "name": STR,
                    "mask": {"enum": [*MASK_RULES, None]},
                    "keep_first": KEPT,
                    "keep_last": KEPT,
                    "to": {"enum": list(GENERALIZATIONS), "description": "generalize only"},
                },
                ["name", "mask"],
            ),
        },
        "report_interval_days": NDAYS,
        "contact": NSTR,
    }
)
SCHEMAS["Dataset"] = {
    "allOf": [
        {"$ref": "#/components/schemas/DatasetSummary"},
        _obj(
            {
                "keywords": {"type": "array", "items": STR},
                "topic": NSTR,
                "identifier": NSTR,
                "version": NSTR,
                "landing_page": NSTR,
                "licence": {"$ref": "#/components/schemas/Licence"},
                "spatial": CODED,
                "temporal": _obj({"start": NSTR, "end": NSTR}),
                "access_conditions": NSTR,
                "conditions": _nullable({"$ref": "#/components/schemas/Conditions"}),
                "share_type": CODED,
                "sensitivity": CODED,
                "service_item": NSTR,
                "result_name": NSTR,
                "is_e_licence": {"type": "boolean"},
                "source_system": NSTR,
                "application_scenarios": NSTR,
                "delivery_channel": CODED,
                "record_count": NINT,
                "contact": _obj({"name": NSTR, "phone": NSTR, "email": NSTR}),
                "files_open": {"type": "boolean"},
                "distributions": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Distribution"},
                },
            }
        ),
    ]
}
SCHEMAS["Category"] = {
    "allOf": [
        {"$ref": "#/components/schemas/Concept"},
        _obj({"datasets": {"type": "integer"}, "hvd_category": NSTR}),
    ]
}
SCHEMAS["Vocabulary"] = _obj(
    {
        "name": STR,
        "label": STR,
        "uri": STR,
        "concept_count": {"type": "integer"},
        "links": _obj({"self": STR}),
        "concepts": {"type": "array", "items": {"$ref": "#/components/schemas/Concept"}},
    },
    ["name", "label", "uri", "concept_count", "links"],
)


def _list_of(ref: str) -> dict[str, Any]:
    return _obj({"results": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}})


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "200": {
            "description": description,
            "headers": {
                "ETag": {"schema": STR, "description": "validator for If-None-Match"},
                "Cache-Control": {"schema": STR},
            },
            "content": {"application/json": {"schema": schema}},
        },
        "304": {"description": "not modified (If-None-Match matched the ETag)"},
        "default": {
            "description": "an error as RFC 9457 problem details",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": STR, "description": description}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema or STR,
        "description": description,
    }


DATASET_ID = _path_param("dataset_id", "UUID 或短名 · UUID or slug")
DATASET_PARAMS = [
    _query("q", "全文检索 · full-text search (Chinese word segmentation)"),
    _query("modified_since", "元数据在此时间之后有变化 · metadata changed since (ISO 8601)"),
    *[
        _query(
            f,
            f"分面筛选，可重复（任一匹配） · facet filter ({f}); repeat for OR",
            {"type": "array", "items": STR},
        )
        for f in FACET_FIELDS
    ],
    _query(
        "limit",
        "每页条数 · page size (1–100, default 20)",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    _query("cursor", "上一页返回的 next 游标 · the next token of the previous page"),
    _query("facets", "是否返回分面统计 · include facet counts", {"type": "boolean"}),
]


def openapi_document(base_url: str) -> dict[str, Any]:
    api = uris.rest_api_uri(base_url)

    def op(
        summary: str, tag: str, responses: dict[str, Any], params: list[Any] | None = None
    ) -> dict[str, Any]:
        return {
            "get": {
                "summary": summary,
                "tags": [tag],
                "parameters": params or [],
                "responses": responses,
            }
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "广西公共数据开放平台 REST 接口 · Guangxi Public Data Portal REST API",
            "version": "1.0.0",
            "description": "数据集（检索、分面、游标分页）、数据资源、部门、类别和词表；"
            "每个 GET 都带 ETag、Cache-Control 和 CORS，错误以 RFC 9457 问题详情（JSON）返回。"
            "写操作（新建、修改、撤回、发布数据集，添加和修改文件）需要 API 令牌。"
            " · Datasets with search, facets and cursor paging; distributions, "
            "departments, categories and vocabularies. ETags, Cache-Control and CORS on every "
            "GET; errors as RFC 9457 problem JSON. Writes (create, change, withdraw, publish "
            "datasets; add and change files) need an API token.",
            "license": {"name": "CC-BY-4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": api}],
        "paths": _with_writes(
            {
                "/datasets": op(
                    "检索数据集 · search datasets",
                    "datasets",
                    _ok(_ref("DatasetPage"), "a page of datasets"),
                    DATASET_PARAMS,
                ),
                "/datasets/{dataset_id}": op(
                    "数据集详情 · one dataset",
                    "datasets",
                    _ok(_ref("Dataset"), "the dataset"),
                    [_path_param("dataset_id", "UUID 或短名 · UUID or slug")],
                ),
                "/datasets/{dataset_id}/distributions": op(
                    "数据集的数据资源 · a dataset's distributions",
                    "distributions",
                    _ok(_list_of("Distribution"), "its distributions"),
                    [_path_param("dataset_id", "UUID 或短名 · UUID or slug")],
                ),
                "/distributions/{distribution_id}": op(
                    "数据资源详情 · one distribution",
                    "distributions",
                    _ok(_ref("Distribution"), "the distribution"),
                    [_path_param("distribution_id", "数据资源的 UUID · UUID")],
                ),
                "/departments": op(
                    "部门列表 · departments with public datasets",
                    "departments",
                    _ok(_list_of("Department"), "departments"),
                ),
                "/departments/{slug}": op(
                    "部门详情 · one department",
                    "departments",
                    _ok(_ref("Department"), "the department"),
                    [_path_param("slug", "部门短名 · department slug")],
                ),
                "/categories": op(
                    "十大类高价值数据 · the ten high-value categories",
                    "categories",
                    _ok(_list_of("Category"), "categories"),
                ),
                "/categories/{code}": op(
                    "类别详情 · one category",
                    "categories",
                    _ok(_ref("Category"), "the category"),
                    [_path_param("code", "类别代码 · category code")],
                ),
                "/vocabularies": op(
                    "词表列表 · vocabularies",
                    "vocabularies",
                    _ok(_list_of("Vocabulary"), "vocabularies"),
                ),
                "/datarequests": op(
                    "数据需求 · data requests (数据需求), newest or most supported first",
                    "datarequests",
                    _ok(_ref("DataRequestPage"), "a page of data requests"),
                    [
                        _query(
                            "state",
                            "状态 · state",
                            {"type": "string", "enum": list(DATA_REQUEST_STATES)},
                        ),
                        _query(
                            "sort",
                            "排序 · order",
                            {"type": "string", "enum": list(DATA_REQUEST_SORTS)},
                        ),
                        _query("page", "页码 · page, from 1", {"type": "integer", "minimum": 1}),
                    ],
                ),
                "/vocabularies/{name}": op(
                    "词表及其概念 · a vocabulary with its concepts",
                    "vocabularies",
                    _ok(_ref("Vocabulary"), "the vocabulary"),
                    [_path_param("name", "词表名称 · vocabulary name")],
                ),
            }
        ),
        "components": {
            "schemas": {**SCHEMAS, **WRITE_SCHEMAS, **GRANT_SCHEMAS, **DATA_REQUEST_SCHEMAS},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _with_writes(paths: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The read paths with the write operations (``portal.api.openapi_write``) merged in."""
    merged = {path: dict(item) for path, item in paths.items()}
    for path, item in (write_paths(DATASET_ID) | grant_paths()).items():
        merged.setdefault(path, {}).update(item)
    return merged
