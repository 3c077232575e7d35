"""Errors of the JSON APIs as RFC 9457 problem details (``application/problem+json``).

``type`` is a stable URI under the portal's base URL ending in a kebab-case code
(``{base}/problems/query-timeout``); the page at that address explains the problem.
"""

from __future__ import annotations

from flask import Response, current_app, json

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem(status: int, code: str, detail: str, **extra: object) -> Response:
    body = {
        "type": f"{current_app.config['BASE_URL']}/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
