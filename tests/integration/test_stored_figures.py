"""The live results document from the figures stored with each submission, and the campaign's
change counter that lets a poll answer 304 after one statement."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update

from reform.extensions import db
from reform.models import Block, Campaign, Submission, Unit, User
from reform.models.submissions import SUBMITTED
from reform.services.results import (
    AREA_KEYS,
    FIGURE_KEYS,
    campaign_results,
    change_count,
    live_etag,
)

HEADER = "unit_code,criterion_code,value,note\n"
URL = "/api/v1/campaigns/{code}/results"


def reread() -> None:
    """Forget what this session holds: the next read sees what the requests committed."""
    db.session.rollback()
    db.session.expire_all()


def campaign_named(code: str) -> Campaign:
    reread()
    return db.session.scalar(select(Campaign).where(Campaign.code == code))


def documents_agree(code: str) -> dict:
    """The stored-figures document equals a full rescore of every entry; return it."""
    campaign = campaign_named(code)
    stored = campaign_results(campaign, published=False)
    assert stored == campaign_results(campaign, published=False, rescore=True)
    return stored


def no_drift(runner, code: str) -> None:
    result = runner.invoke(args=["recompute", code, "--check"])
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output
    reread()


def make_campaign(code: str, members: list[Unit], rules_framework, *, past: bool = False):
    """A campaign of the units; `past`: self-assessment closed, appraisal open today."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    day = today()
    dates = (
        PhaseDates(
            day - timedelta(days=10),
            day - timedelta(days=1),
            appraisal_opens_on=day,
            appraisal_closes_on=day + timedelta(days=14),
        )
        if past
        else PhaseDates(day - timedelta(days=3), day + timedelta(days=10))
    )
    return create_campaign(code, code, rules_framework, dates, units=members)


def import_stage(campaign: Campaign, lines: str, stage: str) -> None:
    from reform.services.scores_import import import_scores

    report = import_scores(campaign, (HEADER + lines).encode(), stage=stage, filename="f.csv")
    assert report.ok, report.errors


class Statements:
    """Counts the SQL statements sent to the database while active."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self)


# ---- the stored row is the core's row ------------------------------------------------------------


def test_stored_keys_are_the_cores_row_in_its_order(rules_framework):
    from reform.scoring import evaluate
    from reform.services.assessment import parsed_framework

    row = evaluate(parsed_framework(rules_framework), "department", {"1.2": "yes"}).as_dict()
    assert tuple(row) == FIGURE_KEYS
    assert tuple(row["areas"][0]) == AREA_KEYS


def test_every_save_stores_the_row_the_document_shows(campaign, submission, users, runner):
    from reform.services.assessment import save_self_entry

    save_self_entry(
        submission,
        "1.3",
        value="1.75",
        note=None,
        explanation=None,
        base_version=0,
        actor=users["officer"],
    )
    reread()
    stored = db.session.get(Submission, submission.id).area_figures
    assert stored["points"] == "1.75" and stored["index"] == "9.21"
    assert stored["areas"][0] == {
        "code": "1",
        "points": "1.75",
        "max_points": "5.00",
        "index": "35.00",
    }
    document = documents_agree("PAR-TEST")
    row = next(r for b in document["blocks"] for r in b["results"] if r["unit_code"] == "STP")
    assert {key: row[key] for key in FIGURE_KEYS} == stored
    no_drift(runner, "PAR-TEST")


# ---- SQL statements on the hot paths -------------------------------------------------------------


def test_a_poll_that_finds_nothing_new_costs_one_statement_after_sign_in(
    app, rules_framework, make_unit, login_as
):
    """The 304 costs what signing in costs plus the campaign's row, whatever the size."""
    leader = login_as("leader")
    with Statements() as unknown:
        assert leader.get(URL.format(code="NOPE")).status_code == 404
    # Signing in (the session's user and roles) and one look for the campaign by its code.
    sign_in_and_one = len(unknown.seen)

    def poll(size: int, code: str) -> int:
        make_campaign(
            code, [make_unit(f"{code}{n}", f"Đơn vị {n}") for n in range(size)], rules_framework
        )
        first = leader.get(URL.format(code=code))
        assert first.status_code == 200
        with Statements() as seen:
            again = leader.get(
                URL.format(code=code), headers={"If-None-Match": first.headers["ETag"]}
            )
            assert again.status_code == 304
        assert sum("campaigns" in s for s in seen.seen) == 1, seen.seen
        return len(seen.seen)

    small, large = poll(2, "QA"), poll(25, "QB")
    assert small == large == sign_in_and_one, (small, large, sign_in_and_one)


