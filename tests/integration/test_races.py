"""Writes that really race: a threaded live server, many clients, the same and other criteria.

Each path that writes entries is driven by concurrent clients holding the versions they saw.
Exactly one of two racing saves may win; the loser gets the conflict answer; every acknowledged
write survives with one audit row; stored totals match the entries afterwards.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

import pytest
from helpers import TEST_PASSWORD
from live import Browser, live_server
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Criterion, Entry, Submission

CLIENTS = 16
ROUNDS = 10
MANUAL_VALUES = ("0", "0.25", "0.5", "1", "1.25", "1.75", "2")


@dataclass
class Attempt:
    """One save as a client sent it and as the server answered."""

    submission_id: int
    code: str
    base: int
    token: str
    status: int
    version: int | None


def _version_after(text: str, code: str, status: int) -> int | None:
    """The version the answer hands back: the new one (200) or the other person's (409)."""
    code_re = re.escape(code)
    if status == 200:
        found = re.search(rf'name="ver-{code_re}" id="a?ver-{code_re}" value="(\d+)"', text)
    else:
        found = re.search(rf'"ver-{code_re}": "(\d+)"', text)
    return int(found.group(1)) if found else None


def _race(
    base: str, clients: list[tuple[str, int]], path, fields, codes, reload=None
) -> list[Attempt]:
    """Run every client at once; each saves ROUNDS times with the versions it last saw."""
    start = threading.Barrier(len(clients))
    attempts: list[Attempt] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def run(number: int, username: str, submission_id: int) -> None:
        try:
            browser = Browser(base)
            browser.sign_in(username, TEST_PASSWORD)
            rng = random.Random(number)
            seen: dict[str, int] = defaultdict(int)
            start.wait(timeout=30)
            for round_ in range(ROUNDS):
                code = rng.choice(codes)
                token = f"c{number}r{round_}"
                data = {f"ver-{code}": str(seen[code])} | fields(code, token, rng)
                answer = browser.post(path(submission_id, code), data)
                version = _version_after(answer.text, code, answer.status)
                with lock:
                    attempts.append(
                        Attempt(submission_id, code, seen[code], token, answer.status, version)
                    )
                if version is None and answer.status == 409 and reload is not None:
                    # The answer names no version: read it again as the person would.
                    version = reload(browser, submission_id, code)
                if version is not None:
                    seen[code] = version
        except BaseException as failed:  # reported to the test thread below
            failures.append(failed)

    threads = [
        threading.Thread(target=run, args=(n, username, sid))
        for n, (username, sid) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return attempts


def _check_outcome(
    attempts: list[Attempt], stage: str, note_action: str, token_field: str = "to_value"
) -> None:
    """No lost write: versions unique and contiguous, one audit row per acknowledged save."""
    statuses = Counter(a.status for a in attempts)
    assert set(statuses) <= {200, 409}, statuses
    assert statuses[409] > 0, "the clients never collided: the test proves nothing"
    won = [a for a in attempts if a.status == 200]
    assert all(a.version == a.base + 1 for a in won)
    versions = Counter((a.submission_id, a.code, a.version) for a in won)
    assert max(versions.values()) == 1, "two acknowledged saves share a version"

    db.session.rollback()
    db.session.expire_all()
    codes = {c.id: c.code for c in db.session.scalars(select(Criterion))}
    stored = {
        (e.submission_id, codes[e.criterion_id]): e
        for e in db.session.scalars(select(Entry).where(Entry.stage == stage))
    }
    per_criterion = Counter((a.submission_id, a.code) for a in won)
    for key, count in per_criterion.items():
        assert stored[key].version == count, key  # started at 0, one step per 200
        last = max((a for a in won if (a.submission_id, a.code) == key), key=lambda a: a.version)
        assert last.token in (stored[key].note or "")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == note_action, AuditEvent.stage == stage)
    ).all()
    logged = Counter(re.search(r"c\d+r\d+", getattr(e, token_field) or "").group(0) for e in events)
    assert max(logged.values()) == 1
    assert set(logged) == {a.token for a in won}  # none for a refused save


