"""Eligibility from the application's data: the register's consecutive years, initiatives,
the people's classification and discipline, the unit's members, the quota, and a cluster's
ranking and vote; and the secretariat's page showing each condition with its linked fact."""

from __future__ import annotations

from datetime import date

import pytest
from ballot_setup import build_world, cast_units, open_ballot

from reform.catalogue import DEFAULT_CATALOGUE
from reform.extensions import db
from reform.models import Person
from reform.models.people import REPRIMAND, Classification, DisqualifyingFact
from reform.scoring.eligibility import MET, UNKNOWN, UNMET
from reform.services.commendation import catalogue, initiatives, register
from reform.services.commendation import eligibility as service
from reform.services.emulation import voting

YEAR = 2025


def award(unit, code, year, person=None, name=""):
    data = register.AwardData(
        year=year,
        title_code=code,
        unit_id=unit.id,
        recipient_name=name,
        decision_number=f"{code}-{year}-{person.id if person else name}",
        decision_date=date(year, 12, 20),
        signer="Giám đốc",
        person_id=person.id if person else None,
    )
    assert register.check(data, today=date(2026, 2, 1)) == {}
    return register.create(data, actor=None)


def initiative(unit, person, level, year):
    data = initiatives.InitiativeData(
        title=f"Sáng kiến {level} {year}",
        level=level,
        recognised_on=date(year, 6, 1),
        decision_number=f"{year}/QĐ",
        decision_date=date(year, 6, 1),
        decision_issuer="Giám đốc",
        person_ids=[person.id],
    )
    return initiatives.create(unit, data, actor=None)


def classify(person, year, level):
    db.session.add(
        Classification(person_id=person.id, year=year, unit_id=person.unit_id, level=level)
    )
    db.session.commit()


@pytest.fixture
def staff(app, units):
    catalogue.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    people = [Person(unit_id=units["own"].id, full_name=f"Cán bộ {n:02d}") for n in range(20)]
    db.session.add_all(people)
    db.session.commit()
    return people


def outcome_of(result, kind: str):
    from reform.scoring.eligibility import condition_type

    return next(o for o in result.verdict.outcomes if condition_type(o.condition) == kind)


def check(candidate, code):
    return service.check(candidate, code, YEAR)


def test_chien_si_thi_dua_cap_tinh_after_three_cstdcs_running(units, staff):
    lan = staff[0]
    for year in (2023, 2024, 2025):
        award(units["own"], "CN-CSTD-CS", year, lan)
    initiative(units["own"], lan, "province", 2024)
    classify(lan, YEAR, "excellent")
    result = check(service.Candidate("individual", units["own"], lan), "CN-CSTD-TINH")
    held = outcome_of(result, "held_title_consecutive")
    assert held.status == MET
    assert [e.ref.year for e in held.evidence] == [2023, 2024, 2025]
    assert outcome_of(result, "has_initiative").status == MET
    assert (
        outcome_of(result, "no_discipline").status == MET
    )  # the year's classification is concluded
    assert result.verdict.status == MET
    # A gap in a year the register covers is a failure, named by its year.
    minh = staff[1]
    award(units["own"], "CN-CSTD-CS", 2023, minh)
    award(units["own"], "CN-CSTD-CS", 2025, minh)
    result = check(service.Candidate("individual", units["own"], minh), "CN-CSTD-TINH")
    held = outcome_of(result, "held_title_consecutive")
    assert held.status == UNMET and [e.year for e in held.evidence] == [2024]


def test_a_year_the_register_does_not_cover_is_unknown_and_a_recorded_reprimand_fails(units, staff):
    lan = staff[0]
    award(units["own"], "CN-CSTD-CS", 2025, lan)
    result = check(service.Candidate("individual", units["own"], lan), "CN-CSTD-TINH")
    held = outcome_of(result, "held_title_consecutive")
    assert held.status == UNKNOWN
    assert {e.year for e in held.evidence} == {2023, 2024}
    assert outcome_of(result, "no_discipline").status == UNKNOWN  # nothing concluded yet
    db.session.add(
        DisqualifyingFact(
            person_id=lan.id,
            year=YEAR,
            kind=REPRIMAND,
            decision_number="7/QĐ-KL",
            decided_on=date(2025, 8, 1),
        )
    )
    db.session.commit()
    result = check(service.Candidate("individual", units["own"], lan), "CN-LDTT")
    assert outcome_of(result, "no_discipline").status == UNMET
    assert result.verdict.status == UNMET


def test_lao_dong_tien_tien_reads_the_concluded_classification(units, staff):
    lan = staff[0]
    candidate = service.Candidate("individual", units["own"], lan)
    assert outcome_of(check(candidate, "CN-LDTT"), "classified_at_least").status == UNKNOWN
    classify(lan, YEAR, "completed")
    assert outcome_of(check(candidate, "CN-LDTT"), "classified_at_least").status == UNMET
    db.session.query(Classification).delete()
    classify(lan, YEAR, "good")
    assert check(candidate, "CN-LDTT").verdict.status == MET


