"""Template globals and filters: vocabulary labels in the user's language, dates, sizes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

from flask import Flask, request, url_for
from flask_babel import gettext

from catalog.access import public_distribution
from catalog.directory import page_numbers
from portal.i18n import current_language
from vocab import (
    categories,
    delivery_channels,
    divisions,
    formats,
    frequencies,
    open_types,
    sensitivity,
    share_types,
    topics,
)
from vocab.skos import ConceptScheme

SCHEMES: dict[str, Callable[[], ConceptScheme]] = {
    "category": categories.scheme,
    "open_type": open_types.scheme,
    "share_type": share_types.scheme,
    "sensitivity": sensitivity.scheme,
    "frequency": frequencies.scheme,
    "delivery_channel": delivery_channels.scheme,
    "division": divisions.scheme,
    "topic": topics.scheme,
}


def vocab_label(kind: str, notation: str | None) -> str:
    """The label of a stored notation in the current language (the notation if unknown)."""
    if not notation:
        return ""
    scheme = SCHEMES.get(kind)
    concept = scheme().by_notation(notation) if scheme else None
    return concept.label(current_language()) if concept else notation


def format_name(notation: str | None) -> str:
    """A short name people know: RDF_XML → RDF, RDF_TURTLE → TTL; CSV stays CSV."""
    if not notation or "_" not in notation:
        return notation or ""
    fmt = formats.format_for(notation)
    return fmt.extensions[0].upper() if fmt and fmt.extensions else notation


BEIJING = timezone(timedelta(hours=8), "UTC+8")  # China keeps no daylight saving time


def format_date(value: date | datetime | None, with_time: bool = False) -> str:
    """A day; ``with_time``: the moment in Beijing time, labelled (see :func:`local_time`)."""
    if value is None:
        return ""
    if with_time and isinstance(value, datetime):
        return local_time(value)
    return value.strftime("%Y-%m-%d")


def local_time(value: datetime | None, seconds: bool = False) -> str:
    """The one way a moment is shown to people: a stored naive-UTC time (an aware one is
    converted as it is) in Beijing time, labelled: "2026-12-01 18:50（北京时间）"."""
    if value is None:
        return ""
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    shown = moment.astimezone(BEIJING).strftime(
        "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    )
    return gettext("%(time)s (Beijing time, UTC+8)", time=shown)


BILINGUAL = " · "  # "中文 · English", as the OpenAPI description writes its texts


def in_language(text: str | None) -> str:
    """The current language's half of a bilingual "中文 · English" text (else all of it)."""
    if not text or BILINGUAL not in text:
        return text or ""
    chinese, english = text.split(BILINGUAL, 1)
    return chinese if current_language() == "zh" else english


def format_bytes(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def url_with(**changes: object) -> str:
    """The current URL with some query arguments changed (``None`` removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint or "pages.home", **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    for scheme in SCHEMES.values():  # parse the vocabularies now, not in the first request
        scheme()
    formats.all_formats()
    topics.scheme()
    app.jinja_env.globals.update(
        vocab_label=vocab_label,
        page_numbers=page_numbers,
        url_with=url_with,
        public_file=public_distribution,
        all_categories=lambda: list(categories.scheme()),
    )
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["bytes"] = format_bytes
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["in_language"] = in_language
    app.jinja_env.filters["format_name"] = format_name
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