@pytest.fixture
def race_campaign(app, make_unit, make_user, rules_framework):
    """Three departments in their self-assessment phase, each with its officer."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    depts = [make_unit(f"D{n}", f"Sở số {n}") for n in range(3)]
    for n, unit in enumerate(depts):
        make_user(f"officer{n}", ["officer"], unit)
    day = today()
    campaign = create_campaign(
        "PAR-RACE",
        "Kỳ thử tranh chấp",
        rules_framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=depts,
    )
    by_unit = {
        s.unit_id: s.id
        for s in db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id))
    }
    return campaign, [(f"officer{n}", by_unit[unit.id]) for n, unit in enumerate(depts)]


def test_racing_autosaves_lose_nothing(app, race_campaign):
    campaign, people = race_campaign
    clients = [people[n % len(people)] for n in range(CLIENTS)]

    def fields(code, token, rng):
        value = rng.choice(MANUAL_VALUES) if code == "1.3" else rng.choice(("yes", "no"))
        return {f"v-{code}": value, f"note-{code}": token}

    with live_server(app) as base:
        attempts = _race(
            base,
            clients,
            lambda sid, code: f"/assessments/{sid}/criteria/{code}",
            fields,
            ("1.3", "1.2"),
        )
    _check_outcome(attempts, "self", "note_changed")
    result = app.test_cli_runner().invoke(args=["recompute", campaign.code, "--check"])
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output


@pytest.fixture
def appraisal_open(race_campaign, make_user):
    """The three self-assessments submitted, appraisal open, four evaluators assigned to all."""
    from reform.models.submissions import SUBMITTED
    from reform.services.assignments import assign
    from reform.services.phases import today

    campaign, people = race_campaign
    secretariat = make_user("secretary", ["secretariat"])
    evaluators = [make_user(f"evaluator{n}", ["evaluator"]) for n in range(4)]
    submissions = [db.session.get(Submission, sid) for _name, sid in people]
    for submission in submissions:
        submission.status = SUBMITTED
    campaign.self_opens_on = today() - timedelta(days=10)
    campaign.self_closes_on = today() - timedelta(days=1)
    campaign.appraisal_opens_on = today()
    campaign.appraisal_closes_on = today() + timedelta(days=14)
    db.session.commit()
    for evaluator in evaluators:
        for submission in submissions:
            assign(campaign, evaluator, submission=submission, actor=secretariat)
    db.session.commit()
    return campaign, [(e.username, s.id) for e in evaluators for s in submissions]


def test_racing_appraisals_lose_nothing(app, appraisal_open):
    campaign, pairs = appraisal_open
    clients = [pairs[n % len(pairs)] for n in range(CLIENTS)]

    def fields(code, token, rng):
        value = rng.choice(MANUAL_VALUES) if code == "1.3" else rng.choice(("yes", "no"))
        # A comment every time: it is required whenever the points differ from the unit's.
        return {f"v-{code}": value, f"comment-{code}": f"Hội đồng {token}"}

    def reload(browser, submission_id, code):
        return _version_after(browser.get(f"/appraisal/{submission_id}?area=1").text, code, 200)

    with live_server(app) as base:
        attempts = _race(
            base,
            clients,
            lambda sid, code: f"/appraisal/{sid}/criteria/{code}",
            fields,
            ("1.3", "1.2"),
            reload,
        )
    _check_outcome(attempts, "appraisal", "value_changed", token_field="reason")
    result = app.test_cli_runner().invoke(args=["recompute", campaign.code, "--check"])
    assert result.exit_code == 0, result.output


def _survey_cell(html: str, submission_id: int) -> tuple[str, int]:
    """A survey cell's stored value and version as the grid shows them."""
    value = re.search(
        rf'id="s-{submission_id}-3\.1" name="s-{submission_id}-3\.1"\s+value="([^"]*)"', html
    )
    version = re.search(rf'name="v-{submission_id}-3\.1" value="(\d+)"', html)
    return value.group(1).replace(",", "."), int(version.group(1))


def test_racing_survey_grids_lose_nothing(app, race_campaign, make_user):
    """Secretaries save the same cells of the grid at once: a stale grid never overwrites."""
    campaign, people = race_campaign
    for n in range(4):
        make_user(f"secretary{n}", ["secretariat"])
    sids = [sid for _name, sid in people]
    path = f"/campaigns/{campaign.code}/survey"
    outcomes: list[tuple[int, int, int]] = []  # (submission, base version, status)
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def run(number: int) -> None:
        try:
            browser = Browser(base)
            browser.sign_in(f"secretary{number % 4}", TEST_PASSWORD)
            rng = random.Random(number)
            html = browser.get(path).text
            seen = {sid: _survey_cell(html, sid) for sid in sids}
            start.wait(timeout=30)
            for _round in range(ROUNDS):
                sid = rng.choice(sids)
                value, version = seen[sid]
                # Always a different value from the one seen, so an accepted save is a write.
                new = rng.choice([v for v in ("1", "2.5", "3", "4") if v != value])
                answer = browser.post(
                    path, {f"s-{sid}-3.1": new, f"v-{sid}-3.1": str(version)}, htmx=False
                )
                page = browser.get(path).text  # after a save, its message is on the grid
                status = answer.status
                if status == 303 and "Đã lưu 1 giá trị." not in page:
                    # Someone had stored the same value meanwhile: accepted, nothing written.
                    assert "Không có gì thay đổi." in page
                    status = 304
                with lock:
                    outcomes.append((sid, version, status))
                seen[sid] = (new, version + 1) if status == 303 else _survey_cell(page, sid)
        except BaseException as failed:  # reported to the test thread below
            failures.append(failed)

    with live_server(app) as base:
        threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not failures, failures
    statuses = Counter(status for _sid, _base, status in outcomes)
    assert set(statuses) <= {303, 304, 422}, statuses
    assert statuses[422] > 0, "the clients never collided: the test proves nothing"
    won = Counter((sid, base_version) for sid, base_version, status in outcomes if status == 303)
    assert max(won.values()) == 1, "two accepted saves started from the same version"
    db.session.rollback()
    db.session.expire_all()
    stored = {
        e.submission_id: e for e in db.session.scalars(select(Entry).where(Entry.stage == "survey"))
    }
    events = Counter(
        e.submission_id
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "value_changed", AuditEvent.stage == "survey"
            )
        )
    )
    for sid in sids:
        accepted = sum(1 for (s, _b) in won if s == sid)
        assert (stored[sid].version if sid in stored else 0) == accepted
        assert events[sid] == accepted
    result = app.test_cli_runner().invoke(args=["recompute", campaign.code, "--check"])
    assert result.exit_code == 0, result.output
