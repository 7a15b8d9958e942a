"""Every hot path of the application in one run, on SQLite and PostgreSQL, each against its floor.

For each database this builds, in turn, the two national-scale datasets of the other scripts in
the same database (PostgreSQL: `bench`, its public schema dropped and recreated; SQLite: a file
in a temporary folder) and measures, with the figure each is compared with:

1. autosave throughput: the real autosave (`bench_autosave.py`: sign-in, form, save, partial)
   against the same single-row write with SQLAlchemy Core (`POST /_bench/write`), Werkzeug's
   threaded server in a child process, 4 keep-alive connections, alternating rounds; the SQL
   statements per autosave are counted on the server.
2. autosave latency under gunicorn with 4 sync workers and 16 connections: closed loop (each
   connection sends its next autosave as soon as the answer is in) and paced (16 connections
   sharing a fixed rate, half the closed-loop rate, latency counted from the scheduled send);
   the floor write the same way.
3. the live ranking partial the leader's page polls (the URL in its `hx-get`), the live results
   API document, and the API's 304 path, against the bare SELECT of the stored figures
   (`bench_rankings.py`'s floor), Werkzeug in a child process, 4 connections, SQL counted.
4. mixed load: autosaves from 4 connections on ONE gunicorn sync worker, alone and beside 2 open
   ranking pages polling the live region every POLL_SECONDS with the ETag they hold (as htmx
   does), in alternating rounds; the figure is autosave req/s beside the pollers ÷ alone.
5. the ranking page's bytes on the wire, as sent without compression and with gzip, br, zstd.

Every load is bounded in requests and in time, and only targets 127.0.0.1. Requests carry a
browser's `Accept-Encoding` (`--identity` sends none). The machine's load average is read before
and after each database.

Run: .venv/bin/python bench/bench_hot_paths.py [--quick] [--db sqlite|postgresql|both]
     [--units N] [--pg-url URL] [--json FILE]      (make bench / make bench-quick)
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from importlib.metadata import version as package_version
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
PROJECT_ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
import bench_autosave  # noqa: E402
import bench_rankings  # noqa: E402
from bench_autosave import (  # noqa: E402
    Client,
    Driven,
    Phase,
    app_config,
    autosave,
    cpu_model,
    floor_write,
    migrate,
    prepare_postgresql,
)

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
# What Chromium sends over HTTPS.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
SAVES_CODE = "BENCH-2025"  # bench_autosave's campaign
LEADER = "leader-bench"
LEADER_PASSWORD = "bench-leader-password"
HX = {"HX-Request": "true"}


# ---- servers ---------------------------------------------------------------------------------


def gunicorn_app():
    """The application gunicorn's workers serve: bench_autosave's, with the floor write."""
    return bench_autosave.bench_app(json.loads(os.environ["BENCH_APP_CONFIG"]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """The benchmark application under gunicorn with sync workers on 127.0.0.1."""

    def __init__(self, config: dict[str, Any], workers: int, folder: str) -> None:
        self.port = free_port()
        self.log_path = os.path.join(folder, f"gunicorn-{self.port}.log")
        env = os.environ | {"BENCH_APP_CONFIG": json.dumps(config)}
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "600",
            "--graceful-timeout",
            "10",
            "--pythonpath",
            BENCH_DIR,
            "bench_hot_paths:gunicorn_app()",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped:\n{self.log_tail()}")
            try:
                client = Client(self.port)
                status = client.request("GET", "/_bench/statements")[0]
                client.close()
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not answer:\n{self.log_tail()}")
            time.sleep(0.2)

    def log_tail(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-30:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# ---- bounded load ----------------------------------------------------------------------------


def run_load(
    port: int,
    groups: list[list[Driven]],
    step: Callable[[Client, Driven], float],
    *,
    requests: int,
    seconds: float,
    rate: float | None = None,
) -> Phase:
    """One connection per group sending `step` until `requests` are done or `seconds` are over.

    Without `rate` each connection sends as soon as its last answer is in (closed loop). With it
    the connections share that many requests per second on a fixed schedule, and a latency runs
    from the scheduled send, so a server that falls behind is not flattered by waiting clients."""
    lock = threading.Lock()
    left = [requests]
    results: list[list[float]] = [[] for _ in groups]
    failures: list[BaseException] = []
    barrier = threading.Barrier(len(groups) + 1)
    interval = len(groups) / rate if rate else 0.0
    clock: dict[str, float] = {}

    def take() -> bool:
        with lock:
            if left[0] <= 0:
                return False
            left[0] -= 1
            return True

    def worker(index: int) -> None:
        client = Client(port)
        group = groups[index]
        try:
            barrier.wait()
            start, deadline = clock["start"], clock["deadline"]
            due = start + index * interval / len(groups)
            n = 0
            while time.perf_counter() < deadline and take():
                if rate:
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    elapsed = step(client, group[n % len(group)])
                    results[index].append(time.perf_counter() - due if rate else elapsed)
                    due += interval
                else:
                    results[index].append(step(client, group[n % len(group)]))
                n += 1
        except BaseException as failure:  # reported by the caller's thread
            failures.append(failure)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(groups))]
    for thread in threads:
        thread.start()
    clock["start"] = time.perf_counter()
    clock["deadline"] = clock["start"] + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - clock["start"]
    if failures:
        raise failures[0]
    return Phase([t for r in results for t in r], wall)


def split(driven: list[Driven], connections: int) -> list[list[Driven]]:
    """The sample officers dealt to connections, so no two connections save the same unit."""
    if len(driven) < connections:
        raise SystemExit(f"{connections} connections need --officers ≥ {connections}")
    return [driven[i::connections] for i in range(connections)]


class Pollers:
    """Open ranking pages: each polls the live region every `period` s with the ETag it holds."""

    def __init__(self, port: int, cookies: list[str], path: str, period: float) -> None:
        self.port, self.cookies, self.path, self.period = port, cookies, path, period
        self.stop = threading.Event()
        self.polls: list[tuple[int, float, int]] = []  # status, latency, bytes on the wire
        self.failures: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self.poll, args=(i, cookie)) for i, cookie in enumerate(cookies)
        ]

    def poll(self, index: int, cookie: str) -> None:
        client = Client(self.port)
        tag = None
        due = time.perf_counter() + index * self.period / len(self.cookies)
        try:
            while not self.stop.wait(max(0.0, due - time.perf_counter())):
                headers = {"Cookie": cookie, **HX}
                if tag:
                    headers["If-None-Match"] = tag
                status, _body, elapsed, _c = client.request("GET", self.path, headers=headers)
                if status not in (200, 304):
                    raise RuntimeError(f"poll of {self.path} answered {status}")
                tag = client.last_headers.get("ETag") or tag
                self.polls.append((status, elapsed, client.wire_bytes))
                due = max(due + self.period, time.perf_counter())
        except BaseException as failure:
            self.failures.append(failure)
        finally:
            client.close()

    def __enter__(self) -> Pollers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        if self.failures:
            raise self.failures[0]


def sign_in_leader(port: int, username: str, password: str) -> str:
    """A leader's session cookie, from the real sign-in form."""
    client = Client(port)
    try:
        fields = {"username": username, "password": password, "next": ""}
        status, _body, _t, cookies = client.request("POST", "/login", fields)
    finally:
        client.close()
    if status != 303:
        raise SystemExit(f"sign-in of {username} answered {status}")
    return "; ".join(c.split(";", 1)[0] for c in cookies)


