"""Page latency while the SPARQL endpoint is flooded with heavy queries.

Prepares a demo instance (once; ``--instance`` keeps it for the next run), starts
``gxdata serve`` from ``--code`` (waitress, as in production) with the given SPARQL time
limit, then sends 3 triple cross products from one greedy address (0.1 s apart) and 16 from
16 other local addresses (127.0.0.2…17) at once, while a visitor on 127.0.0.1 opens the search
page and the REST list every 0.25 s. Prints the page latency (max, p95, median) and the
SPARQL answers by status. Only the standard library is used here, so the same script
measures an older checkout (``--code /tmp/sparql-before``).

    .venv/bin/python -m benchmarks.sparql_load --instance /tmp/sparql-bench --timeout 3
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

HEAVY = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
PAGES = ("/dataset?q=" + quote("气象"), "/api/v1/datasets?limit=5")


def fetch(port: int, path: str, source: str, timeout: float) -> tuple[str, float]:
    """GET ``path`` from the local address ``source``: an outcome label and seconds."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout, source_address=(source, 0))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        label = str(response.status)
        if response.getheader("Content-Type", "").startswith("application/problem+json"):
            label += " " + json.loads(body).get("code", "")
            if response.getheader("Retry-After"):
                label += " (Retry-After)"
        return label, time.monotonic() - started
    except OSError as error:
        return f"no answer ({type(error).__name__})", time.monotonic() - started
    finally:
        connection.close()


def gxdata(code: Path, env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "portal", *args]
    subprocess.run(command, cwd=code, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(code: Path, env: dict[str, str]) -> None:
    if (Path(env["GXDATA_INSTANCE_PATH"]) / "gxdata.db").exists():
        return
    started = time.monotonic()
    for args in (("db", "upgrade"), ("load-demo",), ("index", "rebuild"), ("sparql", "rebuild")):
        gxdata(code, env, *args)
    print(f"demo instance prepared in {time.monotonic() - started:.0f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gxdata serve stopped")
        if fetch(port, "/api/v1/datasets?limit=1", "127.0.0.1", 5)[0] == "200":
            return
        time.sleep(0.5)
    raise RuntimeError("gxdata serve did not answer")


def flood(port: int, clients: int, greedy: int, timeout: float) -> dict[str, object]:
    """The scenario; what the pages and the queries got."""
    sources = [f"127.0.0.{2 + clients}"] * greedy  # first, a little apart: its last is 429
    sources += [f"127.0.0.{2 + i}" for i in range(clients)]
    pages: list[float] = []
    page_outcomes: Counter[str] = Counter()
    started = time.monotonic()
    with ThreadPoolExecutor(len(sources)) as pool:
        queries = []
        for number, source in enumerate(sources):
            queries.append(pool.submit(fetch, port, HEAVY, source, timeout))
            if number < greedy:
                time.sleep(0.1)
        time.sleep(0.2)  # the queries arrive first, as in the report
        while not all(q.done() for q in queries):
            for path in PAGES:
                outcome, seconds = fetch(port, path, "127.0.0.1", timeout)
                page_outcomes[outcome] += 1
                pages.append(seconds)
            time.sleep(0.25)
        answers = [q.result() for q in queries]
    return {
        "wall": time.monotonic() - started,
        "pages": pages,
        "page_outcomes": page_outcomes,
        "answers": answers,
    }


def report(result: dict[str, object]) -> None:
    pages = sorted(result["pages"])  # type: ignore[call-overload]
    answers: list[tuple[str, float]] = result["answers"]  # type: ignore[assignment]
    p95 = pages[max(0, round(0.95 * len(pages)) - 1)]
    print(f"wall time                {result['wall']:.1f} s")
    print(
        f"page latency             max {pages[-1]:.2f} s, p95 {p95:.2f} s, "
        f"median {statistics.median(pages):.2f} s over {len(pages)} requests"
    )
    print(f"page answers             {dict(result['page_outcomes'])}")  # type: ignore[call-overload]
    by_outcome: dict[str, list[float]] = {}
    for outcome, seconds in answers:
        by_outcome.setdefault(outcome, []).append(seconds)
    for outcome, times in sorted(by_outcome.items()):
        print(f"SPARQL {outcome:<32} {len(times):>3}  in {min(times):.1f}–{max(times):.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--instance", type=Path, help="kept between runs (default: temporary)")
    parser.add_argument("--timeout", type=float, default=3.0, help="GXDATA_SPARQL_TIMEOUT")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--greedy", type=int, default=3, help="queries from one more address")
    parser.add_argument("--http-timeout", type=float, default=120.0)
    args = parser.parse_args()
    instance = args.instance or Path(tempfile.mkdtemp(prefix="sparql-load-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(args.code.resolve()),
        "GXDATA_INSTANCE_PATH": str(instance.resolve()),
        "GXDATA_NETWORK": "0",
        "GXDATA_WORKER_THREADS": "0",
        "GXDATA_SPARQL_TIMEOUT": str(args.timeout),
    }
    prepare(args.code, env)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(port)],
        cwd=args.code,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port, server)
        fetch(port, "/sparql?query=" + quote("ASK { ?s ?p ?o }"), "127.0.0.1", 60)  # worker up
        print(
            f"code {args.code}, SPARQL timeout {args.timeout:g} s, {args.clients} clients "
            f"+ {args.greedy} queries from one more"
        )
        report(flood(port, args.clients, args.greedy, args.http_timeout))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
