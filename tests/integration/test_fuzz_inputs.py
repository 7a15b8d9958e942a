"""Fuzz: thousands of malformed values to the autosave and the other forms, seeded.

No answer may be a server error (≥ 500), and afterwards no stored value may break its column's
rules: text within its length and without control characters, figures within their precision,
criterion values in the contract's spelling, stored totals equal to a fresh computation. The
same test runs on SQLite and, with REFORM_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import got_request_exception
from sqlalchemy import select

from reform.extensions import db
from reform.models import Block, Campaign, Entry, ExplanationRequest, Submission, Unit
from reform.models.submissions import SUBMITTED
from reform.models.types import Figure
from reform.scoring.values import has_control_character
from reform.services.assessment import canonical_value, parsed_framework, recompute_submission
from reform.services.phases import today
from reform.validation import MULTILINE_WHITESPACE, column_problem

SEED = 20260214
HX = {"HX-Request": "true"}
CODES = ("1.1", "1.2", "1.3", "1.4", "2", "2.1", "2.2", "2.3", "2.4", "3.1", "T")
VALID = {
    "1.1": ["Đúng hạn", "Chậm", "không ban hành"],
    "1.2": ["yes", "no", "có"],
    "1.3": ["0", "0,25", "1.5", "2"],
    "2.3": ["0", "2", "3,5", "9999999999"],
    "2.4": ["0", "1", "4"],
    "3.1": ["3.75"],
    "T": ["yes"],
    "2": ["na"],
}
CONTROLS = [chr(c) for c in (*range(0, 32), 127, 0x85)]
# Columns that keep what people type (the fuzzed fields reach these); keys the application
# builds itself, such as a unit's sort key, may use control characters as separators.
TYPED_COLUMNS = {
    "entries": ("value", "note", "explanation"),
    "explanation_requests": ("message", "answer", "decision"),
    "submissions": ("head_comment",),
    "units": ("code", "name", "kind"),
    "blocks": ("code", "name"),
    "users": ("username", "full_name", "email"),
    "campaigns": ("code", "name"),
    "campaign_blocks": ("bands",),
    "audit_events": ("from_value", "to_value", "reason"),
    "historical_results": ("source",),
}


class Fuzz:
    """A seeded source of malformed values and the record of every server error."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sent = 0
        self.cause = ""
        self.errors: list[tuple[str, str]] = []

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def number(self) -> str:
        """A number-like text: huge, long, signed, exotic or plain."""
        rng = self.rng
        return rng.choice(
            [
                lambda: self.digits(rng.choice([1, 10, 11, 15, 29, 60, 300, 5000])),
                lambda: f"{self.digits(rng.randint(1, 12))}.{self.digits(rng.randint(1, 60))}",
                lambda: f"{self.digits(3)},{self.digits(rng.randint(1, 8))}",
                lambda: "0." + "0" * rng.randint(1, 300) + "1",
                lambda: rng.choice(["-1", "+2", "1e400", "1E-5", "NaN", "Infinity", "-0", "."]),
                lambda: rng.choice(["١٢", "²", "½", "٣٫٥", "１２", "0x1F", "1_000", "  7  "]),
                lambda: str(rng.choice([2**31 - 1, 2**31, -(2**31) - 1, 2**63, 10**40])),
            ]
        )()

    def text(self) -> str:
        """Free text: plain, long, with control characters, odd Unicode, or markup."""
        rng = self.rng
        return rng.choice(
            [
                lambda: "Ghi chú hợp lệ, có dấu: Đồng ý.",
                lambda: "",
                lambda: "   ",
                lambda: "Dòng một\r\nDòng hai\tcột",
                lambda: "x" * rng.choice([200, 201, 300, 2001, 4000, 4001, 20000]),
                lambda: "Đ" * rng.choice([199, 4001]),
                lambda: f"a{rng.choice(CONTROLS)}b",
                lambda: "".join(rng.choice(CONTROLS) for _ in range(rng.randint(1, 8))),
                lambda: "\x00",
                lambda: "‮gpj.exe​﻿",
                lambda: "😀" * rng.randint(1, 300),
                lambda: "<script>alert(1)</script>'; DROP TABLE entries; --",
                lambda: "%00%0d%0a{{7*7}}${7*7}",
                lambda: "".join(chr(rng.randint(32, 0xD7FF)) for _ in range(rng.randint(1, 400))),
            ]
        )()

    def value(self, code: str) -> str:
        """A raw value for a criterion: valid now and then, mostly malformed."""
        rng = self.rng
        pick = rng.random()
        if pick < 0.2 and code in VALID:
            return rng.choice(VALID[code])
        if pick < 0.6:
            return self.number()
        if pick < 0.7:
            return rng.choice(["na", "NA", " na ", "yes\x00", "Đúng hạn\x00", "Đúng  hạn"])
        return self.text()

    def any(self) -> str:
        """Any malformed field value."""
        return self.number() if self.rng.random() < 0.5 else self.text()

    def day(self) -> str:
        """A date field: a good day now and then, else anything."""
        good = (today() + timedelta(days=self.rng.randint(-5, 20))).isoformat()
        return good if self.rng.random() < 0.6 else self.any()

    def one_of(self, *good: object) -> Callable[[], str]:
        """A field that is one of the good values half of the time, anything otherwise."""
        return lambda: str(self.rng.choice(good)) if self.rng.random() < 0.5 else self.any()

    def bands(self) -> str:
        """Band thresholds as the settings page takes them, with malformed parts."""
        return self.rng.choice(
            [f"A: {self.number()}; D: 0", f"{self.text()}: 50; D: 0", "A: 90; D: 0", self.any()]
        )

    def yaml(self) -> str:
        """Text pasted as a framework file: broken, aliased, deep, or with odd scalars."""
        return self.rng.choice(
            [
                f"code: {self.any()}\nversion: {self.number()}\nname: x\nkind: reform\n",
                f"a: &a [{self.number()}]\nb: *a\n",
                "[" * self.rng.randint(1, 200),
                f'code: "X\\0"\nversion: 1\nname: "{self.text()[:50]}"\n',
                self.any(),
            ]
        )

    def report(self) -> str:
        """The server errors, each distinct cause once with its first request."""
        causes: dict[str, str] = {}
        for cause, request in self.errors:
            causes.setdefault(cause, request)
        lines = [f"{len(self.errors)} server errors, {len(causes)} causes:"]
        lines += [f"{cause}\n    first: {request[:300]}" for cause, request in causes.items()]
        return "\n".join(lines)

    def check(self, response, what: str) -> None:
        """Count one answer; remember it when it is a server error."""
        self.sent += 1
        if response.status_code >= 500:
            self.errors.append((self.cause or str(response.status_code), what))
        self.cause = ""


