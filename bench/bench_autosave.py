"""Benchmark of the autosave request at national scale, against a bare single-row write.

Builds a national campaign in a fresh database (a SQLite file, PostgreSQL, or both): a framework
of 8 self-scored areas × 10 leaves (every self rule type, with applies_to, allow_na and required
evidence here and there) plus a survey area of 10, 4,000 department units in 40 blocks with one
officer each, the campaign made by `create_campaign`, and about 300,000 self entries already
filled as the application stores them (values, points, totals, evidence, audit events), all
written with bulk inserts. It then serves the real application with Werkzeug's threaded WSGI
server on 127.0.0.1 (in a child process; --server thread keeps it in this one) and has client
threads, each holding the sessions of some sample officers, post autosaves as htmx does
(POST /assessments/<id>/criteria/<code>, HX-Request: true) over keep-alive connections, cycling
through their units' criteria with valid new values and the version each answer hands back.

The floor is a bare endpoint added to the same application only here, POST /_bench/write, doing
the same single-row write with SQLAlchemy Core (UPDATE entries SET value, version = version + 1
WHERE id, plus the column's own updated_at; commit) without sign-in or templates, driven by the
same client code at the same concurrency and request count, in alternating rounds with the
autosaves. The ratios are the figures to compare between machines. With --profile N, N more
autosaves are timed stage by stage in this process, then profiled with cProfile.

Run: .venv/bin/python bench/bench_autosave.py [--db sqlite|postgresql|both] [--units N]
     [--requests N] [--concurrency C] [--officers N] [--pg-url URL] [--profile N]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gzip
import hashlib
import http.client
import io
import multiprocessing
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from importlib.metadata import version as package_version
from inspect import signature
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import bindparam, create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from werkzeug.serving import WSGIRequestHandler, make_server

SEED = 2025
BLOCKS = 40
PASSWORD = "bench-autosave-password"
SELF_RULES = ("choice", "ratio", "yesno", "manual", "number", "deduction")
NOTE = "Theo Báo cáo số 15/BC-UBND về kết quả thực hiện nhiệm vụ năm"
NA_REASON = "Không phát sinh trong kỳ đánh giá"
MISSING_REASON = "Văn bản đang trình ký, sẽ bổ sung sau"
RATIOS = ("45/50", "48/50", "50/50", "38/50", "120/130", "97/100", "12/15", "0/0")
CHUNK = 5000
# The figures a save stores on the submission (the service lists them as STORED_FIGURES).
SELF_FIGURES = (
    "self_points",
    "max_points",
    "self_index",
    "self_band",
    "filled_count",
    "applicable_count",
    "evidence_missing_count",
)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_autosave"
VERSION_RE = r'name="ver-{code}" id="ver-{code}" value="(\d+)" hx-swap-oob="true"'


# ---- the framework -------------------------------------------------------------------------


def framework_definition(areas: int = 8, per_area: int = 10, surveys: int = 10) -> dict:
    """A framework dict as an administrator would import it: mixed rules and a survey area."""
    criteria: list[dict[str, Any]] = []
    for a in range(1, areas + 1):
        children = []
        for c in range(1, per_area + 1):
            kind = SELF_RULES[(a + c) % len(SELF_RULES)]
            top = 1 + (a + c) % 3
            rule: dict[str, Any] = {"type": kind}
            if kind == "choice":
                rule["options"] = [
                    {"label": "Đầy đủ, đúng hạn", "points": top},
                    {"label": "Đầy đủ nhưng chậm", "points": top / 2},
                    {"label": "Không thực hiện", "points": 0},
                ]
            elif kind == "ratio":
                rule["mode"] = "tiers" if c % 2 else "proportional"
                rule["zero_denominator"] = ("full", "na", "zero")[c % 3]
                if c % 2:
                    rule["tiers"] = [{"min": 80, "points": top / 2}, {"min": 95, "points": top}]
            elif kind == "number":
                rule["tiers"] = [{"min": 1, "points": top / 2}, {"min": 3, "points": top}]
            elif kind == "deduction":
                rule["per_item"] = 0.5
            node: dict[str, Any] = {"code": f"{a}.{c}", "name": f"Tiêu chí {a}.{c}", "max": top}
            node["rule"] = rule
            if (a + c) % 3 == 0:
                node["evidence"] = "required"
            if c == 1:
                node["allow_na"] = True
            if c == per_area and a in (2, 5):
                node["applies_to"] = ["ward", "commune"]
            if c == per_area - 1 and a == 3:
                node["applies_to"] = ["department", "ward"]
            children.append(node)
        area: dict[str, Any] = {"code": str(a), "name": f"Lĩnh vực {a}", "children": children}
        if a == 4:
            area["allow_na"] = True
        criteria.append(area)
    criteria.append(
        {
            "code": str(areas + 1),
            "name": "Điều tra xã hội học",
            "children": [
                {
                    "code": f"{areas + 1}.{s}",
                    "name": f"Mức độ hài lòng {s}",
                    "max": 3,
                    "rule": {"type": "survey"},
                }
                for s in range(1, surveys + 1)
            ],
        }
    )
    return {
        "code": "BENCH-AUTOSAVE",
        "version": 2025,
        "name": "Bộ chỉ số CCHC (benchmark)",
        "kind": "reform",
        "result": "percent",
        "bands": [
            {"min": 90, "label": "A"},
            {"min": 80, "label": "B"},
            {"min": 70, "label": "C"},
            {"min": 0, "label": "D"},
        ],
        "criteria": criteria,
    }


def raw_choices(node) -> list[str]:
    """Raw inputs a user may type for a leaf, all valid."""
    kind = node.rule.type
    if kind == "yesno":
        return ["yes", "no"]
    if kind == "choice":
        return list(node.rule.labels)
    if kind == "ratio":
        return list(RATIOS)
    if kind == "manual":
        return [str(Decimal(i) / 4) for i in range(int(node.max * 4) + 1)]
    if kind == "number":
        return [str(i) for i in range(6)]
    return [str(i) for i in range(5)]  # deduction: a count of faults


# ---- the dataset ---------------------------------------------------------------------------


@dataclass
class Leaf:
    """A criterion a driven officer saves: its code, rule and canonical values."""

    code: str
    rule: str
    choices: list[str]


@dataclass
class Driven:
    """A sample officer's unit as its client sees it: current values, versions, entry ids."""

    username: str
    submission_id: int
    leaves: list[Leaf]
    value: dict[str, str]
    version: dict[str, int]
    note: dict[str, str]
    explanation: dict[str, str]
    entry_id: dict[str, int]
    rng: random.Random
    cursor: int = 0
    cookies: dict[str, str] = field(default_factory=dict)

    def next_change(self) -> tuple[Leaf, str]:
        """The next criterion in turn and a valid value different from the stored one."""
        leaf = self.leaves[self.cursor % len(self.leaves)]
        self.cursor += 1
        current = self.value.get(leaf.code)
        return leaf, self.rng.choice([c for c in leaf.choices if c != current])

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value


