"""REST ``/api/v1`` writes over :mod:`catalog.publishing.acts`, described in the OpenAPI
document (:mod:`portal.api.openapi_write`).

- ``POST /datasets``: a new draft (``slug`` optional; ``department`` a slug, else the token
  owner's only department). ``PUT /datasets/{id}``: every writable field replaced (one not
  given is emptied; the department stays unless given). ``PATCH``: only the fields given.
  ``DELETE``: withdrawn (kept). ``POST /datasets/{id}/publish``: published, or pending where
  the department requires review.
- ``POST /datasets/{id}/files``: JSON ``{title, download_url | access_url, …}`` adds a link; a
  multipart form with ``file`` (and ``title``, ``description``) stores an upload typed by its
  content. ``PATCH /datasets/{id}/files/{file_id}``: its description (a multipart ``file``
  replaces the file); ``DELETE`` removes it.

Only an API token says who acts (:func:`portal.auth.api_actor`; never a cookie). Errors are
problem details: 401 without a live token, 403 refused (another department, a read token, a
harvested dataset), 404, 409 a slug in use, 413 a file too large, 422 invalid values with
``errors: {field: [message]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, json, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from catalog.errors import CatalogError, FileTooLarge, InvalidValue
from catalog.models import Dataset, Distribution
from catalog.permissions import Actor
from catalog.publishing import acts
from catalog.slugs import SLUG_PATTERN
from exports import rest
from portal.api.v1 import WRITE_CORS
from portal.api.writing import find_department, only_department, replace_upload, store_upload
from portal.auth import BadToken, NoToken, api_actor, origin
from portal.db import services
from portal.i18n import current_language
from portal.problems import problem

bp = Blueprint("rest_write", __name__, url_prefix="/api/v1")
AUTHENTICATE = 'Bearer realm="gxdata", charset="UTF-8"'

TEXT_FIELDS = (
    "title", "description", "topic", "industry", "identifier", "version", "landing_page",
    "access_conditions", "service_item", "result_name", "source_system",
    "application_scenarios",
)  # fmt: skip
CODED_FIELDS = (
    "category", "open_type", "update_frequency", "spatial", "share_type", "sensitivity",
    "delivery_channel", "licence",
)  # fmt: skip
DATETIME_FIELDS = ("issued", "modified")
# what a GET answers beside the writable fields: ignored in a PUT/PATCH body, so that a read
# dataset can be sent back changed
READ_ONLY = frozenset(
    {"id", "uri", "links", "formats", "metadata_modified", "files_open", "distributions", "state"}
)
# what PUT empties a field to when the body leaves it out
EMPTY: dict[str, Any] = {
    "description": "", "keywords": [], "is_e_licence": False, "open_type": "unconditional",
}  # fmt: skip
FILE_TEXT_FIELDS = (
    "title", "description", "download_url", "access_url", "format", "media_type", "licence",
    "conforms_to",
)  # fmt: skip
STORED_FILE_KEYS = frozenset({"download_url", "access_url", "format", "media_type"})


class Problem(Exception):
    def __init__(self, status: int, code: str, detail: str, errors: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors = status, code, detail, errors


def invalid(field: str, message: str) -> Problem:
    return Problem(422, "invalid-value", f"{field}: {message}", {field: [message]})


@bp.errorhandler(Problem)
def _problem(error: Problem) -> Response:
    extra = {"errors": error.errors} if error.errors else {}
    response = problem(error.status, error.code, error.detail, **extra)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = AUTHENTICATE
    return response


@bp.errorhandler(CatalogError)
def _catalog_error(error: CatalogError) -> Response:
    if isinstance(error, acts.Forbidden | acts.HarvestedReadOnly):
        return _problem(Problem(403, error.code, error.message))
    if isinstance(error, FileTooLarge):
        return _problem(Problem(413, error.code, error.message))
    field = error.field or "body"
    status = 422 if isinstance(error, InvalidValue) else 400
    return _problem(Problem(status, error.code, error.message, {field: [error.message]}))


def writes(view: Callable[..., tuple[Any, int]]) -> Callable[..., Response]:
    """Run a write view as the token's actor in one transaction; answer its JSON."""

    def run(**kwargs: Any) -> Response:
        try:
            actor = api_actor()
        except (NoToken, BadToken) as error:
            raise Problem(401, "unauthorized", str(error)) from error
        with services().session_factory() as db, db.begin():
            body, status = view(db, actor, **kwargs)
        if body is None:
            return Response(status=204)
        text = json.dumps(body, ensure_ascii=False)
        return Response(text, status=status, mimetype="application/json")

    run.__name__ = view.__name__
    return run


# -- datasets ------------------------------------------------------------------------------


@bp.post("/datasets")
@writes
def create(db: Session, actor: Actor) -> tuple[Any, int]:
    body = _json_body()
    fields = _dataset_fields(db, body, replace=True)
    department = fields.pop("department", None) or only_department(db, actor)
    if department is None:
        raise invalid("department", "required: the slug of the dataset's department")
    slug = _slug(db, body.get("slug"))
    dataset = acts.create_dataset(db, actor, department, fields, origin(), slug=slug)
    return _detail(dataset), 201