def test_a_poll_of_published_results_reads_the_hash_and_not_the_payload(
    app, rules_framework, make_unit, client
):
    from reform.services.publication import latest_version, publish

    campaign = make_campaign("PUB", [make_unit("SA", "Sở An")], rules_framework)
    publish(campaign, actor=None, force=True)
    version = latest_version(campaign_named("PUB"))
    with Statements() as unknown:
        assert client.get(URL.format(code="NOPE")).status_code == 404
    first = client.get(URL.format(code="PUB"))
    assert first.get_data() == version.payload.encode("utf-8")
    assert first.headers["ETag"] == f'"{version.content_hash}"'
    with Statements() as seen:
        again = client.get(URL.format(code="PUB"), headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
    assert len(seen.seen) == len(unknown.seen) == 1, seen.seen
    assert not any("payload" in statement for statement in seen.seen)


def test_the_live_document_costs_the_same_statements_for_any_number_of_units(
    app, rules_framework, make_unit, login_as
):
    """Built once per change from the stored rows; asked again, it comes from the cache."""
    leader = login_as("leader")
    with Statements() as unknown:
        assert leader.get(URL.format(code="NOPE")).status_code == 404

    def document(size: int, code: str) -> int:
        members = [make_unit(f"{code}{n}", f"Đơn vị {n}") for n in range(size)]
        members.append(make_unit(f"{code}W", "Phường Một", kind="ward", block_code="PHUONG"))
        campaign = make_campaign(code, members, rules_framework)
        import_stage(campaign, "".join(f"{u.code},1.2,yes,\n" for u in members), "self")
        with Statements() as built:
            response = leader.get(URL.format(code=code))
            assert response.status_code == 200
        rows = sum(len(b["results"]) for b in response.get_json()["blocks"])
        assert rows == size + 1
        # No statement reads the entries: the figures are the stored ones.
        assert not any("entries" in s for s in built.seen), built.seen
        with Statements() as cached:
            again = leader.get(URL.format(code=code))
        assert again.get_data() == response.get_data()
        assert len(cached.seen) == len(unknown.seen), cached.seen
        return len(built.seen)

    document(1, "QW")  # the first document of the app loads what every later one reuses
    small, large = document(2, "QA"), document(30, "QB")
    assert small == large, (small, large)


# ---- every write path moves the ETag -------------------------------------------------------------


def test_every_write_path_changes_the_etag_and_leaves_no_drift(
    app, campaign, submission, units, users, login_as, runner
):
    """Autosave, appraisal, survey, import, bands, a rename, publication, an appeal decision."""
    from reform.services.appeals import AppealItem, decide, file_appeals, republish
    from reform.services.assessment import approve_and_submit, save_self_entry
    from reform.services.assignments import assign
    from reform.services.campaigns import set_block_bands
    from reform.services.phases import today
    from reform.services.publication import close_appraisal, publish
    from reform.services.survey import field_name, save_survey

    leader = login_as("leader")
    url = URL.format(code="PAR-TEST")
    seen = {"tag": leader.get(url).headers["ETag"]}

    def changed(what: str, *, live: bool = True) -> None:
        """The poll with the last tag gets the new document, then 304 with the new tag."""
        response = leader.get(url, headers={"If-None-Match": seen["tag"]})
        assert response.status_code == 200, what
        assert response.headers["ETag"] != seen["tag"], what
        if live:
            assert response.get_json() == documents_agree("PAR-TEST"), what
        again = leader.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, what
        seen["tag"] = response.headers["ETag"]
        no_drift(runner, "PAR-TEST")

    def fresh(model, ident):
        reread()
        return db.session.get(model, ident)

    def own_submission() -> Submission:
        return fresh(Submission, submission.id)

    officer, head = fresh(User, users["officer"].id), fresh(User, users["head"].id)
    filled = {
        "1.1": "Đúng hạn",
        "1.2": "yes",
        "1.3": "1.5",
        "2.1": "9/10",
        "2.2": "1/3",
        "2.3": "3",
        "2.4": "1",
    }
    for n, (code, value) in enumerate(filled.items()):
        save_self_entry(
            own_submission(),
            code,
            value=value,
            note=None,
            base_version=0,
            actor=officer,
            explanation="Có giải trình" if code in ("1.1", "2.1") else None,
        )
        if n == 0:
            changed("self autosave")
    changed("self autosave of every criterion")

    # A save that changes no figure (a note) leaves the document and its tag alone.
    before = change_count(campaign_named("PAR-TEST"))
    save_self_entry(
        own_submission(),
        "1.2",
        value="yes",
        note="Ghi chú",
        explanation=None,
        base_version=1,
        actor=officer,
    )
    assert change_count(campaign_named("PAR-TEST")) == before
    assert leader.get(url, headers={"If-None-Match": seen["tag"]}).status_code == 304

    approve_and_submit(own_submission(), actor=head)
    changed("submission")

    import_stage(campaign_named("PAR-TEST"), "SYT,1.2,yes,\nSYT,2.2,2/3,\n", "self")
    changed("import-scores")

    current = campaign_named("PAR-TEST")
    current.self_opens_on = today() - timedelta(days=10)
    current.self_closes_on = today() - timedelta(days=1)
    current.appraisal_opens_on = today()
    current.appraisal_closes_on = today() + timedelta(days=14)
    db.session.commit()
    assign(
        current,
        fresh(User, users["evaluator"].id),
        submission=own_submission(),
        actor=fresh(User, users["secretariat"].id),
    )
    evaluator = login_as("evaluator")
    posted = evaluator.post(
        f"/appraisal/{submission.id}/criteria/1.3",
        data={"ver-1.3": "0", "v-1.3": "2", "comment-1.3": "Đủ hồ sơ"},
        headers={"HX-Request": "true"},
    )
    assert posted.status_code == 200, posted.get_data(as_text=True)
    changed("appraisal")

    secretariat = fresh(User, users["secretariat"].id)
    assert save_survey(
        campaign_named("PAR-TEST"), {field_name(submission.id, "3.1"): "3.5"}, actor=secretariat
    )
    changed("survey")

    block = db.session.scalar(select(Block).where(Block.code == "SBN"))
    set_block_bands(
        campaign_named("PAR-TEST"),
        block.id,
        [{"min": 50, "label": "Đạt"}, {"min": 0, "label": "Chưa đạt"}],
        actor=fresh(User, users["admin"].id),
    )
    changed("bands")

    fresh(Unit, units["other"].id).name = "Sở Y tế tỉnh"
    db.session.commit()
    changed("a unit's name")
    fresh(Block, block.id).name = "Khối sở, ban, ngành"
    db.session.commit()
    changed("a block's name")

    for each in db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id)):
        each.status = SUBMITTED
    db.session.commit()
    changed("statuses")
    for each in db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id)):
        close_appraisal(each, actor=None)
    counted = change_count(campaign_named("PAR-TEST"))
    live_before = live_etag(campaign_named("PAR-TEST"))
    publish(campaign_named("PAR-TEST"), actor=fresh(User, users["secretariat"].id), force=True)
    assert change_count(campaign_named("PAR-TEST")) > counted
    assert live_etag(campaign_named("PAR-TEST")) != live_before
    changed("publication", live=False)

    # After publication the API serves the published version; a decided appeal changes the live
    # figures (and the counter) at once, and the served document with the next version.
    live_before = live_etag(campaign_named("PAR-TEST"))
    (appeal,) = file_appeals(
        own_submission(), [AppealItem("1.3", "Đủ hồ sơ")], actor=fresh(User, users["head"].id)
    )
    decide(
        appeal,
        accept=True,
        value="1,5",
        decision="Chấp nhận một phần",
        actor=fresh(User, users["secretariat"].id),
    )
    assert live_etag(campaign_named("PAR-TEST")) != live_before
    documents_agree("PAR-TEST")
    assert leader.get(url, headers={"If-None-Match": seen["tag"]}).status_code == 304
    republish(
        campaign_named("PAR-TEST"), actor=fresh(User, users["secretariat"].id), reason="Phúc khảo"
    )
    changed("appeal decision, republished", live=False)


