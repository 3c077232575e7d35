"""The data requests list of ``/api/v1`` (:mod:`portal.datarequests.api`) in its OpenAPI
document: the page of requests and one request, without personal data."""

from __future__ import annotations

from typing import Any

from catalog.datarequests.service import SORTS, STATES

DATA_REQUEST_STATES = STATES
DATA_REQUEST_SORTS = SORTS
_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
DATA_REQUEST_SCHEMAS: dict[str, Any] = {
    "DataRequest": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": _STR,
            "title": _STR,
            "description": _STR,
            "purpose": _STR,
            "state": {"type": "string", "enum": list(STATES)},
            "supporters": {"type": "integer"},
            "department": {
                "type": ["object", "null"],
                "properties": {"id": _STR, "name": _STR},
            },
            "created": _STR,
            "answer": _NSTR,
            "publish_by": _NSTR,
            "answer_url": _NSTR,
            "answer_dataset": _NSTR,
            "close_reason": _NSTR,
        },
        "required": ["id", "url", "title", "state", "supporters", "created"],
    },
    "DataRequestPage": {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "next": _NSTR,
            "links": {"type": "object", "properties": {"next": _NSTR}},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/DataRequest"}},
        },
        "required": ["total", "limit", "next", "results"],
    },
}
