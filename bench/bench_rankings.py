"""Benchmark of the rankings page (live partial) and the results API at national scale.

Builds in a fresh database (a SQLite file, PostgreSQL, or both) a national campaign of 4,000
department units: one block of 3,000 and nine blocks sharing the other 1,000, the framework of
`bench_autosave.py` (8 self-scored areas × 10 leaves and a survey area of 10), every unit's self
and survey values written as entries and its figures computed by the scoring core and stored on
the submission as the score-writing services store them, all with bulk inserts. The real
application is served by Werkzeug's threaded server in a child process on 127.0.0.1 and client
threads with keep-alive connections, signed in as a leader, request:

- the live results region `GET /rankings/<code>/live` (4,000 rows ranked from the stored figures),
- the same with the ETag it handed out (`If-None-Match`: the 304 path, nothing changed),
- the API `GET /api/v1/campaigns/<code>/results` while unpublished (the live document, recomputed
  from the 360,000 entries) and its 304 path,
- after publishing: the API (the stored bytes) and the published ranking page.

The floor is a bare endpoint added to the same application only here, `GET /_bench/floor`: the
SELECT of the same submissions' stored figures joined with their units (the query the live
ranking starts from) with SQLAlchemy Core, every row fetched, no sign-in and no template. Every
figure is given with its ratio to the floor measured in the same run.

Run: .venv/bin/python bench/bench_rankings.py [--db sqlite|postgresql|both] [--units N]
     [--big-block N] [--requests N] [--api-requests N] [--concurrency C] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from importlib.metadata import version as package_version
from typing import Any

from sqlalchemy import bindparam, event, func, select, update

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_autosave import (  # noqa: E402
    Client,
    QuietHandler,
    StatementCounter,
    _bulk,
    app_config,
    cpu_model,
    framework_definition,
    migrate,
    prepare_postgresql,
    raw_choices,
    refresh_totals_options,
    with_sort_keys,
)

SEED = 2025
CODE = "NATIONAL-2025"
LEADER = "leader"
PASSWORD = "bench-rankings-password"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_rankings"


# ---- the dataset ---------------------------------------------------------------------------


def build_dataset(config: dict[str, Any], units: int, big_block: int) -> dict:
    """Units, blocks, a leader, the campaign, entries and stored figures; sizes and timings."""
    from sqlalchemy.orm import joinedload

    from reform import create_app
    from reform.extensions import db
    from reform.models import Block, Entry, Submission, Unit
    from reform.models.submissions import SELF, SUBMITTED, SURVEY
    from reform.services import assessment
    from reform.services.assessment import (
        canonical_value,
        criteria_by_code,
        parsed_framework,
        refresh_totals,
    )
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.frameworks import import_framework
    from reform.services.phases import today
    from reform.services.results import refresh_results
    from reform.services.users import create_user

    rng = random.Random(SEED)
    timings: dict[str, float] = {}
    app = create_app(config)
    with app.app_context():
        session = db.session
        start = time.perf_counter()
        framework = import_framework(framework_definition())
        others = 9
        _bulk(
            session,
            Block.__table__,
            [{"code": "K00", "name": "Khối xã, phường"}]
            + [{"code": f"K{b:02d}", "name": f"Khối {b:02d}"} for b in range(1, others + 1)],
        )
        block_ids = dict(session.execute(select(Block.code, Block.id)).all())

        def block_of(n: int) -> str:
            return "K00" if n < big_block else f"K{1 + n % others:02d}"

        _bulk(
            session,
            Unit.__table__,
            with_sort_keys(
                [
                    {
                        "code": f"DV{n:04d}",
                        "name": f"Đơn vị số {n:04d}",
                        "kind": "department",
                        "block_id": block_ids[block_of(n)],
                    }
                    for n in range(units)
                ]
            ),
        )
        session.commit()
        create_user(LEADER, "Lãnh đạo UBND", ["leader"], password=PASSWORD)
        day = today()
        campaign = create_campaign(
            CODE,
            "Chỉ số CCHC toàn quốc năm 2025",
            framework,
            PhaseDates(day - timedelta(days=60), day - timedelta(days=30)),
        )
        timings["units, campaign"] = time.perf_counter() - start

        start = time.perf_counter()
        fw = parsed_framework(framework)
        criteria = criteria_by_code(framework)
        leaves = list(fw.leaves())
        surveys = fw.survey_codes
        choices = {
            n.code: [canonical_value(n.parse_value(raw, stage=SELF)) for raw in raw_choices(n)]
            for n in leaves
            if n.code not in surveys
        }
        submissions = list(
            session.scalars(
                select(Submission)
                .where(Submission.campaign_id == campaign.id)
                .options(joinedload(Submission.unit))
            )
        )
        # Every figure the score-writing services store, computed by those services.
        columns = set(Submission.__table__.columns.keys())
        stored = [name for name in getattr(assessment, "STORED_FIGURES", ()) if name in columns]
        totals_options = refresh_totals_options(criteria)
        entries: list[dict[str, Any]] = []
        figures: list[dict[str, Any]] = []
        with session.no_autoflush:
            for sub in submissions:
                own = {code: rng.choice(values) for code, values in choices.items()}
                survey = {code: str(rng.choice((1, 1.5, 2, 2.5, 3))) for code in surveys}
                made = {
                    code: Entry(criterion_id=criteria[code].id, value=value)
                    for code, value in own.items()
                }
                card = refresh_totals(sub, made, counts={}, **totals_options)
                refresh_results(sub, (own, {}, survey))
                for stage, values in ((SELF, own), (SURVEY, survey)):
                    entries.extend(
                        {
                            "submission_id": sub.id,
                            "criterion_id": criteria[code].id,
                            "stage": stage,
                            "value": value,
                            "points": card.node(code).points if stage == SELF else None,
                            "version": 1,
                        }
                        for code, value in values.items()
                    )
                row = {"b_id": sub.id, "status": SUBMITTED}
                row |= {name: getattr(sub, name) for name in stored}
                figures.append(row)
        session.rollback()  # the figures were computed on the loaded objects; written below
        timings["scoring"] = time.perf_counter() - start
        start = time.perf_counter()
        _bulk(session, Entry.__table__, entries)
        table = Submission.__table__
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        for begin in range(0, len(figures), 5000):
            session.execute(stmt, figures[begin : begin + 5000])
        session.commit()
        timings["bulk inserts"] = time.perf_counter() - start
        sizes = {
            "units": units,
            "big block": big_block,
            "submissions": len(submissions),
            "entries": session.scalar(select(func.count()).select_from(Entry)),
        }
        session.remove()
        db.engine.dispose()
    return {"sizes": sizes, "timings": timings}


# ---- the server ----------------------------------------------------------------------------


def bench_app(config: dict[str, Any]):
    """The real application plus the floor, a publish hook and a statement count (bench only)."""
    from reform import create_app
    from reform.extensions import db
    from reform.models import Campaign, Submission, Unit

    app = create_app(config)
    counter = StatementCounter()
    submissions, units = Submission.__table__, Unit.__table__
    columns = [
        submissions.c.block_id,
        units.c.code,
        units.c.name,
        units.c.kind,
        submissions.c.self_points,
        submissions.c.appraised_points,
        submissions.c.survey_points,
        submissions.c.points,
        submissions.c.max_points,
        submissions.c.index,
        submissions.c.band,
    ]

    def floor():
        with db.engine.connect() as conn:
            campaign_id = conn.scalar(select(Campaign.id).where(Campaign.code == CODE))
            rows = conn.execute(
                select(*columns)
                .join(units, submissions.c.unit_id == units.c.id)
                .where(submissions.c.campaign_id == campaign_id)
            ).all()
        return str(len(rows))

    def publish():
        from reform.services.publication import publish as publish_results

        campaign = db.session.scalar(select(Campaign).where(Campaign.code == CODE))
        version = publish_results(campaign, actor=None, force=True)
        return str(version.version)

    def touch():
        # One figure of one unit of the block moves by a hair, every time to a new value, so the
        # next live request for that block finds a new fingerprint and renders afresh.
        from flask import request

        from reform.models import Block

        with db.engine.begin() as conn:
            target = conn.scalar(
                select(submissions.c.id)
                .join(Block.__table__, Block.__table__.c.id == submissions.c.block_id)
                .where(Block.__table__.c.code == request.args["block"])
                .order_by(submissions.c.id)
                .limit(1)
            )
            conn.execute(
                update(submissions)
                .where(submissions.c.id == target)
                .values(max_points=submissions.c.max_points + Decimal("0.0001"))
            )
        return "ok"

    app.add_url_rule("/_bench/floor", "bench_floor", floor)
    app.add_url_rule("/_bench/touch", "bench_touch", touch, methods=["POST"])
    app.add_url_rule("/_bench/publish", "bench_publish", publish, methods=["POST"])
    app.add_url_rule("/_bench/statements", "bench_statements", lambda: str(counter.count))
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counter.hit)
    return app


def serve(config: dict[str, Any], pipe) -> None:
    """Serve the benchmark app on a free port of 127.0.0.1 until the pipe says stop."""
    from werkzeug.serving import make_server

    from reform.extensions import db

    app = bench_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    loop = threading.Thread(target=server.serve_forever, daemon=True)
    loop.start()
    pipe.send(server.server_port)
    pipe.recv()
    server.shutdown()
    loop.join()
    server.server_close()
    with app.app_context():
        db.engine.dispose()


class Server:
    """The server in a child process, so clients and server do not share a GIL."""

    def __init__(self, config: dict[str, Any]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.worker = context.Process(target=serve, args=(config, child), daemon=True)
        self.worker.start()
        if not self.pipe.poll(120):
            raise SystemExit("the server did not start")
        self.port: int = self.pipe.recv()

    def stop(self) -> None:
        self.pipe.send("stop")
        self.worker.join(60)


# ---- measuring -----------------------------------------------------------------------------


@dataclass
class Phase:
    """Latencies of one kind of request, the wall time, and the server's SQL statements."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    statements: int = 0
    size: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def statements(port: int) -> int:
    client = Client(port)
    try:
        return int(client.request("GET", "/_bench/statements")[1])
    finally:
        client.close()