def app_config(url: str, folder: str) -> dict[str, Any]:
    """The application's settings for the benchmark: cheap hashes, no CSRF.

    The login limit stays on (in memory): it counts only failed sign-ins, and the sign-in view
    expects it."""
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-autosave-secret-key-0123456789abcdef",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
        "UPLOAD_FOLDER": os.path.join(folder, "uploads"),
    }


def prepare_postgresql(url: str) -> str:
    """Create the database if missing, empty its public schema; the server's version."""
    target = make_url(url)
    name = target.database or ""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unusual database name {name!r}; use letters, digits and _")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not found:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        version = conn.scalar(text("SHOW server_version"))
    engine.dispose()
    return str(version).split()[0]


def migrate(config: dict[str, Any]) -> None:
    """Create the schema with the project's migrations."""
    from flask_migrate import upgrade

    from reform import create_app
    from reform.extensions import db

    app = create_app(config)
    chatter = io.StringIO()  # Alembic logs each step to stderr; shown only if it fails
    try:
        with app.app_context(), contextlib.redirect_stderr(chatter):
            upgrade(directory=app.extensions["migrate"].directory)
            db.engine.dispose()
    except BaseException:
        print(chatter.getvalue())
        raise


def _bulk(session, table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start : start + CHUNK])


def with_sort_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unit rows with the name's sort key the application keeps beside it, where it has one."""
    from reform.models import Unit

    try:
        from reform.scoring import vi_sort_string
    except ImportError:
        return rows
    if "sort_key" not in Unit.__table__.columns:
        return rows
    return [row | {"sort_key": vi_sort_string(row["name"])} for row in rows]