@bp.put("/datasets/<dataset_id>")
@bp.patch("/datasets/<dataset_id>")
@writes
def edit(db: Session, actor: Actor, dataset_id: str) -> tuple[Any, int]:
    """PUT replaces every writable field, PATCH only those given."""
    dataset = _dataset(db, actor, dataset_id)
    fields = _dataset_fields(db, _json_body(), replace=request.method == "PUT")
    acts.edit_dataset(db, actor, dataset, fields, origin())
    return _detail(dataset), 200


@bp.delete("/datasets/<dataset_id>")
@writes
def withdraw(db: Session, actor: Actor, dataset_id: str) -> tuple[Any, int]:
    acts.withdraw_dataset(db, actor, _dataset(db, actor, dataset_id), origin())
    return None, 204


@bp.post("/datasets/<dataset_id>/publish")
@writes
def publish(db: Session, actor: Actor, dataset_id: str) -> tuple[Any, int]:
    dataset = acts.publish_dataset(db, actor, _dataset(db, actor, dataset_id), origin())
    return _detail(dataset), 200


# -- files ---------------------------------------------------------------------------------


@bp.post("/datasets/<dataset_id>/files")
@writes
def add_file(db: Session, actor: Actor, dataset_id: str) -> tuple[Any, int]:
    dataset = _dataset(db, actor, dataset_id)
    upload = _upload()
    if upload is not None:
        fields = _file_fields(request.form, ("title", "description"))
        distribution = store_upload(db, actor, dataset, upload, **fields)
    else:
        fields = _file_fields(_json_body(), FILE_TEXT_FIELDS)
        if not fields.get("download_url") and not fields.get("access_url"):
            raise invalid("download_url", "a link needs download_url or access_url")
        title = fields.pop("title", None) or fields.get("download_url") or fields["access_url"]
        distribution = acts.add_link(db, actor, dataset, title=title, origin=origin(), **fields)
    return _file(distribution), 201


@bp.patch("/datasets/<dataset_id>/files/<file_id>")
@writes
def edit_file(db: Session, actor: Actor, dataset_id: str, file_id: str) -> tuple[Any, int]:
    distribution = _distribution(db, actor, dataset_id, file_id)
    upload = _upload()
    if upload is not None:
        replace_upload(db, actor, distribution, upload)
        fields = _file_fields(request.form, ("title", "description"))
    else:
        fields = _file_fields(_json_body(), FILE_TEXT_FIELDS)
        fixed = sorted(STORED_FILE_KEYS & set(fields)) if distribution.stored_file else []
        if fixed:
            raise invalid(fixed[0], "an uploaded file's address and type come from its content")
    acts.edit_distribution(db, actor, distribution, fields, origin())
    return _file(distribution), 200


@bp.delete("/datasets/<dataset_id>/files/<file_id>")
@writes
def remove_file(db: Session, actor: Actor, dataset_id: str, file_id: str) -> tuple[Any, int]:
    acts.remove_distribution(db, actor, _distribution(db, actor, dataset_id, file_id), origin())
    return None, 204


# -- reading the request -------------------------------------------------------------------


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(422, "invalid-body", "the body must be a JSON object", {"body": ["object"]})
    return body


def _upload() -> FileStorage | None:
    upload = request.files.get("file")
    return upload if upload is not None and upload.filename else None


def _dataset_fields(db: Session, body: Mapping[str, Any], *, replace: bool) -> dict[str, Any]:
    """The catalog's fields from a body shaped as a GET answers (codes for coded fields);
    with ``replace``, every writable field left out is emptied."""
    fields: dict[str, Any] = {}
    for key, value in body.items():
        if key in READ_ONLY or key == "slug":
            continue
        reader = READERS.get(key)
        if reader is None:
            raise invalid(key, "not a writable field")
        fields.update(reader(db, key, value))
    if replace:
        if not fields.get("title"):
            raise invalid("title", "required")
        for name in (*TEXT_FIELDS, *CODED_FIELDS, *DATETIME_FIELDS, "record_count"):
            fields.setdefault(name, EMPTY.get(name))
        for name in ("keywords", "is_e_licence", "temporal_start", "temporal_end"):
            fields.setdefault(name, EMPTY.get(name))
        for name in ("contact_name", "contact_phone", "contact_email", "conditions"):
            fields.setdefault(name, None)
    return fields


