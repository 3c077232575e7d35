"""The current openness figures, computed in the background and kept as one JSON file.

Computing the figures reads every public dataset's facts (seconds on the demo catalog), so no
page computes them: ``/stats/openness`` reads the stored file, and a :class:`FiguresRefresher`
(called by the background thread :class:`FiguresThread`, by ``gxdata worker`` after each round
and at start) computes them again when what they are computed from has changed: the change
log (a dataset added, edited, withdrawn), the jobs finished, the validation reports and link
checks written, and the quarterly snapshots. It waits until that state has been still for
``debounce`` seconds, so a harvest of a thousand datasets is followed by one computation, not a
thousand. The file is written atomically (a temporary file renamed over it), so a reader sees
the old figures or the new ones, never half of either. No table is needed, hence no migration.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.changes import log_head
from catalog.quality.figures import GroupFigures, OpennessFigures, QuarterFigures
from catalog.quality.models import Job, LinkCheck, QualitySnapshot, ValidationReport
from catalog.quality.ratios import Ratios

log = logging.getLogger(__name__)

FILE_NAME = "openness-figures.json"
DEBOUNCE = 30.0  # seconds the catalog must stay unchanged before the figures are recomputed


@dataclass(frozen=True)
class StoredFigures:
    figures: OpennessFigures
    state: str  # what they were computed from (see source_state)
    seconds: float  # how long the computation took


def source_state(session: Session) -> str:
    """What the figures depend on, as one comparable string: the change log's head, the last
    job finished, report written and link checked (``gxdata validate`` and ``check-links``
    write them without a job), and the number of snapshots."""
    latest = session.execute(
        select(
            select(func.max(Job.finished_at)).scalar_subquery(),
            select(func.max(ValidationReport.id)).scalar_subquery(),
            select(func.max(LinkCheck.checked_at)).scalar_subquery(),
            select(func.count(QualitySnapshot.id)).scalar_subquery(),
        )
    ).one()
    return "|".join([str(log_head(session)), *(str(value or "") for value in latest)])


def to_json(stored: StoredFigures) -> str:
    figures = stored.figures
    return json.dumps(
        {
            "state": stored.state,
            "seconds": stored.seconds,
            "computed_at": figures.computed_at.isoformat(),
            "catalog": asdict(figures.catalog),
            "departments": [asdict(g) for g in figures.departments],
            "categories": [asdict(g) for g in figures.categories],
            "divisions": [asdict(g) for g in figures.divisions],
            "quarters": [asdict(q) for q in figures.quarters],
        },
        ensure_ascii=False,
    )


def from_json(text: str) -> StoredFigures:
    data = json.loads(text)

    def group(item: dict[str, Any]) -> GroupFigures:
        return GroupFigures(**{**item, "ratios": Ratios(**item["ratios"])})

    figures = OpennessFigures(
        computed_at=datetime.fromisoformat(data["computed_at"]),
        catalog=group(data["catalog"]),
        departments=[group(g) for g in data["departments"]],
        categories=[group(g) for g in data["categories"]],
        divisions=[group(g) for g in data["divisions"]],
        quarters=[QuarterFigures(**q) for q in data["quarters"]],
    )
    return StoredFigures(figures, data["state"], float(data["seconds"]))


def save(path: Path, stored: StoredFigures) -> None:
    """Write atomically: a temporary file in the same folder, renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".figures-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(to_json(stored))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: Path) -> StoredFigures | None:
    """The stored figures, or None when there are none (or the file is unreadable)."""
    try:
        return from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        log.warning("unreadable stored figures %s: they will be computed again", path)
        return None


class FiguresRefresher:
    """Computes and stores the figures when their sources changed and then stayed still."""

    def __init__(
        self,
        session_factory: sessionmaker,
        path: Path,
        compute: Callable[[], OpennessFigures],
        debounce: float = DEBOUNCE,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.session_factory = session_factory
        self.path = path
        self.compute = compute
        self.debounce = debounce
        self.clock = clock
        self.lock = threading.Lock()
        self._seen: tuple[str, float] | None = None  # the changed state and when it was seen

    def refresh(self, force: bool = False) -> bool:
        """Compute the figures if they are missing, or if their sources changed and have been
        still for ``debounce`` seconds (or ``force``); True when they were computed."""
        with self.lock:
            with self.session_factory() as session:
                state = source_state(session)
            stored = load(self.path)
            if stored is not None and stored.state == state and not force:
                self._seen = None
                return False
            if stored is not None and not force and self.debounce > 0:
                if self._seen is None or self._seen[0] != state:
                    self._seen = (state, self.clock())
                    return False
                if self.clock() - self._seen[1] < self.debounce:
                    return False
            started = self.clock()
            figures = self.compute()
            save(self.path, StoredFigures(figures, state, round(self.clock() - started, 2)))
            self._seen = None
            return True


class FiguresThread(threading.Thread):
    """A daemon thread that asks the refresher every ``poll`` seconds (at once on start)."""

    def __init__(self, refresher: FiguresRefresher, poll: float = 10.0):
        super().__init__(name="gxdata-figures", daemon=True)
        self.refresher = refresher
        self.poll = poll
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.refresher.refresh()
            except Exception:  # the database went away for a moment: try again later
                log.exception("openness figures")
            self.stopping.wait(self.poll)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.join(timeout)