def test_the_15_percent_quota_of_chien_si_thi_dua_co_so_in_the_unit(units, staff):
    for person in staff:
        award(units["own"], "CN-LDTT", YEAR, person)
    award(units["own"], "CN-CSTD-CS", YEAR, staff[0])
    award(units["own"], "CN-CSTD-CS", YEAR, staff[1])
    third = service.Candidate("individual", units["own"], staff[2])
    quota = outcome_of(check(third, "CN-CSTD-CS"), "quota")
    assert quota.evidence[0].values == ("CN-CSTD-CS", 2, "CN-LDTT", 20, 3)
    assert quota.status == MET  # 2 already + this one = 3 = 15% of 20
    assert quota.evidence[0].values == ("CN-CSTD-CS", 2, "CN-LDTT", 20, 3)
    # One of those already holding it is checked: they count once, not twice.
    again = service.Candidate("individual", units["own"], staff[0])
    assert outcome_of(check(again, "CN-CSTD-CS"), "quota").status == MET
    award(units["own"], "CN-CSTD-CS", YEAR, staff[3])
    assert outcome_of(check(third, "CN-CSTD-CS"), "quota").status == UNMET


def test_a_candidate_by_name_only_finds_entries_and_initiatives_under_that_name(units, staff):
    award(units["own"], "CN-LDTT", 2024, name="Phạm Ngoại Biên")
    candidate = service.Candidate("individual", units["own"], None, "pham ngoai bien")
    facts = service.gather(candidate, YEAR)
    assert [(a.title, a.year) for a in facts.awards] == [("CN-LDTT", 2024)]
    assert facts.classifications == ()


def test_tap_the_lao_dong_tien_tien_counts_the_members_holding_ldtt(units, staff):
    for person in staff[:10]:
        award(units["own"], "CN-LDTT", YEAR, person)
    unit = service.Candidate("collective", units["own"])
    share = outcome_of(check(unit, "TT-LDTT"), "member_share_holding")
    assert share.status == UNMET and share.evidence[0].values == ("CN-LDTT", 10, 20)
    award(units["own"], "CN-LDTT", YEAR, staff[10])
    assert outcome_of(check(unit, "TT-LDTT"), "member_share_holding").status == MET
    # Without a staff list the share is unknown, not a failure.
    empty = service.Candidate("collective", units["other"])
    assert outcome_of(check(empty, "TT-LDTT"), "member_share_holding").status == UNKNOWN


def test_the_provinces_flag_from_the_clusters_ranking_and_vote(app, units, make_unit, make_user):
    world = build_world(make_unit, make_user)
    catalogue.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    leader = service.Candidate("collective", world.units["KB"])
    second = service.Candidate("collective", world.units["KA"])
    campaign = service.campaigns_for(world.units["KB"], 2025)[0]
    assert campaign.id == world.campaign.id
    before = service.check(leader, "TT-CTD-TINH", 2025, campaign=campaign)
    assert outcome_of(before, "unit_rank_at_most").status == MET
    assert outcome_of(before, "voted").status == UNKNOWN  # no ballot closed yet
    ballot = open_ballot(world)
    cast_units(
        world, ballot, {code: {"TT-CTD-TINH": ["KB"]} for code in world.units if code < "KH"}
    )
    voting.close_ballot(ballot.id, actor=world.head("KA"))
    db.session.expire_all()
    after = service.check(leader, "TT-CTD-TINH", 2025, campaign=campaign)
    voted = outcome_of(after, "voted")
    assert voted.status == MET and voted.evidence[0].values[1:] == (5, 5)
    assert after.verdict.status == MET
    lost = service.check(second, "TT-CTD-TINH", 2025, campaign=campaign)
    rank = outcome_of(lost, "unit_rank_at_most")
    assert rank.status == UNMET and rank.evidence[0].values == (2, 5)
    assert outcome_of(lost, "voted").status == UNMET
    assert lost.verdict.status == UNMET


# ---- the page ---------------------------------------------------------------------------------


def test_the_page_shows_each_condition_with_its_linked_fact(login_as, units, staff):
    lan = staff[0]
    for year in (2023, 2024, 2025):
        award(units["own"], "CN-CSTD-CS", year, lan)
    made = initiative(units["own"], lan, "province", 2024)
    client = login_as("secretariat")
    page = client.get(
        f"/commendation/eligibility/?title=CN-CSTD-TINH&year=2025&unit={units['own'].id}"
        f"&person={lan.id}"
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đạt “Chiến sĩ thi đua cơ sở” 3 năm liên tục, tính cả năm xét" in html
    assert f'href="/commendation/awards/people/{lan.id}"' in html
    assert f'href="/commendation/initiatives/{made.id}"' in html
    assert "Chưa rõ" in html  # no classification concluded: discipline unknown
    # A title, a unit and (for a person's title) a candidate are needed: 422 beside the field.
    missing = client.get(f"/commendation/eligibility/?title=CN-LDTT&unit={units['own'].id}")
    assert missing.status_code == 422 and 'id="person-error"' in missing.get_data(as_text=True)
    unknown = client.get("/commendation/eligibility/?title=NOPE")
    assert unknown.status_code == 422 and 'id="title-error"' in unknown.get_data(as_text=True)