def refresh_totals_options(criteria: dict) -> dict[str, Any]:
    """The criteria map for `refresh_totals`, in the versions of the service that take one."""
    from reform.services.assessment import refresh_totals

    return {"criteria": criteria} if "criteria" in signature(refresh_totals).parameters else {}


def build_dataset(config: dict[str, Any], units: int, officers: int) -> tuple[list[Driven], dict]:
    """Fill the database as a national campaign mid-way; the driven officers' units."""
    from sqlalchemy.orm import joinedload

    from reform import create_app
    from reform.extensions import db
    from reform.models import (
        AuditEvent,
        Block,
        Entry,
        Evidence,
        StoredFile,
        Submission,
        Unit,
        User,
        UserRole,
    )
    from reform.models.submissions import SELF
    from reform.models.users import OFFICER
    from reform.scoring import fmt2
    from reform.services import assessment
    from reform.services.assessment import (
        applicable_leaves,
        canonical_value,
        criteria_by_code,
        parsed_framework,
        refresh_totals,
    )

    try:  # the stage results stored beside the self totals, where the application has them
        from reform.services.results import refresh_results
    except ImportError:
        refresh_results = None
    stored_figures = getattr(assessment, "STORED_FIGURES", SELF_FIGURES)
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.frameworks import import_framework
    from reform.services.passwords import hash_password
    from reform.services.phases import today

    rng = random.Random(SEED)
    timings: dict[str, float] = {}
    app = create_app(config)
    with app.app_context():
        session = db.session
        start = time.perf_counter()
        framework = import_framework(framework_definition())
        _bulk(
            session,
            Block.__table__,
            [{"code": f"K{b:02d}", "name": f"Khối {b:02d}"} for b in range(BLOCKS)],
        )
        block_ids = dict(session.execute(select(Block.code, Block.id)).all())
        _bulk(
            session,
            Unit.__table__,
            with_sort_keys(
                [
                    {
                        "code": f"DV{n:04d}",
                        "name": f"Sở, ngành số {n:04d}",
                        "kind": "department",
                        "block_id": block_ids[f"K{n % BLOCKS:02d}"],
                    }
                    for n in range(units)
                ]
            ),
        )
        unit_ids = dict(session.execute(select(Unit.code, Unit.id)).all())
        password_hash = hash_password(PASSWORD)
        _bulk(
            session,
            User.__table__,
            [
                {
                    "username": f"cb{n:04d}",
                    "full_name": f"Cán bộ {n:04d}",
                    "password_hash": password_hash,
                    "unit_id": unit_ids[f"DV{n:04d}"],
                }
                for n in range(units)
            ],
        )
        officer_of = dict(session.execute(select(User.unit_id, User.id)).all())
        _bulk(
            session,
            UserRole.__table__,
            [{"user_id": uid, "role": OFFICER} for uid in officer_of.values()],
        )
        session.commit()
        timings["units, users"] = time.perf_counter() - start

        start = time.perf_counter()
        day = today()
        campaign = create_campaign(
            "BENCH-2025",
            "Kỳ đánh giá CCHC năm 2025",
            framework,
            PhaseDates(day - timedelta(days=30), day + timedelta(days=30)),
        )
        timings["create_campaign"] = time.perf_counter() - start

        start = time.perf_counter()
        fw = parsed_framework(framework)
        criteria = criteria_by_code(framework)
        submissions = list(
            session.scalars(
                select(Submission)
                .where(Submission.campaign_id == campaign.id)
                .options(joinedload(Submission.unit))
            )
        )
        submissions.sort(key=lambda s: s.unit.code)
        columns = set(Submission.__table__.columns.keys())
        figures = [name for name in stored_figures if name in columns]
        leaves = applicable_leaves(submissions[0])
        choices = {
            n.code: [canonical_value(n.parse_value(raw, stage=SELF)) for raw in raw_choices(n)]
            for n in leaves
        }
        totals_options = refresh_totals_options(criteria)
        step = max(1, len(submissions) // officers)
        driven_at = {i * step for i in range(min(officers, len(submissions)))}
        entries: list[dict[str, Any]] = []
        files: list[dict[str, Any]] = []
        totals: list[dict[str, Any]] = []
        driven_units: dict[int, str] = {}
        file_number = 0
        with session.no_autoflush:
            for position, sub in enumerate(submissions):
                driven = position in driven_at
                if not driven and rng.random() >= 0.97:
                    continue  # a unit that has not started
                actor = officer_of[sub.unit_id]
                made: dict[str, Entry] = {}
                counts: dict[int, int] = {}
                for node in leaves:
                    if not driven and rng.random() >= 0.95:
                        continue
                    criterion_id = criteria[node.code].id
                    explanation = None
                    if node.allow_na and rng.random() < 0.1:
                        value, explanation = "na", NA_REASON
                    else:
                        value = rng.choice(choices[node.code])
                    if node.evidence == "required" and value != "na":
                        if rng.random() < 0.75:
                            file_number += 1
                            counts[criterion_id] = 1
                            files.append(
                                {
                                    "n": file_number,
                                    "submission_id": sub.id,
                                    "criterion_id": criterion_id,
                                    "actor": actor,
                                }
                            )
                        elif rng.random() < 0.3:
                            explanation = MISSING_REASON
                    note = NOTE if rng.random() < 0.15 else None
                    made[node.code] = Entry(
                        criterion_id=criterion_id, value=value, note=note, explanation=explanation
                    )
                card = refresh_totals(sub, made, counts=counts, **totals_options)
                for code, entry in made.items():
                    score = card.node(code)
                    entries.append(
                        {
                            "submission_id": sub.id,
                            "criterion_id": criteria[code].id,
                            "stage": SELF,
                            "value": entry.value,
                            "points": score.points if score.applicable else None,
                            "note": entry.note,
                            "explanation": entry.explanation,
                            "version": 1,
                            "updated_by_id": actor,
                        }
                    )
                if refresh_results is not None:  # the council's figures follow the unit's
                    own = {code: e.value for code, e in made.items() if e.value is not None}
                    refresh_results(sub, (own, {}, {}))
                totals.append({"b_id": sub.id} | {name: getattr(sub, name) for name in figures})
                if driven:
                    driven_units[sub.id] = f"cb{int(sub.unit.code[2:]):04d}"
        session.rollback()  # the totals were computed on the loaded objects; written below
        timings["scoring"] = time.perf_counter() - start

        start = time.perf_counter()
        _bulk(session, Entry.__table__, entries)
        _bulk(
            session,
            StoredFile.__table__,
            [
                {
                    "sha256": hashlib.sha256(f"bench-{f['n']}".encode()).hexdigest(),
                    "size": 180_000 + f["n"] % 50_000,
                    "mime_type": "application/pdf",
                    "storage_name": hashlib.sha256(f"bench-{f['n']}".encode()).hexdigest(),
                }
                for f in files
            ],
        )
        file_ids = dict(session.execute(select(StoredFile.sha256, StoredFile.id)).all())
        _bulk(
            session,
            Evidence.__table__,
            [
                {
                    "submission_id": f["submission_id"],
                    "criterion_id": f["criterion_id"],
                    "file_id": file_ids[hashlib.sha256(f"bench-{f['n']}".encode()).hexdigest()],
                    "filename": f"bien-ban-{f['n']}.pdf",
                    "stage": SELF,
                    "uploaded_by_id": f["actor"],
                }
                for f in files
            ],
        )
        code_of = {c.id: code for code, c in criteria.items()}
        _bulk(
            session,
            AuditEvent.__table__,
            [
                {
                    "action": "value_changed",
                    "actor_id": e["updated_by_id"],
                    "campaign_id": campaign.id,
                    "submission_id": e["submission_id"],
                    "criterion_code": code_of[e["criterion_id"]],
                    "stage": SELF,
                    "to_value": e["value"],
                    "to_points": fmt2(e["points"]) if e["points"] is not None else None,
                }
                for e in entries
            ],
        )
        table = Submission.__table__
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        for begin in range(0, len(totals), CHUNK):
            session.execute(stmt, totals[begin : begin + CHUNK])
        session.commit()
        timings["bulk inserts"] = time.perf_counter() - start

        rows = session.execute(
            select(
                Entry.id,
                Entry.submission_id,
                Entry.criterion_id,
                Entry.value,
                Entry.version,
                Entry.note,
                Entry.explanation,
            ).where(Entry.submission_id.in_(list(driven_units)))
        ).all()
        by_sub: dict[int, list] = defaultdict(list)
        for row in rows:
            by_sub[row.submission_id].append(row)
        sample = [Leaf(n.code, n.rule.type, choices[n.code]) for n in leaves]
        driven_list = []
        for sid, username in driven_units.items():
            state = Driven(username, sid, sample, {}, {}, {}, {}, {}, random.Random(sid))
            for row in by_sub[sid]:
                code = code_of[row.criterion_id]
                state.value[code] = row.value
                state.version[code] = row.version
                state.note[code] = row.note or ""
                state.explanation[code] = row.explanation or ""
                state.entry_id[code] = row.id
            driven_list.append(state)

        sizes = {
            name: session.scalar(select(func.count()).select_from(model))
            for name, model in (
                ("units", Unit),
                ("users", User),
                ("submissions", Submission),
                ("entries", Entry),
                ("evidence", Evidence),
                ("audit_events", AuditEvent),
            )
        }
        sizes["self leaves per unit"] = len(leaves)
        sizes["leaves"] = sum(1 for _ in fw.leaves())
        session.remove()
        db.engine.dispose()
    return driven_list, {"sizes": sizes, "timings": timings}


# ---- the server ----------------------------------------------------------------------------


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without a log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class StatementCounter:
    """Counts the SQL statements the application sends (before_cursor_execute)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def hit(self, *_args: Any) -> None:
        with self.lock:
            self.count += 1


def bench_app(config: dict[str, Any]):
    """The real application plus, for this benchmark only, the floor and a statement count."""
    from flask import request

    from reform import create_app
    from reform.extensions import db
    from reform.models import Entry

    app = create_app(config)
    entries = Entry.__table__
    counter = StatementCounter()

    def write():
        with db.engine.begin() as conn:
            conn.execute(
                update(entries)
                .where(entries.c.id == int(request.form["id"]))
                .values(value=request.form["value"], version=entries.c.version + 1)
            )
        return "ok"

    def statements():
        return str(counter.count)

    app.add_url_rule("/_bench/write", "bench_write", write, methods=["POST"])
    app.add_url_rule("/_bench/statements", "bench_statements", statements)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counter.hit)
    return app


def serve(config: dict[str, Any], pipe) -> None:
    """Serve the benchmark app on a free port of 127.0.0.1 until the pipe says stop."""
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
    """The server in a child process (default) or in a thread of this one."""

    def __init__(self, config: dict[str, Any], mode: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        if mode == "process":
            self.worker: Any = context.Process(target=serve, args=(config, child), daemon=True)
        else:
            self.worker = threading.Thread(target=serve, args=(config, child), daemon=True)
        self.worker.start()
        if not self.pipe.poll(120):
            raise SystemExit("the server did not start")
        self.port: int = self.pipe.recv()

    def stop(self) -> None:
        self.pipe.send("stop")
        self.worker.join(60)


# ---- the clients ---------------------------------------------------------------------------


def decode_body(data: bytes, coding: str | None) -> bytes:
    """The body as a browser reads it, for the content codings browsers accept."""
    if not coding or coding == "identity":
        return data
    if coding == "gzip":
        return gzip.decompress(data)
    if coding == "deflate":
        return zlib.decompress(data)
    if coding == "br":
        import brotli

        return brotli.decompress(data)
    if coding == "zstd":
        try:
            from compression import zstd  # type: ignore[import-not-found]  # Python 3.14
        except ImportError:
            from backports import zstd  # type: ignore[import-not-found,no-redef]
        return zstd.decompress(data)
    raise ValueError(f"unknown content coding {coding}")


class Client:
    """One keep-alive HTTP/1.1 connection to the server on 127.0.0.1 (reopened if it closes)."""

    # Sent with every request, e.g. a browser's Accept-Encoding (bench_hot_paths sets it).
    extra_headers: dict[str, str] = {}

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.wire_bytes = 0  # the last body's size as sent, compressed or not
        self.last_headers: Any = None

    def request(
        self, method: str, path: str, fields: dict | None = None, headers: dict | None = None
    ) -> tuple[int, str, float, list[str]]:
        body = urlencode(fields) if fields is not None else None
        sent = {**self.extra_headers, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        self.wire_bytes = len(data)
        self.last_headers = response.headers
        text = decode_body(data, response.headers.get("Content-Encoding")).decode()
        return response.status, text, elapsed, response.headers.get_all("Set-Cookie") or []

    def close(self) -> None:
        self.conn.close()


def sign_in(client: Client, state: Driven) -> None:
    """POST /login as the officer and keep the session cookie."""
    fields = {"username": state.username, "password": PASSWORD, "next": ""}
    status, _body, _t, cookies = client.request("POST", "/login", fields)
    if status != 303:
        raise SystemExit(f"sign-in of {state.username} answered {status}")
    state.keep_cookies(cookies)


def autosave(client: Client, state: Driven) -> float:
    """One autosave of the next criterion, as htmx posts it; the new version is kept."""
    leaf, value = state.next_change()
    code = leaf.code
    fields = {
        f"ver-{code}": str(state.version.get(code, 0)),
        f"note-{code}": state.note.get(code, ""),
        f"expl-{code}": state.explanation.get(code, ""),
    }
    if leaf.rule == "ratio":
        fields[f"n-{code}"], fields[f"d-{code}"] = value.split("/")
    else:
        fields[f"v-{code}"] = value
    headers = {"HX-Request": "true", "Cookie": state.cookie_header()}
    path = f"/assessments/{state.submission_id}/criteria/{code}"
    status, body, elapsed, cookies = client.request("POST", path, fields, headers)
    if status != 200:
        raise RuntimeError(f"autosave {path} answered {status}: {body[:200]}")
    found = re.search(VERSION_RE.format(code=re.escape(code)), body)
    if found is None:
        raise RuntimeError(f"autosave {path}: no new version in the answer")
    state.version[code] = int(found.group(1))
    state.value[code] = value
    state.keep_cookies(cookies)
    return elapsed


def floor_write(client: Client, state: Driven) -> float:
    """The same single-row write through the bare endpoint, without session or template."""
    leaf, value = state.next_change()
    fields = {"id": str(state.entry_id[leaf.code]), "value": value}
    status, body, elapsed, _cookies = client.request("POST", "/_bench/write", fields)
    if status != 200:
        raise RuntimeError(f"floor write answered {status}: {body[:200]}")
    state.version[leaf.code] += 1
    state.value[leaf.code] = value
    return elapsed


@dataclass
class Phase:
    """Latencies (s) and wall time of some requests."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    statements: int = 0

    def add(self, other: Phase) -> None:
        self.latencies += other.latencies
        self.wall += other.wall
        self.statements += other.statements

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def per_request(self) -> float:
        return self.statements / len(self.latencies)


def statement_count(port: int) -> int:
    """The number of SQL statements the server has sent so far."""
    client = Client(port)
    try:
        status, body, _t, _c = client.request("GET", "/_bench/statements")
    finally:
        client.close()
    assert status == 200
    return int(body)


def run_phase(port: int, groups: list[list[Driven]], requests: int, step) -> Phase:
    """`requests` calls of `step` spread over one thread per group, each on its own connection."""
    counts = [requests // len(groups) + (i < requests % len(groups)) for i in range(len(groups))]
    results: list[list[float]] = [[] for _ in groups]
    failures: list[BaseException] = []
    barrier = threading.Barrier(len(groups) + 1)

    def worker(index: int) -> None:
        client = Client(port)
        group = groups[index]
        try:
            barrier.wait()
            for i in range(counts[index]):
                results[index].append(step(client, group[i % len(group)]))
        except BaseException as failure:  # reported by the main thread
            failures.append(failure)
        finally:
            client.close()

    before = statement_count(port)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(groups))]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if failures:
        raise failures[0]
    phase = Phase([t for r in results for t in r], wall)
    phase.statements = statement_count(port) - before
    return phase


