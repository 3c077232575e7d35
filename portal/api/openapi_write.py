"""The write operations of ``/api/v1`` in its OpenAPI document: the API-token security
schemes, request bodies and answers of :mod:`portal.api.v1_write`."""

from __future__ import annotations

from typing import Any

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
CODE = {
    "anyOf": [STR, {"type": "object", "properties": {"code": STR}}, {"type": "null"}],
    "description": "词表代码（或 GET 返回的 {code, label}） · a vocabulary code",
}
TOKEN_NOTE = (
    "API 令牌：在账户页 /account 创建，或运行 gxdata user token add USER NAME --scope publish；"
    "也接受 Authorization: Bearer <令牌> 与 X-CKAN-API-Key: <令牌> · an API token from the "
    "account page or the CLI; Bearer and X-CKAN-API-Key are accepted too"
)
SECURITY_SCHEMES: dict[str, Any] = {
    "apiToken": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": TOKEN_NOTE,
    },
    "bearerToken": {"type": "http", "scheme": "bearer", "description": TOKEN_NOTE},
    "ckanApiKey": {"type": "apiKey", "in": "header", "name": "X-CKAN-API-Key"},
}
SECURITY = [{"apiToken": []}, {"bearerToken": []}, {"ckanApiKey": []}]

DATASET_FIELDS: dict[str, Any] = {
    "title": STR,
    "description": NSTR,
    "department": {"type": ["string", "null"], "description": "部门短名 · department slug"},
    "keywords": {"type": ["array", "null"], "items": STR},
    **{
        name: CODE
        for name in (
            "category",
            "open_type",
            "update_frequency",
            "spatial",
            "share_type",
            "sensitivity",
            "delivery_channel",
            "licence",
        )
    },  # fmt: skip
    **{
        name: NSTR
        for name in (
            "topic",
            "industry",
            "identifier",
            "version",
            "landing_page",
            "access_conditions",
            "service_item",
            "result_name",
            "source_system",
            "application_scenarios",
        )
    },  # fmt: skip
    "issued": {"type": ["string", "null"], "format": "date-time"},
    "modified": {"type": ["string", "null"], "format": "date-time"},
    "is_e_licence": {"type": "boolean"},
    "record_count": {"type": ["integer", "null"], "minimum": 0},
    "contact": {
        "type": ["object", "null"],
        "properties": {"name": NSTR, "phone": NSTR, "email": NSTR},
        "additionalProperties": False,
    },
    "temporal": {
        "type": ["object", "null"],
        "properties": {
            "start": {"type": ["string", "null"], "format": "date"},
            "end": {"type": ["string", "null"], "format": "date"},
        },
        "additionalProperties": False,
    },
    # the structured conditions of conditional data, as a GET answers them
    "conditions": {"anyOf": [{"$ref": "#/components/schemas/Conditions"}, {"type": "null"}]},
}
FILE_FIELDS = {
    name: NSTR
    for name in (
        "title", "description", "download_url", "access_url", "format", "media_type",
        "licence", "conforms_to",
    )
}  # fmt: skip

WRITE_SCHEMAS: dict[str, Any] = {
    "DatasetInput": {
        "type": "object",
        "properties": {
            **DATASET_FIELDS,
            "slug": {"type": "string", "pattern": "^[a-z0-9_-]{1,100}$"},
        },
        "required": ["title"],
    },
    "DatasetPatch": {"type": "object", "properties": DATASET_FIELDS},
    "WrittenDataset": {
        "allOf": [
            {"$ref": "#/components/schemas/Dataset"},
            {
                "type": "object",
                "properties": {"state": {"enum": ["draft", "pending", "published", "withdrawn"]}},
                "required": ["state"],
            },
        ]
    },
    "FileLink": {"type": "object", "properties": FILE_FIELDS},
    "FileUpload": {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary"},
            "title": STR,
            "description": STR,
        },
        "required": ["file"],
    },  # fmt: skip
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(*schemas: tuple[str, str]) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": _ref(s)} for media, s in schemas}}


def _answer(status: str, description: str, schema: str | None) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": _ref("Problem")}}
    ok: dict[str, Any] = {"description": description}
    if schema:
        ok["content"] = {"application/json": {"schema": _ref(schema)}}
    return {
        status: ok,
        "401": {"description": "没有有效的 API 令牌 · no live API token", "content": problem},
        "403": {
            "description": "无权（他部门、只读令牌、采集的数据集） · refused",
            "content": problem,
        },
        "404": {"description": "没有此数据集或文件 · not found", "content": problem},
        "default": {
            "description": "校验错误（409 短名已占用、422 字段错误 errors） · validation errors",
            "content": problem,
        },
    }


def _write(
    summary: str, tag: str, answer: dict[str, Any], body: dict[str, Any] | None, params: list
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "parameters": params,
        "security": SECURITY,
        "responses": answer,
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


def write_paths(dataset_param: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The write operations by path and method, to merge into the document's paths."""
    file_param = {"name": "file_id", "in": "path", "required": True, "schema": STR,
                  "description": "文件（数据资源）的 UUID · the file's UUID"}  # fmt: skip
    one = [dataset_param]
    json_dataset = _body(("application/json", "DatasetInput"))
    file_body = _body(("application/json", "FileLink"), ("multipart/form-data", "FileUpload"))
    return {
        "/datasets": {
            "post": _write(
                "新建数据集（草稿） · create a dataset (a draft)", "datasets",
                _answer("201", "the new draft", "WrittenDataset"), json_dataset, [],
            )
        },
        "/datasets/{dataset_id}": {
            "put": _write(
                "替换数据集的全部字段 · replace a dataset", "datasets",
                _answer("200", "the dataset", "WrittenDataset"), json_dataset, one,
            ),
            "patch": _write(
                "修改给出的字段 · change the fields given", "datasets",
                _answer("200", "the dataset", "WrittenDataset"),
                _body(("application/json", "DatasetPatch")), one,
            ),
            "delete": _write(
                "撤回数据集（保留记录） · withdraw a dataset (kept)", "datasets",
                _answer("204", "withdrawn", None), None, one,
            ),
        },
        "/datasets/{dataset_id}/publish": {
            "post": _write(
                "发布（或提交审核） · publish, or submit for review", "datasets",
                _answer("200", "published or pending", "WrittenDataset"), None, one,
            )
        },
        "/datasets/{dataset_id}/files": {
            "post": _write(
                "添加文件：链接（JSON）或上传（multipart） · add a link or an upload",
                "distributions",
                _answer("201", "the new file", "Distribution"), file_body, one,
            )
        },
        "/datasets/{dataset_id}/files/{file_id}": {
            "patch": _write(
                "修改文件说明（multipart 的 file 替换文件） · edit a file", "distributions",
                _answer("200", "the file", "Distribution"), file_body, [*one, file_param],
            ),
            "delete": _write(
                "删除文件 · remove a file", "distributions",
                _answer("204", "removed", None), None, [*one, file_param],
            ),
        },
    }  # fmt: skip