def test_the_counter_ignores_other_campaigns_and_statements_that_change_nothing(
    app, rules_framework, make_unit
):
    members = [make_unit("SA", "Sở An"), make_unit("SB", "Sở Bình")]
    one = make_campaign("ONE", members, rules_framework)
    other = make_campaign("TWO", members, rules_framework)
    counts = (change_count(one), change_count(other))
    import_stage(campaign_named("ONE"), "SA,1.2,yes,\n", "self")
    assert change_count(campaign_named("ONE")) > counts[0]
    assert change_count(campaign_named("TWO")) == counts[1]
    # Writing every figure column with the value it holds bumps nothing.
    before = change_count(campaign_named("ONE"))
    db.session.execute(
        update(Submission)
        .where(Submission.campaign_id == one.id)
        .values(points=Submission.points, area_figures=Submission.area_figures)
    )
    db.session.commit()
    assert change_count(campaign_named("ONE")) == before


# ---- figures stored before this release ----------------------------------------------------------


def test_missing_figures_are_computed_until_recompute_stores_them(
    app, rules_framework, make_unit, runner, login_as
):
    members = [make_unit(f"S{n}", f"Sở {n}") for n in range(3)]
    campaign = make_campaign("OLD", members, rules_framework)
    import_stage(campaign, "S0,1.3,1.75,\nS1,2.2,1/3,\nS2,1.1,Chậm,\n", "self")
    expected = documents_agree("OLD")
    # As after the upgrade: no stored row yet (the totals were stored as before).
    db.session.execute(update(Submission).values(area_figures=None))
    db.session.execute(
        update(Submission)
        .where(Submission.unit_id == members[0].id)
        .values(area_figures={"points": "1.75"})  # a row of an older shape counts as missing
    )
    db.session.commit()
    assert campaign_results(campaign_named("OLD"), published=False) == expected
    response = login_as("leader").get(URL.format(code="OLD"))
    assert json.loads(response.get_data(as_text=True)) == expected
    check = runner.invoke(args=["recompute", "OLD", "--check"])
    assert check.exit_code != 0 and "area_figures stored None" in check.output
    assert runner.invoke(args=["recompute", "OLD"]).exit_code == 0
    reread()
    assert all(s.area_figures is not None for s in db.session.scalars(select(Submission)))
    assert campaign_results(campaign_named("OLD"), published=False) == expected
    no_drift(runner, "OLD")