def run(port: int, count: int, concurrency: int, path: str, headers: dict, expect: int) -> Phase:
    """`count` GETs of `path` from `concurrency` threads with keep-alive connections."""
    phase = Phase()
    lock = threading.Lock()
    shares = [count // concurrency + (i < count % concurrency) for i in range(concurrency)]
    before = statements(port)

    def worker(share: int) -> None:
        client = Client(port)
        try:
            for _ in range(share):
                status, body, elapsed, _cookies = client.request("GET", path, headers=headers)
                if status != expect:
                    raise RuntimeError(f"{path} answered {status}, expected {expect}")
                with lock:
                    phase.latencies.append(elapsed)
                    phase.size = max(phase.size, len(body.encode()))
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(s,)) for s in shares if s]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.wall = time.perf_counter() - start
    phase.statements = statements(port) - before - 0
    return phase


def sign_in(port: int) -> str:
    client = Client(port)
    try:
        fields = {"username": LEADER, "password": PASSWORD, "next": ""}
        status, _body, _t, cookies = client.request("POST", "/login", fields)
        if status != 303:
            raise SystemExit(f"sign-in answered {status}")
    finally:
        client.close()
    jar: SimpleCookie = SimpleCookie()
    for header in cookies:
        jar.load(header)
    return "; ".join(f"{k}={m.value}" for k, m in jar.items())


