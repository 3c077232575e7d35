"""The query sandbox (可用不可见, usable but not visible): granted tables, masked, queried in an
embedded DuckDB that reads no file, URL or extension, and answered only in aggregates.

The rule
--------
Every result row must stand for at least k source rows (k = 5 unless the dataset sets more):

1. One statement, a SELECT (DuckDB's parser and sqlglot's both say so), over one granted table,
   without WITH, subqueries, joins, set operations, window functions, ROLLUP/CUBE/GROUPING SETS,
   FILTER clauses or functions sqlglot does not know. A query that reads a file or URL is
   refused here, and would fail anyway: the database is opened with external access off,
   extensions neither installed nor loaded, and the configuration locked before any query.
2. The top-level query aggregates (GROUP BY, or only aggregates in the select list); a query
   that lists records is refused with ``not-aggregated``.
3. Aggregates are COUNT, SUM, AVG, MIN, MAX, MEDIAN, STDDEV, VARIANCE and
   APPROX_COUNT_DISTINCT over a bare column (or ``*``): LIST, STRING_AGG, ARG_MAX, FIRST and
   the like hand rows out, and an expression inside an aggregate (``SUM(CASE WHEN name='X'
   THEN salary END)``) would make a large group's aggregate read one row.
4. The query is rewritten to add ``COUNT(*)`` (the group's source rows: one table, no join, so
   no row is counted twice) and ``COUNT(column)`` for each aggregated column; a row where any
   is under k is suppressed (so is MIN/MAX over the one non-empty value of a group).
   HAVING, LIMIT and OFFSET are applied by the engine after suppression, so they cannot hide
   a small group from the count in 6.
5. Identifier columns (masked by keep-ends or a pseudonym) may be counted but not filtered,
   grouped or shown: ``WHERE 身份证号 = …`` is refused with ``identifier-filter``.
6. Differencing: a WHERE that leaves out between 1 and k-1 rows is refused
   (``filter-isolates``), which stops ``COUNT(*)`` against ``COUNT(*) WHERE name <> 'X'``;
   and when the groups suppressed (with those HAVING left out) hold fewer than k rows in all,
   the smallest groups shown are suppressed too (secondary suppression), since the total
   minus the groups shown would give them.

What it does not stop
---------------------
- Differencing with two filters that each leave out k rows or more but differ by one row
  (``WHERE 序号 < 90`` against ``WHERE 序号 < 90 OR 序号 = 99``): both run, and the difference
  of their sums is one person's value (tests/test_sandbox.py shows it). Queries are not
  audited against each other.
- MIN and MAX show one real value of a group of k or more (not whose it is); the fact that a
  group was suppressed shows that it exists and is small.
- Repeated queries over time, and knowledge from outside the portal. The query log (every
  query with its text) is the control for these: a reviewer can see who asked what.
"""