def test_the_counter_triggers_outlive_the_tests_cleanup(app):
    """conftest empties the tables between tests; the triggers made by the migration stay."""
    if db.engine.dialect.name == "postgresql":
        names = db.session.scalars(
            text("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%count_change'")
        ).all()
    else:
        names = db.session.scalars(
            text(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE '%count_change'"
            )
        ).all()
    assert len(names) >= 5, names


# ---- property: stored figures equal a full rescore -----------------------------------------------

# Raw values each criterion of the RULES framework takes, by stage (contract 3.2).
CHOICES = {
    "1.1": lambda r: r.choice(["Đúng hạn", "Chậm", "Không ban hành"]),
    "1.2": lambda r: r.choice(["yes", "no"]),
    "1.3": lambda r: str(r.randint(0, 8) / 4),
    "2": lambda r: "na",
    "2.1": lambda r: (lambda d: f"{r.randint(0, d)}/{d}")(r.randint(0, 13)),
    "2.2": lambda r: r.choice(["na", (lambda d: f"{r.randint(0, d)}/{d}")(r.randint(1, 17))]),
    "2.3": lambda r: str(r.randint(0, 5)),
    "2.4": lambda r: str(r.randint(0, 6)),
    "T": lambda r: r.choice(["yes", "no"]),
}
WARD_ONLY = {"1.4": lambda r: r.choice(["yes", "no"])}


