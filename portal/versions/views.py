"""The versions of a dataset: ``/dataset/<id>/versions`` (the list), ``…/versions/<n>`` (the
dataset as it was, and what changed), ``…/versions/<n>/citation.<suffix>``, the files a version
names while the store still holds them, ``…/versions.json`` and CKAN's
``package_activity_list``.

Same visibility as the dataset page (:func:`catalog.queries.get_public_dataset`): a dataset
that is not public has no version pages (404). A version's files and links are shown only
when the dataset's files are public now and the version itself was recorded as 无条件开放
(:func:`catalog.access.version_files_open`), and served while the store still holds them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    has_request_context,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from catalog import conditions, queries, uris
from catalog.access import is_not_a_file, version_files_open
from catalog.conditions import Conditions
from catalog.errors import InvalidValue, NotFound
from catalog.models import Dataset
from catalog.versions import latest_number
from catalog.versions.models import API, CLI, EDITOR, DatasetVersion
from catalog.versions.queries import (
    PER_PAGE,
    count_versions,
    get_version,
    open_types,
    versions_of,
)
from catalog.versions.recording import VersionRecorder
from catalog.versions.snapshots import FIELDS, FILE_FIELDS, public_changes, public_snapshot
from exports.citations import (
    BY_MEDIA_TYPE,
    BY_SUFFIX,
    CITATION_FORMATS,
    CitationFormat,
    apa,
    gbt7714,
)
from exports.ckan import CkanValidationError, integer
from exports.version_citations import version_citable
from portal.api.ckan import ACTIONS, ActionNotFound
from portal.db import get_session, services
from portal.negotiation import negotiate_with_citations, not_acceptable, vary_accept
from portal.versions import commands, messages
from portal.views.citations import today

bp = Blueprint("versions", __name__)
SUFFIXES = "any(" + ",".join(f.suffix for f in CITATION_FORMATS) + ")"
RECENT = 5  # versions listed on the dataset page
MAX_ACTIVITIES = 100  # package_activity_list's limit, as CKAN's ckan.activity_list_limit


def init_app(app: Flask) -> None:
    """Record versions on the app's sessions, and serve the pages."""
    factory = app.extensions["gxdata"].session_factory
    app.extensions["gxdata.versions"] = VersionRecorder(factory, _origin)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(recent_versions=_recent)
    ACTIONS["package_activity_list"] = package_activity_list
    commands.register(app.cli)


def _origin(_session: Session) -> str | None:
    """What makes a change, when its caller did not say (catalog.versions.set_origin)."""
    if has_request_context():
        return API if request.path.startswith("/api/") else EDITOR
    if click.get_current_context(silent=True) is not None:
        return CLI
    return None


@bp.context_processor
def _words() -> dict[str, Any]:
    return {
        "field_label": messages.field_label,
        "file_field_label": messages.file_field_label,
        "origin_label": messages.origin_label,
        "file_change_label": messages.file_change_label,
        "shown": messages.shown,
        "shown_file": messages.shown_file,
        "change_summary": messages.summary,
        "conditions_of": _conditions_of,
    }


def _conditions_of(stored: Any) -> Conditions | None:
    """The structured conditions a snapshot holds, shown with the dataset page's list."""
    if not isinstance(stored, dict):
        return None
    try:
        return conditions.of(stored)
    except InvalidValue:  # stored before a rule changed: shown as not given
        return None


def _recent(dataset: Dataset) -> dict[str, Any]:
    """The dataset page's block: the latest few versions and how many there are."""
    session = get_session()
    recent = versions_of(session, dataset.id, RECENT)
    count = len(recent) if len(recent) < RECENT else count_versions(session, dataset.id)
    return {"versions": recent, "count": count, "summary": messages.summary}


def _dataset(id_or_slug: str) -> Dataset:
    return queries.get_public_dataset(get_session(), id_or_slug) or abort(404)


def _version(id_or_slug: str, number: int) -> tuple[Dataset, DatasetVersion]:
    dataset = _dataset(id_or_slug)
    version = get_version(get_session(), dataset.id, number) or abort(404)
    return dataset, version


def _page() -> tuple[int, int]:
    """The list page asked for (``?page=``, from 1) and its offset."""
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), 10_000_000)
    return page, (page - 1) * PER_PAGE


