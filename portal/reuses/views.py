"""The reuse and competition pages.

``/reuses`` (approved reuses, by kind or competition), ``/reuses/new`` (a signed-in person
registers one; it waits for an administrator), ``/reuses/<slug>`` (with its provenance panel,
citations and schema.org JSON-LD, also at ``/reuses/<slug>.jsonld``), ``/reuses/<slug>/image``,
``/account/reuses`` (one's own, with their states), ``/competitions`` and
``/competitions/<slug>``. A reuse that is not approved is shown only to its owner and to
administrators; for anyone else it does not exist (404).
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from catalog.beijing import beijing
from catalog.db import utcnow
from catalog.errors import CatalogError, NotFound
from catalog.models import Dataset
from catalog.permissions import Actor
from catalog.queries import get_public_dataset
from catalog.reuses import provenance, service
from catalog.reuses.images import MAX_IMAGE_BYTES
from catalog.reuses.models import APPROVED, KINDS, Reuse
from exports.citations import citable, gbt7714
from exports.reuse_jsonld import reuse_jsonld
from portal import auth
from portal.db import get_session
from portal.errors import handle_http_error
from portal.params import page_arg
from portal.reuses import admin, commands, messages
from portal.reuses.forms import DecisionForm, ReuseForm, dataset_rows, padded, uses_of

bp = Blueprint("reuses", __name__)
SLUG = "<string(maxlength=100):slug>"
FORM_OVERHEAD = 64 * 1024


def init_app(app: Flask) -> None:
    """The pages, the administration queue, the labels for templates and ``gxdata reuses``."""
    app.register_blueprint(bp)
    app.register_blueprint(admin.bp)
    app.cli.add_command(commands.reuses_group)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"reuse_kind_label": messages.kind_label,
            "reuse_state_label": messages.state_label,
            "reuses_of": _reuses_of}  # fmt: skip


def _reuses_of(dataset: Dataset) -> service.ReusePage:
    """The newest approved reuses built on a dataset and their count (its page's block)."""
    return service.reuses_of_dataset(get_session(), dataset.id)


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: Any) -> None:
    """The registration form carries one image: a much longer request is refused (413)
    before its body is read; one up to twice the image limit gets the message in words."""
    if endpoint == "reuses.new":
        request.max_content_length = 2 * MAX_IMAGE_BYTES + FORM_OVERHEAD


def _actor() -> Actor:
    actor = auth.session_actor()
    if not actor.authenticated:
        abort(redirect(url_for(auth.SIGN_IN, next=request.full_path.rstrip("?"))))
    return actor


@bp.get("/reuses")
def listing() -> str:
    session = get_session()
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    slug = request.args.get("competition", "")[:100]
    competition = service.get_competition(session, slug) if slug else None
    named = request.args.get("dataset", "")[:100]
    dataset = get_public_dataset(session, named) if named else None
    if named and dataset is None:
        abort(404)  # not a public dataset: nothing of it is listed
    found = service.public_reuses_page(
        session, kind or None, competition.id if competition else None,
        dataset.id if dataset else None,
        page=page_arg(),
    )  # fmt: skip
    query = {k: v for k, v in (("kind", kind), ("competition", competition and competition.slug),
                               ("dataset", dataset and dataset.slug)) if v}  # fmt: skip
    return render_template(
        "reuses/list.html", found=found, reuses=found.items, kinds=KINDS, kind=kind,
        competition=competition, competitions=service.competitions(session), dataset=dataset,
        query=query, signed_in=auth.session_actor().authenticated,
    )  # fmt: skip


