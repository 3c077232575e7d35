"""Leases: how a job row says who runs it, and how anyone can tell that its runner died.

A harvest job and a claimed background job name their owner, ``host:pid:token``, and carry a
``heartbeat_at`` the owner renews every few seconds (a :class:`Heartbeat` thread, and each
batch a harvest writes). A job whose heartbeat is older than its lease has lost its owner,
whatever host that owner ran on; on the owner's own host a dead process is seen at once
(:func:`owner_is_dead`), so a killed ``gxdata harvest run`` blocks nobody, not even for the
length of a lease. An owner that finds its lease taken (its row no longer names it) stops
before writing anything more.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

log = logging.getLogger(__name__)


def new_owner() -> str:
    """A name for an owner that no other process, now or later, has: ``host:pid:token``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class LeaseLost(Exception):
    """The job was taken for abandoned (its row no longer names this owner): stop writing."""


def abandoned(
    owner: str | None, last_sign: datetime | None, now: datetime, lease: timedelta
) -> str | None:
    """Why the owner of a running job is taken for gone (its process on this host no longer
    runs, or ``last_sign``, its heartbeat, is older than ``lease``), or None while it lives."""
    if owner_is_dead(owner):
        return f"its owner {owner} is no longer running"
    if last_sign is not None and last_sign < now - lease:
        return f"its owner {owner or '-'} gave no sign of life since {last_sign:%H:%M:%S}"
    return None


def owner_is_dead(owner: str | None) -> bool:
    """Whether ``owner`` (``host:pid:…``) is a process of this host that no longer runs.
    An owner on another host, or one not named so, is never taken for dead here: its lease
    says when it is."""
    host, _sep, rest = (owner or "").partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still answers signal 0."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class Heartbeat(threading.Thread):
    """A daemon thread that calls ``renew`` every ``every`` seconds until stopped.

    ``renew`` returns False when the lease is no longer ours (the row names another owner or
    the job was marked failed): :attr:`lost` is then set and the thread ends. An error (the
    database busy or away for a moment) is logged and the next beat tries again."""

    def __init__(self, renew: Callable[[], bool], every: float, name: str = "gxdata-heartbeat"):
        super().__init__(name=name, daemon=True)
        self.renew = renew
        self.every = max(every, 0.05)
        self.lost = threading.Event()
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self.every):
            try:
                if not self.renew():
                    self.lost.set()
                    return
            except Exception:
                log.warning("renewing a lease failed; trying again", exc_info=True)

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout=10)
