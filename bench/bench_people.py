"""Benchmark of the people's yearly summary: one unit of 500 people × 12 confirmed months.

Builds (in a temporary SQLite file, or the PostgreSQL database given with --pg-url, whose
`public` schema it drops and recreates) a unit of 500 people in 5 groups of similar duties, each
with 12 confirmed monthly periods and a third of them already classified, then measures through
the Flask test client, signed in as the unit head:

- the head's classification page of the year (every person's year score, level and the quota of
  every group; what the head opens in December);
- the unit's summary table in Excel;
- the floor: `GET /_bench/people-floor`, the same rows read with the least work possible (one
  SELECT of the 6,000 confirmed periods' points with their person, every row fetched, the mean per
  person summed in Python, a short text answered).

Each figure is the median of --requests runs after one warm-up; the ratio path ÷ floor is the
figure to compare between machines. Timings are never asserted anywhere.

Run: .venv/bin/python bench/bench_people.py [--people N] [--requests R] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEAR = 2026
PASSWORD = "bench-password-1234"
GROUPS = ("Chuyên viên", "Chuyên viên chính", "Văn thư", "Kế toán", "Lãnh đạo")


def build(app, people: int, seed: int) -> int:
    """The unit, its head, its people and their confirmed months; the unit's id."""
    from sqlalchemy import insert

    from reform.extensions import db
    from reform.models import Classification, Person, PersonPeriod, Unit
    from reform.models.people import person_sort_string
    from reform.services.people.tasks import default_framework
    from reform.services.users import create_user

    rng = random.Random(seed)
    with app.app_context():
        unit = Unit(code="BENCH", name="Sở Thử nghiệm", kind="department")
        db.session.add(unit)
        db.session.commit()
        create_user("bench_head", "Thủ trưởng", ["head"], unit=unit, password=PASSWORD)
        framework = default_framework()
        family = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
        given = ("An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Minh", "Nga", "Tâm")
        rows = []
        for n in range(people):
            name = f"{rng.choice(family)} Văn {rng.choice(given)} {n:03d}"
            rows.append(
                {
                    "unit_id": unit.id,
                    "code": f"P{n:04d}",
                    "full_name": name,
                    "sort_key": person_sort_string(name),
                    "position": "Chuyên viên",
                    "category": "civil_servant",
                    "is_leader": False,
                    "duty_group": GROUPS[n % len(GROUPS)],
                    "active": True,
                    "version": 1,
                }
            )
        db.session.execute(insert(Person), rows)
        ids = [row[0] for row in db.session.execute(db.select(Person.id).order_by(Person.id))]
        periods = []
        for person_id in ids:
            for month in range(1, 13):
                points = Decimal(rng.randint(6000, 9900)) / 100
                periods.append(
                    {
                        "person_id": person_id,
                        "unit_id": unit.id,
                        "framework_id": framework.id,
                        "year": YEAR,
                        "kind": "month",
                        "number": month,
                        "status": "confirmed",
                        "self_values": {},
                        "self_points": points,
                        "points": points,
                        "version": 1,
                    }
                )
        for start in range(0, len(periods), 2000):
            db.session.execute(insert(PersonPeriod), periods[start : start + 2000])
        classified = [
            {
                "person_id": person_id,
                "year": YEAR,
                "unit_id": unit.id,
                "duty_group": GROUPS[index % len(GROUPS)],
                "level": "good",
                "periods_counted": 12,
                "version": 1,
            }
            for index, person_id in enumerate(ids)
            if index % 3 == 0
        ]
        db.session.execute(insert(Classification), classified)
        db.session.commit()
        return unit.id


def add_floor(app) -> None:
    """The floor endpoint: the same rows, read and summed with the least work possible."""
    from sqlalchemy import select

    from reform.extensions import csrf, db
    from reform.models import Person, PersonPeriod

    def floor():
        unit_id = int(os.environ.get("BENCH_UNIT", "0"))
        sums: dict[int, Decimal] = {}
        for person_id, _name, points in db.session.execute(
            select(PersonPeriod.person_id, Person.full_name, PersonPeriod.points)
            .join(Person, Person.id == PersonPeriod.person_id)
            .where(
                Person.unit_id == unit_id,
                PersonPeriod.year == YEAR,
                PersonPeriod.status == "confirmed",
            )
        ):
            sums[person_id] = sums.get(person_id, Decimal(0)) + Decimal(points)
        return f"{len(sums)} {sum(sums.values()) / max(len(sums), 1) / 12:.2f}"

    app.add_url_rule("/_bench/people-floor", "bench_people_floor", floor)
    csrf.exempt(floor)


def timed(client, url: str, runs: int) -> dict:
    """Median and spread of the wall time of GET url (after one warm-up), and the answer size."""
    first = client.get(url)
    assert first.status_code == 200, (url, first.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = client.get(url)
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "bytes": len(first.data),
        "n": runs,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--seed", type=int, default=335)
    parser.add_argument("--pg-url", default="")
    args = parser.parse_args(argv)

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from reform import create_app

    folder = tempfile.mkdtemp(prefix="bench-people-")
    if args.pg_url:
        url = args.pg_url
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = "sqlite:///" + os.path.join(folder, "bench.sqlite")
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
        "UPLOAD_FOLDER": os.path.join(folder, "uploads"),
    }
    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    started = time.perf_counter()
    unit_id = build(app, args.people, args.seed)
    built = time.perf_counter() - started
    os.environ["BENCH_UNIT"] = str(unit_id)
    add_floor(app)
    client = app.test_client()
    signed = client.post("/login", data={"username": "bench_head", "password": PASSWORD})
    assert signed.status_code == 303, signed.status_code

    floor_before = timed(client, "/_bench/people-floor", args.requests)
    page = timed(client, f"/people/classification?year={YEAR}", args.requests)
    workbook = timed(client, f"/people/classification/{unit_id}/{YEAR}.xlsx", args.requests)
    floor_after = timed(client, "/_bench/people-floor", args.requests)
    floor = statistics.median([floor_before["median"], floor_after["median"]])

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    database = "PostgreSQL" if args.pg_url else "SQLite"
    python = platform.python_version()
    print(f"people summary benchmark — commit {commit}, {database}, Python {python}")
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"{args.people} people × 12 confirmed months, built in {built:.1f} s; load {load}")
    print()
    print("| figure | median ms | min–max ms | bytes | ÷ floor |")
    print("|---|---|---|---|---|")
    for name, figure in (
        ("floor (one SELECT, every row, mean per person)", {**floor_before, "median": floor}),
        ("head's classification page", page),
        ("summary workbook (Excel)", workbook),
    ):
        ratio = figure["median"] / floor if floor else float("nan")
        print(
            f"| {name} | {figure['median'] * 1000:.0f} | {figure['min'] * 1000:.0f}–"
            f"{figure['max'] * 1000:.0f} | {figure['bytes']:,} | {ratio:.1f} × |"
        )
    return {"floor": floor, "page": page, "workbook": workbook, "built": built}


if __name__ == "__main__":
    main()