def measure(
    config: dict[str, Any], driven: list[Driven], args: argparse.Namespace
) -> dict[str, Phase]:
    """Serve the app, sign the officers in, warm up, then alternate floor and autosave rounds."""
    server = Server(config, args.server)
    try:
        port = server.port
        client = Client(port)
        for state in driven:
            sign_in(client, state)
        client.close()
        groups = [driven[i :: args.concurrency] for i in range(args.concurrency)]
        groups = [g for g in groups if g]
        run_phase(port, groups, args.warmup, autosave)
        run_phase(port, groups, args.warmup, floor_write)
        phases = {"autosave": Phase(), "floor": Phase()}
        for r in range(args.rounds):
            share = args.requests // args.rounds + (r < args.requests % args.rounds)
            phases["floor"].add(run_phase(port, groups, share, floor_write))
            phases["autosave"].add(run_phase(port, groups, share, autosave))
    finally:
        server.stop()
    return phases


# ---- profile -------------------------------------------------------------------------------


def package_of(filename: str, function: str) -> str:
    """Where a profiled function lives, coarsely: a library, the app, or the database driver."""
    if filename == "~":
        if "sqlite3" in function:
            return "sqlite3 (C driver)"
        if "psycopg" in function or "select" in function or "poll" in function:
            return "psycopg / socket wait"
        return "builtins"
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        name = path.split("site-packages/", 1)[1].split("/", 1)[0]
        return "psycopg / socket wait" if name.startswith("psycopg") else name
    if path.endswith(".html"):
        return "templates (compiled)"
    if "/reform/scoring/" in path:
        return "reform.scoring"
    if "/reform/" in path:
        return "reform (views, services)"
    return "stdlib"