def etag_of(port: int, path: str, headers: dict) -> str:
    client = Client(port)
    try:
        client.conn.request("GET", path, headers=headers)
        response = client.conn.getresponse()
        response.read()
        return response.headers["ETag"]
    finally:
        client.close()


def measure(config: dict[str, Any], args: argparse.Namespace) -> dict[str, Phase]:
    """Warm up, then measure each kind of request; the floor before and after, averaged."""
    server = Server(config)
    port = server.port
    c = args.concurrency
    try:
        cookie = {"Cookie": sign_in(port)}
        live = f"/rankings/{CODE}/live"
        api = f"/api/v1/campaigns/{CODE}/results"
        page = f"/rankings/{CODE}?view=published"
        for path, headers in ((live, cookie), (api, cookie), ("/_bench/floor", {})):
            run(port, 4, 1, path, headers, 200)
        live_tag = {**cookie, "If-None-Match": etag_of(port, live, cookie)}
        api_tag = {**cookie, "If-None-Match": etag_of(port, api, cookie)}
        n, m = args.requests, args.api_requests
        phases = {
            "floor": run(port, n, c, "/_bench/floor", {}, 200),
            "ranking page, live partial": run(port, n, c, live, cookie, 200),
            "ranking page, 304": run(port, n * 4, c, live, live_tag, 304),
            "API live document": run(port, m, c, api, cookie, 200),
            "API live, 304": run(port, n * 4, c, api, api_tag, 304),
        }
        client = Client(port)
        client.request("POST", "/_bench/publish", {}, cookie)
        client.close()
        run(port, 4, 1, api, {}, 200)
        published_tag = {"If-None-Match": etag_of(port, api, {})}
        phases["API published (stored bytes)"] = run(port, n, c, api, {}, 200)
        phases["API published, 304"] = run(port, n * 4, c, api, published_tag, 304)
        phases["ranking page, published"] = run(port, n, c, page, cookie, 200)
        again = run(port, n, c, "/_bench/floor", {}, 200)
        floor = phases["floor"]
        floor.latencies += again.latencies
        floor.wall += again.wall
        floor.statements += again.statements
    finally:
        server.stop()
    return phases


