"""CKAN's write actions, as CKAN answers them, over :mod:`catalog.publishing.acts`.

Registered in the action dispatch of :mod:`portal.api.ckan` (``/api/3/action/<name>``).
Only an API token says who acts (:func:`portal.auth.token_actor`; a session cookie counts
for nothing here, so the API needs no CSRF token); what the actor may do is decided by
:func:`catalog.permissions.can` inside the acts. A package dict is read with the CKAN
harvester's mapping (:mod:`harvesters.ckan_package` then :func:`catalog.harvest.prepare.prepare`),
so a dump of another CKAN loads as that CKAN harvests.

- ``package_create``: a dataset of the department ``owner_org`` (its name or id; else
  ``organization.name``; else the actor's only department), published unless ``state`` is
  ``draft`` (pending where the department requires review); ``resources`` become links.
- ``package_update``: every field replaced; ``resources`` (when given) matched by id, new ones
  added as links, the others removed. ``package_patch``: ``package_show`` merged with the keys
  given, then ``package_update``. ``package_delete``: the dataset is withdrawn (kept).
- ``resource_create``: ``upload`` (a multipart file, as ckanapi sends it) stored and typed by
  its content, or ``url`` as a link. ``resource_update``/``resource_patch``/``resource_delete``:
  the distribution replaced/merged/removed; an ``upload`` replaces its file.
- ``organization_member_create``: CKAN's ``role`` (capacity) ``admin`` or ``editor`` makes the
  user the department's publisher; ``member`` is refused (Validation Error), as no portal role
  only reads a department's drafts (a reviewer also approves). It is an administrator's act,
  which the permission table keeps from API tokens (two factors are not asked of a token).
- ``user_show``: the token's own account. ``api_token_list``: its owner's tokens, no secrets.

Errors: 403 ``Authorization Error`` (no token, a bad, expired or revoked one, another
department, a read token writing, a harvested dataset), 404 ``Not Found Error``, 409
``Validation Error`` with ``{field: [message]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from catalog.accounts import tokens
from catalog.accounts.models import PUBLISHER, User
from catalog.harvest.prepare import Prepared, RecordIssue, prepare
from catalog.models import DRAFT, PUBLISHED, Dataset, Department, Distribution
from catalog.permissions import Actor, acting_departments
from catalog.publishing import acts
from catalog.slugs import SLUG_PATTERN
from exports.ckan import package_dict, resource_dict
from harvesters.ckan_package import FIELD_KEYS, PackageMapper
from portal.api.ckan import Action, ActionForbidden, ActionNotFound, FieldErrors, context
from portal.auth import client, presented_token, request_id, token_actor
from portal.db import services

WriteAction = Callable[[Session, Actor, Mapping[str, Any]], Any]
WRITE_ACTIONS: dict[str, Action] = {}
UUID_LIKE = SLUG_PATTERN  # an id another CKAN gave: lower-case letters, digits, - and _
# CKAN's capacity in an organization -> the portal's department role (None: refused)
CAPACITIES: dict[str, str | None] = {"admin": PUBLISHER, "editor": PUBLISHER, "member": None}
STORED_FILE_KEYS = ("byte_size", "sha256", "format", "media_type")  # the content says these


def register(actions: dict[str, Action]) -> None:
    """Add the write actions to the CKAN action dispatch."""
    actions.update(WRITE_ACTIONS)


def write_action(function: WriteAction) -> WriteAction:
    def run(data: Mapping[str, Any]) -> Any:
        actor = _actor()
        with services().session_factory() as db, db.begin():
            return function(db, actor, data)

    run.__name__ = run.__qualname__ = function.__name__
    run.__doc__ = function.__doc__
    WRITE_ACTIONS[function.__name__] = run
    return function


def _actor() -> Actor:
    """The API token's actor; nobody else writes here (a session cookie is not looked at)."""
    if not presented_token():
        raise ActionForbidden("Access denied: send an API token (Authorization header)")
    actor = token_actor()
    if not actor.authenticated:
        raise ActionForbidden("Access denied: the API token is not valid (expired or revoked?)")
    return actor


def _origin() -> acts.Origin:
    return acts.Origin(request_id(), client())


