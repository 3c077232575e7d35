"""The query sandbox: masked tables, the disclosure rule, and the limits (catalog/sandbox)."""

from __future__ import annotations

import io
import re
import threading
import time

import duckdb
import pytest
from openpyxl import Workbook

from catalog.masking.rules import Rule, keep
from catalog.masking.streams import Delivery
from catalog.sandbox import engine
from catalog.sandbox.disclosure import Refused
from catalog.sandbox.engine import Limits, Sandbox

ID = re.compile(r"\d{17}[\dX]")
DISTRICTS = ["青秀区"] * 40 + ["兴宁区"] * 30 + ["江南区"] * 28 + ["良庆区"] * 2
HEADER = "序号,姓名,身份证号,区县,年龄,费用,备注\n"
MASKING = Delivery(
    "dlv-test",
    {"姓名": Rule("pseudonym"), "身份证号": keep(3, 4), "备注": Rule("drop")},
    b"k" * 32,
)


def id_number(index: int) -> str:
    return f"45010219{80 + index % 20:02d}0101{index:04d}"


def csv_bytes() -> bytes:
    lines = [HEADER]
    for index, district in enumerate(DISTRICTS):
        name = "张三" if index == 99 else f"病人{index}"
        fee = 5000 if index == 99 else 100 + index
        lines.append(f"{index},{name},{id_number(index)},{district},{20 + index % 50},{fee},秘\n")
    return "".join(lines).encode()


def refusal(box: Sandbox, sql: str) -> str:
    with pytest.raises(Refused) as caught:
        box.query(sql)
    return caught.value.code


@pytest.fixture
def box():
    with Sandbox(Limits(seconds=5)) as sandbox:
        sandbox.load("门诊", io.BytesIO(csv_bytes()), "csv", MASKING)
        yield sandbox


def test_masked_values_in_the_table(box):
    loaded = box.tables["门诊"]
    assert loaded.columns == ("序号", "姓名", "身份证号", "区县", "年龄", "费用")
    assert loaded.rows == 100 and loaded.identifiers == {"姓名", "身份证号"}
    cells = box._con.execute('SELECT * FROM "门诊"').fetchall()
    text = repr(cells)
    assert not ID.search(text) and "张三" not in text and "秘" not in text
    assert cells[0][2] == "450" + "*" * 11 + "0000"
    types = dict(box._con.execute("SELECT column_name, data_type FROM information_schema.columns"
                                  " WHERE table_name = '门诊'").fetchall())  # fmt: skip
    assert types["费用"] == "BIGINT" and types["区县"] == "VARCHAR"