@pytest.fixture
def fuzz(app) -> Fuzz:
    """Server errors answer 500 as in production, and their cause is kept for the report."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    found = Fuzz(SEED)

    def note(sender, exception, **extra):
        found.cause = f"{type(exception).__name__}: {str(exception)[:200]}"

    got_request_exception.connect(note, app)
    yield found
    got_request_exception.disconnect(note, app)


def _version(submission_id: int, code: str, stage: str) -> str:
    """The version of one entry as the form would carry it."""
    db.session.rollback()
    found = db.session.scalar(
        select(Entry.version)
        .join(Entry.criterion)
        .where(Entry.submission_id == submission_id, Entry.stage == stage)
        .where(Entry.criterion.has(code=code))
    )
    return str(found or 0)


def _autosave(fuzz: Fuzz, client, submission_id: int, rounds: int, stage: str, url: str) -> None:
    """Post malformed values, notes and versions to one stage's autosave."""
    rng = fuzz.rng
    versions: dict[str, str] = {}  # read again only after a save may have changed one
    for _ in range(rounds):
        code = rng.choice(CODES)
        if code not in versions:
            versions[code] = _version(submission_id, code, stage)
        data = {f"ver-{code}": versions[code] if rng.random() < 0.9 else fuzz.number()}
        if code in ("2.1", "2.2") and rng.random() < 0.7:
            data[f"n-{code}"], data[f"d-{code}"] = fuzz.value(code), fuzz.value(code)
        else:
            data[f"v-{code}"] = fuzz.value(code)
        if rng.random() < 0.1:
            data[f"na-{code}"] = rng.choice(["1", fuzz.any()])
        extra = ("note", "expl") if stage == "self" else ("comment",)
        for name in extra:
            if rng.random() < 0.5:
                data[f"{name}-{code}"] = fuzz.text()
        headers = HX if rng.random() < 0.8 else {}
        target = url.format(code=code)
        response = client.post(target, data=data, headers=headers)
        fuzz.check(response, f"POST {target} {data!r}")
        if response.status_code in (200, 303, 409):
            versions.pop(code)


