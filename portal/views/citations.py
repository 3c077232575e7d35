"""A dataset's citations: ``/dataset/<id>/citation.{bib,ris,json,xml,txt}`` and, through
content negotiation on ``/dataset/<id>`` (:func:`portal.negotiation.negotiate_with_citations`),
the same documents for ``Accept: application/x-bibtex`` and the like.

Only public datasets are cited (:func:`catalog.queries.get_public_dataset`; anything else is
404): a conditional dataset's metadata is public, so it is cited like any other. The formats
are :mod:`exports.citations`; the access date is today in Beijing time.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app

from catalog import queries
from catalog.beijing import beijing
from catalog.db import utcnow
from catalog.models import Dataset
from exports.citations import BY_SUFFIX, CITATION_FORMATS, Citable, CitationFormat, citable
from portal.db import get_session
from portal.negotiation import vary_accept

bp = Blueprint("citations", __name__)
SUFFIXES = "any(" + ",".join(f.suffix for f in CITATION_FORMATS) + ")"


def today() -> date:
    """The access date of a citation: today in Beijing."""
    return beijing(utcnow()).date()


def dataset_citable(dataset: Dataset) -> Citable:
    return citable(dataset, current_app.config["BASE_URL"], today())


def citation_response(dataset: Dataset, fmt: CitationFormat) -> Response:
    """The citation file, shown inline with a file name to save it under."""
    response = Response(fmt.write(dataset_citable(dataset)), content_type=fmt.media_type)
    response.headers["Content-Disposition"] = f'inline; filename="{dataset.id}.{fmt.suffix}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return vary_accept(response)


@bp.get(f"/dataset/<id_or_slug>/citation.<{SUFFIXES}:suffix>")
def citation(id_or_slug: str, suffix: str) -> Response:
    found = queries.get_public_dataset(get_session(), id_or_slug) or abort(404)
    return citation_response(found, BY_SUFFIX[suffix])