def test_xlsx_loads_masked():
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "区县"])
    for index in range(6):
        sheet.append([id_number(index), "青秀区"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    with Sandbox() as sandbox:
        sandbox.load("t", data, "xlsx", MASKING)
        result = sandbox.query("SELECT 区县, count(DISTINCT 身份证号) FROM t GROUP BY 区县")
        assert result.rows == (("青秀区", 6),)
        assert not ID.search(repr(sandbox._con.execute("SELECT * FROM t").fetchall()))


def test_aggregates_and_small_groups_suppressed(box):
    result = box.query("SELECT 区县, count(*) AS n, sum(费用), avg(年龄) FROM 门诊 "
                       "GROUP BY 区县 ORDER BY n DESC")  # fmt: skip
    assert result.columns == ("区县", "n", "SUM(费用)", "AVG(年龄)")
    # 良庆区 (2 rows) is under k; 江南区, the smallest shown, goes too (secondary suppression),
    # or the total (100) less the groups shown would give 良庆区's two rows.
    assert [row[:2] for row in result.rows] == [("青秀区", 40), ("兴宁区", 30)]
    assert result.suppressed == 2 and result.rows_touched == 100 and result.k == 5
    assert result.sql.startswith("SELECT 区县") and not result.truncated


def test_aggregate_only_and_limits_after_suppression(box):
    assert box.query("SELECT count(*), max(费用) FROM 门诊").rows == ((100, 5000),)
    result = box.query("SELECT 区县, count(*) FROM 门诊 GROUP BY 区县 "
                       "HAVING count(*) > 1 ORDER BY 2 LIMIT 1 OFFSET 1")  # fmt: skip
    assert result.rows == (("青秀区", 40),) and result.suppressed == 2


def test_secondary_suppression_not_needed_when_the_hidden_rows_reach_k():
    with Sandbox() as sandbox:
        sandbox.load("t", io.BytesIO(csv_bytes()), "csv", MASKING)
        sql = "SELECT 区县, count(*) FROM t WHERE 序号 < 98 OR 序号 > 98 GROUP BY 区县"
        assert refusal(sandbox, sql) == "filter-isolates"
        groups = "CASE WHEN 序号 < 3 THEN 'a' WHEN 序号 < 6 THEN 'b' ELSE 'c' END"
        result = sandbox.query(f"SELECT {groups} AS g, count(*) FROM t GROUP BY g")
        assert result.rows == (("c", 94),) and result.suppressed == 2


def test_min_max_of_a_small_group_suppressed(box):
    result = box.query("SELECT 区县, max(费用) FROM 门诊 WHERE 区县 = '良庆区' GROUP BY 区县")
    assert result.rows == () and result.suppressed == 1


def test_per_dataset_k():
    with Sandbox() as sandbox:
        sandbox.load("t", io.BytesIO(csv_bytes()), "csv", MASKING, k=35)
        result = sandbox.query("SELECT 区县, count(*) FROM t GROUP BY 区县 ORDER BY 2 DESC")
        assert result.rows == (("青秀区", 40),) and result.k == 35


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("SELECT * FROM 门诊", "not-aggregated"),
        ("SELECT 区县, 费用 FROM 门诊", "not-aggregated"),
        ("SELECT DISTINCT 区县 FROM 门诊", "not-aggregated"),
        ("SELECT list(费用) FROM 门诊", "aggregate-not-allowed"),
        ("SELECT string_agg(区县, ',') FROM 门诊", "aggregate-not-allowed"),
        ("SELECT histogram(费用) FROM 门诊", "function-not-allowed"),
        ("SELECT sum(CASE WHEN 序号 = 99 THEN 费用 END) FROM 门诊", "aggregate-argument"),
        ("SELECT sum(费用) FILTER (WHERE 序号 = 99) FROM 门诊", "aggregate-filter"),
        ("SELECT 区县, lead(sum(费用)) OVER () FROM 门诊 GROUP BY 区县", "window"),
        ("SELECT count(*) FROM (SELECT * FROM 门诊)", "table-not-granted"),
        ("WITH a AS (SELECT * FROM 门诊) SELECT count(*) FROM a", "subquery"),
        ("SELECT count(*) FROM 门诊 WHERE 费用 > (SELECT max(费用) FROM 门诊)", "subquery"),
        ("SELECT count(*) FROM 门诊 a, 门诊 b", "join"),
        ("SELECT count(*) FROM 门诊 UNION SELECT 1", "set-operation"),
        ("SELECT count(*) FROM 门诊 WHERE 姓名 = 'X'", "identifier-filter"),
        ("SELECT 身份证号, count(*) FROM 门诊 GROUP BY 1", "identifier-filter"),
        ("SELECT count(*) AS __gx_n FROM 门诊", "reserved-name"),
        ("SELECT 区县, count(*) FROM 门诊 GROUP BY ROLLUP (区县)", "grouping-sets"),
        ("SELECT count(*) FROM 门诊; SELECT 1", "one-statement"),
    ],
)
def test_refused(box, sql, code):
    assert refusal(box, sql) == code


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("SELECT count(*) FROM read_csv('/etc/passwd')", "table-not-granted"),
        ("SELECT count(*) FROM read_text('/etc/passwd')", "table-not-granted"),
        ("SELECT count(*) FROM '/etc/passwd'", "table-not-granted"),
        ("SELECT count(*) FROM 'https://example.com/x.csv'", "table-not-granted"),
        ("SELECT count(*) FROM glob('/*')", "table-not-granted"),
        ("COPY 门诊 TO '/tmp/out.csv'", "not-a-select"),
        ("ATTACH '/tmp/x.duckdb'", "not-a-select"),
        ("INSTALL httpfs", "not-a-select"),
        ("LOAD httpfs", "not-a-select"),
        ("PRAGMA threads=8", "not-a-select"),
        ("SET enable_external_access = true", "not-a-select"),
        ("SELECT count(*) FROM 门诊 WHERE 区县 = 'a' OR 1 = 1; COPY 门诊 TO 'x'", "one-statement"),
    ],
)
def test_files_urls_and_settings_refused(box, sql, code):
    assert refusal(box, sql) == code


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", duckdb.PermissionException),
        ("SELECT * FROM read_text('/etc/passwd')", duckdb.PermissionException),
        ("SELECT * FROM '/etc/passwd'", duckdb.Error),
        ("SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')", duckdb.PermissionException),
        ("SELECT * FROM glob('/*')", duckdb.PermissionException),
        ("COPY \"门诊\" TO '/tmp/gx-sandbox-out.csv'", duckdb.PermissionException),
        ("ATTACH '/tmp/gx-sandbox.duckdb'", duckdb.PermissionException),
        ("INSTALL httpfs", duckdb.PermissionException),
        ("LOAD httpfs", duckdb.PermissionException),
        ("SET enable_external_access = true", duckdb.InvalidInputException),
        ("SET memory_limit = '100GB'", duckdb.InvalidInputException),
        ("PRAGMA threads=8", duckdb.InvalidInputException),
        ("RESET lock_configuration", duckdb.InvalidInputException),
    ],
)
def test_the_database_itself_refuses_when_the_checks_are_bypassed(box, sql, error):
    box.seal()
    with pytest.raises(error):
        box._con.execute(sql).fetchall()


def test_a_query_past_the_time_limit_is_interrupted():
    rows = "".join(f"{index},青秀区\n" for index in range(200_000))
    with Sandbox(Limits(seconds=1)) as sandbox:
        sandbox.load(
            "t", io.BytesIO(("序号,区县\n" + rows).encode()), "csv", Delivery("d", {}, b"")
        )
        slow = "SELECT count(*) FROM t WHERE md5(repeat(区县, 5000)) <> ''"
        assert refusal(sandbox, slow) == "time-limit"


