"""Sending a masked copy of a granted file: shared by the signed links (channel ``link``) and
the API (channel ``token``).

The grant is asked for again on every request (:func:`catalog.applications.delivery.
prepare_delivery` asks :func:`catalog.access.active_grant`), the delivery is logged, and the
copy is masked into a spooled temporary file (memory up to :data:`SPOOL_BYTES`, then disk) so
that its size is logged with it and a failure midway sends nothing. The stored original is
only read.
"""

from __future__ import annotations

import tempfile

from flask import Response, current_app, send_file
from sqlalchemy.orm import Session

from catalog.applications.delivery import NotGranted, prepare_delivery
from catalog.applications.models import Grant
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.models import Dataset, Distribution
from catalog.permissions import Actor
from portal.db import services

SPOOL_BYTES = 8 * 1024 * 1024


def masking_secret() -> bytes:
    """The secret every grant's pseudonym key derives from (``GXDATA_MASKING_KEY``); the
    delivery and ``gxdata trace`` must use the same bytes."""
    return str(current_app.config["MASKING_KEY"]).encode()


def granted_file(
    session: Session, actor: Actor, grant_id: str, distribution_id: str
) -> tuple[Dataset, Distribution]:
    """The dataset and file a grant of ``actor``'s names; ``NotGranted`` for anything else
    (whether the grant is active now is :func:`prepare_delivery`'s to say)."""
    grant = session.get(Grant, grant_id[:32])
    distribution = session.get(Distribution, distribution_id[:36])
    if grant is None or distribution is None or grant.user_id != actor.user_id:
        raise NotGranted("no grant of yours names this file")
    dataset = session.get(Dataset, grant.dataset_id)
    if dataset is None or distribution.dataset_id != dataset.id:
        raise NotGranted("no grant of yours names this file")
    return dataset, distribution


def masked_copy(actor: Actor, grant_id: str, distribution_id: str, origin: Origin) -> Response:
    """The masked copy as an attachment, logged; raises ``NotGranted`` (or another
    ``CatalogError``) before anything is logged when it may not go out."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - sent, then closed
    try:
        with services().session_factory() as db, db.begin():
            dataset, distribution = granted_file(db, actor, grant_id, distribution_id)
            prepared = prepare_delivery(
                db, actor, dataset, distribution, secret=masking_secret(), origin=origin,
                now=utcnow(),
            )  # fmt: skip
            assert distribution.stored_file is not None
            with services().files.path(distribution.stored_file).open("rb") as source:
                prepared.write(source, spool)
            prepared.record.bytes = spool.tell()
            file_name, media_type = prepared.file_name, prepared.media_type
            delivery_id = prepared.record.id
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    response = send_file(
        spool, mimetype=media_type, as_attachment=True, download_name=file_name,
        conditional=False, etag=False, max_age=0,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Delivery-Id"] = delivery_id
    return response