def run_database(name: str, url: str, args: argparse.Namespace, folder: str) -> None:
    """Build, measure and report one database."""
    print(f"\n== {name} ==")
    version = prepare_postgresql(url) if name == "postgresql" else sqlite3.sqlite_version
    print(f"server       : {name} {version}, Werkzeug threaded server in a child process")
    config = app_config(url, folder)
    start = time.perf_counter()
    migrate(config)
    info = build_dataset(config, args.units, args.big_block)
    sizes = info["sizes"]
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in info["timings"].items())
    print(
        f"dataset      : {sizes['submissions']} submissions (one block of {sizes['big block']}), "
        f"{sizes['entries']} entries; built in {time.perf_counter() - start:.1f} s ({steps})"
    )
    phases = measure(config, args)
    floor = phases["floor"]
    print(f"clients      : {args.concurrency} threads, keep-alive, signed in as a leader")
    print(
        f"{'request':32} {'n':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>8} "
        f"{'bytes':>9} {'p95 ÷ floor':>12} {'floor rps ÷':>12}"
    )
    for label, phase in phases.items():
        count = len(phase.latencies)
        print(
            f"{label:32} {count:5d} {phase.rps:8.1f} {phase.pct(0.5):8.2f} {phase.pct(0.95):8.2f} "
            f"{phase.statements / count:8.1f} {phase.size:9d} "
            f"{phase.pct(0.95) / floor.pct(0.95):11.2f}× {floor.rps / phase.rps:11.2f}×"
        )
    print(json.dumps({k: round(v.rps, 1) for k, v in phases.items()}, ensure_ascii=False))


def main() -> None:
    """Run the benchmark on the chosen databases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--units", type=int, default=4000)
    parser.add_argument("--big-block", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--api-requests", type=int, default=12)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    if args.big_block > args.units:
        parser.error("--big-block cannot exceed --units")
    print(
        f"machine      : {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"Flask {package_version('flask')}, Werkzeug {package_version('werkzeug')}, "
        f"SQLAlchemy {package_version('sqlalchemy')}"
    )
    folder = tempfile.mkdtemp(prefix="bench-rankings-")
    os.environ["REFORM_INSTANCE_PATH"] = folder
    try:
        if args.db in ("sqlite", "both"):
            url = "sqlite:///" + os.path.join(folder, "bench.sqlite")
            run_database("sqlite", url, args, folder)
        if args.db in ("postgresql", "both"):
            run_database("postgresql", args.pg_url, args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