def test_each_query_has_its_own_connection_and_its_own_timer():
    """A quick query runs while a slow one of the same session runs, and the slow one's
    interruption does not touch it: each query runs on a connection of its own."""
    rows = "".join(f"{index},青秀区\n" for index in range(200_000))
    with Sandbox(Limits(seconds=2)) as sandbox:
        sandbox.load(
            "t", io.BytesIO(("序号,区县\n" + rows).encode()), "csv", Delivery("d", {}, b"")
        )
        slow = "SELECT count(*) FROM t WHERE md5(repeat(区县, 5000)) <> ''"
        found: dict[str, object] = {}

        def run_slow() -> None:
            found["slow"] = refusal(sandbox, slow)

        thread = threading.Thread(target=run_slow)
        thread.start()
        time.sleep(0.3)
        started = time.perf_counter()
        quick = sandbox.query("SELECT 区县, count(*) AS n FROM t GROUP BY 区县")
        quick_seconds = time.perf_counter() - started
        thread.join()
        assert found["slow"] == "time-limit"
        assert quick.rows == (("青秀区", 200_000),)
        assert quick_seconds < 1.5  # it did not wait for the slow one (interrupted at 2 s)
        again = sandbox.query("SELECT count(*) AS n FROM t")  # the session outlives both
        assert again.rows == ((200_000,),)


def test_the_timer_interrupts_a_cross_join(box):
    """The timer itself, below the checks (the rule refuses joins)."""
    box.seal()
    cursor = box._con.cursor()
    timer = engine._timer(cursor, deadline=time.perf_counter() + 1)
    tables = ", ".join(f'"门诊" {alias}' for alias in "abcde")
    mixed = "(a.序号 * b.序号 + c.序号 * d.序号 + e.序号) % 1000003 = 7"
    sql = f"SELECT count(*) FROM {tables} WHERE {mixed}"
    with pytest.raises(Refused) as caught, timer:
        engine._execute(cursor, sql).fetchall()
    assert caught.value.code == "time-limit"
    assert box.query("SELECT count(*) FROM 门诊").rows == ((100,),)  # the session goes on


def test_memory_limit():
    with Sandbox(Limits(memory="32MB", seconds=30)) as sandbox:
        sandbox.load("t", io.BytesIO(csv_bytes()), "csv", MASKING)
        sql = "SELECT count(*) FROM t GROUP BY repeat(区县, 2000000 + 序号)"
        assert refusal(sandbox, sql) == "memory-limit"


def test_row_and_size_limits():
    with Sandbox(Limits(max_rows=2)) as sandbox:
        sandbox.load("t", io.BytesIO(csv_bytes()), "csv", MASKING, k=1)
        result = sandbox.query("SELECT 区县, count(*) FROM t GROUP BY 区县 ORDER BY 2")
        assert result.rows == (("良庆区", 2), ("江南区", 28)) and result.truncated
    with Sandbox(Limits(max_result_bytes=100)) as sandbox:
        sandbox.load("t", io.BytesIO(csv_bytes()), "csv", MASKING, k=1)
        sql = "SELECT 区县, count(*) FROM t GROUP BY 区县"
        assert len(sandbox.query(sql).rows) == 4
        assert refusal(sandbox, "SELECT 年龄, count(*) FROM t GROUP BY 年龄") == "result-too-large"


def test_a_cast_failure_does_not_quote_the_value(box):
    with pytest.raises(Refused) as caught:
        box.query("SELECT count(*) FROM 门诊 WHERE CAST(区县 AS INTEGER) > 0")
    assert caught.value.code == "query-failed" and "区" not in caught.value.message


def test_differencing_pair(box):
    """COUNT/SUM of everyone against everyone but 张三 (序号 99, 费用 5000): the second is
    refused, and so is the grouped form whose one suppressed group is 张三's."""
    assert box.query("SELECT count(*), sum(费用) FROM 门诊").rows == ((100, 14751 + 5000),)
    assert refusal(box, "SELECT sum(费用) FROM 门诊 WHERE 序号 <> 99") == "filter-isolates"
    assert refusal(box, "SELECT sum(费用) FROM 门诊 WHERE 区县 <> '良庆区'") == "filter-isolates"
    grouped = box.query("SELECT 序号 = 99 AS x, sum(费用) FROM 门诊 GROUP BY x")
    assert grouped.rows == () and grouped.suppressed == 2  # the other group suppressed too


def test_differencing_that_is_not_stopped(box):
    """Two filters that each leave out k or more rows and differ by one row: both run, and
    their difference is 张三's fee. The rule does not audit queries against each other."""
    first = box.query("SELECT sum(费用) FROM 门诊 WHERE 序号 < 90").rows[0][0]
    second = box.query("SELECT sum(费用) FROM 门诊 WHERE 序号 < 90 OR 序号 = 99").rows[0][0]
    assert second - first == 5000