# -- packages ------------------------------------------------------------------------------


@write_action
def package_create(db: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Create a dataset from a CKAN package dict: ``name`` (required; else ``id``), ``title``,
    ``owner_org`` (a department's name or id), ``notes``, ``tags``, ``resources`` …;
    published unless ``state`` is ``draft``."""
    name = _name(db, data)
    given_id = _new_id(db, data.get("id"))
    department = _department(db, actor, data)
    prepared = _prepared(data)
    fields = {**prepared.fields, "extras": prepared.extras}
    dataset = acts.create_dataset(
        db, actor, department, fields, _origin(), slug=name, dataset_id=given_id
    )
    if prepared.distributions:
        acts.replace_distributions(
            db, actor, dataset, [(None, values) for values in prepared.distributions], _origin()
        )
    if data.get("state") != DRAFT:
        acts.publish_dataset(db, actor, dataset, _origin())
    return _package(dataset)


@write_action
def package_update(db: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Replace a dataset (``id``: its id or name) with the package dict given; ``resources``,
    when given, are matched by id (new ones are links, missing ones removed)."""
    return _update(db, actor, _dataset(db, actor, data.get("id") or data.get("name")), data)


@write_action
def package_patch(db: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Change only the keys given of a dataset (``id``), as CKAN's package_patch."""
    dataset = _dataset(db, actor, data.get("id"))
    return _update(db, actor, dataset, {**_package(dataset), **data})


@write_action
def package_delete(db: Session, actor: Actor, data: Mapping[str, Any]) -> None:
    """Withdraw a dataset (``id``): it leaves the public catalog and is kept."""
    acts.withdraw_dataset(db, actor, _dataset(db, actor, data.get("id")), _origin())


def _update(db: Session, actor: Actor, dataset: Dataset, data: Mapping[str, Any]) -> dict:
    prepared = _prepared({**data, "name": dataset.slug})
    fields: dict[str, Any] = {**prepared.fields, "extras": prepared.extras}
    if data.get("owner_org") or isinstance(data.get("organization"), dict):
        fields["department"] = _department(db, actor, data)
    acts.edit_dataset(db, actor, dataset, fields, _origin())
    if isinstance(data.get("resources"), list):
        resources = _active(data["resources"])
        wanted = [
            (str(resource.get("id") or "") or None, _kept_file(dataset, resource, values))
            for resource, values in zip(resources, prepared.distributions, strict=False)
        ]
        acts.replace_distributions(db, actor, dataset, wanted, _origin())
    if data.get("state") == "active" and dataset.state not in (PUBLISHED, "pending"):
        acts.publish_dataset(db, actor, dataset, _origin())
    return _package(dataset)


# -- resources -----------------------------------------------------------------------------


@write_action
def resource_create(db: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Add a resource to ``package_id``: a multipart ``upload`` (stored, typed by its
    content) or a ``url``; ``name``, ``description``, ``format``, ``mimetype``."""
    dataset = _dataset(db, actor, data.get("package_id"), "package_id")
    upload = _upload()
    if upload is not None:
        distribution = acts.add_upload(
            db, actor, dataset, services().files,
            stream=upload.stream, file_name=upload.filename or "",
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"], origin=_origin(),
            **_described(data),
        )  # fmt: skip
    else:
        values = _resource_values(data)
        if not values.get("download_url"):
            raise FieldErrors({"url": ["Missing value"]})
        title = values.pop("title")
        distribution = acts.add_link(db, actor, dataset, title=title, origin=_origin(), **values)
    return _resource(distribution)


@write_action
def resource_update(db: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Replace a resource (``id``); an ``upload`` replaces its file."""
    return _resource_update(db, actor, _distribution(db, actor, data.get("id")), data)


@write_action
def resource_patch(db: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Change only the keys given of a resource (``id``); an ``upload`` replaces its file."""
    distribution = _distribution(db, actor, data.get("id"))
    return _resource_update(db, actor, distribution, {**_resource(distribution), **data})


@write_action
def resource_delete(db: Session, actor: Actor, data: Mapping[str, Any]) -> None:
    """Remove a resource (``id``) from its dataset."""
    acts.remove_distribution(db, actor, _distribution(db, actor, data.get("id")), _origin())


def _resource_update(
    db: Session, actor: Actor, distribution: Distribution, data: Mapping[str, Any]
) -> dict[str, Any]:
    upload = _upload()
    if upload is not None:
        acts.replace_file(
            db, actor, distribution, services().files,
            stream=upload.stream, file_name=upload.filename or "",
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"], origin=_origin(),
        )  # fmt: skip
    values = _kept_file(distribution.dataset, data, _resource_values(data))
    acts.edit_distribution(db, actor, distribution, values, _origin())
    return _resource(distribution)


# -- accounts ------------------------------------------------------------------------------


@write_action
def organization_member_create(db: Session, actor: Actor, data: Mapping[str, Any]) -> dict:
    """Make ``username`` (an e-mail address) a member of the organization ``id`` with
    ``role`` admin or editor (the department's publisher); ``member`` is not offered."""
    department = _find_department(db, _text(data, "id"))
    if department is None:
        raise ActionNotFound("no organization has this id or name")
    capacity = str(data.get("role") or data.get("capacity") or "member")
    role = CAPACITIES.get(capacity)
    if role is None:
        message = "member is not offered: admin or editor makes a publisher"
        raise FieldErrors({"role": [message if capacity == "member" else "Unknown role"]})
    user = _find_user(db, _text(data, "username"))
    if user is None:
        raise ActionNotFound("no user has this name")
    acts.add_member(db, actor, user, role, department, _origin())
    return {"group_id": str(department.id), "table_name": "user", "capacity": capacity}


@write_action
def user_show(db: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """The token's own account; ``id`` may name it (its id, name or e-mail address)."""
    user = db.get(User, actor.user_id)
    assert user is not None  # a live token's owner
    wanted = str(data.get("id") or data.get("user_id") or "")
    if wanted and wanted not in (str(user.id), user.pseudonym, user.email or ""):
        raise ActionForbidden("Access denied: user_show shows the token's own account")
    return {
        "id": str(user.id),
        "name": user.pseudonym,
        "fullname": user.display_name or "",
        "display_name": user.display_name or user.pseudonym,
        "email": user.email,
        "state": "active",
        "sysadmin": False,
        "created": user.created_at.isoformat(),
        "number_created_packages": 0,
    }


@write_action
def api_token_list(db: Session, actor: Actor, data: Mapping[str, Any]) -> list[dict]:
    """The token owner's API tokens (never their secrets)."""
    user = db.get(User, actor.user_id)
    assert user is not None
    wanted = str(data.get("user_id") or data.get("user") or "")
    if wanted and wanted not in (str(user.id), user.pseudonym, user.email or ""):
        raise ActionForbidden("Access denied: api_token_list lists the token's own tokens")
    return [
        {
            "id": str(token.id),
            "name": token.name,
            "user_id": str(user.id),
            "scope": token.scope,
            "created_at": token.created_at.isoformat(),
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            "last_access": token.last_used_at.isoformat() if token.last_used_at else None,
            "revoked": token.revoked_at is not None,
        }
        for token in tokens.user_tokens(db, user)
    ]


# -- reading the request -------------------------------------------------------------------


def _prepared(data: Mapping[str, Any]) -> Prepared:
    """A package dict read as the CKAN harvester reads one (fallbacks for a harvested
    record's source address are dropped: this catalog is the source)."""
    package = dict(data)
    package.setdefault("title", package.get("name"))
    warnings: list[RecordIssue] = []
    mapper = PackageMapper(package, current_app.config["BASE_URL"].rstrip("/"), warnings)
    draft = mapper.draft()
    if mapper.first(FIELD_KEYS["identifier"]) is None:
        draft.identifier = None
    if not mapper.plain("url"):
        draft.landing_page = None
    return prepare(draft)


def _resource_values(resource: Mapping[str, Any]) -> dict[str, Any]:
    """One resource dict read as the CKAN harvester reads a package's resources."""
    values = _prepared({"name": "-", "resources": [dict(resource)]}).distributions
    return dict(values[0]) if values else {}


def _active(resources: list[Any]) -> list[dict[str, Any]]:
    """The resources the harvester's mapping keeps, in order."""
    return [r for r in resources if isinstance(r, dict) and r.get("state") in (None, "active")]


def _kept_file(
    dataset: Dataset, resource: Mapping[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """A stored file keeps what its content says, and its own download address is not
    taken for a link."""
    existing = next((d for d in dataset.distributions if d.id == resource.get("id")), None)
    if existing is None or not existing.stored_file:
        return values
    values = {k: v for k, v in values.items() if k not in STORED_FILE_KEYS}
    if values.get("download_url") == resource_dict(existing, dataset, context())["url"]:
        values.pop("download_url")
    return values


def _described(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: str(data[source])
        for key, source in (("title", "name"), ("description", "description"))
        if data.get(source)
    }


def _upload() -> FileStorage | None:
    upload = request.files.get("upload")
    return upload if upload is not None and upload.filename else None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value in (None, "") or not isinstance(value, str | int) or isinstance(value, bool):
        raise FieldErrors({key: ["Missing value"]})
    return str(value)


def _name(db: Session, data: Mapping[str, Any]) -> str:
    """The dataset's name (slug); a record of an old CKAN dump without one uses its id."""
    name = _text(data, "name" if data.get("name") or not data.get("id") else "id")
    if not SLUG_PATTERN.match(name):
        raise FieldErrors(
            {"name": ["Must be purely lowercase alphanumeric (ascii) characters and these "
                      "symbols: -_"]}
        )  # fmt: skip
    if db.scalar(select(Dataset.id).where(Dataset.slug == name)) is not None:
        raise FieldErrors({"name": ["That URL is already in use."]})
    return name


def _new_id(db: Session, value: Any) -> str | None:
    if not value:
        return None
    text = str(value)
    if len(text) > 36 or not UUID_LIKE.match(text):
        raise FieldErrors({"id": ["Must be a UUID or a name of letters, digits, - and _"]})
    if db.get(Dataset, text) is not None:
        raise FieldErrors({"id": ["Dataset id already exists"]})
    return text


def _department(db: Session, actor: Actor, data: Mapping[str, Any]) -> Department:
    organization = data.get("organization")
    candidates = [data.get("owner_org")]
    if isinstance(organization, dict):
        candidates.append(organization.get("name"))
    given = [str(c) for c in candidates if c not in (None, "")]
    for candidate in given:
        found = _find_department(db, candidate)
        if found is not None:
            return found
    if given:
        raise FieldErrors({"owner_org": ["Organization does not exist"]})
    mine = acting_departments(db, actor, "dataset.create")
    if len(mine) == 1:
        department = db.get(Department, next(iter(mine)))
        assert department is not None
        return department
    raise FieldErrors({"owner_org": ["Missing value"]})


def _find_department(db: Session, key: str) -> Department | None:
    found = db.scalar(select(Department).where(Department.slug == key))
    if found is None and key.isascii() and key.isdigit():
        found = db.get(Department, int(key))
    return found


def _find_user(db: Session, key: str) -> User | None:
    if "@" in key:
        return db.scalar(select(User).where(User.email == key.strip().lower()))
    return db.scalar(select(User).where(User.pseudonym == key))


def _dataset(db: Session, actor: Actor, key: Any, field: str = "id") -> Dataset:
    if key in (None, ""):
        raise FieldErrors({field: ["Missing value"]})
    dataset = acts.visible_dataset(db, actor, str(key))
    if dataset is None:
        raise ActionNotFound("no dataset you may see has this id or name")
    return dataset


def _distribution(db: Session, actor: Actor, key: Any) -> Distribution:
    if key in (None, ""):
        raise FieldErrors({"id": ["Missing value"]})
    distribution = db.get(Distribution, str(key))
    if distribution is None or acts.visible_dataset(db, actor, distribution.dataset_id) is None:
        raise ActionNotFound("no resource you may see has this id")
    return distribution


def _package(dataset: Dataset) -> dict[str, Any]:
    return package_dict(dataset, context())


def _resource(distribution: Distribution) -> dict[str, Any]:
    return resource_dict(distribution, distribution.dataset, context())