# Where an autosave spends its time, timed without a profiler: (module, attribute, label).
# Labels starting with two spaces run inside save_self_entry.
STAGES = (
    ("flask_login", "user loader", "user from the session cookie (users, user_roles)"),
    ("reform.assessment.views", "get_submission_or_404", "submission + campaign, framework, unit"),
    ("reform.services.assessment", "save_self_entry", "save_self_entry, in all"),
    ("reform.services.assessment", "criteria_by_code", "  criteria rows (ORM)"),
    ("reform.services.assessment", "self_entries", "  self entries + their users (ORM)"),
    ("reform.services.assessment", "refresh_totals", "  refresh_totals (core, bands, evidence)"),
    ("sqlalchemy.orm", "Session.commit", "  commit (flush of the changes, COMMIT)"),
    ("reform.assessment.form", "build", "layout.build of the area"),
    ("reform.assessment.views", "render", "render _saved.html"),
)


@contextlib.contextmanager
def stage_timers(spent: dict[str, float]):
    """Wrap the STAGES' functions with timers adding into `spent`; restored on exit."""
    import importlib

    from sqlalchemy.orm import Session

    from reform.extensions import login_manager

    undo = []
    for module, name, label in STAGES:
        if module == "flask_login":
            owner, attr = login_manager, "_user_callback"
        elif module == "sqlalchemy.orm":
            owner, attr = Session, "commit"
        else:
            owner, attr = importlib.import_module(module), name
        original = getattr(owner, attr, None)
        if original is None:
            continue  # renamed in the application: that stage is not shown

        def timed(*args, _original=original, _label=label, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - start

        setattr(owner, attr, timed)
        undo.append((owner, attr, original))
    try:
        yield
    finally:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)