def _posts(fuzz: Fuzz, client, url: str, fields: dict[str, Callable[[], str]], rounds: int) -> None:
    """Post malformed values to a form, each field sometimes left out."""
    for _ in range(rounds):
        data = {name: make() for name, make in fields.items() if fuzz.rng.random() < 0.85}
        headers = HX if fuzz.rng.random() < 0.3 else {}
        fuzz.check(client.post(url, data=data, headers=headers), f"POST {url} {data!r}"[:400])


def _gets(fuzz: Fuzz, client, url: str, params: tuple[str, ...], rounds: int) -> None:
    """Get a page with malformed query parameters."""
    for _ in range(rounds):
        query = {name: fuzz.any()[:3000] for name in params if fuzz.rng.random() < 0.7}
        fuzz.check(client.get(url, query_string=query), f"GET {url} {query!r}"[:400])


def _csv(fuzz: Fuzz, columns: tuple[str, ...], rows: int = 3) -> bytes:
    """A CSV file of malformed cells."""
    out = io.StringIO()
    out.write(",".join(columns) + "\n")
    for _ in range(rows):
        cells = [fuzz.any().replace("\n", " ")[:300] for _ in columns]
        out.write(",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n")
    return out.getvalue().encode("utf-8")


def _self_phase(fuzz: Fuzz, login_as, submission: Submission, campaign: Campaign) -> None:
    """The unit's forms, the secretariat's settings and survey, the admin's forms and pages."""
    officer, head = login_as("officer"), login_as("head")
    secretariat, admin = login_as("secretariat"), login_as("admin")
    sid, code = submission.id, campaign.code
    _autosave(fuzz, officer, sid, 850, "self", f"/assessments/{sid}/criteria/{{code}}")
    area = {f"{p}-{c}": fuzz.any for c in CODES for p in ("v", "note", "ver")}
    _posts(fuzz, officer, f"/assessments/{sid}/areas/1", area, 40)
    _posts(fuzz, head, f"/assessments/{sid}/return", {"comment": fuzz.text}, 20)
    _posts(fuzz, head, f"/assessments/{sid}/withdraw", {"reason": fuzz.text}, 20)

    dates = {name: fuzz.day for name in ("self_opens_on", "self_closes_on", "publication_on")}
    dates |= {"appeal_days": fuzz.one_of(10, 30)}
    settings = dates | {"reason": fuzz.text}
    _posts(fuzz, secretariat, f"/campaigns/{code}/settings", settings, 80)
    block = db.session.scalar(select(Block).where(Block.code == "SBN"))
    bands = f"/campaigns/{code}/blocks/{block.id}/bands"
    _posts(fuzz, secretariat, bands, {"bands": fuzz.bands}, 60)
    _posts(fuzz, secretariat, f"/campaigns/{code}/participants", {"unit_id": fuzz.number}, 20)
    survey = {f"s-{sid}-3.1": lambda: fuzz.value("3.1"), f"s-{fuzz.digits(40)}-3.1": fuzz.any}
    survey |= {f"sv-{sid}-3.1": fuzz.number, "block": fuzz.number, "page": fuzz.number}
    _posts(fuzz, secretariat, f"/campaigns/{code}/survey", survey, 60)
    new = dates | {"code": fuzz.one_of("PAR-FUZZ"), "name": fuzz.text}
    new |= {"framework_id": fuzz.one_of(campaign.framework_id)}
    _posts(fuzz, secretariat, "/campaigns/new", new, 40)
    _posts(fuzz, secretariat, "/frameworks/import", {"content": fuzz.yaml}, 60)

    unit = {"code": fuzz.one_of("SO-MOI", "X1"), "name": fuzz.text, "kind": fuzz.one_of("ward")}
    unit |= {"parent_id": fuzz.one_of(0, submission.unit_id), "block_id": fuzz.one_of(0, block.id)}
    _posts(fuzz, admin, "/admin/units/new", unit, 40)
    _posts(fuzz, admin, f"/admin/units/{submission.unit_id}/edit", unit, 20)
    _posts(fuzz, admin, "/admin/blocks", {"code": fuzz.any, "name": fuzz.text}, 30)
    user = {"username": fuzz.one_of("nva", "ttb"), "full_name": fuzz.text, "email": fuzz.text}
    user |= {"roles": fuzz.one_of("leader"), "unit_id": fuzz.one_of(0)}
    _posts(fuzz, admin, "/admin/users/new", user, 30)
    for _ in range(15):
        units_csv = _csv(fuzz, ("code", "name", "kind", "parent_code", "block_code", "block_name"))
        data = {"file": (io.BytesIO(units_csv), fuzz.text()[:80] + ".csv")}
        fuzz.check(admin.post("/admin/units/import", data=data), "POST units import")
        history = _csv(fuzz, ("year", "unit_code", "points", "index", "rank"))
        data = {"framework_code": "RULES", "file": (io.BytesIO(history), fuzz.text()[:80] + ".csv")}
        fuzz.check(admin.post("/history/import", data=data), "POST history import")
    _posts(fuzz, officer, "/language", {"lang": fuzz.any, "next": fuzz.any}, 10)

    audit = ("unit", "actor", "criterion", "stage", "action", "from", "to", "page")
    what_if = ("version", "shown_version", "w-1", "w-2", "bands", "block")
    _gets(fuzz, admin, "/units/", ("q", "kind", "block"), 20)
    _gets(fuzz, admin, "/admin/units", ("q", "kind", "block", "inactive"), 20)
    _gets(fuzz, admin, "/admin/users", ("q", "role"), 10)
    _gets(fuzz, admin, f"/campaigns/{code}", ("block", "status"), 20)
    _gets(fuzz, admin, f"/campaigns/{code}/audit", audit, 30)
    _gets(fuzz, admin, f"/campaigns/{code}/survey", ("block", "page"), 10)
    _gets(fuzz, admin, f"/rankings/{code}", ("block", "sort", "kind", "band", "view"), 20)
    _gets(fuzz, secretariat, f"/rankings/{code}/what-if", what_if, 30)
    _gets(fuzz, admin, f"/frameworks/{campaign.framework_id}/compare", ("with",), 10)
    _gets(fuzz, officer, f"/assessments/{sid}", ("area",), 10)
    _gets(fuzz, login_as("evaluator"), "/appraisal/queue", ("campaign", "block", "status"), 10)
    paths = [
        "/assessments/{n}",
        "/units/{n}",
        "/frameworks/{n}",
        "/admin/units/{n}/edit",
        "/admin/users/{n}/edit",
        "/admin/blocks/{n}/edit",
        f"/assessments/{sid}/evidence/{{n}}/download",
        f"/assessments/{sid}/history/{{n}}",
        "/campaigns/{n}",
        "/public/{n}",
        f"/public/{code}/v/{{n}}",
        f"/rankings/{code}/units/{{n}}",
        "/history/RULES/{n}/delete",
    ]
    for _ in range(100):
        path = fuzz.rng.choice(paths).format(n=fuzz.any()[:200])
        method = admin.post if path.endswith("delete") else admin.get
        fuzz.check(method(path), f"path {path[:200]!r}")


