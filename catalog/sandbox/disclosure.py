"""The disclosure rule of the sandbox: which queries run, and how each is rewritten so that every
result row can be checked against k before it is shown (the rule and its reasons are in
:mod:`catalog.sandbox`).

:func:`prepare` parses one statement with sqlglot (DuckDB dialect), refuses what the rule does
not allow with a :class:`Refused` carrying a stable code, and returns a :class:`Prepared`: the
SQL to run (generated from the checked tree, so what runs is what was checked) with the hidden
count columns added, and the post-processing the engine applies (HAVING, LIMIT, OFFSET).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from catalog.errors import CatalogError

#: The prefix of the columns the rewrite adds; a query may not use it.
HIDDEN = "__gx_"
N = HIDDEN + "n"  # the source rows of the group
HAVING = HIDDEN + "having"  # the group's HAVING, evaluated by the engine after suppression

#: Aggregates whose value over k or more rows tells nothing of one row (list-like ones such as
#: list, string_agg, arg_max, first, histogram would hand the rows out, and are refused).
AGGREGATES: tuple[type[exp.Expression], ...] = (
    exp.Count,
    exp.Sum,
    exp.Avg,
    exp.Min,
    exp.Max,
    exp.Median,
    exp.Stddev,
    exp.StddevPop,
    exp.StddevSamp,
    exp.Variance,
    exp.VariancePop,
    exp.ApproxDistinct,
)


class Refused(CatalogError):
    """A query the sandbox does not run; ``code`` says why (the pages translate it)."""

    code = "query-refused"


@dataclass(frozen=True)
class TableRule:
    """What the rule needs to know of one loaded table."""

    k: int
    identifiers: frozenset[str]  # masked identifier columns (keep-ends, pseudonym)


@dataclass(frozen=True)
class Prepared:
    """A checked query, rewritten: ``sql`` returns the user's columns, then ``N``, then one
    non-null count per aggregated column (``counts``), then ``HAVING`` when ``has_having``."""

    sql: str
    columns: tuple[str, ...]  # the names of the user's columns
    table: str
    k: int
    user_columns: int
    counts: int
    has_having: bool
    limit: int | None
    offset: int
    where: str | None  # the WHERE predicate, for the engine's both-sides check


def refuse(code: str, message: str) -> Refused:
    return Refused(message, code=code)


def parse_one(sql: str) -> exp.Select:
    """The single SELECT of ``sql``; refused for anything else."""
    try:
        trees = [tree for tree in sqlglot.parse(sql, read="duckdb") if tree is not None]
    except ParseError:
        raise refuse("query-syntax", "the query could not be parsed") from None
    if len(trees) != 1:
        raise refuse("one-statement", "send exactly one statement")
    tree = trees[0]
    if isinstance(tree, exp.SetOperation):
        raise refuse("set-operation", "UNION, INTERSECT and EXCEPT are not allowed")
    if not isinstance(tree, exp.Select):
        raise refuse("not-a-select", "only SELECT queries run in the sandbox")
    return tree


def _source(tree: exp.Select, tables: Mapping[str, TableRule]) -> tuple[str, str]:
    """The one granted table the query reads, and the name its columns are qualified by."""
    if tree.args.get("with_") is not None:
        raise refuse("subquery", "WITH, subqueries and derived tables are not allowed")
    if tree.args.get("joins"):
        raise refuse("join", "a query reads one table: joins are not allowed")
    source = tree.args.get("from_")
    table = source.this if source is not None else None
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        raise refuse("table-not-granted", "read a granted table by its name")
    if table.args.get("db") or table.args.get("catalog") or table.args.get("pivots"):
        raise refuse("table-not-granted", "read a granted table by its name")
    if table.name not in tables:
        raise refuse("table-not-granted", f"no granted table is named {table.name!r}")
    return table.name, table.alias_or_name


def _check_nodes(tree: exp.Select) -> None:
    for node in tree.walk():
        if node is not tree and isinstance(node, exp.Select | exp.Subquery | exp.SetOperation):
            raise refuse("subquery", "WITH, subqueries and derived tables are not allowed")
        if isinstance(node, exp.Window):
            raise refuse("window", "window functions are not allowed (they carry other rows)")
        if isinstance(node, exp.Filter):
            raise refuse("aggregate-filter", "FILTER on an aggregate is not allowed")
        if isinstance(node, exp.Anonymous):
            raise refuse("function-not-allowed", f"the function {node.name} is not allowed")
        if isinstance(node, exp.AggFunc) and not isinstance(node, AGGREGATES):
            raise refuse("aggregate-not-allowed", f"the aggregate {node.key} is not allowed")
        if isinstance(node, exp.Identifier) and node.name.lower().startswith(HIDDEN):
            raise refuse("reserved-name", f"names starting with {HIDDEN} are reserved")
        if isinstance(node, exp.Cube | exp.Rollup | exp.GroupingSets):
            raise refuse("grouping-sets", "ROLLUP, CUBE and GROUPING SETS are not allowed")


def _aggregated_columns(tree: exp.Select) -> list[exp.Column]:
    """The column each aggregate reads; an argument must be a bare column or ``*``."""
    columns: dict[str, exp.Column] = {}
    for agg in tree.find_all(*AGGREGATES):
        argument = agg.this
        if isinstance(argument, exp.Distinct) and len(argument.expressions) == 1:
            argument = argument.expressions[0]
        extra = [value for key, value in agg.args.items() if key not in ("this", "big_int")]
        if any(value not in (None, False, []) for value in extra):
            raise refuse("aggregate-argument", "an aggregate takes one column, nothing more")
        if isinstance(argument, exp.Star):
            continue
        if not isinstance(argument, exp.Column) or isinstance(argument.this, exp.Star):
            raise refuse(
                "aggregate-argument",
                "an aggregate reads a column as it is (expressions inside could single out a row)",
            )
        columns.setdefault(argument.name, argument)
    return list(columns.values())


def _outside_aggregates(node: exp.Expression) -> list[exp.Column]:
    found = []
    for column in node.find_all(exp.Column):
        if column.find_ancestor(*AGGREGATES) is None:
            found.append(column)
    return found


def _is_aggregate(tree: exp.Select) -> bool:
    if tree.args.get("group") is not None:
        return True
    return bool(tree.expressions) and all(
        any(True for _ in node.find_all(*AGGREGATES)) for node in tree.expressions
    )


def _column_name(node: exp.Expression) -> str:
    """A result column's name: its alias, its column, or the expression as written back."""
    if isinstance(node, exp.Alias | exp.Column):
        return node.alias_or_name
    return node.sql(dialect="duckdb")