def _expired_message() -> str:
    return _("This page has expired. Please send it again.")


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError) -> Any:
    """The registration form sent with a token that no longer holds (an old page): the form
    again, filled in as it was typed (but the image, which is sent again) with a fresh token,
    and nothing registered."""
    if request.endpoint != "reuses.new" or not auth.session_actor().authenticated:
        return handle_http_error(error)
    flash(_expired_message(), "error")
    form = ReuseForm()
    form.fill_choices([(c.slug, c.title) for c in service.competitions(get_session())])
    return render_template("reuses/new.html", form=form, rows=padded(dataset_rows(request)),
                           found=[], max_mb=MAX_IMAGE_BYTES // (1024 * 1024)), 400  # fmt: skip


@bp.route("/reuses/new", methods=["GET", "POST"])
def new() -> Any:
    actor = _actor()
    session = get_session()
    form = ReuseForm()
    form.fill_choices([(c.slug, c.title) for c in service.competitions(session)])
    rows = dataset_rows(request) if request.method == "POST" else []
    found: list[Dataset] = []
    status = 200
    if request.method == "GET" and request.args.get("dataset"):
        rows = [(request.args["dataset"][:100], "")]  # "register a reuse of this dataset"
    if request.method == "POST" and not form.validate_on_submit():
        expired = bool(form.csrf_token.errors)  # not the text's fault: an old page
        flash(_expired_message() if expired else messages.refusal_message("too-long"), "error")
        status = 400 if expired else 422
    elif request.method == "POST" and request.form.get("action") == "search":
        found = service.search_datasets(session, form.q.data or "")
        if not found:
            flash(_("No public dataset matches “%(q)s”.", q=form.q.data or ""), "error")
    elif request.method == "POST":
        reuse, status = _register(actor, form, rows)
        if reuse is not None:
            flash(_("Thank you. The reuse is registered and waits for an administrator's "
                    "approval; it is public once approved."), "success")  # fmt: skip
            return redirect(url_for("reuses.mine"), 303)
    return render_template("reuses/new.html", form=form, rows=padded(rows), found=found,
                           max_mb=MAX_IMAGE_BYTES // (1024 * 1024)), status  # fmt: skip


def _register(
    actor: Actor, form: ReuseForm, rows: list[tuple[str, str]]
) -> tuple[Reuse | None, int]:
    session = get_session()
    uses = uses_of(rows)
    if uses is None:
        flash(messages.refusal_message("bad-version"), "error")
        return None, 422
    sent = form.image.data
    image = sent.stream.read(MAX_IMAGE_BYTES + 1) if sent is not None and sent.filename else None
    submission = service.Submission(
        kind=form.kind.data or "", title=form.title.data or "", team=form.team.data or "",
        description=form.description.data or "", url=form.url.data or "", uses=uses,
        competition=form.competition.data or None, round=form.round.data or None, image=image,
    )  # fmt: skip
    try:
        reuse = service.register(session, actor, auth.origin(), submission)
        session.commit()
    except CatalogError as error:
        session.rollback()
        message = messages.refusal_message(error.code)
        if error.code == "unknown-dataset" and error.message:
            message = f"{message}（{error.message}）"
        flash(message, "error")
        return None, 422
    return reuse, 201


@bp.get("/reuses/datasets.json")
def suggest() -> Response:
    """The form's picker: public datasets whose title matches ``q`` (signed-in people)."""
    _actor()
    found = service.search_datasets(get_session(), request.args.get("q", "")[:100])
    results = [
        {"id": d.id, "slug": d.slug, "title": d.title,
         "department": d.department.name if d.department else ""}
        for d in found
    ]  # fmt: skip
    return jsonify({"results": results})


@bp.get(f"/reuses/{SLUG}")
def page(slug: str) -> str:
    session = get_session()
    actor = auth.session_actor()
    reuse = service.visible_reuse(session, actor, slug)
    if reuse is None:
        abort(404)
    base = current_app.config["BASE_URL"]
    uses = service.public_uses(reuse)
    rows = provenance.source_rows(uses, base)
    today = beijing(utcnow()).date()
    citations = [(use.dataset, gbt7714(citable(use.dataset, base, today))) for use in uses]
    return render_template(
        "reuses/page.html", reuse=reuse, uses=uses, rows=rows,
        provenance_zh=provenance.text_zh(rows), provenance_en=provenance.text_en(rows),
        citations=citations, jsonld=reuse_jsonld(reuse, uses, base),
        owner=actor.authenticated and reuse.owner_id == actor.user_id,
    )  # fmt: skip


@bp.get(f"/reuses/{SLUG}.jsonld")
def jsonld(slug: str) -> Response:
    reuse = service.visible_reuse(get_session(), auth.session_actor(), slug)
    if reuse is None:
        abort(404)
    node = reuse_jsonld(reuse, service.public_uses(reuse), current_app.config["BASE_URL"])
    body = json.dumps(node, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/ld+json")


@bp.get(f"/reuses/{SLUG}/image")
def image(slug: str) -> Response:
    reuse = service.visible_reuse(get_session(), auth.session_actor(), slug)
    if reuse is None or not reuse.image or reuse.image_type not in ("image/png", "image/jpeg"):
        abort(404)
    response = Response(reuse.image, mimetype=reuse.image_type)
    # a shared cache keeps only an approved reuse's image: one pending or rejected is shown to
    # its owner and the administrators alone
    public = reuse.state == APPROVED
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.post(f"/reuses/{SLUG}/withdraw")
def withdraw(slug: str) -> Response:
    actor = _actor()
    session = get_session()
    reuse = service.visible_reuse(session, actor, slug)
    if reuse is None or not DecisionForm().validate_on_submit():
        abort(404 if reuse is None else 400)
    try:
        service.withdraw(session, actor, auth.origin(), reuse.id, request.form.get("reason", ""))
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except CatalogError as error:
        session.rollback()
        flash(messages.refusal_message(error.code), "error")
    else:
        flash(_("The reuse is withdrawn."), "success")
    return redirect(url_for("reuses.mine"), 303)  # type: ignore[return-value]


@bp.get("/account/reuses")
def mine() -> str:
    actor = _actor()
    assert actor.user_id is not None
    reuses = service.own_reuses(get_session(), actor.user_id)
    return render_template("reuses/mine.html", reuses=reuses)


@bp.get("/competitions")
def competitions() -> str:
    return render_template("reuses/competitions.html",
                           competitions=service.competitions(get_session()))  # fmt: skip


@bp.get(f"/competitions/{SLUG}")
def competition(slug: str) -> str:
    session = get_session()
    found = service.get_competition(session, slug)
    if found is None:
        abort(404)
    entries = service.public_reuses(session, competition_id=found.id)
    by_round: dict[str, list[Reuse]] = {}
    for entry in entries:
        by_round.setdefault(entry.round or "", []).append(entry)
    return render_template(
        "reuses/competition.html", competition=found, entries=entries,
        rounds=[(r, by_round.get(r, [])) for r in [*found.rounds, ""] if by_round.get(r)],
        most_used=service.most_used_datasets(entries),
    )  # fmt: skip