def profile(config: dict[str, Any], state: Driven, count: int) -> None:
    """Time the stages of `count` autosaves in this process, then profile as many with cProfile."""
    from reform import create_app

    app = create_app(config)
    client = app.test_client()
    response = client.post("/login", data={"username": state.username, "password": PASSWORD})
    assert response.status_code == 303

    def one() -> None:
        leaf, value = state.next_change()
        code = leaf.code
        fields = {
            f"ver-{code}": str(state.version.get(code, 0)),
            f"note-{code}": state.note.get(code, ""),
            f"expl-{code}": state.explanation.get(code, ""),
        }
        if leaf.rule == "ratio":
            fields[f"n-{code}"], fields[f"d-{code}"] = value.split("/")
        else:
            fields[f"v-{code}"] = value
        answer = client.post(
            f"/assessments/{state.submission_id}/criteria/{code}",
            data=fields,
            headers={"HX-Request": "true"},
        )
        assert answer.status_code == 200, answer.status_code
        found = re.search(VERSION_RE.format(code=re.escape(code)), answer.get_data(as_text=True))
        assert found is not None
        state.version[code] = int(found.group(1))
        state.value[code] = value

    for _ in range(20):
        one()
    spent: dict[str, float] = defaultdict(float)
    with stage_timers(spent):
        start = time.perf_counter()
        for _ in range(count):
            one()
        wall = time.perf_counter() - start
    print(f"in-process   : {count} autosaves, {wall / count * 1000:.2f} ms each (test client)")
    outer = 0.0
    for _module, _name, label in STAGES:
        if label in spent:
            print(f"               {spent[label] / count * 1000:6.2f} ms  {label}")
            outer += 0.0 if label.startswith("  ") else spent[label]
    rest = (wall - outer) / count * 1000
    print(f"               {rest:6.2f} ms  the rest (Flask, Werkzeug, Babel, form, cookie)")

    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        one()
    profiler.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values())
    shares: dict[str, float] = defaultdict(float)
    for (filename, _line, function), row in table.items():
        shares[package_of(filename, function)] += row[2]
    print(
        f"cProfile     : {wall / count * 1000:.1f} ms each under the profiler; own time by package:"
    )
    for name, own in sorted(shares.items(), key=lambda kv: -kv[1])[:10]:
        print(f"               {own / total:6.1%}  {name}")
    print("               top functions by own time:")
    ranked = sorted(table.items(), key=lambda kv: -kv[1][2])[:10]
    for (filename, line, function), row in ranked:
        where = filename.rsplit("site-packages/", 1)[-1].rsplit("/reform/", 1)[-1]
        print(f"               {row[2] / total:6.1%}  {function} ({where}:{line}, {row[1]} calls)")
    # Where the time goes, whoever spends it: the hooks and helpers around the view show here.
    print("               top functions by cumulative time:")
    ranked = sorted(table.items(), key=lambda kv: -kv[1][3])[:30]
    for (filename, line, function), row in ranked:
        where = filename.rsplit("site-packages/", 1)[-1].rsplit("/reform/", 1)[-1]
        print(f"               {row[3] / count * 1000:7.2f} ms  {function} ({where}:{line})")


