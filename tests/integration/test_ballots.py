"""The vote of a cluster meeting: preparing, opening, voting, closing, results, receipts, rounds."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from ballot_setup import build_world, cast_units, finish, open_ballot, prepared_ballot
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Ballot, BallotCandidate, Notification
from reform.services.emulation import ballots as service
from reform.services.emulation import voting


@pytest.fixture
def world(app, units, users, make_unit, make_user):
    return build_world(make_unit, make_user)


def _sign_in(app, user):
    from helpers import TEST_PASSWORD, login

    client = app.test_client()
    assert login(client, user.username, TEST_PASSWORD).status_code == 303
    return client


def _candidates(ballot_id: int) -> list[str]:
    db.session.expire_all()
    ballot = db.session.get(Ballot, ballot_id)
    return [c.unit.code for item in ballot.items for c in item.candidates]


# ---- preparing ----------------------------------------------------------------------------


def test_the_cluster_head_prepares_a_ballot_with_the_rankings_top_units(app, world):
    chair = _sign_in(app, world.head("KA"))
    page = chair.get(f"/emulation/clusters/{world.cluster.id}/ballots")
    assert page.status_code == 200
    assert f'action="/emulation/clusters/{world.cluster.id}/ballots"' in page.text
    now = service.now()
    answer = chair.post(
        f"/emulation/clusters/{world.cluster.id}/ballots",
        data={
            "name": "Họp bình xét năm 2025",
            "opens_at": service.local_input(now),
            "closes_at": service.local_input(now + timedelta(hours=1)),
            "rule": "majority",
            "quorum": "half",
        },
    )
    assert answer.status_code == 303
    ballot_id = int(re.search(r"/emulation/ballots/(\d+)", answer.headers["Location"]).group(1))
    title = world.titles["TT-CTD-TINH"]
    added = chair.post(
        f"/emulation/ballots/{ballot_id}/items",
        data={"title_id": str(title.id), "seats": "2", "proposed": "3"},
    )
    assert added.status_code == 303
    # Ranking on points: Sở Bảo 95, Sở Ánh 90, Sở Cúc 80.
    assert _candidates(ballot_id) == ["KB", "KA", "KC"]
    page = chair.get(f"/emulation/ballots/{ballot_id}")
    assert "Sở Bảo" in page.text and title.name in page.text


def test_settings_refused_beside_the_field_and_nothing_saved(app, world):
    chair = _sign_in(app, world.head("KA"))
    now = service.now()
    answer = chair.post(
        f"/emulation/clusters/{world.cluster.id}/ballots",
        data={
            "name": "",
            "opens_at": service.local_input(now),
            "closes_at": service.local_input(now - timedelta(hours=1)),
            "rule": "share",
            "rule_numerator": "3",
            "rule_denominator": "2",
        },
    )
    assert answer.status_code == 422
    assert 'id="b-name-error"' in answer.text
    assert 'id="b-closes_at-error"' in answer.text
    assert 'id="b-rule-error"' in answer.text
    assert db.session.scalar(select(Ballot.id)) is None


def test_a_candidate_change_needs_a_reason_and_is_audited(app, world):
    ballot = prepared_ballot(world)
    chair = _sign_in(app, world.head("KA"))
    item = ballot.items[0]
    refused = chair.post(
        f"/emulation/ballots/{ballot.id}/items/{item.id}/candidates",
        data={"unit_id": str(world.units["KE"].id), "reason": " "},
    )
    assert refused.status_code == 422
    assert f'id="add-reason-{item.id}-error"' in refused.text
    assert "KE" not in _candidates(ballot.id)
    added = chair.post(
        f"/emulation/ballots/{ballot.id}/items/{item.id}/candidates",
        data={"unit_id": str(world.units["KE"].id), "reason": "Hoàn thành xuất sắc nhiệm vụ"},
    )
    assert added.status_code == 303 and "KE" in _candidates(ballot.id)
    # Only a member of the cluster can stand.
    stranger = chair.post(
        f"/emulation/ballots/{ballot.id}/items/{item.id}/candidates",
        data={"unit_id": str(world.units["KH"].id), "reason": "khác khối"},
    )
    assert stranger.status_code == 422
    kc = db.session.scalar(
        select(BallotCandidate).where(
            BallotCandidate.item_id == item.id, BallotCandidate.unit_id == world.units["KC"].id
        )
    )
    no_reason = chair.post(f"/emulation/ballots/{ballot.id}/candidates/{kc.id}/remove", data={})
    assert no_reason.status_code == 422 and "KC" in _candidates(ballot.id)
    removed = chair.post(
        f"/emulation/ballots/{ballot.id}/candidates/{kc.id}/remove",
        data={"reason": "Bị kỷ luật trong năm"},
    )
    assert removed.status_code == 303 and "KC" not in _candidates(ballot.id)
    reasons = {
        e.action: e.reason
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("ballot_%")))
    }
    assert reasons["ballot_candidate_added"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert reasons["ballot_candidate_removed"] == "Bị kỷ luật trong năm"


def test_opening_writes_the_roll_and_tells_every_member_head(app, world):
    ballot = prepared_ballot(world)
    chair = _sign_in(app, world.head("KA"))
    assert chair.post(f"/emulation/ballots/{ballot.id}/open").status_code == 303
    db.session.expire_all()
    opened = db.session.get(Ballot, ballot.id)
    assert opened.status == "open" and opened.chair_unit_id == world.units["KA"].id
    assert voting.turnout(opened) == (0, 5)
    told = {
        n.user_id
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == service.BALLOT_OPENED)
        )
    }
    # Every member head but the one who opened it; nobody outside the cluster.
    assert told == {world.head(code).id for code in ("KB", "KC", "KD", "KE")}
    link = db.session.scalar(select(Notification.link).where(Notification.kind == "ballot_opened"))
    assert link == f"/emulation/ballots/{ballot.id}"
    # Once open, nothing about the ballot changes.
    again = chair.post(
        f"/emulation/ballots/{ballot.id}/items",
        data={"title_id": str(world.titles["TT-BK-TINH"].id), "seats": "1", "proposed": "1"},
    )
    assert again.status_code == 422


def test_a_ballot_without_candidates_does_not_open(app, world):
    ballot = prepared_ballot(world, items=())
    chair = _sign_in(app, world.head("KA"))
    answer = chair.post(f"/emulation/ballots/{ballot.id}/open")
    assert answer.status_code == 422 and 'id="form-error"' in answer.text
    db.session.expire_all()
    assert db.session.get(Ballot, ballot.id).status == "draft"


# ---- voting -------------------------------------------------------------------------------


def test_a_unit_head_votes_once_and_gets_a_receipt(app, world):
    ballot = open_ballot(world)
    head = _sign_in(app, world.head("KC"))
    page = head.get(f"/emulation/ballots/{ballot.id}")
    assert f'action="/emulation/ballots/{ballot.id}/vote"' in page.text
    item = ballot.items[0]
    pick = next(c for c in item.candidates if c.unit.code == "KB")
    answer = head.post(f"/emulation/ballots/{ballot.id}/vote", data={f"item-{item.id}": pick.id})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    code = re.search(r'id="receipt-code">([0-9A-Z-]+)<', answer.text).group(1)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    again = head.post(f"/emulation/ballots/{ballot.id}/vote", data={f"item-{item.id}": pick.id})
    assert again.status_code == 409
    page = head.get(f"/emulation/ballots/{ballot.id}")
    assert 'id="voted-note"' in page.text
    # The page tells the unit it voted, never what it chose, nor any count.
    assert "1/5</td>" not in page.text and "ballot-results" not in page.text
    db.session.expire_all()
    assert voting.turnout(db.session.get(Ballot, ballot.id)) == (1, 5)


def test_too_many_choices_or_a_stranger_candidate_refused_and_nothing_counted(app, world):
    ballot = open_ballot(world)
    item = ballot.items[0]
    ids = [c.id for c in item.candidates]
    head = _sign_in(app, world.head("KC"))
    answer = head.post(f"/emulation/ballots/{ballot.id}/vote", data={f"item-{item.id}": ids[:2]})
    assert answer.status_code == 422 and f'id="item-{item.id}-error"' in answer.text
    answer = head.post(f"/emulation/ballots/{ballot.id}/vote", data={f"item-{item.id}": "99999"})
    assert answer.status_code == 422
    db.session.expire_all()
    assert voting.turnout(db.session.get(Ballot, ballot.id)) == (0, 5)
    assert sum(c.votes for c in db.session.scalars(select(BallotCandidate))) == 0


def test_votes_outside_the_window_are_refused(app, world):
    now = service.now()
    later = open_ballot(
        world,
        opens_at=service.local_input(now + timedelta(hours=1)),
        closes_at=service.local_input(now + timedelta(hours=2)),
    )
    head = _sign_in(app, world.head("KC"))
    item = later.items[0]
    early = head.post(f"/emulation/ballots/{later.id}/vote", data={f"item-{item.id}": "abstain"})
    assert early.status_code == 422
    finish(later)
    late = head.post(f"/emulation/ballots/{later.id}/vote", data={f"item-{item.id}": "abstain"})
    assert late.status_code == 422
    db.session.expire_all()
    assert voting.turnout(db.session.get(Ballot, later.id)) == (0, 5)


def test_counts_are_hidden_from_every_role_until_closed(app, world, users):
    ballot = open_ballot(world)
    cast_units(world, ballot, {"KB": {"TT-CTD-TINH": ["KB"]}, "KC": {"TT-CTD-TINH": ["KB"]}})
    readers = [
        world.head("KA"),
        world.head("KB"),
        world.officer,
        *[users[r] for r in ("admin", "secretariat", "evaluator", "leader")],
    ]
    for reader in readers:
        client = _sign_in(app, reader)
        page = client.get(f"/emulation/ballots/{ballot.id}")
        assert page.status_code == 200, reader.username
        assert "2/5</td>" not in page.text and "ballot-results" not in page.text
        assert client.get(f"/emulation/ballots/{ballot.id}/record").status_code == 404
        assert client.get(f"/emulation/ballots/{ballot.id}/record.pdf").status_code == 404
        assert client.get(f"/emulation/ballots/{ballot.id}/record.docx").status_code == 404
    with pytest.raises(PermissionError):
        voting.results(db.session.get(Ballot, ballot.id))


# ---- closing, quorum, results -------------------------------------------------------------


def test_closing_before_time_refused_unless_everyone_voted(app, world):
    ballot = open_ballot(world)
    cast_units(world, ballot, {code: {"TT-CTD-TINH": ["KB"]} for code in ("KA", "KB", "KC")})
    chair = _sign_in(app, world.head("KA"))
    early = chair.post(f"/emulation/ballots/{ballot.id}/close")
    assert early.status_code == 422
    cast_units(world, ballot, {code: {"TT-CTD-TINH": ["KB"]} for code in ("KD", "KE")})
    assert chair.post(f"/emulation/ballots/{ballot.id}/close").status_code == 303


def test_everyone_voted_tells_the_cluster_head(app, world):
    ballot = open_ballot(world)
    cast_units(world, ballot, {code: {} for code in ("KA", "KC", "KD", "KE")})
    kind = service.BALLOT_ALL_VOTED
    assert db.session.scalar(select(Notification.id).where(Notification.kind == kind)) is None
    cast_units(world, ballot, {"KB": {}})
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)).all()
    assert told == [world.head("KA").id]


def test_under_the_quorum_the_ballot_closes_only_as_void(app, world):
    ballot = open_ballot(world)
    cast_units(world, ballot, {"KB": {"TT-CTD-TINH": ["KB"]}, "KC": {"TT-CTD-TINH": ["KB"]}})
    finish(ballot)
    chair = _sign_in(app, world.head("KA"))
    refused = chair.post(f"/emulation/ballots/{ballot.id}/close")
    assert refused.status_code == 422 and "túc số" in refused.text
    no_reason = chair.post(f"/emulation/ballots/{ballot.id}/void", data={"reason": ""})
    assert no_reason.status_code == 422 and 'id="void-reason-error"' in no_reason.text
    voided = chair.post(
        f"/emulation/ballots/{ballot.id}/void", data={"reason": "Không đủ số thành viên"}
    )
    assert voided.status_code == 303
    page = chair.get(f"/emulation/ballots/{ballot.id}")
    assert "Không đủ số thành viên" in page.text and "2/5</td>" not in page.text
    assert chair.get(f"/emulation/ballots/{ballot.id}/record.pdf").status_code == 404


def test_the_quorum_is_configurable(app, world):
    # At least 4/5 of the members must vote: three of five is not enough.
    ballot = open_ballot(world, quorum="share", quorum_numerator="4", quorum_denominator="5")
    cast_units(world, ballot, {code: {} for code in ("KA", "KB", "KC")})
    finish(ballot)
    with pytest.raises(service.BallotRefused):
        voting.close_ballot(ballot.id, actor=world.head("KA"))
    db.session.rollback()


def test_results_after_closing_with_counts_abstentions_and_absent(app, world):
    ballot = open_ballot(world, items=(("TT-CTD-TINH", 1, 3), ("TT-BK-TINH", 2, 4)))
    cast_units(
        world,
        ballot,
        {
            "KA": {"TT-CTD-TINH": ["KB"], "TT-BK-TINH": ["KA", "KC"]},
            "KB": {"TT-CTD-TINH": ["KB"], "TT-BK-TINH": ["KC"]},
            "KC": {"TT-CTD-TINH": ["KA"], "TT-BK-TINH": ["KA", "KC"]},
            "KD": {"TT-BK-TINH": ["KD"]},
        },
    )
    finish(ballot)
    chair = _sign_in(app, world.head("KA"))
    assert chair.post(f"/emulation/ballots/{ballot.id}/close").status_code == 303
    db.session.expire_all()
    found = voting.results(db.session.get(Ballot, ballot.id))
    assert (found.members, found.voted, found.absent, found.quorum_met) == (5, 4, 1, True)
    flag, merit = found.items
    assert {r.candidate.unit.code: r.votes for r in flag.candidates} == {"KB": 2, "KA": 1, "KC": 0}
    assert flag.abstentions == 1
    # More than half of five members is three votes: nobody reaches it for the flag.
    assert flag.elected == [] and flag.outcome.unfilled == 1
    assert {r.candidate.unit.code: r.votes for r in merit.candidates} == {
        "KC": 3,
        "KA": 2,
        "KB": 0,
        "KD": 1,
    }
    assert [r.candidate.unit.code for r in merit.elected] == ["KC"]
    member = _sign_in(app, world.head("KD"))
    page = member.get(f"/emulation/ballots/{ballot.id}")
    assert "3/5</td>" in page.text and "Sở Cúc" in page.text


def test_a_share_rule_of_two_thirds(app, world):
    ballot = open_ballot(world, rule="share", rule_numerator="2", rule_denominator="3")
    # 2/3 of 5 members is 3⅓: four votes pass, three do not.
    cast_units(world, ballot, {c: {"TT-CTD-TINH": ["KB"]} for c in ("KA", "KB", "KC", "KD")})
    cast_units(world, ballot, {"KE": {"TT-CTD-TINH": ["KA"]}})
    voting.close_ballot(ballot.id, actor=world.head("KA"))
    db.session.expire_all()
    found = voting.results(db.session.get(Ballot, ballot.id))
    assert [r.candidate.unit.code for r in found.items[0].elected] == ["KB"]


def test_a_tie_at_the_last_seat_goes_to_a_second_round(app, world):
    chair = _sign_in(app, world.head("KA"))
    # Two seats. KB has 4 votes; KA and KC 3 each, both over the majority, for the seat left.
    tied = open_ballot(world, items=(("TT-BK-TINH", 2, 3),))
    cast_units(
        world,
        tied,
        {
            "KA": {"TT-BK-TINH": ["KB", "KA"]},
            "KB": {"TT-BK-TINH": ["KB", "KC"]},
            "KC": {"TT-BK-TINH": ["KB", "KA"]},
            "KD": {"TT-BK-TINH": ["KB", "KC"]},
            "KE": {"TT-BK-TINH": ["KA", "KC"]},
        },
    )
    assert chair.post(f"/emulation/ballots/{tied.id}/close").status_code == 303
    db.session.expire_all()
    found = voting.results(db.session.get(Ballot, tied.id))
    assert [r.candidate.unit.code for r in found.items[0].elected] == ["KB"]
    assert sorted(r.candidate.unit.code for r in found.items[0].runoff) == ["KA", "KC"]
    page = chair.get(f"/emulation/ballots/{tied.id}")
    assert f'action="/emulation/ballots/{tied.id}/runoff"' in page.text
    answer = chair.post(f"/emulation/ballots/{tied.id}/runoff")
    assert answer.status_code == 303
    db.session.expire_all()
    second = db.session.scalar(select(Ballot).where(Ballot.previous_id == tied.id))
    assert second.round == 2 and second.status == "draft"
    assert [(i.seats, sorted(c.unit.code for c in i.candidates)) for i in second.items] == [
        (1, ["KA", "KC"])
    ]
    assert chair.post(f"/emulation/ballots/{tied.id}/runoff").status_code == 422
    # The second round is voted like any ballot.
    service.open_ballot(second.id, actor=world.head("KA"))
    cast_units(world, second, {c: {"TT-BK-TINH": ["KC"]} for c in ("KA", "KB", "KC")})
    finish(second)
    voting.close_ballot(second.id, actor=world.head("KA"))
    db.session.expire_all()
    again = voting.results(db.session.get(Ballot, second.id))
    assert [r.candidate.unit.code for r in again.items[0].elected] == ["KC"]


# ---- receipts -----------------------------------------------------------------------------


def test_each_voter_finds_its_receipt_in_the_published_list(app, world):
    ballot = open_ballot(world)
    receipts = cast_units(world, ballot, {c: {"TT-CTD-TINH": ["KB"]} for c in ("KA", "KB", "KC")})
    head = _sign_in(app, world.head("KB"))
    before = head.get(f"/emulation/ballots/{ballot.id}", query_string={"receipt": receipts["KB"]})
    assert 'id="receipt-result"' not in before.text  # nothing to check before it closes
    finish(ballot)
    voting.close_ballot(ballot.id, actor=world.head("KA"))
    for code in receipts.values():
        typed = code.lower().replace("-", " ")  # as a person might type it
        page = head.get(f"/emulation/ballots/{ballot.id}", query_string={"receipt": typed})
        assert 'id="receipt-result"><span class="badge good">' in page.text
        fingerprint = voting.fingerprint(voting.receipt_hash(code))
        assert f"<code>{fingerprint}</code>" in page.text
    wrong = head.get(f"/emulation/ballots/{ballot.id}", query_string={"receipt": "0000-0000-0000"})
    assert 'id="receipt-result"><span class="badge bad">' in wrong.text
    assert len(voting.counted_receipts(db.session.get(Ballot, ballot.id))) == 3


# ---- the meeting record -------------------------------------------------------------------


def test_the_meeting_record_as_pdf_and_word(app, world):
    from docx import Document
    from pypdf import PdfReader

    ballot = open_ballot(world, items=(("TT-CTD-TINH", 1, 3),))
    cast_units(world, ballot, {c: {"TT-CTD-TINH": ["KB"]} for c in ("KA", "KB", "KC", "KD")})
    finish(ballot)
    chair = _sign_in(app, world.head("KA"))
    assert chair.post(f"/emulation/ballots/{ballot.id}/close").status_code == 303
    pdf = chair.get(f"/emulation/ballots/{ballot.id}/record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    for expected in ("KHỐI VĂN HÓA – XÃ HỘI", "Sở Bảo", "Sở Ánh", "Sở Giang", "Cờ thi đua"):
        assert expected in text, expected
    word = chair.get(f"/emulation/ballots/{ballot.id}/record.docx")
    assert word.status_code == 200
    document = Document(io.BytesIO(word.data))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert "Hội trường Sở Ánh" in paragraphs
    assert "Sở Giang" in paragraphs  # absent
    assert next(row for row in cells if row[0] == "Sở Bảo")[:3] == ["Sở Bảo", "4", "4/5"]
    assert any("Sở Ánh" in " ".join(row) for row in cells)
    # A member reads the record too.
    assert (
        _sign_in(app, world.head("KE")).get(f"/emulation/ballots/{ballot.id}/record").status_code
        == 200
    )


def test_a_heads_home_lists_the_open_ballot_until_the_unit_votes(app, world):
    ballot = open_ballot(world)
    head = _sign_in(app, world.head("KC"))
    link = f'href="/emulation/ballots/{ballot.id}"'
    assert link in head.get("/home/head").text
    assert link not in _sign_in(app, world.head("KH")).get("/home/head").text  # other cluster
    cast_units(world, ballot, {"KC": {}})
    assert link not in head.get("/home/head").text