def live_url(port: int, cookie: str, page: str) -> tuple[str, str | None]:
    """The live region's URL and ETag as the ranking page hands them to htmx."""
    client = Client(port)
    try:
        status, body, _t, _c = client.request("GET", page, headers={"Cookie": cookie})
    finally:
        client.close()
    if status != 200:
        raise SystemExit(f"{page} answered {status}")
    found = re.search(r'hx-get="([^"]*/live[^"]*)"', body)
    if found is None:
        raise SystemExit(f"{page} has no live region")
    tag = re.search(r'data-etag="([^"]+)"', body)
    return html.unescape(found.group(1)), (f'"{tag.group(1)}"' if tag else None)


def load_average() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


# ---- the autosave dataset: rows 1, 2 and the mixed load ----------------------------------------


def add_leader(config: dict[str, Any]) -> None:
    """A leader account beside bench_autosave's officers, for the ranking pollers."""
    from reform import create_app
    from reform.extensions import db
    from reform.services.users import create_user

    app = create_app(config)
    with app.app_context():
        create_user(LEADER, "Lãnh đạo (benchmark)", ["leader"], password=LEADER_PASSWORD)
        db.session.remove()
        db.engine.dispose()


def measure_saves(config: dict[str, Any], args: argparse.Namespace, folder: str) -> dict:
    """Rows 1, 2 and the mixed load, on bench_autosave's dataset."""
    out: dict[str, Any] = {}
    start = time.perf_counter()
    migrate(config)
    driven, info = bench_autosave.build_dataset(config, args.units, args.officers)
    add_leader(config)
    sizes = info["sizes"]
    out["saves dataset"] = (
        f"{sizes['units']} units, {sizes['entries']} entries, {sizes['evidence']} evidence "
        f"files, {sizes['audit_events']} audit events; built in {time.perf_counter() - start:.0f} s"
    )
    print(f"dataset      : {out['saves dataset']}", flush=True)

    # 1. Throughput against the floor, Werkzeug in a child process (bench_autosave's own run).
    options = argparse.Namespace(
        server="process",
        concurrency=4,
        warmup=args.warmup,
        rounds=args.rounds,
        requests=args.requests,
    )
    phases = bench_autosave.measure(config, driven, options)
    saves, floor = phases["autosave"], phases["floor"]
    out["autosave"] = summary(saves)
    out["autosave floor"] = summary(floor)
    out["autosave ratio"] = floor.rps / saves.rps
    out["autosave SQL"] = saves.per_request
    report("autosave (Werkzeug, 4 conn.)", saves, floor)
    print(f"               {saves.per_request:.1f} SQL statements per autosave", flush=True)

    # 2. gunicorn, 4 sync workers, 16 connections: closed loop, then paced at half its rate.
    sixteen = split(driven, 16)
    with Gunicorn(config, 4, folder) as server:
        run_load(server.port, sixteen, autosave, requests=args.warmup, seconds=60)
        run_load(server.port, sixteen, floor_write, requests=args.warmup, seconds=60)
        bound = {"requests": args.gunicorn_requests, "seconds": args.gunicorn_seconds}
        closed = run_load(server.port, sixteen, autosave, **bound)
        closed_floor = run_load(server.port, sixteen, floor_write, **bound)
        rate = closed.rps / 2
        paced = run_load(server.port, sixteen, autosave, rate=rate, **bound)
        paced_floor = run_load(server.port, sixteen, floor_write, rate=rate, **bound)
    out["gunicorn closed"] = summary(closed)
    out["gunicorn closed floor"] = summary(closed_floor)
    out["gunicorn paced"] = summary(paced)
    out["gunicorn paced floor"] = summary(paced_floor)
    out["gunicorn paced rate"] = rate
    report("16 conn., 4 workers, closed", closed, closed_floor)
    report(f"16 conn., 4 workers, {rate:.0f}/s", paced, paced_floor)

    # Mixed load: one sync worker, autosaves alone and beside two open ranking pages.
    four = split(driven, 4)
    with Gunicorn(config, 1, folder) as server:
        port = server.port
        cookies = [sign_in_leader(port, LEADER, LEADER_PASSWORD) for _ in range(2)]
        path, _tag = live_url(port, cookies[0], f"/rankings/{SAVES_CODE}")
        run_load(port, four, autosave, requests=args.warmup, seconds=60)
        alone, beside, polls = Phase(), Phase(), []
        bound = {"requests": 100_000, "seconds": args.mixed_seconds}
        for _ in range(args.mixed_rounds):
            alone.add(run_load(port, four, autosave, **bound))
            with Pollers(port, cookies, path, args.poll_seconds) as pollers:
                beside.add(run_load(port, four, autosave, **bound))
            polls += pollers.polls
    out["mixed alone"] = summary(alone)
    out["mixed beside"] = summary(beside)
    out["mixed ratio"] = beside.rps / alone.rps
    full = [p for p in polls if p[0] == 200]
    out["mixed polls"] = {
        "polls": len(polls),
        "200": len(full),
        "304": len(polls) - len(full),
        "mean ms": 1000 * sum(p[1] for p in polls) / len(polls) if polls else 0.0,
        "mean 200 ms": 1000 * sum(p[1] for p in full) / len(full) if full else 0.0,
    }
    print(
        f"mixed        : 1 worker, autosave alone {alone.rps:.1f} req/s, beside 2 pollers "
        f"(every {args.poll_seconds:g} s, {path}) {beside.rps:.1f} req/s = "
        f"{out['mixed ratio']:.0%}; polls {len(polls)} ({len(full)} × 200, mean "
        f"{out['mixed polls']['mean 200 ms']:.0f} ms)",
        flush=True,
    )
    return out


