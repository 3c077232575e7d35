"""File downloads: the right Content-Type, Chinese file names (RFC 5987), ETag and Range."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, send_file
from werkzeug.http import parse_range_header

from catalog import queries
from catalog.access import public_distribution
from catalog.errors import NotFound
from portal.db import get_session, services
from portal.stats import count_download

bp = Blueprint("downloads", __name__)


@bp.get("/dataset/<id_or_slug>/resource/<resource_id>/download")
@bp.get("/dataset/<id_or_slug>/resource/<resource_id>/download/<path:file_name>")
def download(id_or_slug: str, resource_id: str, file_name: str | None = None) -> Response:
    session = get_session()
    dataset = queries.get_public_dataset(session, id_or_slug)
    distribution = (
        next((d for d in dataset.distributions if d.id == resource_id), None) if dataset else None
    )
    if distribution is None:
        abort(404)
    public = public_distribution(dataset, distribution)
    if not public.files_open:
        abort(403)
    if not public.stored_file:
        if public.download_url:
            if _counts_as_download():
                _count(distribution.id)
            return redirect(public.download_url)
        abort(404)
    try:
        path = services().files.path(distribution.stored_file)
    except NotFound:
        abort(404)
    _clamp_suffix_range(path.stat().st_size)
    response = send_file(
        path,
        mimetype=distribution.media_type or "application/octet-stream",
        as_attachment=True,
        download_name=distribution.file_name or distribution.title,
        conditional=True,
        etag=distribution.sha256 or True,
        max_age=3600,
    )
    if _counts_as_download(response):
        _count(distribution.id)
    return response


def _clamp_suffix_range(size: int) -> None:
    """RFC 9110 §14.1.2: a suffix range longer than the file (``bytes=-999999`` of a 127 KB
    file) selects the whole file, answered 206 ``bytes 0-(n-1)/n``. werkzeug answers 416, so
    such a header is rewritten to the file's length before ``send_file`` reads it."""
    ranges = parse_range_header(request.headers.get("Range"))
    if ranges is None or ranges.units != "bytes" or len(ranges.ranges) != 1 or size == 0:
        return
    start, end = ranges.ranges[0]
    if end is None and start < 0 and -start > size:
        request.environ["HTTP_RANGE"] = f"bytes=-{size}"


def _counts_as_download(response: Response | None = None) -> bool:
    """The one counting rule: a completed download is counted once. A GET without ``Range``
    counts, and a ranged GET only when its range starts at byte 0 (the first piece of a
    download, not every resumed chunk); HEAD, 304 and 416 never count. For a redirect to the
    source (``response`` None) the request's own ``Range`` header decides."""
    if request.method != "GET":
        return False
    ranges = parse_range_header(request.headers.get("Range"))
    if response is None:
        return request.headers.get("Range") is None or (
            ranges is not None and len(ranges.ranges) == 1 and ranges.ranges[0][0] == 0
        )
    if response.status_code == 200:
        return True
    content_range = response.content_range
    return response.status_code == 206 and content_range is not None and content_range.start == 0


def _count(distribution_id: str) -> None:
    """Count a download in memory: the counts are written in batches, to the day's counters
    and to ``distribution.download_count`` together (:mod:`catalog.stats.counters`)."""
    count_download(distribution_id)