def _text(key: str, value: Any, column: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(key, "must be a string")
    value = value.strip()
    length = getattr(column.type, "length", None)
    if length is not None and len(value) > length:
        raise invalid(key, f"at most {length} characters")
    if "\x00" in value:
        raise invalid(key, "must not hold a NUL character")
    return value or None


def _read_text(db: Session, key: str, value: Any) -> dict[str, Any]:
    text = _text(key, value, Dataset.__table__.c[key])
    return {key: EMPTY.get(key) if text is None else text}


def _read_coded(db: Session, key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):  # as a GET answers it: {"code": …, "label": …}
        value = value.get("code")
    return {key: _text(key, value, Dataset.__table__.c[key]) or EMPTY.get(key)}


def _read_datetime(db: Session, key: str, value: Any) -> dict[str, Any]:
    return {key: _when(key, value, datetime.fromisoformat)}


def _when(key: str, value: Any, parse: Callable[[str], Any]) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(key, "must be an ISO 8601 string")
    try:
        parsed = parse(value)
    except ValueError as error:
        raise invalid(key, "must be an ISO 8601 date") from error
    if isinstance(parsed, datetime) and parsed.tzinfo is not None:
        raise invalid(key, "give the time without an offset (UTC)")
    return parsed


def _read_keywords(db: Session, key: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {key: []}
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise invalid(key, "must be a list of strings")
    if any(len(k) > 100 or "\x00" in k for k in value):
        raise invalid(key, "each keyword at most 100 characters")
    return {key: value}


def _read_flag(db: Session, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, bool):
        raise invalid(key, "must be true or false")
    return {key: value}


def _read_count(db: Session, key: str, value: Any) -> dict[str, Any]:
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63
    ):
        raise invalid(key, "must be a whole number from 0")
    return {key: value}


def _read_department(db: Session, key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        value = value.get("slug")
    if not isinstance(value, str) or not value:
        raise invalid(key, "must be a department's slug")
    department = find_department(db, value)
    if department is None:
        raise invalid(key, "no department has this slug")
    return {"department": department}


def _read_contact(db: Session, key: str, value: Any) -> dict[str, Any]:
    value = {} if value is None else value
    if not isinstance(value, dict) or set(value) - {"name", "phone", "email"}:
        raise invalid(key, "must be an object of name, phone, email")
    column = Dataset.__table__.c
    return {
        f"contact_{part}": _text(f"contact.{part}", value.get(part), column[f"contact_{part}"])
        for part in ("name", "phone", "email")
    }


def _read_temporal(db: Session, key: str, value: Any) -> dict[str, Any]:
    value = {} if value is None else value
    if not isinstance(value, dict) or set(value) - {"start", "end"}:
        raise invalid(key, "must be an object of start, end")
    return {
        f"temporal_{end}": _when(f"temporal.{end}", value.get(end), date.fromisoformat)
        for end in ("start", "end")
    }


def _read_conditions(db: Session, key: str, value: Any) -> dict[str, Any]:
    """The structured conditions as a GET answers them; checked by catalog.conditions."""
    if value is not None and not isinstance(value, dict):
        raise invalid(key, "must be an object (or null)")
    return {"conditions": value}


READERS: dict[str, Callable[[Session, str, Any], dict[str, Any]]] = {
    **{name: _read_text for name in TEXT_FIELDS},
    **{name: _read_coded for name in CODED_FIELDS},
    **{name: _read_datetime for name in DATETIME_FIELDS},
    "keywords": _read_keywords,
    "is_e_licence": _read_flag,
    "record_count": _read_count,
    "department": _read_department,
    "contact": _read_contact,
    "temporal": _read_temporal,
    "conditions": _read_conditions,
}


def _file_fields(body: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = sorted(set(body) - set(allowed) - {"id", "dataset_id", "uri"})
    if unknown:
        raise invalid(unknown[0], "not a writable field")
    column = Distribution.__table__.c
    return {key: _text(key, body[key], column[key]) for key in allowed if key in body}


def _slug(db: Session, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not SLUG_PATTERN.match(value) or len(value) > 100:
        raise invalid("slug", "lower-case letters, digits, - and _ (at most 100)")
    if db.scalar(select(Dataset.id).where(Dataset.slug == value)) is not None:
        raise Problem(409, "slug-taken", "another dataset has this slug", {"slug": ["taken"]})
    return value


def _dataset(db: Session, actor: Actor, dataset_id: str) -> Dataset:
    dataset = acts.visible_dataset(db, actor, dataset_id)
    if dataset is None:
        raise Problem(404, "not-found", f"no dataset you may see is {dataset_id!r}")
    return dataset


def _distribution(db: Session, actor: Actor, dataset_id: str, file_id: str) -> Distribution:
    dataset = _dataset(db, actor, dataset_id)
    found = next((d for d in dataset.distributions if d.id == file_id), None)
    if found is None:
        raise Problem(404, "not-found", f"the dataset has no file {file_id!r}")
    return found


def _detail(dataset: Dataset) -> dict[str, Any]:
    base = current_app.config["BASE_URL"]
    return {**rest.dataset_detail(dataset, base, current_language()), "state": dataset.state}


def _file(distribution: Distribution) -> dict[str, Any]:
    base = current_app.config["BASE_URL"]
    return rest.distribution_dict(distribution, distribution.dataset, base)


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.update(WRITE_CORS)
    return response