@bp.get("/dataset/<id_or_slug>/versions")
def version_list(id_or_slug: str) -> str:
    dataset = _dataset(id_or_slug)
    page, offset = _page()
    total = count_versions(get_session(), dataset.id)
    return render_template(
        "versions/list.html",
        dataset=dataset,
        versions=versions_of(get_session(), dataset.id, PER_PAGE, offset),
        current=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


@bp.get("/dataset/<id_or_slug>/versions.json")
def version_list_json(id_or_slug: str) -> Response:
    dataset = _dataset(id_or_slug)
    page, offset = _page()
    versions = versions_of(get_session(), dataset.id, PER_PAGE, offset)
    rows = _summaries_json(dataset, versions)
    total = count_versions(get_session(), dataset.id)
    body = {"dataset": dataset.id, "versions": rows, "page": page, "count": total}
    return _cors(jsonify(body))


@bp.get("/dataset/<id_or_slug>/versions/<int(max=2147483647):number>")
def version_page(id_or_slug: str, number: int) -> Response:
    """The version as a page; with ``Accept: application/x-bibtex`` (etc.) its citation, as
    on the dataset's page (no RDF: a version is not a DCAT resource of its own)."""
    dataset, version = _version(id_or_slug, number)
    fmt = negotiate_with_citations()
    if isinstance(fmt, CitationFormat):
        return _citation_response(dataset, version, fmt)
    if fmt is not None:
        abort(not_acceptable("text/html", tuple(BY_MEDIA_TYPE.values())))
    cited = _citable(dataset, version)
    latest = latest_number(get_session(), dataset.id) or number
    page = render_template(
        "versions/version.html",
        dataset=dataset,
        version=version,
        changes=public_changes(version.changes, _changes_open(dataset, version, version.snapshot)),
        latest=latest,
        fields=[(name, version.snapshot["fields"].get(name)) for name in FIELDS],
        files=[_file(dataset, version, f) for f in version.snapshot.get("files", [])],
        file_fields=FILE_FIELDS,
        citation={"gbt7714": gbt7714(cited), "apa": apa(cited)},
        citation_links=[
            (
                _("Text") if f.suffix == "txt" else f.label,
                url_for(".citation", id_or_slug=dataset.id, number=number, suffix=f.suffix),
            )
            for f in CITATION_FORMATS
        ],
    )
    return vary_accept(Response(page))


@bp.get("/dataset/<id_or_slug>/versions/<int(max=2147483647):number>.json")
def version_json(id_or_slug: str, number: int) -> Response:
    dataset, version = _version(id_or_slug, number)
    snapshot = public_snapshot(version.snapshot, version_files_open(dataset, version.snapshot))
    body = _summary_json(dataset, version, version.snapshot) | {"snapshot": snapshot}
    return _cors(jsonify(body))


@bp.get(f"/dataset/<id_or_slug>/versions/<int(max=2147483647):number>/citation.<{SUFFIXES}:suffix>")
def citation(id_or_slug: str, number: int, suffix: str) -> Response:
    dataset, version = _version(id_or_slug, number)
    return _citation_response(dataset, version, BY_SUFFIX[suffix])


def _citation_response(dataset: Dataset, version: DatasetVersion, fmt: CitationFormat) -> Response:
    response = Response(fmt.write(_citable(dataset, version)), content_type=fmt.media_type)
    name = f"{dataset.id}-v{version.number}.{fmt.suffix}"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return vary_accept(_cors(response))


@bp.get("/dataset/<id_or_slug>/versions/<int(max=2147483647):number>/files/<file_id>")
def version_file(id_or_slug: str, number: int, file_id: str) -> Response:
    """A file as the version recorded it, while the store holds its content."""
    dataset, version = _version(id_or_slug, number)
    entry = next((f for f in version.snapshot.get("files", []) if f.get("id") == file_id), None)
    if entry is None:
        abort(404)
    if not version_files_open(dataset, version.snapshot):
        abort(403)
    key = entry.get("stored_file")
    if not key:
        abort(404)
    try:
        path = services().files.path(key)
    except NotFound:  # the store no longer holds it
        abort(404)
    return send_file(
        path,
        mimetype=entry.get("media_type") or "application/octet-stream",
        as_attachment=True,
        download_name=entry.get("file_name") or entry.get("title") or file_id,
        conditional=True,
        etag=entry.get("sha256") or True,
        max_age=3600,
    )


def _citable(dataset: Dataset, version: DatasetVersion) -> Any:
    base = current_app.config["BASE_URL"]
    return version_citable(
        dataset, version.number, version.created_at, version.snapshot, base, today()
    )


def _held(key: str | None) -> bool:
    if not key:
        return False
    try:
        return services().files.exists(key)
    except NotFound:  # not a key of the store
        return False


def _file(dataset: Dataset, version: DatasetVersion, entry: Mapping[str, Any]) -> dict[str, Any]:
    """A file of the version, with where to get it: the stored copy while the store holds it,
    else the link it had; both only when the version's files are public
    (:func:`catalog.access.version_files_open`), and a link that is a page, not the file
    (:func:`catalog.access.is_not_a_file`), is not offered as the file."""
    open_files = version_files_open(dataset, version.snapshot)
    held = _held(entry.get("stored_file"))
    link = None
    if open_files and held:
        link = url_for(
            ".version_file", id_or_slug=dataset.id, number=version.number, file_id=entry["id"]
        )
    return {
        "entry": entry,
        "stored": bool(entry.get("stored_file")),
        "held": held,
        "link": link,
        "remote": _remote(dataset, entry) if open_files else None,
    }


def _remote(dataset: Dataset, entry: Mapping[str, Any]) -> str | None:
    for name in ("download_url", "access_url"):
        url = entry.get(name)
        if isinstance(url, str) and url and not is_not_a_file(url, dataset):
            return url
    return None


def _changes_open(dataset: Dataset, version: DatasetVersion, snapshot: Any) -> bool:
    """Whether a version's differences may show file links: its own files are public
    (:func:`catalog.access.version_files_open`) and so were the previous version's, the
    old values of the differences (the open type did not change in this version)."""
    if not version_files_open(dataset, snapshot):
        return False
    return not any(
        c.get("kind") == "field" and c.get("field") == "open_type" for c in version.changes or []
    )


def _open_snapshot(open_type: Any) -> dict[str, Any]:
    """The part of a snapshot :func:`catalog.access.version_files_open` reads."""
    return {"fields": {"open_type": open_type}}


def _summaries_json(dataset: Dataset, versions: Sequence[DatasetVersion]) -> list[dict[str, Any]]:
    kinds = open_types(get_session(), dataset.id, [v.number for v in versions])
    return [_summary_json(dataset, v, _open_snapshot(kinds.get(v.number))) for v in versions]


def _summary_json(dataset: Dataset, version: DatasetVersion, snapshot: Any) -> dict[str, Any]:
    base = current_app.config["BASE_URL"]
    return {
        "number": version.number,
        "created_at": version.created_at.isoformat() + "Z",
        "origin": version.origin,
        "url": uris.dataset_version_uri(base, dataset.id, version.number),
        "changes": public_changes(version.changes, _changes_open(dataset, version, snapshot)),
    }


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def package_activity_list(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """CKAN's activity stream of a public dataset (``id``: its UUID or name), newest first:
    one "new package" or "changed package" activity per version, ``offset``/``limit`` paged."""
    key = data.get("id")
    if not isinstance(key, str) or not key:
        raise CkanValidationError("id", "Missing value")
    offset = integer(data, "offset", 0, 0, 10_000_000) or 0
    limit = integer(data, "limit", 31, 1, MAX_ACTIVITIES) or 31
    dataset = queries.get_public_dataset(get_session(), key)
    if dataset is None:
        raise ActionNotFound("no public dataset has this id or name")
    versions = versions_of(get_session(), dataset.id, limit, offset)
    summaries = _summaries_json(dataset, versions)
    return [
        {
            "id": f"{dataset.id}-v{v.number}",
            "timestamp": v.created_at.isoformat(),
            "user_id": None,
            "object_id": dataset.id,
            "activity_type": "new package" if v.number == 1 else "changed package",
            "data": summary,
        }
        for v, summary in zip(versions, summaries, strict=True)
    ]
