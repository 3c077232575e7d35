"""The grant operations of ``/api/v1`` (:mod:`portal.api.v1_grants`) in its OpenAPI document:
a grantee's grants, the masked copies of their files, the verification questions, the paged
rows of the api channel and the sandbox (tables, queries, the query log, exports), for an API
token of scope ``conditional``."""

from __future__ import annotations

from typing import Any

from portal.api.openapi_write import SECURITY

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
GRANT_SCHEMAS: dict[str, Any] = {
    "GrantFile": {
        "type": "object",
        "properties": {
            "id": STR,
            "title": STR,
            "format": NSTR,
            "download": {
                **NSTR,
                "description": "the masked copy; null where the data does not "
                "leave the portal (sandbox, verification)",
            },
            "verify": {**NSTR, "description": "verification questions (channel verification)"},
            "rows": {**NSTR, "description": "pages of masked rows (channel api)"},
        },
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
            "channel": {**NSTR, "description": "the dataset's delivery channel"},
            "sandbox": {**NSTR, "description": "the sandbox's tables (channel sandbox)"},
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
INT, NINT = {"type": "integer"}, {"type": ["integer", "null"]}
NTIME = {"type": ["string", "null"], "format": "date-time"}
GRANT_SCHEMAS.update({
    "SandboxTable": {
        "type": "object",
        "properties": {
            "name": {**STR, "description": "表名（data、data_2……） · the table's name in SQL"},
            "file": {"type": "object", "properties": {"id": STR, "title": STR},
                     "required": ["id", "title"]},
            "columns": {"type": "array", "items": STR},
            "rows": {**INT, "description": "源数据行数 · source rows"},
            "identifiers": {"type": "array", "items": STR, "description":
                            "只能计数的标识列 · identifier columns: counted, never shown, "
                            "grouped or filtered"},
        },
        "required": ["name", "file", "columns", "rows", "identifiers"],
    },
    "Sandbox": {
        "type": "object",
        "properties": {
            "grant": STR,
            "k": {**INT, "description": "每行结果至少代表的记录数 · source rows a result row "
                                        "stands for at least"},
            "limits": {"type": "object", "properties": {"seconds": {"type": "number"},
                       "max_rows": INT}, "required": ["seconds", "max_rows"]},
            "tables": {"type": "array", "items": {"$ref": "#/components/schemas/SandboxTable"}},
        },
        "required": ["grant", "k", "limits", "tables"],
    },
    "SandboxQuestion": {
        "type": "object",
        "properties": {"sql": {**STR, "maxLength": 20_000,
                               "description": "一条聚合 SELECT 语句 · one aggregate SELECT"}},
        "required": ["sql"],
    },
    "SandboxResult": {
        "type": "object",
        "properties": {
            "query": {**INT, "description": "查询日志编号 · the query's log id"},
            "columns": {"type": "array", "items": STR},
            "rows": {"type": "array", "items": {"type": "array"}},
            "suppressed": INT, "truncated": {"type": "boolean"}, "k": INT,
            "seconds": {"type": "number"}, "rows_touched": INT,
        },
        "required": ["query", "columns", "rows", "suppressed", "truncated", "k", "seconds",
                     "rows_touched"],
    },
    "SandboxLogEntry": {
        "type": "object",
        "properties": {
            "id": INT, "at": {**STR, "format": "date-time"}, "sql": STR,
            "state": {"enum": ["answered", "refused"]}, "refusal": NSTR, "table": NSTR,
            "seconds": {"type": ["number", "null"]}, "rows_touched": NINT,
            "result_rows": NINT, "suppressed": NINT, "truncated": {"type": ["boolean", "null"]},
            "export": {"type": ["object", "null"], "properties": {"id": INT, "state": STR}},
        },
        "required": ["id", "at", "sql", "state", "refusal", "export"],
    },
    "SandboxExportRequested": {
        "type": "object",
        "properties": {"export": INT, "state": {"enum": ["submitted"]}},
        "required": ["export", "state"],
    },
    "SandboxExport": {
        "type": "object",
        "properties": {
            "export": INT, "query": INT,
            "state": {"enum": ["submitted", "approved", "rejected", "downloaded"]},
            "requested_at": {**STR, "format": "date-time"}, "reason": NSTR,
            "decided_at": NTIME, "downloaded_at": NTIME,
            "delivery": {**NSTR, "description": "交付标识 · delivery identifier"},
        },
        "required": ["export", "query", "state", "requested_at", "reason", "decided_at",
                     "downloaded_at", "delivery"],
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


def _path_param(name: str, description: str, schema: dict[str, Any] = STR) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description}  # fmt: skip


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": _PROBLEM}


_GRANT = _path_param("grant_id", "授权编号 · grant id")
_ID = {"type": "integer", "minimum": 1}
_SANDBOX_REFUSALS = {
    **_REFUSALS,
    "404": _problem("没有此查询或导出 · no such query or export"),
    "422": _problem(
        "授权的提供方式不是沙箱（wrong-channel），或导出的状态不允许（export-not-answered、"
        "export-exists、export-not-approved、export-downloaded） · another channel, or an "
        "export in another state"
    ),
}


def _sandbox_op(
    summary: str, parameters: list[dict[str, Any]], responses: dict[str, Any], method: str = "get"
) -> dict[str, Any]:
    return {method: {"summary": summary, "tags": ["grants"], "parameters": [_GRANT, *parameters],
                     "security": SECURITY,
                     "responses": {**_SANDBOX_REFUSALS, **responses}}}  # fmt: skip


def sandbox_paths() -> dict[str, dict[str, Any]]:
    query_refusals = {
        **_CALL_REFUSALS,
        "413": _problem("请求体过大 · the body is too large"),
        "422": _problem(
            "查询被披露规则或限制拒绝（code 为原因，如 not-aggregated、filter-isolates、"
            "time-limit），或授权的提供方式不符；被拒绝的查询也记入日志（query） · refused by "
            "the disclosure rule or the limits (its code), logged too"
        ),
    }
    export = _path_param("export_id", "导出编号 · export id", _ID)
    return {
        "/grants/{grant_id}/sandbox": _sandbox_op(
            "沙箱（可用不可见）：授权的数据表、阈值 k 与限制 · the sandbox's tables, k and "
            "limits (channel sandbox)", [], {"200": {"description": "the granted tables",
                                                     "content": _json("Sandbox")}}),
        "/grants/{grant_id}/sandbox/query": {"post": {
            "summary": "在沙箱中执行一条聚合查询，只返回每行至少代表 k 条记录的结果 · run one "
            "aggregate query; rows standing for fewer than k records are suppressed",
            "tags": ["grants"], "parameters": [_GRANT],
            "requestBody": {"required": True, "content": _json("SandboxQuestion")},
            "security": SECURITY,
            "responses": {"200": {"description": "the aggregate result, logged",
                                  "content": _json("SandboxResult")}, **query_refusals},
        }},
        "/grants/{grant_id}/sandbox/queries": _sandbox_op(
            "我的沙箱查询日志（最新在前） · the holder's query log, newest first",
            [_query_param("limit", "条数（1–200，默认 50） · entries")],
            {"200": {"description": "the log", "content": {"application/json": {"schema": {
                "type": "array", "items": {"$ref": "#/components/schemas/SandboxLogEntry"}}}}},
             "400": _problem("limit 不对 · a bad limit")}),
        "/grants/{grant_id}/sandbox/queries/{query_id}/export": _sandbox_op(
            "申请导出一条已回答查询的结果，待审核 · submit an answered query's result for review",
            [_path_param("query_id", "查询日志编号 · the query's log id", _ID)],
            {"201": {"description": "submitted (Location: the export)",
                     "content": _json("SandboxExportRequested")}}, method="post"),
        "/grants/{grant_id}/sandbox/exports/{export_id}": _sandbox_op(
            "导出的审核状态 · the export's state and review", [export],
            {"200": {"description": "the export", "content": _json("SandboxExport")}}),
        "/grants/{grant_id}/sandbox/exports/{export_id}/download": _sandbox_op(
            "下载已批准的结果（CSV，仅一次，含交付标识） · the approved result as CSV, once, "
            "under a delivery identifier", [export],
            {"200": {"description": "the CSV (X-Delivery-Id header; the identifier in every "
                     "row); a second download is 422 export-downloaded",
                     "content": {"text/csv": {"schema": {"type": "string"}}}}},
            method="post"),
    }  # fmt: skip


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
        **sandbox_paths(),
    }  # fmt: skip