@pytest.mark.parametrize("seed", [3, 17, 2025])
def test_stored_figures_equal_a_full_rescore_over_random_values(
    app, rules_framework, make_unit, runner, seed
):
    rng = random.Random(seed)
    members = [make_unit(f"D{n}", f"Sở {rng.choice('ABCDE')}{n}") for n in range(5)]
    members += [
        make_unit(f"W{n}", f"Phường {n}", kind="ward", block_code="PHUONG") for n in range(3)
    ]
    make_campaign("RAND", members, rules_framework)
    for round_ in range(6):
        stage = ("self", "appraisal", "survey")[round_ % 3]
        lines = []
        for unit in rng.sample(members, rng.randint(1, len(members))):
            if stage == "survey":
                lines.append(f"{unit.code},3.1,{rng.randint(0, 16) / 4},\n")
                continue
            choices = dict(CHOICES, **(WARD_ONLY if unit.kind == "ward" else {}))
            if stage == "appraisal":
                choices.pop("2", None)
            for code in rng.sample(sorted(choices), rng.randint(1, 4)):
                lines.append(f"{unit.code},{code},{choices[code](rng)},Ghi chú\n")
        import_stage(campaign_named("RAND"), "".join(lines), stage)
        document = documents_agree("RAND")
        assert sum(len(b["results"]) for b in document["blocks"]) == len(members), seed
        no_drift(runner, "RAND")


def test_a_figure_on_a_rounding_edge_is_published_as_the_core_rounds_it(
    app, rules_framework, make_unit, login_as
):
    """2/9 and 0.25 give an index of 3.654970…: 3.65, though the four-place column holds 3.6550."""
    unit = make_unit("SA", "Sở An")
    import_stage(
        make_campaign("EDGE", [unit], rules_framework), "SA,2.2,2/9,\nSA,1.3,0.25,\n", "self"
    )
    reread()
    stored = db.session.scalar(select(Submission))
    assert str(stored.index) == "3.6550"  # rounding this again would give 3.66
    leader = login_as("leader")
    document = leader.get(URL.format(code="EDGE")).get_json()
    assert document["blocks"][0]["results"][0]["index"] == "3.65"
    assert document == documents_agree("EDGE")
    # The ranking page shows the same figure as the API, not the column rounded again.
    page = leader.get("/rankings/EDGE").get_data(as_text=True)
    assert "3,65" in page and "3,66" not in page


SURVEY_NA_FRAMEWORK = """\
code: SURVEY-NA
version: 1
name: "Khung có tiêu chí điều tra không phát sinh"
kind: reform
result: percent
bands: [{min: 50, label: "A"}, {min: 0, label: "B"}]
criteria:
  - code: "1"
    name: "Chỉ đạo, điều hành"
    children:
      - {code: "1.1", name: "Kế hoạch", max: 2, rule: {type: yesno}}
  - code: "2"
    name: "Điều tra xã hội học"
    children:
      - {code: "2.1", name: "Hài lòng", max: 2, rule: {type: survey}, allow_na: true}
"""


def test_a_self_save_after_a_survey_na_keeps_the_survey_out_of_the_max(
    app, make_unit, make_user, runner
):
    from reform.services.assessment import save_self_entry
    from reform.services.frameworks import import_framework

    unit = make_unit("SA", "Sở An")
    officer = make_user("officer_sa", ["officer"], unit)
    campaign = make_campaign("SNA", [unit], import_framework(SURVEY_NA_FRAMEWORK))
    import_stage(campaign, "SA,2.1,na,\n", "survey")
    reread()
    save_self_entry(
        db.session.scalar(select(Submission)),
        "1.1",
        value="yes",
        note=None,
        explanation=None,
        base_version=0,
        actor=db.session.get(User, officer.id),
    )
    documents_agree("SNA")