SELF_VALUES = (
    ("1.1", {"v": "Đúng hạn", "expl": "Kế hoạch"}),
    ("1.2", {"v": "yes"}),
    ("1.3", {"v": "2"}),
    ("2.1", {"n": "95", "d": "100", "expl": "Số liệu một cửa"}),
    ("2.2", {"n": "1", "d": "2"}),
    ("2.3", {"v": "3"}),
    ("2.4", {"v": "0"}),
)


def _open_appraisal(login_as, submission: Submission, campaign: Campaign, users) -> None:
    """Fill and submit the self-assessment, open appraisal and assign the evaluator."""
    from reform.services.assignments import assign

    officer, sid = login_as("officer"), submission.id
    for code, fields in SELF_VALUES:
        data = {f"ver-{code}": _version(sid, code, "self")}
        data |= {f"{name}-{code}": value for name, value in fields.items()}
        officer.post(f"/assessments/{sid}/criteria/{code}", data=data, headers=HX)
    login_as("head").post(f"/assessments/{sid}/approve")
    db.session.rollback()
    # The fuzzing may have left the form incomplete (an area marked n/a without a reason...):
    # submitted as it stands, so that the appraisal can be fuzzed too.
    db.session.get(Submission, sid).status = SUBMITTED
    campaign = db.session.get(Campaign, campaign.id)
    campaign.self_opens_on = today() - timedelta(days=10)
    campaign.self_closes_on = today() - timedelta(days=1)
    campaign.appraisal_opens_on = today()
    campaign.appraisal_closes_on = today() + timedelta(days=14)
    db.session.commit()
    assign(campaign, users["evaluator"], submission=submission, actor=users["secretariat"])


