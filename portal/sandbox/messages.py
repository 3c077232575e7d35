"""The sandbox pages' words: a refusal code of :mod:`catalog.sandbox` or
:mod:`catalog.sandbox.service` as a message in the reader's language, and the export states."""

from __future__ import annotations

from flask_babel import gettext as _


def refusal_message(code: str | None, k: int = 5) -> str:
    """Why a query or an export was refused, in words (an unknown code gets a plain one)."""
    messages = {
        "not-aggregated": _(
            "The query lists records. The sandbox answers only aggregates: use GROUP BY, or "
            "only aggregate functions such as COUNT(*), SUM, AVG, MIN or MAX in the select list."
        ),
        "filter-isolates": _(
            "The WHERE condition leaves out fewer than %(k)s records. Compared with a query "
            "without it, the difference would describe those few people, so it is refused.",
            k=k,
        ),
        "identifier-filter": _(
            "An identifier column (masked number, name or pseudonym) may only be counted, not "
            "used in WHERE, GROUP BY, ORDER BY or shown."
        ),
        "aggregate-argument": _(
            "An aggregate takes a bare column or *, not an expression: an expression could make "
            "a large group's figure read one record."
        ),
        "aggregate-not-allowed": _(
            "This aggregate hands out records (LIST, STRING_AGG, FIRST, ARG_MAX …). Use COUNT, "
            "SUM, AVG, MIN, MAX, MEDIAN, STDDEV or VARIANCE."
        ),
        "aggregate-filter": _("FILTER clauses on aggregates are not allowed; use WHERE."),
        "function-not-allowed": _("The query uses a function the sandbox does not allow."),
        "grouping-sets": _("ROLLUP, CUBE and GROUPING SETS are not allowed."),
        "join": _("Joins are not allowed: query one table at a time."),
        "subquery": _("Subqueries and WITH are not allowed."),
        "set-operation": _("UNION, INTERSECT and EXCEPT are not allowed."),
        "window": _("Window functions are not allowed."),
        "limit-not-a-number": _("LIMIT and OFFSET take plain numbers."),
        "one-statement": _("Send exactly one statement."),
        "not-a-select": _("Only SELECT queries run in the sandbox."),
        "query-syntax": _("The query could not be read: check its SQL."),
        "query-invalid": _("The query names a column, table or function that does not exist."),
        "query-failed": _("The query failed while running (a value could not be converted?)."),
        "table-not-granted": _(
            "The query reads a table that is not granted: use the tables listed."
        ),
        "reserved-name": _("The query uses a name reserved for the sandbox."),
        "not-permitted": _("The sandbox reads no file, URL or extension."),
        "time-limit": _(
            "The query ran past its time limit and was stopped: aggregate more simply."
        ),
        "memory-limit": _("The query needs more memory than the sandbox allows."),
        "result-too-large": _("The result is too large: aggregate more."),
        "too-many-groups": _("The query has too many groups: aggregate more."),
        "empty-query": _("Write a query first."),
        "query-too-long": _("A query is at most 20,000 characters."),
        "not-loadable": _(
            "A granted file could not be loaded into the sandbox (only CSV and XLSX files stored "
            "on the portal load). Tell the publisher."
        ),
        "no-granted-fields": _("The grant names no field."),
        "no-active-grant": _("No active grant of yours covers this data now."),
        "wrong-channel": _("This dataset does not open a sandbox."),
        "export-not-answered": _("Only an answered query's result can be exported."),
        "export-exists": _("This result was already submitted for export."),
        "export-decided": _("This export was already decided."),
        "export-downloaded": _(
            "This export was already downloaded; an approved export is downloaded once."
        ),
        "export-not-approved": _("This export is not approved (yet)."),
        "reason-required": _("A rejection states its reason."),
    }
    return messages.get(code or "", _("The query was refused (%(code)s).", code=code or "?"))


def export_state_label(state: str) -> str:
    labels = {
        "submitted": _("Export waiting for review"),
        "approved": _("Export approved"),
        "rejected": _("Export rejected"),
        "downloaded": _("Export downloaded"),
    }
    return labels.get(state, state)