# ---- main ----------------------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo, where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_database(name: str, url: str, args: argparse.Namespace, folder: str) -> None:
    """Build, measure and report one database."""
    print(f"\n== {name} ==")
    version = prepare_postgresql(url) if name == "postgresql" else sqlite3.sqlite_version
    print(f"server       : {name} {version}, {args.server} server (Werkzeug, threaded)")
    config = app_config(url, folder)
    start = time.perf_counter()
    migrate(config)
    driven, info = build_dataset(config, args.units, args.officers)
    built = time.perf_counter() - start
    sizes = info["sizes"]
    print(
        f"dataset      : {sizes['units']} units, {sizes['users']} users, "
        f"{sizes['submissions']} submissions, {sizes['leaves']} leaves "
        f"({sizes['self leaves per unit']} self-scored per unit)"
    )
    print(
        f"               {sizes['entries']} entries, {sizes['evidence']} evidence files, "
        f"{sizes['audit_events']} audit events"
    )
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in info["timings"].items())
    print(f"built in     : {built:.1f} s ({steps})")
    phases = measure(config, driven, args)
    saves, floor = phases["autosave"], phases["floor"]
    print(
        f"clients      : {args.concurrency} threads, {len(driven)} officers, keep-alive, "
        f"{len(saves.latencies)} requests of each kind (+{args.warmup} warm-up), "
        f"{args.rounds} rounds"
    )
    for label, phase in (("autosave", saves), ("floor", floor)):
        print(
            f"{label:13}: {phase.rps:7.1f} req/s   p50 {phase.pct(0.5):6.2f} ms   "
            f"p95 {phase.pct(0.95):6.2f} ms   p99 {phase.pct(0.99):6.2f} ms   "
            f"{phase.per_request:.1f} SQL/request"
        )
    print(
        f"ratio        : p95 autosave ÷ floor {saves.pct(0.95) / floor.pct(0.95):.1f} ×   "
        f"rps floor ÷ autosave {floor.rps / saves.rps:.1f} ×"
    )
    if args.profile:
        profile(config, driven[0], args.profile)


def main() -> None:
    """Run the benchmark on the chosen databases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--units", type=int, default=4000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--officers", type=int, default=50, help="sample units driven")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=4, help="floor/autosave alternations")
    parser.add_argument("--server", choices=("process", "thread"), default="process")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--profile", type=int, default=0, help="profile N autosaves after")
    args = parser.parse_args()
    if args.concurrency < 1 or args.requests < args.rounds or args.officers < 1:
        parser.error("need --concurrency ≥ 1, --officers ≥ 1 and --requests ≥ --rounds")

    print(
        f"machine      : {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"Flask {package_version('flask')}, Werkzeug {package_version('werkzeug')}, "
        f"SQLAlchemy {package_version('sqlalchemy')}"
    )
    folder = tempfile.mkdtemp(prefix="bench-autosave-")
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