def _appraisal_phase(fuzz: Fuzz, login_as, submission: Submission) -> None:
    """The evaluator's autosave and explanation requests, the unit's answers, the decisions."""
    officer, evaluator, sid = login_as("officer"), login_as("evaluator"), submission.id
    _autosave(fuzz, evaluator, sid, 250, "appraisal", f"/appraisal/{sid}/criteria/{{code}}")
    due = (today() + timedelta(days=5)).isoformat()
    for code in ("1.2", "1.3", "2.3"):
        url = f"/appraisal/{sid}/criteria/{code}/explanations"
        _posts(fuzz, evaluator, url, {"message": fuzz.text, "due_on": fuzz.day}, 25)
        evaluator.post(url, data={"message": "Bổ sung", "due_on": due})
    db.session.rollback()
    for found in db.session.scalars(select(ExplanationRequest)):
        answer = f"/assessments/{sid}/explanations/{found.id}/answer"
        _posts(fuzz, officer, answer, {"answer": fuzz.text}, 15)
        decide = f"/appraisal/{sid}/explanations/{found.id}/decide"
        _posts(fuzz, evaluator, decide, {"decision": fuzz.text}, 15)


def _council_phase(fuzz: Fuzz, login_as, campaign: Campaign, submission: Submission, users) -> None:
    """Assignments, a framework edit, closing and publishing, appeals and their decisions."""
    from helpers import SMALL_FRAMEWORK

    from reform.models import Appeal
    from reform.services.frameworks import import_framework
    from reform.services.publication import publish

    secretariat, head, admin = login_as("secretariat"), login_as("head"), login_as("admin")
    code, sid = campaign.code, submission.id
    assign = {"evaluator_id": fuzz.one_of(users["evaluator"].id), "scope": fuzz.one_of("unit")}
    assign |= {"submission_id": fuzz.one_of(sid), "block_id": fuzz.number}
    assign |= {"area_code": fuzz.one_of("1", "2", "")}
    _posts(fuzz, secretariat, f"/campaigns/{code}/assignments", assign, 30)
    draft = import_framework(SMALL_FRAMEWORK.replace("version: 1", "version: 7"))
    _posts(fuzz, secretariat, f"/frameworks/{draft.id}/edit", {"content": fuzz.yaml}, 30)
    _posts(fuzz, secretariat, f"/campaigns/{code}/publish", {"reason": fuzz.text}, 10)
    close = f"/campaigns/{code}/submissions/{sid}/close-appraisal"
    for _ in range(10):
        secretariat.post(close)
        _posts(fuzz, secretariat, close.replace("close", "reopen"), {"reason": fuzz.text}, 2)
    account = {"current_password": fuzz.any, "new_password": fuzz.any, "confirm_password": fuzz.any}
    _posts(fuzz, login_as("officer"), "/account/password", account, 10)
    user = {"username": fuzz.one_of("leader"), "full_name": fuzz.text, "email": fuzz.text}
    user |= {"roles": fuzz.one_of("leader"), "unit_id": fuzz.one_of(0)}
    _posts(fuzz, admin, f"/admin/users/{users['leader'].id}/edit", user, 20)
    _posts(fuzz, admin, "/notifications/read", {"id": fuzz.number, "next": fuzz.any}, 5)

    db.session.rollback()
    publish(db.session.get(Campaign, campaign.id), actor=users["secretariat"], force=True)
    for _ in range(40):
        chosen = fuzz.rng.sample(CODES, 2) + [fuzz.any()[:50]]
        data = {"criteria": chosen} | {f"reason-{c}": fuzz.text() for c in chosen}
        fuzz.check(head.post(f"/appeals/new/{sid}", data=data), f"POST appeal {data!r}")
    for _ in range(3):
        data = {"criteria": ["1.2"], "reason-1.2": "Đơn vị đã gửi báo cáo đúng hạn."}
        head.post(f"/appeals/new/{sid}", data=data)
        db.session.rollback()
        for appeal in db.session.scalars(select(Appeal).where(Appeal.status == "filed")):
            decide = {"outcome": lambda: fuzz.rng.choice(["accept", "reject", fuzz.any()])}
            decide |= {"value": lambda: fuzz.value("1.2"), "decision": fuzz.text}
            _posts(fuzz, secretariat, f"/campaigns/{code}/appeals/{appeal.id}/decide", decide, 15)
    _posts(fuzz, secretariat, f"/campaigns/{code}/appeals/republish", {"reason": fuzz.text}, 15)
    _gets(fuzz, head, f"/public/{code}", ("block", "view"), 10)