def _int_of(node: exp.Expression | None, name: str) -> int | None:
    if node is None:
        return None
    value = node.expression if isinstance(node, exp.Limit | exp.Offset) else node
    if not isinstance(value, exp.Literal) or value.is_string or not value.name.isdigit():
        raise refuse("limit-not-a-number", f"{name} takes a whole number")
    return int(value.name)


def prepare(sql: str, tables: Mapping[str, TableRule]) -> Prepared:
    """Check ``sql`` against the rule and rewrite it (see :class:`Prepared`)."""
    tree = parse_one(sql)
    name, qualifier = _source(tree, tables)
    _check_nodes(tree)
    if not _is_aggregate(tree):
        raise refuse(
            "not-aggregated",
            "the query lists records: aggregate them (GROUP BY, COUNT, SUM, AVG…)",
        )
    if any(isinstance(node, exp.Star) for node in tree.expressions):
        raise refuse("not-aggregated", "SELECT * lists records: aggregate them")
    rule = tables[name]
    for column in _outside_aggregates(tree):
        if column.name in rule.identifiers:
            raise refuse(
                "identifier-filter",
                f"the identifier column {column.name} may only be counted, "
                "not filtered, grouped or shown",
            )
    aggregated = _aggregated_columns(tree)
    limit = _int_of(tree.args.get("limit"), "LIMIT")
    offset = _int_of(tree.args.get("offset"), "OFFSET") or 0
    where = tree.args.get("where")
    having = tree.args.get("having")
    rewritten = tree.copy()
    for key in ("limit", "offset", "having"):
        rewritten.set(key, None)
    user_columns = len(tree.expressions)
    hidden: list[Any] = [exp.alias_(exp.Count(this=exp.Star()), N)]
    for index, column in enumerate(aggregated):
        counted = exp.column(column.name, table=qualifier, quoted=True)
        hidden.append(exp.alias_(exp.Count(this=counted), f"{HIDDEN}c{index}"))
    if having is not None:
        hidden.append(exp.alias_(having.this.copy(), HAVING))
    rewritten.set("expressions", [*rewritten.expressions, *hidden])
    return Prepared(
        sql=rewritten.sql(dialect="duckdb"),
        columns=tuple(_column_name(node) for node in tree.expressions),
        table=name,
        k=rule.k,
        user_columns=user_columns,
        counts=len(aggregated),
        has_having=having is not None,
        limit=limit,
        offset=offset,
        where=None if where is None else where.this.sql(dialect="duckdb"),
    )
