"""Configuration from the environment, with an instance folder for everything the portal writes.

| variable | default |
|---|---|
| ``GXDATA_INSTANCE_PATH`` | ``./instance`` (the current directory) |
| ``GXDATA_DATABASE_URL`` | ``sqlite:///<instance>/gxdata.db`` |
| ``GXDATA_BASE_URL`` | the host and port served (``http://127.0.0.1:5000``); mints URIs |
| ``GXDATA_SECRET_KEY`` | generated once and kept in ``<instance>/secret_key`` |
| ``GXDATA_SEARCH_INDEX`` | ``<instance>/index`` |
| ``GXDATA_FILES`` | ``<instance>/files`` |
| ``GXDATA_MAX_UPLOAD_MB`` | ``200`` |
| ``GXDATA_SPARQL_STORE`` | ``<instance>/sparql`` (pyoxigraph store of the SPARQL endpoint) |
| ``GXDATA_SPARQL_TIMEOUT`` | ``10`` seconds a query |
| ``GXDATA_SPARQL_MAX_ROWS`` | ``10000`` result rows a query |
| ``GXDATA_SPARQL_QUEUE`` | ``4`` queries waiting behind the running one; past them 503 |
| ``GXDATA_SPARQL_PER_CLIENT`` | ``2`` queries of one client waiting or running; past them 429 |
| ``GXDATA_TRUSTED_PROXIES`` | ``0``; ``n``: the client is ``X-Forwarded-For``'s n-th from right |
| ``GXDATA_FOLLOW_SECONDS`` | ``5`` seconds between catch-ups of the index and the SPARQL store |
| ``GXDATA_CHANGE_LOG_DAYS`` | ``7``: days of change log kept (once every store applied it) |
| ``GXDATA_NETWORK`` | ``1`` (``0`` for ``gxdata demo``): ``0`` never fetches or checks links |
| ``GXDATA_FETCH_TIMEOUT`` | ``60`` seconds for one remote file |
| ``GXDATA_LINK_TIMEOUT`` | ``10`` seconds for one link check |
| ``GXDATA_WORKER_THREADS`` | ``1`` background worker beside ``gxdata serve``; ``0`` none |
| ``GXDATA_FIGURES_DEBOUNCE`` | ``30`` s of a still catalog before the figures are redone |
| ``GXDATA_ID_KEY`` | generated once and kept in ``<instance>/id_key``: keys the ID-number hashes |
| ``GXDATA_MASKING_KEY`` | kept in ``<instance>/masking_key``: keys each grant's pseudonyms |
| ``GXDATA_SANDBOX_SECONDS`` | ``10`` seconds a sandbox query |
| ``GXDATA_SANDBOX_MEMORY`` | ``512MB`` a sandbox session's database |
| ``GXDATA_SANDBOX_SESSIONS`` | ``4`` sandbox sessions open in a process (closed when idle) |
| ``GXDATA_STATS_FLUSH_HITS`` | ``1000`` hits counted in memory before they are written |
| ``GXDATA_STATS_FLUSH_SECONDS`` | ``60`` s between two writes of the hit counts (serve's timer) |
| ``GXDATA_STATS_LIVE_SECONDS`` | ``300`` s the current quarter's figures are reused |
| ``GXDATA_STATS_FIRST_QUARTER`` | unset: the quarter of the earliest public dataset; none before |
| ``GXDATA_READY_MAX_LAG`` | ``1000`` change-log rows a store may lag and ``/readyz`` say ready |
| ``GXDATA_REDIS_URL`` | unset: rate-limit counts in memory; ``redis://…`` shares them |
| ``GXDATA_ACCOUNT_RATE`` | ``10 per minute;100 per hour``: posts to the account forms a client |
| ``GXDATA_MAIL_FROM`` | ``no-reply@gxdata.local``: the sender of the portal's mail |
| ``GXDATA_SMTP_HOST`` | unset: mail is written to ``<instance>/mail/``; set: sent by SMTP |
| ``GXDATA_SMTP_PORT`` | ``587`` |
| ``GXDATA_SMTP_USER`` | unset: no SMTP login |
| ``GXDATA_SMTP_PASSWORD`` | the SMTP login's password |
| ``GXDATA_SMTP_TLS`` | ``starttls``; ``ssl`` (port 465) or ``none`` |
| ``GXDATA_SMS_URL`` | unset: text messages go to ``<instance>/mail/``; set: JSON POSTed there |
| ``GXDATA_HARVEST_TIMEOUT`` | ``30`` seconds per request to a source |
| ``GXDATA_HARVEST_MAX_MB`` | ``50`` per response of a source |
| ``GXDATA_HARVEST_JOB_MINUTES`` | ``60``: a job running longer is failed |
| ``GXDATA_HARVEST_GRACE_DAYS`` | ``7``: days a vanished record stays before it is archived |
| ``GXDATA_HARVEST_BATCH_SIZE`` | ``1000`` records per transaction |
| ``GXDATA_HARVEST_KEEP_JOBS`` | ``10`` jobs of a source whose per-record log is kept; ``0`` all |
| ``GXDATA_HARVEST_LEASE_SECONDS`` | ``30``: a running job silent for longer has died |
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "GXDATA_"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def instance_path(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return str(Path(environ.get("GXDATA_INSTANCE_PATH") or Path.cwd() / "instance").resolve())


def load_config(instance: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings for an app whose instance folder is ``instance``."""
    environ = os.environ if environ is None else environ
    root = Path(instance)
    return {
        "DATABASE_URL": environ.get("GXDATA_DATABASE_URL") or f"sqlite:///{root / 'gxdata.db'}",
        "BASE_URL": (environ.get("GXDATA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
        # unset, `gxdata demo`/`gxdata serve` mint on the host and port they serve
        "BASE_URL_FIXED": bool(environ.get("GXDATA_BASE_URL")),
        "SECRET_KEY": environ.get("GXDATA_SECRET_KEY") or _kept_secret(root / "secret_key"),
        "SEARCH_INDEX": environ.get("GXDATA_SEARCH_INDEX") or str(root / "index"),
        "SEARCH_ENGINE": environ.get("GXDATA_SEARCH_ENGINE") or "whoosh",
        "FILES": environ.get("GXDATA_FILES") or str(root / "files"),
        "MAX_UPLOAD_BYTES": int(environ.get("GXDATA_MAX_UPLOAD_MB") or 200) * 1024 * 1024,
        "SPARQL_STORE": environ.get("GXDATA_SPARQL_STORE") or str(root / "sparql"),
        "SPARQL_TIMEOUT": float(environ.get("GXDATA_SPARQL_TIMEOUT") or 10),
        "SPARQL_MAX_ROWS": int(environ.get("GXDATA_SPARQL_MAX_ROWS") or 10_000),
        "SPARQL_QUEUE": int(environ.get("GXDATA_SPARQL_QUEUE") or 4),
        "SPARQL_PER_CLIENT": int(environ.get("GXDATA_SPARQL_PER_CLIENT") or 2),
        "TRUSTED_PROXIES": int(environ.get("GXDATA_TRUSTED_PROXIES") or 0),
        "FOLLOW_SECONDS": float(environ.get("GXDATA_FOLLOW_SECONDS") or 5),
        "CHANGE_LOG_DAYS": float(environ.get("GXDATA_CHANGE_LOG_DAYS") or 7),
        "ID_NUMBER_KEY": environ.get("GXDATA_ID_KEY") or _kept_secret(root / "id_key"),
        "MASKING_KEY": environ.get("GXDATA_MASKING_KEY") or _kept_secret(root / "masking_key"),
        "SANDBOX_SECONDS": float(environ.get("GXDATA_SANDBOX_SECONDS") or 10),
        "SANDBOX_MEMORY": environ.get("GXDATA_SANDBOX_MEMORY") or "512MB",
        "SANDBOX_SESSIONS": int(environ.get("GXDATA_SANDBOX_SESSIONS") or 4),
        "REDIS_URL": environ.get("GXDATA_REDIS_URL") or None,
        "ACCOUNT_RATE": environ.get("GXDATA_ACCOUNT_RATE") or "10 per minute;100 per hour",
        "MAIL_FROM": environ.get("GXDATA_MAIL_FROM") or "no-reply@gxdata.local",
        "SMTP_HOST": environ.get("GXDATA_SMTP_HOST") or None,
        "SMTP_PORT": int(environ.get("GXDATA_SMTP_PORT") or 587),
        "SMTP_USER": environ.get("GXDATA_SMTP_USER") or None,
        "SMTP_PASSWORD": environ.get("GXDATA_SMTP_PASSWORD") or None,
        "SMTP_TLS": environ.get("GXDATA_SMTP_TLS") or "starttls",
        "SMS_URL": environ.get("GXDATA_SMS_URL") or None,
        "HARVEST_TIMEOUT": float(environ.get("GXDATA_HARVEST_TIMEOUT") or 30),
        "HARVEST_MAX_BYTES": int(environ.get("GXDATA_HARVEST_MAX_MB") or 50) * 1024 * 1024,
        "HARVEST_JOB_MINUTES": float(environ.get("GXDATA_HARVEST_JOB_MINUTES") or 60),
        "HARVEST_GRACE_DAYS": float(environ.get("GXDATA_HARVEST_GRACE_DAYS") or 7),
        "HARVEST_BATCH_SIZE": int(environ.get("GXDATA_HARVEST_BATCH_SIZE") or 1000),
        "HARVEST_KEEP_JOBS": int(environ.get("GXDATA_HARVEST_KEEP_JOBS") or 10),
        "HARVEST_LEASE_SECONDS": float(environ.get("GXDATA_HARVEST_LEASE_SECONDS") or 30),
        "PREVIEW_ROWS": 100,
        "NETWORK": _flag(environ.get("GXDATA_NETWORK"), default=True),
        # ``gxdata demo`` stays on this machine unless GXDATA_NETWORK=1 says otherwise: its
        # catalog links to the real data.gxzf.gov.cn, which a demo must not be checking
        "DEMO_NETWORK": _flag(environ.get("GXDATA_NETWORK"), default=False),
        "FETCH_TIMEOUT": float(environ.get("GXDATA_FETCH_TIMEOUT") or 60),
        "LINK_TIMEOUT": float(environ.get("GXDATA_LINK_TIMEOUT") or 10),
        "WORKER_THREADS": int(environ.get("GXDATA_WORKER_THREADS") or 1),
        "FIGURES_DEBOUNCE": float(environ.get("GXDATA_FIGURES_DEBOUNCE") or 30),
        "STATS_FLUSH_HITS": int(environ.get("GXDATA_STATS_FLUSH_HITS") or 1000),
        "STATS_FLUSH_SECONDS": float(environ.get("GXDATA_STATS_FLUSH_SECONDS") or 60),
        "STATS_LIVE_SECONDS": float(environ.get("GXDATA_STATS_LIVE_SECONDS") or 300),
        "STATS_FIRST_QUARTER": environ.get("GXDATA_STATS_FIRST_QUARTER") or None,
        "READY_MAX_LAG": int(environ.get("GXDATA_READY_MAX_LAG") or 1000),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ("zh", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
    }


def _flag(value: str | None, default: bool) -> bool:
    if not value:
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _kept_secret(path: Path) -> str:
    """A secret generated once and kept in the instance folder (mode 600)."""
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