def _assert_stored_values_keep_their_rules(submission_id: int) -> None:
    """Every column of every row within its rules; entries canonical; totals recompute equal."""
    db.session.rollback()
    broken = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column in table.columns:
                value = row[column.key]
                problem = column_problem(column.type, value)
                typed = column.key in TYPED_COLUMNS.get(table.name, ())
                if typed and has_control_character(str(value or ""), MULTILINE_WHITESPACE):
                    problem = problem or "control character"
                if (
                    isinstance(column.type, Figure)
                    and value is not None
                    and value != round(value, 4)
                ):
                    problem = problem or "more than 4 places"
                if problem:
                    broken.append(f"{table.name}.{column.key}={str(value)[:60]!r}: {problem}")
    assert not broken, "\n".join(broken[:40])
    submission = db.session.get(Submission, submission_id)
    fw = parsed_framework(submission.campaign.framework)
    for entry in db.session.scalars(select(Entry).where(Entry.value.is_not(None))):
        node = fw.node(entry.criterion.code)
        assert canonical_value(node.parse_value(entry.value)) == entry.value, entry.value
    assert recompute_submission(submission) == []


def test_thousands_of_malformed_inputs_never_fail_and_never_store_out_of_rule(
    fuzz, login_as, submission, campaign, users
):
    _self_phase(fuzz, login_as, submission, campaign)
    _open_appraisal(login_as, submission, campaign, users)
    _appraisal_phase(fuzz, login_as, submission)
    _council_phase(fuzz, login_as, campaign, submission, users)
    assert fuzz.sent >= 2000
    assert not fuzz.errors, fuzz.report()
    _assert_stored_values_keep_their_rules(submission.id)
    db.session.rollback()
    assert db.session.scalar(select(Unit).where(Unit.code == "STP")) is not None
