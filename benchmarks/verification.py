"""Verification questions (核验接口) over a generated register of 1,000,000 property licences:
questions a second, seconds a question and peak memory.

Generates a CSV of made-up property licences with the columns of the demo sample
``property-licence`` (证书编号, 不动产单元号, 权利人, 身份证号, 坐落, 建筑面积（平方米）, 用途,
登记日期), stores it as a file of a conditional dataset stating the sample's conditions
(verification channel, 证书编号 and 权利人 asked), grants it to an applicant through the
application acts, and times the whole path of a question, as the portal takes it:
:func:`catalog.verification.verify` (the grant checked, the index of the stored file looked up,
the audit row written) and its commit. The first question reads the whole file into the
process's index (:class:`catalog.verification.Index`) and is timed alone; then questions that
match near the start of the file, in the middle, and nothing. Then the same three through
``POST /api/v1/grants/…/verify`` on a real server on 127.0.0.1 (a token of scope
``conditional``; the call rate set to its maximum so that the limit does not answer instead).

The peak resident memory printed is the whole process's (the interpreter, the app and its
imports included), started anew before the questions where Linux allows it
(``/proc/self/clear_refs``), with its growth over the memory held before them: the file is
never held in memory.

    .venv/bin/python -m benchmarks.verification [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import random
import resource
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog import migrate, verification  # noqa: E402
from catalog.accounts import tokens, users  # noqa: E402
from catalog.accounts.models import CONDITIONAL, GOVERNMENT, REVIEWER, User  # noqa: E402
from catalog.applications import acts, grants  # noqa: E402
from catalog.applications.models import Grant  # noqa: E402
from catalog.conditions import MAX_RATE_PER_MINUTE  # noqa: E402
from catalog.db import utcnow  # noqa: E402
from catalog.demo import samples, synthetic  # noqa: E402
from catalog.models import Dataset, Department, Distribution  # noqa: E402
from catalog.permissions import actor_for  # noqa: E402
from catalog.services.datasets import create_dataset, publish_dataset  # noqa: E402
from catalog.services.distributions import store_file  # noqa: E402
from portal import create_app  # noqa: E402
from tests.browsers import serving  # noqa: E402 - the tests' server on 127.0.0.1

KEY = "property-licence"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫陆农黎")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰海燕春梅红志文斌")
CITIES = ("南宁市 柳州市 桂林市 梧州市 北海市 防城港市 "
          "钦州市 贵港市 玉林市 百色市 贺州市 河池市").split()  # fmt: skip
USES = ("住宅", "住宅", "住宅", "商业", "办公", "工业")


def certificate(n: int, year: int, city: str) -> str:
    return f"桂（{year}）{city}不动产权第{n * 37 + 1001:07d}号"


def generate(path: Path, rows: int) -> dict[int, tuple[str, str]]:
    """Write the register to ``path``; the (证书编号, 权利人) of a few rows kept to ask."""
    rng = random.Random(29)
    header = synthetic.BUILDERS[KEY](synthetic.faker_for(KEY), 1).header
    asked = {10, rows // 2}
    kept: dict[int, tuple[str, str]] = {}
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(header) + "\n")
        for n in range(rows):
            year, city = rng.randint(2019, 2024), rng.choice(CITIES)
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            county = f"4501{rng.randint(2, 27):02d}"
            number = f"{county}{rng.randint(1950, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"  # noqa: E501
            unit = f"{county}{rng.randint(1, 999):03d}{rng.randint(1, 99):03d}GB{rng.randint(1, 99999):05d}F{rng.randint(1, 99999999):08d}"  # noqa: E501
            place = f"广西壮族自治区{city}民族大道{rng.randint(1, 399)}号{rng.randint(1, 30)}栋{rng.randint(101, 3209)}室"  # noqa: E501
            licence = certificate(n, year, city)
            day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            area = f"{rng.uniform(35, 220):.2f}"
            out.write(f"{licence},{unit},{name},{number},{place},{area},{rng.choice(USES)},{day}\n")
            if n in asked:
                kept[n] = (licence, name)
    return kept


def _granted(app: Flask, data: Path) -> tuple[str, str, int]:
    """The dataset, its stored register and the applicant, granted through the acts."""
    services = app.extensions["gxdata"]
    stated = samples.sample_conditions(KEY, synthetic.table(KEY))
    stated["rate_per_minute"] = MAX_RATE_PER_MINUTE  # the limit is not what is measured
    with services.session_factory() as db, db.begin():
        department = Department(slug="zrzyt", name="自治区自然资源厅")
        db.add(department)
        db.flush()
        dataset = create_dataset(db, title="不动产权证书电子证照", department=department,
                                 open_type="conditional", conditions=stated)  # fmt: skip
        with data.open("rb") as source:
            stored = store_file(db, services.files, dataset, file_name="不动产权证书.csv",
                                stream=source, max_bytes=2**31)  # fmt: skip
        publish_dataset(db, dataset)
        reviewer, _ = users.create_staff_user(db, email="r@example.org", password=None)
        users.grant_role(db, reviewer, REVIEWER, department)
        holder, _ = users.create_staff_user(db, email="bank@example.org", password=None)
        holder.kind = GOVERNMENT
        db.flush()
        applicant, checker = actor_for(holder), actor_for(reviewer, two_factor=True)
        application = acts.create_application(db, applicant, dataset, {
            "purpose": "抵押贷款核验", "scenario": "核验借款人出示的不动产权证书",
            "distribution_ids": [stored.id], "fields": [],
            "commitments": list(stated["security_requirements"]),
        })  # fmt: skip
        acts.add_attachment(db, applicant, application, services.files,
                            stream=io.BytesIO(PDF), file_name="授权文件.pdf")  # fmt: skip
        acts.submit(db, applicant, application)
        acts.start_review(db, checker, application)
        grants.approve(db, checker, application)
        return dataset.id, stored.id, holder.id


def _timed(ask: Callable[[], str], repeat: int) -> tuple[float, str]:
    ask()  # once before: the page cache and the first connection
    started = time.perf_counter()
    for _ in range(repeat):
        answer = ask()
    return (time.perf_counter() - started) / repeat, answer


def _report(label: str, each: float, answer: str) -> None:
    print(f"  {label:<28} {answer:<9} {each:8.4f} s a question, {1 / each:9.1f} questions/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="questions timed of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        app = create_app({"INSTANCE_PATH": str(root / "instance"), "NETWORK": False,
                          "DATABASE_URL": f"sqlite:///{root / 'gxdata.db'}",
                          "SECRET_KEY": "bench", "BASE_URL": "http://127.0.0.1"})  # fmt: skip
        services = app.extensions["gxdata"]
        migrate.upgrade(services.engine)
        data = root / "register.csv"
        started = time.perf_counter()
        kept = generate(data, args.rows)
        size = data.stat().st_size
        print(f"rows {args.rows:,}, CSV {size / 1e6:.0f} MB, generated in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        dataset_id, distribution_id, holder_id = _granted(app, data)
        data.unlink()  # only the stored copy is read
        questions = {
            f"match at row {min(kept):,}": kept[min(kept)],
            f"match at row {max(kept):,}": kept[max(kept)],
            "no match": (certificate(args.rows + 1, 2024, "南宁市"), "无此人"),
        }
        before = _rss_mb()
        print(f"peak RSS of the set-up {_peak_mb():.0f} MB, RSS now {before:.0f} MB")
        reset = _reset_peak()
        print("catalog.verification.verify (+ commit):")

        def ask_direct(licence: str, name: str) -> str:
            with services.session_factory() as db, db.begin():
                dataset = db.get(Dataset, dataset_id)
                distribution = db.get(Distribution, distribution_id)
                holder = db.get(User, holder_id)
                assert dataset and distribution and holder
                found = verification.verify(db, actor_for(holder), dataset, distribution,
                                            {"证书编号": licence, "权利人": name}, utcnow(),
                                            services.files)  # fmt: skip
                return found.answer

        first_started = time.perf_counter()
        answer = ask_direct(*questions["no match"])
        _report("first question (file indexed)", time.perf_counter() - first_started, answer)
        for label, (licence, name) in questions.items():
            _report(label, *_timed(lambda a=licence, b=name: ask_direct(a, b), args.repeat))
        since = "of the questions" if reset else "since the start"
        print(f"peak RSS {since} {_peak_mb():.0f} MB (+{_peak_mb() - before:.1f} MB)")
        reset = _reset_peak()
        _through_http(app, holder_id, distribution_id, questions, args.repeat)
        since = "of the questions and the server" if reset else "since the start"
        print(f"peak RSS {since} {_peak_mb():.0f} MB (+{_peak_mb() - before:.1f} MB)")
        services.close()


def _through_http(
    app: Flask, holder_id: int, distribution_id: str, questions: dict[str, tuple[str, str]],
    repeat: int,
) -> None:  # fmt: skip
    services = app.extensions["gxdata"]
    with services.session_factory() as db, db.begin():
        holder = db.get(User, holder_id)
        assert holder is not None
        _, secret = tokens.create_api_token(db, holder, "bench", scope=CONDITIONAL, days=1)
        grant_id = db.scalars(select(Grant.id)).one()
    print("POST /api/v1/grants/…/verify on 127.0.0.1 (one connection a question):")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line a request
    with serving(app) as base:
        url = f"{base}/api/v1/grants/{grant_id}/files/{distribution_id}/verify"
        for label, (licence, name) in questions.items():
            body = json.dumps({"fields": {"证书编号": licence, "权利人": name}}).encode()

            def ask(body: bytes = body) -> str:
                headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
                request = urllib.request.Request(url, data=body, method="POST", headers=headers)
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                    return json.loads(response.read())["answer"]

            _report(label, *_timed(ask, repeat))


def _peak_mb() -> float:
    """The process's peak resident memory since the last :func:`_reset_peak` (Linux), else
    since it started."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
        / 1024
    )


def _rss_mb() -> float:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan")
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])
        / 1024
    )


def _reset_peak() -> bool:
    """Start the peak anew (Linux: ``5`` to ``/proc/self/clear_refs``); False when it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


if __name__ == "__main__":
    main()