# ---- the rankings dataset: rows 3 to 5 and the bytes -------------------------------------------


def measure_rankings(config: dict[str, Any], args: argparse.Namespace) -> dict:
    """The live partial, the live API document and its 304 against the floor; page bytes."""
    out: dict[str, Any] = {}
    start = time.perf_counter()
    migrate(config)
    info = bench_rankings.build_dataset(config, args.units, args.big_block)
    sizes = info["sizes"]
    out["rankings dataset"] = (
        f"{sizes['submissions']} units (one block of {sizes['big block']}), "
        f"{sizes['entries']} entries; built in {time.perf_counter() - start:.0f} s"
    )
    print(f"dataset      : {out['rankings dataset']}", flush=True)
    code = bench_rankings.CODE
    server = bench_rankings.Server(config)
    port, c = server.port, 4
    try:
        cookie = {"Cookie": bench_rankings.sign_in(port)}
        page = f"/rankings/{code}"
        live, page_tag = live_url(port, cookie["Cookie"], page)
        big = with_query(live, block="K00")  # the block of --big-block units
        api = f"/api/v1/campaigns/{code}/results"
        for path, headers in ((live, {**cookie, **HX}), (api, cookie), ("/_bench/floor", {})):
            bench_rankings.run(port, 4, 1, path, headers, 200)
        live_tag = {**cookie, **HX, "If-None-Match": page_tag or etag(port, live, cookie)}
        api_tag = {**cookie, "If-None-Match": etag(port, api, cookie)}
        n, m = args.rank_requests, args.api_requests
        run = bench_rankings.run
        phases = {
            "floor": run(port, n, c, "/_bench/floor", {}, 200),
            "live partial": run(port, n, c, live, {**cookie, **HX}, 200),
            "live partial, big block": run(port, n, c, big, {**cookie, **HX}, 200),
            "live partial, 304": run(port, n * 4, c, live, live_tag, 304),
            "API live document": run(port, m, c, api, cookie, 200),
            "API live, 304": run(port, n * 4, c, api, api_tag, 304),
        }
        block = dict(parse_qsl(urlsplit(live).query)).get("block", "K01")
        fresh, alone = fresh_renders(port, n // 2, live, {**cookie, **HX}, block)
        again = run(port, n, c, "/_bench/floor", {}, 200)
        floor = phases["floor"]
        floor.latencies += again.latencies
        floor.wall += again.wall
        floor.statements += again.statements
        out["bytes"] = {
            "page": wire_sizes(port, page, cookie),
            "live partial": wire_sizes(port, live, {**cookie, **HX}),
        }
    finally:
        server.stop()
    out["live path"] = live
    print(f"clients      : {c} connections, signed in as a leader; the page polls {live}")
    print(
        f"{'request':22} {'n':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>8} "
        f"{'÷ floor (time)':>15} {'p95 ÷ floor':>12}"
    )
    for label, phase in phases.items():
        count = len(phase.latencies)
        row = summary(phase) | {
            "SQL": phase.statements / count,
            "ratio": floor.rps / phase.rps,
            "p95 ratio": phase.pct(0.95) / floor.pct(0.95),
        }
        out[label] = row
        print(
            f"{label:22} {count:5d} {phase.rps:8.1f} {phase.pct(0.5):8.1f} {phase.pct(0.95):8.1f} "
            f"{row['SQL']:8.1f} {row['ratio']:14.2f}× {row['p95 ratio']:11.2f}×"
        )
    out["live partial, fresh render"] = {
        "n": len(fresh),
        "mean ms": 1000 * sum(fresh) / len(fresh),
        "floor mean ms": 1000 * sum(alone) / len(alone),
        "ratio": sum(fresh) / len(fresh) / (sum(alone) / len(alone)),
    }
    row = out["live partial, fresh render"]
    print(
        f"{'live partial, fresh':22} {len(fresh):5d}   one connection, right after a change in "
        f"its block: mean {row['mean ms']:.1f} ms, floor mean {row['floor mean ms']:.1f} ms, "
        f"{row['ratio']:.2f}×"
    )
    for name, sizes in out["bytes"].items():
        shown = ", ".join(
            f"{coding} {size / 1024:,.1f} KB" for coding, size in sizes.items() if coding != "rows"
        )
        print(f"bytes        : {name} ({sizes['rows']} rows): {shown}")
    return out


def fresh_renders(
    port: int, count: int, path: str, headers: dict, block: str
) -> tuple[list[float], list[float]]:
    """One connection: `path` right after a change in its block (so the fragment cache cannot
    answer), then the floor as many times; the latencies of each (the change is not timed)."""
    client = Client(port)
    fresh, floor = [], []
    try:
        for _ in range(count):
            client.request("POST", f"/_bench/touch?block={block}", {})
            status, _body, elapsed, _c = client.request("GET", path, headers=headers)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            fresh.append(elapsed)
        for _ in range(count):
            floor.append(client.request("GET", "/_bench/floor")[2])
    finally:
        client.close()
    return fresh, floor


def with_query(path: str, **values: str) -> str:
    """The path with these query parameters set."""
    address = urlsplit(path)
    query = dict(parse_qsl(address.query)) | values
    return address._replace(query=urlencode(query)).geturl()


def etag(port: int, path: str, headers: dict) -> str:
    client = Client(port)
    try:
        client.request("GET", path, headers=headers)
        return client.last_headers["ETag"]
    finally:
        client.close()


def wire_sizes(port: int, path: str, headers: dict) -> dict[str, int]:
    """The body's size as sent without compression and with each coding; `rows`: table rows."""
    sizes: dict[str, int] = {}
    client = Client(port)
    saved = Client.extra_headers
    try:
        Client.extra_headers = {}
        for coding in ("identity", "gzip", "br", "zstd"):
            status, body, _t, _c = client.request(
                "GET", path, headers={**headers, "Accept-Encoding": coding}
            )
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            sent = client.last_headers.get("Content-Encoding") or "identity"
            sizes[coding if sent == coding else f"{coding} (sent {sent})"] = client.wire_bytes
        sizes["rows"] = body.count("<tr") - body.count("<thead")
    finally:
        Client.extra_headers = saved
        client.close()
    return sizes


# ---- reporting -------------------------------------------------------------------------------


def summary(phase: Phase) -> dict[str, float]:
    return {
        "n": len(phase.latencies),
        "rps": phase.rps,
        "p50": phase.pct(0.5),
        "p95": phase.pct(0.95),
        "p99": phase.pct(0.99),
    }


def report(label: str, phase: Phase, floor: Phase) -> None:
    print(
        f"{label:29}: {phase.rps:6.1f} req/s p50 {phase.pct(0.5):6.1f} p95 {phase.pct(0.95):6.1f} "
        f"p99 {phase.pct(0.99):6.1f} ms | floor {floor.rps:6.1f} req/s p95 "
        f"{floor.pct(0.95):6.1f} ms | floor req/s ÷ req/s {floor.rps / phase.rps:.2f}×",
        flush=True,
    )


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def final_table(results: dict[str, dict]) -> None:
    """The issue's table: each row on each database, its target and whether it is met."""
    names = list(results)

    def cells(fn: Callable[[dict], str]) -> str:
        return " | ".join(fn(results[name]) for name in names)

    def every(test: Callable[[dict], bool]) -> bool:
        return all(test(r) for r in results.values())

    pg = results.get("postgresql")
    rows = [
        (
            "autosave, floor req/s ÷ autosave req/s",
            cells(lambda r: f"{r['autosave ratio']:.2f}×"),
            "≤ 1.7× on both",
            verdict(every(lambda r: r["autosave ratio"] <= 1.7)),
        ),
        (
            "SQL statements per autosave (sign-in included)",
            cells(lambda r: f"{r['autosave SQL']:.1f}"),
            "≤ 5",
            verdict(every(lambda r: r["autosave SQL"] <= 5)),
        ),
        (
            "autosave p95, 16 conn., 4 sync workers, closed loop",
            cells(lambda r: f"{r['gunicorn closed']['p95']:.0f} ms"),
            "≤ 30 ms on PostgreSQL",
            verdict(pg["gunicorn closed"]["p95"] <= 30 if pg else None),
        ),
        (
            "autosave p95, 16 conn., 4 sync workers, paced at half that rate",
            cells(
                lambda r: f"{r['gunicorn paced']['p95']:.0f} ms at {r['gunicorn paced rate']:.0f}/s"
            ),
            "≤ 30 ms on PostgreSQL",
            verdict(pg["gunicorn paced"]["p95"] <= 30 if pg else None),
        ),
        (
            "live ranking partial ÷ floor (time per request; fragment cache)",
            cells(lambda r: f"{r['live partial']['ratio']:.2f}×"),
            "≤ 3×",
            verdict(every(lambda r: r["live partial"]["ratio"] <= 3)),
        ),
        (
            "live ranking partial, rendered after a change ÷ floor (1 conn.)",
            cells(lambda r: f"{r['live partial, fresh render']['ratio']:.2f}×"),
            "≤ 3×",
            verdict(every(lambda r: r["live partial, fresh render"]["ratio"] <= 3)),
        ),
        (
            "live results API document ÷ floor",
            cells(lambda r: f"{r['API live document']['ratio']:.2f}×"),
            "≤ 3×",
            verdict(every(lambda r: r["API live document"]["ratio"] <= 3)),
        ),
        (
            "API live 304 ÷ floor",
            cells(lambda r: f"{r['API live, 304']['ratio']:.2f}×"),
            "≤ 0.3×",
            verdict(every(lambda r: r["API live, 304"]["ratio"] <= 0.3)),
        ),
        (
            "mixed: autosave beside 2 pollers ÷ alone (1 worker)",
            cells(lambda r: f"{r['mixed ratio']:.0%}"),
            "≥ 80%",
            verdict(every(lambda r: r["mixed ratio"] >= 0.8)),
        ),
        (
            "ranking page on the wire, identity → gzip",
            cells(
                lambda r: (
                    f"{r['bytes']['page']['identity'] / 1024:,.0f} → "
                    f"{_coded(r['bytes']['page'], 'gzip') / 1024:,.1f} KB"
                )
            ),
            "≤ 150 KB compressed",
            verdict(every(lambda r: _coded(r["bytes"]["page"], "gzip") <= 150 * 1024)),
        ),
    ]
    print("\n== the issue's table ==")
    print(f"| row | {' | '.join(names)} | target | |")
    print(f"|---|{'---|' * len(names)}---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def _coded(sizes: dict[str, int], coding: str) -> int:
    return next(v for k, v in sizes.items() if k.startswith(coding))


def code_version() -> str:
    """The commit measured, and whether the work tree differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit or 'unknown'}{' with uncommitted changes' if changed else ''}"


def versions() -> str:
    names = ("flask", "werkzeug", "sqlalchemy", "psycopg", "gunicorn", "flask-compress")
    return ", ".join(f"{name} {package_version(name)}" for name in names)


def run_database(name: str, url: str, args: argparse.Namespace, folder: str) -> dict:
    """Both datasets on one database, one after the other."""
    print(f"\n== {name} ==", flush=True)
    before = load_average()
    server = prepare_postgresql(url) if name == "postgresql" else sqlite3.sqlite_version
    config = app_config(url, folder)
    print(f"server       : {name} {server}; load average before: {before}", flush=True)
    results = measure_saves(config, args, folder)
    if name == "postgresql":
        prepare_postgresql(url)
    else:
        path = url.removeprefix("sqlite:///")
        for leftover in (path, path + "-wal", path + "-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
    results |= measure_rankings(config, args)
    results["load"] = {"before": before, "after": load_average()}
    results["server"] = f"{name} {server}"
    print(f"load average : before {before}, after {results['load']['after']}", flush=True)
    return results


QUICK = {
    "units": 200,
    "big_block": 150,
    "officers": 20,
    "requests": 200,
    "rounds": 2,
    "warmup": 20,
    "gunicorn_requests": 400,
    "gunicorn_seconds": 3.0,
    "mixed_seconds": 4.0,
    "mixed_rounds": 1,
    "poll_seconds": 1.0,
    "rank_requests": 20,
    "api_requests": 4,
}


def main(argv: list[str] | None = None) -> dict:
    """Run every measurement on the chosen databases and print the issue's table."""
    from reform.rankings.views import POLL_SECONDS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 units, short loads: a smoke run")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--units", type=int, default=4000)
    parser.add_argument("--big-block", type=int, default=3000)
    parser.add_argument("--officers", type=int, default=48, help="sample units driven")
    parser.add_argument("--requests", type=int, default=2000, help="autosaves vs floor")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--gunicorn-requests", type=int, default=4000)
    parser.add_argument("--gunicorn-seconds", type=float, default=15.0)
    parser.add_argument("--mixed-seconds", type=float, default=20.0)
    parser.add_argument("--mixed-rounds", type=int, default=2)
    parser.add_argument("--poll-seconds", type=float, default=float(POLL_SECONDS))
    parser.add_argument("--rank-requests", type=int, default=200)
    parser.add_argument("--api-requests", type=int, default=12)
    parser.add_argument("--identity", action="store_true", help="send no Accept-Encoding")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        given = {a.lstrip("-").split("=")[0].replace("-", "_") for a in (argv or sys.argv[1:])}
        for key, value in QUICK.items():
            if key not in given:
                setattr(args, key, value)
    if args.big_block > args.units:
        parser.error("--big-block cannot exceed --units")
    Client.extra_headers = {} if args.identity else {"Accept-Encoding": BROWSER_ENCODINGS}

    machine = (
        f"{os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {versions()}"
    )
    print(f"machine      : {machine}")
    print(f"load average : {load_average()} (1, 5, 15 min)")
    print(f"date         : {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"code         : {code_version()}", flush=True)
    folder = tempfile.mkdtemp(prefix="bench-hot-paths-")
    instance = os.environ.get("REFORM_INSTANCE_PATH")
    os.environ["REFORM_INSTANCE_PATH"] = folder
    results: dict[str, dict] = {}
    try:
        if args.db in ("sqlite", "both"):
            url = "sqlite:///" + os.path.join(folder, "bench.sqlite")
            results["sqlite"] = run_database("sqlite", url, args, folder)
        if args.db in ("postgresql", "both"):
            results["postgresql"] = run_database("postgresql", args.pg_url, args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if instance is None:
            os.environ.pop("REFORM_INSTANCE_PATH", None)
        else:
            os.environ["REFORM_INSTANCE_PATH"] = instance
    final_table(results)
    document = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine,
        "code": code_version(),
        "arguments": vars(args),
        "results": results,
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1)
    return document


if __name__ == "__main__":
    main()
