"""The grant operations of ``/api/v1`` (:mod:`portal.api.v1_grants`) in its OpenAPI document:
a grantee's grants, the masked copies of their files, the verification questions and the
paged rows of the api channel, for an API token of scope ``conditional``."""

from __future__ import annotations

from typing import Any

from portal.api.openapi_write import SECURITY

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
GRANT_SCHEMAS: dict[str, Any] = {
    "GrantFile": {
        "type": "object",
        "properties": {"id": STR, "title": STR, "format": NSTR, "download": STR},
        "required": ["id", "title", "format", "download"],
    },
    "Grant": {
        "type": "object",
        "properties": {
            "id": STR,
            "application": {**STR, "description": "申请编号 · application reference"},
            "dataset": {
                "type": "object",
                "properties": {"id": STR, "slug": STR, "title": STR},
                "required": ["id", "slug", "title"],
            },
            "state": {"enum": ["active", "expired", "revoked", "closed"]},
            "starts_at": {**STR, "format": "date-time"},
            "ends_at": {**STR, "format": "date-time"},
            "fields": {"type": "array", "items": STR},
            "files": {"type": "array", "items": {"$ref": "#/components/schemas/GrantFile"}},
        },
        "required": [
            "id",
            "application",
            "dataset",
            "state",
            "starts_at",
            "ends_at",
            "fields",
            "files",
        ],
    },  # fmt: skip
}
GRANT_SCHEMAS.update({
    "VerificationQuestion": {
        "type": "object",
        "properties": {"fields": {
            "type": "object", "additionalProperties": STR,
            "description": "每个可核验字段的值（须全部给出） · a value for every field that "
                           "may be verified (all of them)",
        }},
        "required": ["fields"],
    },
    "VerificationAnswer": {
        "type": "object",
        "properties": {"answer": {"enum": ["match", "no match"]}},
        "required": ["answer"],
    },
    "RowsPage": {
        "type": "object",
        "properties": {
            "delivery": {**STR, "description": "交付标识 · delivery identifier"},
            "page": {"type": "integer"},
            "limit": {"type": "integer"},
            "more": {"type": "boolean"},
            "fields": {"type": "array", "items": STR},
            "rows": {"type": "array", "items": {"type": "array"}},
        },
        "required": ["delivery", "page", "limit", "more", "fields", "rows"],
    },
})  # fmt: skip
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_REFUSALS = {
    "401": {"description": "没有有效的 API 令牌 · no live API token", "content": _PROBLEM},
    "403": {
        "description": "令牌权限范围不是 conditional（token-scope），或没有有效授权"
        "（no-active-grant） · not a conditional token, or no active grant",
        "content": _PROBLEM,
    },
    "default": {"description": "其他错误 · other problems", "content": _PROBLEM},
}
_MASKED = {
    "application/zip": {"schema": {"type": "string", "format": "binary"}},
    "application/json": {"schema": {}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}


_CALL_REFUSALS = {
    **_REFUSALS,
    "400": {"description": "请求格式不对 · a malformed question or page", "content": _PROBLEM},
    "422": {
        "description": "授权的提供方式不符（wrong-channel）、字段不可核验（field-not-verifiable、"
        "missing-verify-field）等 · another channel, or a field that may not be asked",
        "content": _PROBLEM,
    },
    "429": {
        "description": "超过每项授权每分钟的调用次数（rate-limited），见 Retry-After · past the "
        "grant's calls a minute; see Retry-After",
        "headers": {"Retry-After": {"schema": {"type": "integer"},
                                    "description": "seconds to wait"}},
        "content": _PROBLEM,
    },
}  # fmt: skip


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _query_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "integer",
            "minimum": 1}, "description": description}  # fmt: skip


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": STR,
            "description": description}  # fmt: skip


def grant_paths() -> dict[str, dict[str, Any]]:
    listing = {"type": "array", "items": {"$ref": "#/components/schemas/Grant"}}
    return {
        "/grants": {
            "get": {
                "summary": "我的授权（有条件开放数据） · the caller's grants",
                "tags": ["grants"],
                "parameters": [],
                "security": SECURITY,
                "responses": {
                    "200": {"description": "grants", "content": {"application/json": {
                        "schema": listing}}},
                    **_REFUSALS,
                },
            }
        },
        "/grants/{grant_id}/files/{distribution_id}": {
            "get": {
                "summary": "下载授权文件的脱敏副本（CSV 以 zip 交付，含 datapackage.json"
                "与交付标识） · the masked, traceable copy of a granted file",
                "tags": ["grants"],
                "parameters": [
                    _path_param("grant_id", "授权编号 · grant id"),
                    _path_param("distribution_id", "数据资源的 UUID · the file's UUID"),
                ],
                "security": SECURITY,
                "responses": {
                    "200": {"description": "the masked copy (X-Delivery-Id header)",
                            "content": _MASKED},
                    **_REFUSALS,
                    "422": {"description": "此文件不以脱敏方式交付 · not deliverable",
                            "content": _PROBLEM},
                },
            }
        },
        "/grants/{grant_id}/files/{distribution_id}/verify": {
            "post": {
                "summary": "核验接口：是否存在与所给字段值一致的记录，只回答 match / no match，"
                "不返回任何字段值 · does a record with these values exist (channel verification)",
                "tags": ["grants"],
                "parameters": [
                    _path_param("grant_id", "授权编号 · grant id"),
                    _path_param("distribution_id", "数据资源的 UUID · the file's UUID"),
                ],
                "requestBody": {"required": True, "content": _json("VerificationQuestion")},
                "security": SECURITY,
                "responses": {
                    "200": {"description": "match / no match", "content": _json(
                        "VerificationAnswer")},
                    **_CALL_REFUSALS,
                },
            }
        },
        "/grants/{grant_id}/files/{distribution_id}/rows": {
            "get": {
                "summary": "接口调用：分页读取脱敏后的数据行，按授权限频 · a page of masked rows "
                "(channel api), rate-limited per grant",
                "tags": ["grants"],
                "parameters": [
                    _path_param("grant_id", "授权编号 · grant id"),
                    _path_param("distribution_id", "数据资源的 UUID · the file's UUID"),
                    _query_param("page", "页码，从 1 开始 · page, from 1"),
                    _query_param("limit", "每页行数（1–1000，默认 100） · rows a page"),
                ],
                "security": SECURITY,
                "responses": {
                    "200": {"description": "a page of masked rows, logged as a delivery",
                            "content": _json("RowsPage")},
                    **_CALL_REFUSALS,
                },
            }
        },
    }  # fmt: skip
