"""The grant operations of ``/api/v1`` (:mod:`portal.api.v1_grants`) in its OpenAPI document:
a grantee's grants and the masked copies of their files, for an API token of scope
``conditional``."""

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
    }  # fmt: skip
