"""Eligibility conditions: each type at its edges, groups, parsing, and properties against
independent oracles written with whole numbers."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reform.scoring.classification import LEVELS
from reform.scoring.eligibility import (
    AWARD,
    BASE,
    MET,
    NATIONAL,
    NO_AWARD,
    NO_CLASSIFICATION,
    PROVINCE,
    UNCOVERED,
    UNKNOWN,
    UNMET,
    AllOf,
    AnyOf,
    AwardFact,
    ClassificationFact,
    ConditionError,
    Facts,
    InitiativeFact,
    RankFact,
    VoteFact,
    combine_all,
    combine_any,
    condition_to_dict,
    evaluate,
    parse_condition,
    parse_conditions,
    parse_share,
    quota_allows,
    titles_named,
)

YEAR = 2025
CODES = ("CN-LDTT", "CN-CSTD-CS", "TT-LDTT")


def one(raw, facts: Facts, title: str = "X"):
    """The outcome of a single condition written as the catalogue writes it."""
    return evaluate(parse_conditions([raw]), facts, title=title).outcomes[0]


def status(raw, facts: Facts, title: str = "X") -> str:
    return one(raw, facts, title).status


# ---- classified_at_least -----------------------------------------------------------------


def classified(*pairs: tuple[int, str]) -> Facts:
    return Facts(YEAR, classifications=tuple(ClassificationFact(y, r, f"c{y}") for y, r in pairs))


def test_classified_at_least_meets_the_rating_named_and_above_only():
    cond = {"classified_at_least": {"rating": "hoàn thành tốt nhiệm vụ"}}
    assert status(cond, classified((YEAR, "good"))) == MET
    assert status(cond, classified((YEAR, "excellent"))) == MET
    assert status(cond, classified((YEAR, "completed"))) == UNMET
    assert status(cond, classified((YEAR, "not_completed"))) == UNMET


def test_classified_at_least_without_this_years_classification_is_unknown_not_unmet():
    cond = {"classified_at_least": {"rating": "good"}}
    outcome = one(cond, classified((YEAR - 1, "excellent")))
    assert outcome.status == UNKNOWN
    assert outcome.evidence[0].kind == NO_CLASSIFICATION and outcome.evidence[0].year == YEAR


def test_classified_over_years_counts_back_from_the_candidates_year():
    cond = {"classified_at_least": {"rating": "Hoàn thành xuất sắc nhiệm vụ", "years": 2}}
    assert status(cond, classified((YEAR, "excellent"), (YEAR - 1, "excellent"))) == MET
    # The year before the window does not count.
    assert status(cond, classified((YEAR, "excellent"), (YEAR - 2, "excellent"))) == UNKNOWN
    # A known year below the rating decides, even with another year missing.
    outcome = one(cond, classified((YEAR, "good")))
    assert outcome.status == UNMET
    assert [e.year for e in outcome.evidence] == [YEAR]
    assert outcome.evidence[0].ref == f"c{YEAR}"


@given(
    need=st.sampled_from(LEVELS),
    years=st.integers(1, 4),
    history=st.dictionaries(st.integers(YEAR - 5, YEAR), st.sampled_from(LEVELS)),
)
def test_classified_agrees_with_an_oracle(need, years, history):
    facts = classified(*history.items())
    window = range(YEAR - years + 1, YEAR + 1)
    ranks = [LEVELS.index(history[y]) if y in history else None for y in window]
    if any(r is not None and r > LEVELS.index(need) for r in ranks):
        expected = UNMET
    elif any(r is None for r in ranks):
        expected = UNKNOWN
    else:
        expected = MET
    assert status({"classified_at_least": {"rating": need, "years": years}}, facts) == expected


# ---- held_title_consecutive --------------------------------------------------------------


def held(years: list[int], covered: list[int], title: str = "CN-CSTD-CS") -> Facts:
    return Facts(
        YEAR,
        awards=tuple(AwardFact(title, y, f"a{y}") for y in years),
        register_years=frozenset(covered),
    )


def test_held_counts_the_years_before_the_candidates_by_default():
    cond = {"held_title_consecutive": {"title": "CN-CSTD-CS", "years": 2}}
    both = held([YEAR - 1, YEAR - 2], [YEAR - 1, YEAR - 2])
    outcome = one(cond, both)
    assert outcome.status == MET
    assert [(e.kind, e.year, e.ref) for e in outcome.evidence] == [
        (AWARD, YEAR - 2, f"a{YEAR - 2}"),
        (AWARD, YEAR - 1, f"a{YEAR - 1}"),
    ]
    # Holding it this year does not make up for a year before.
    assert status(cond, held([YEAR, YEAR - 1], [YEAR - 2, YEAR - 1, YEAR])) == UNMET


def test_held_until_current_includes_the_candidates_year():
    cond = {"held_title_consecutive": {"title": "CN-CSTD-CS", "years": 3, "until": "current"}}
    covered = list(range(YEAR - 3, YEAR + 1))
    assert status(cond, held([YEAR, YEAR - 1, YEAR - 2], covered)) == MET
    assert status(cond, held([YEAR - 1, YEAR - 2, YEAR - 3], covered)) == UNMET


def test_a_year_the_register_does_not_cover_is_unknown_and_a_covered_gap_is_unmet():
    cond = {"held_title_consecutive": {"title": "CN-CSTD-CS", "years": 2}}
    outcome = one(cond, held([YEAR - 1], [YEAR - 1]))
    assert outcome.status == UNKNOWN
    assert [(e.kind, e.year) for e in outcome.evidence] == [(UNCOVERED, YEAR - 2)]
    outcome = one(cond, held([YEAR - 1], [YEAR - 1, YEAR - 2]))
    assert outcome.status == UNMET
    assert [(e.kind, e.year) for e in outcome.evidence] == [(NO_AWARD, YEAR - 2)]


def test_another_title_held_does_not_count():
    cond = {"held_title_consecutive": {"title": "CN-CSTD-CS", "years": 1}}
    assert status(cond, held([YEAR - 1], [YEAR - 1], title="CN-LDTT")) == UNMET


@given(
    years=st.integers(1, 5),
    until=st.sampled_from(["previous", "current"]),
    held_years=st.sets(st.integers(YEAR - 7, YEAR)),
    covered=st.sets(st.integers(YEAR - 7, YEAR)),
)
def test_held_agrees_with_an_oracle(years, until, held_years, covered):
    last = YEAR if until == "current" else YEAR - 1
    window = set(range(last - years + 1, last + 1))
    facts = held(sorted(held_years), sorted(covered | held_years))
    if window <= held_years:
        expected = MET
    elif (window - held_years) & (covered | held_years):
        expected = UNMET
    else:
        expected = UNKNOWN
    cond = {"held_title_consecutive": {"title": "CN-CSTD-CS", "years": years, "until": until}}
    assert status(cond, facts) == expected


# ---- has_initiative ----------------------------------------------------------------------


def initiatives(*items: tuple[str, int]) -> Facts:
    return Facts(
        YEAR, initiatives=tuple(InitiativeFact(lv, y, i) for i, (lv, y) in enumerate(items))
    )


def test_an_initiative_of_the_level_or_higher_in_the_window_counts():
    cond = {"has_initiative": {"level": "cơ sở"}}
    assert status(cond, initiatives((BASE, YEAR))) == MET
    assert status(cond, initiatives((NATIONAL, YEAR))) == MET
    assert status(cond, initiatives((BASE, YEAR - 1))) == UNMET
    assert status(cond, initiatives()) == UNMET
    provincial = {"has_initiative": {"level": "tỉnh", "years": 3}}
    assert status(provincial, initiatives((BASE, YEAR))) == UNMET
    assert status(provincial, initiatives((PROVINCE, YEAR - 2))) == MET
    assert status(provincial, initiatives((PROVINCE, YEAR - 3))) == UNMET


def test_the_count_of_initiatives_is_a_minimum():
    cond = {"has_initiative": {"level": "cơ sở", "count": 2, "years": 2}}
    outcome = one(cond, initiatives((BASE, YEAR)))
    assert outcome.status == UNMET
    assert outcome.evidence[-1].values == (1, 2)
    outcome = one(cond, initiatives((BASE, YEAR), (PROVINCE, YEAR - 1)))
    assert outcome.status == MET and len(outcome.evidence) == 2


@given(
    level=st.sampled_from([BASE, PROVINCE, NATIONAL]),
    count=st.integers(1, 3),
    years=st.integers(1, 4),
    items=st.lists(
        st.tuples(st.sampled_from([BASE, PROVINCE, NATIONAL]), st.integers(YEAR - 5, YEAR + 1)),
        max_size=6,
    ),
)
def test_initiatives_agree_with_an_oracle(level, count, years, items):
    order = [BASE, PROVINCE, NATIONAL]
    good = [
        1 for lv, y in items if order.index(lv) >= order.index(level) and YEAR - years < y <= YEAR
    ]
    cond = {"has_initiative": {"level": level, "count": count, "years": years}}
    assert status(cond, initiatives(*items)) == (MET if len(good) >= count else UNMET)


# ---- unit_rank_at_most -------------------------------------------------------------------


def ranked(rank, within="cluster") -> Facts:
    return Facts(YEAR, ranks=(RankFact(within, rank, 8, "r"),))


def test_rank_at_most_includes_the_rank_named():
    cond = {"unit_rank_at_most": {"rank": 1, "within": "cluster"}}
    assert status(cond, ranked(1)) == MET
    assert status(cond, ranked(2)) == UNMET
    assert status(cond, ranked(None)) == UNKNOWN
    assert status(cond, Facts(YEAR)) == UNKNOWN
    # A rank in the block does not answer for the cluster.
    assert status(cond, ranked(1, within="block")) == UNKNOWN
    outcome = one({"unit_rank_at_most": {"rank": 3, "within": "block"}}, ranked(3, "block"))
    assert outcome.status == MET and outcome.evidence[0].values == (3, 8)


@given(limit=st.integers(1, 20), rank=st.integers(1, 20))
def test_rank_agrees_with_an_oracle(limit, rank):
    cond = {"unit_rank_at_most": {"rank": limit}}
    assert status(cond, ranked(rank)) == (MET if rank <= limit else UNMET)


# ---- voted --------------------------------------------------------------------------------


def test_voted_is_the_outcome_of_the_vote_for_the_title_checked():
    elected = Facts(YEAR, votes=(VoteFact("TT-CTD-TINH", True, 7, 9, "b1"),))
    lost = Facts(YEAR, votes=(VoteFact("TT-CTD-TINH", False, 2, 9, "b1"),))
    open_ballot = Facts(YEAR, votes=(VoteFact("TT-CTD-TINH", None, None, 9, "b2"),))
    assert status({"voted": {}}, elected, title="TT-CTD-TINH") == MET
    assert status({"voted": {}}, elected, title="TT-BK-TINH") == UNKNOWN
    assert status({"voted": {}}, lost, title="TT-CTD-TINH") == UNMET
    assert status({"voted": {}}, open_ballot, title="TT-CTD-TINH") == UNKNOWN
    assert status({"voted": {}}, Facts(YEAR), title="TT-CTD-TINH") == UNKNOWN
    named = {"voted": {"title": "TT-CTD-TINH"}}
    assert status(named, elected, title="TT-CTD-CP") == MET
    # Elected in a second round after losing the first: elected.
    both = Facts(YEAR, votes=(VoteFact("T", False, 3, 9, 1), VoteFact("T", True, 6, 9, 2)))
    outcome = one({"voted": {}}, both, title="T")
    assert outcome.status == MET and outcome.evidence[0].ref == 2


# ---- no_discipline -------------------------------------------------------------------------


def test_no_discipline_has_three_answers():
    cond = {"no_discipline": {}}
    assert status(cond, Facts(YEAR, disciplined=False)) == MET
    assert status(cond, Facts(YEAR, disciplined=True)) == UNMET
    assert status(cond, Facts(YEAR)) == UNKNOWN
    assert status({"no_discipline": None}, Facts(YEAR, disciplined=False)) == MET


# ---- member_share_holding ------------------------------------------------------------------


def members(count, holders, covered=True) -> Facts:
    return Facts(
        YEAR,
        members=count,
        holders={"CN-LDTT": holders},
        register_years=frozenset({YEAR} if covered else ()),
        members_ref="unit",
    )


def test_more_than_half_is_strict_and_at_least_is_not():
    more = {"member_share_holding": {"title": "CN-LDTT", "more_than": "1/2"}}
    least = {"member_share_holding": {"title": "CN-LDTT", "at_least": "50%"}}
    assert status(more, members(4, 2)) == UNMET
    assert status(more, members(4, 3)) == MET
    assert status(more, members(5, 3)) == MET
    assert status(least, members(4, 2)) == MET
    assert status(least, members(4, 1)) == UNMET
    seventy = {"member_share_holding": {"title": "CN-LDTT", "at_least": "70%"}}
    assert status(seventy, members(10, 7)) == MET
    assert status(seventy, members(10, 6)) == UNMET
    outcome = one(more, members(4, 3))
    assert outcome.evidence[0].values == ("CN-LDTT", 3, 4)


def test_member_share_without_members_or_a_covered_year_is_unknown():
    more = {"member_share_holding": {"title": "CN-LDTT", "more_than": "1/2"}}
    assert status(more, members(None, 3)) == UNKNOWN
    assert status(more, members(0, 0)) == UNKNOWN
    assert status(more, members(4, 4, covered=False)) == UNKNOWN


def test_more_than_nothing_means_at_least_one():
    cond = {"member_share_holding": {"title": "CN-LDTT", "more_than": "0"}}
    assert status(cond, members(30, 1)) == MET
    assert status(cond, members(30, 0)) == UNMET


@given(
    num=st.integers(0, 12),
    den=st.integers(1, 12),
    strict=st.booleans(),
    count=st.integers(1, 40),
    data=st.data(),
)
def test_member_share_agrees_with_cross_multiplication(num, den, strict, count, data):
    if num > den or (strict and num == den) or (not strict and num == 0):
        return
    holders = data.draw(st.integers(0, count))
    key = "more_than" if strict else "at_least"
    cond = {"member_share_holding": {"title": "CN-LDTT", key: f"{num}/{den}"}}
    passes = holders * den > num * count if strict else holders * den >= num * count
    assert status(cond, members(count, holders)) == (MET if passes else UNMET)


# ---- quota ----------------------------------------------------------------------------------


def quota_facts(already, base, covered=True) -> Facts:
    return Facts(
        YEAR,
        holders={"CN-CSTD-CS": already, "CN-LDTT": base},
        register_years=frozenset({YEAR} if covered else ()),
    )


def test_quota_counts_the_candidate_once_against_the_whole_part_of_the_share():
    cond = {"quota": {"share": "15%", "of_title": "CN-LDTT"}}
    # 15% of 20 is 3 places: two taken, the candidate is the third.
    assert status(cond, quota_facts(2, 20), title="CN-CSTD-CS") == MET
    assert status(cond, quota_facts(3, 20), title="CN-CSTD-CS") == UNMET
    # 15% of 6 is 0.9: not one place.
    assert status(cond, quota_facts(0, 6), title="CN-CSTD-CS") == UNMET
    assert status(cond, quota_facts(0, 7), title="CN-CSTD-CS") == MET
    assert status(cond, quota_facts(0, 0), title="CN-CSTD-CS") == UNMET
    assert status(cond, quota_facts(0, 20, covered=False), title="CN-CSTD-CS") == UNKNOWN
    outcome = one(cond, quota_facts(2, 20), title="CN-CSTD-CS")
    assert outcome.evidence[0].values == ("CN-CSTD-CS", 2, "CN-LDTT", 20, 3)


@given(
    percent=st.integers(1, 100),
    base=st.integers(0, 200),
    already=st.integers(0, 60),
)
def test_quota_agrees_with_whole_numbers(percent, base, already):
    cond = {"quota": {"share": f"{percent}%", "of_title": "CN-LDTT"}}
    passes = (already + 1) * 100 <= percent * base
    assert status(cond, quota_facts(already, base), title="CN-CSTD-CS") == (
        MET if passes else UNMET
    )
    assert quota_allows(Fraction(percent, 100), base) == percent * base // 100


# ---- groups and the verdict -----------------------------------------------------------------

_STATUS = st.sampled_from([MET, UNMET, UNKNOWN])


@given(st.lists(_STATUS, min_size=1, max_size=5))
def test_any_and_all_follow_three_valued_logic(statuses):
    order = {UNMET: 0, UNKNOWN: 1, MET: 2}
    assert combine_all(statuses) == min(statuses, key=order.get)
    assert combine_any(statuses) == max(statuses, key=order.get)


def test_any_of_is_met_by_one_and_unknown_while_none_is_met_and_one_is_unknown():
    cond = {
        "any_of": [
            {"classified_at_least": {"rating": "excellent", "years": 2}},
            {"has_initiative": {"level": "cơ sở", "count": 2, "years": 2}},
        ]
    }
    facts = Facts(YEAR, classifications=(ClassificationFact(YEAR, "excellent"),))
    outcome = one(cond, facts)
    assert outcome.status == UNKNOWN
    assert [p.status for p in outcome.parts] == [UNKNOWN, UNMET]
    facts = Facts(
        YEAR,
        classifications=(ClassificationFact(YEAR, "excellent"),),
        initiatives=(InitiativeFact(BASE, YEAR), InitiativeFact(BASE, YEAR - 1)),
    )
    assert status(cond, facts) == MET
    facts = Facts(YEAR, classifications=(ClassificationFact(YEAR, "good"),))
    assert status(cond, facts) == UNMET


def test_the_verdict_is_unmet_when_one_condition_is_whatever_the_others():
    conditions = parse_conditions(
        [{"no_discipline": {}}, {"classified_at_least": {"rating": "good"}}, {"voted": {}}]
    )
    facts = Facts(YEAR, disciplined=True, classifications=(ClassificationFact(YEAR, "good"),))
    verdict = evaluate(conditions, facts, title="T")
    assert verdict.status == UNMET
    assert [o.status for o in verdict.outcomes] == [UNMET, MET, UNKNOWN]
    assert len(verdict.unmet) == 1 and len(verdict.unknown) == 1
    assert evaluate((), facts, title="T").status == MET


def test_all_of_inside_any_of():
    cond = {
        "any_of": [
            {"all_of": [{"no_discipline": {}}, {"voted": {}}]},
            {"unit_rank_at_most": {"rank": 1}},
        ]
    }
    facts = Facts(YEAR, disciplined=False, votes=(VoteFact("T", True),))
    assert status(cond, facts, title="T") == MET
    assert one(cond, facts, title="T").parts[0].parts[1].status == MET


# ---- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("no_discipline", "not_one_key"),
        ({"a": {}, "b": {}}, "not_one_key"),
        ({"be_nice": {}}, "unknown_type"),
        ({"voted": "yes"}, "not_a_mapping"),
        ({"classified_at_least": {}}, "missing_param"),
        ({"classified_at_least": {"rating": "rất tốt"}}, "bad_rating"),
        ({"classified_at_least": {"rating": "good", "years": 0}}, "bad_number"),
        ({"classified_at_least": {"rating": "good", "years": True}}, "bad_number"),
        ({"classified_at_least": {"rating": "good", "colour": 1}}, "unknown_param"),
        ({"held_title_consecutive": {"title": "CN-LDTT"}}, "missing_param"),
        ({"held_title_consecutive": {"title": "CN-LDTT", "years": 31}}, "bad_number"),
        ({"held_title_consecutive": {"title": "NOPE", "years": 2}}, "unknown_title"),
        (
            {"held_title_consecutive": {"title": "CN-LDTT", "years": 2, "until": "now"}},
            "bad_choice",
        ),
        ({"has_initiative": {"level": "quận"}}, "bad_initiative_level"),
        ({"has_initiative": {"count": 0}}, "bad_number"),
        ({"unit_rank_at_most": {"rank": 0}}, "bad_number"),
        ({"unit_rank_at_most": {"rank": "1"}}, "bad_number"),
        ({"unit_rank_at_most": {"rank": 1, "within": "province"}}, "bad_choice"),
        ({"voted": {"title": "NOPE"}}, "unknown_title"),
        ({"member_share_holding": {"title": "CN-LDTT"}}, "one_bound"),
        (
            {"member_share_holding": {"title": "CN-LDTT", "more_than": "1/2", "at_least": "1"}},
            "one_bound",
        ),
        ({"member_share_holding": {"title": "CN-LDTT", "more_than": "100%"}}, "bad_share"),
        ({"member_share_holding": {"title": "CN-LDTT", "at_least": "0"}}, "bad_share"),
        ({"member_share_holding": {"title": "CN-LDTT", "at_least": "half"}}, "bad_share"),
        ({"quota": {"share": "0%", "of_title": "CN-LDTT"}}, "bad_share"),
        ({"quota": {"share": "115%", "of_title": "CN-LDTT"}}, "bad_share"),
        ({"quota": {"share": "15%"}}, "missing_param"),
        ({"any_of": []}, "empty_group"),
        ({"any_of": {"voted": {}}}, "empty_group"),
        ({"any_of": [{"all_of": [{"any_of": [{"all_of": [{"voted": {}}]}]}]}]}, "too_deep"),
    ],
)
def test_unreadable_conditions_are_refused_by_kind(raw, kind):
    with pytest.raises(ConditionError) as refused:
        parse_condition(raw, "3", titles=CODES)
    assert refused.value.kind == kind
    assert refused.value.where.startswith("3")


def test_a_problem_inside_a_group_says_where():
    with pytest.raises(ConditionError) as refused:
        parse_conditions(
            [{"voted": {}}, {"any_of": [{"voted": {}}, {"quota": {"share": "x", "of_title": "A"}}]}]
        )
    assert refused.value.where == "2.2"
    with pytest.raises(ConditionError) as refused:
        parse_conditions({"voted": {}})
    assert refused.value.kind == "not_a_list"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15%", Fraction(3, 20)),
        ("15,5%", Fraction(31, 200)),
        ("1/2", Fraction(1, 2)),
        (" 2 / 3 ", Fraction(2, 3)),
        ("0.7", Fraction(7, 10)),
        (0.7, Fraction(7, 10)),
        (1, Fraction(1)),
        ("0", Fraction(0)),
        ("100%", Fraction(1)),
    ],
)
def test_shares_are_read_exactly(text, value):
    assert parse_share(text).value == value


@pytest.mark.parametrize("text", ["101%", "3/2", "1/0", "-1%", "", "abc", True, None, "1.5"])
def test_not_shares(text):
    assert parse_share(text) is None


def test_ratings_and_levels_are_read_in_any_case_and_without_diacritics():
    for written in ("Hoàn thành tốt nhiệm vụ", "hoan thanh tot nhiem vu", "good"):
        cond = parse_condition({"classified_at_least": {"rating": written}})
        assert cond.rating == "good"
    for written, level in (("Cơ sở", BASE), ("cấp tỉnh", PROVINCE), ("Toàn quốc", NATIONAL)):
        assert parse_condition({"has_initiative": {"level": written}}).level == level


@st.composite
def conditions(draw, depth: int = 1):
    kinds = [
        "classified_at_least",
        "held_title_consecutive",
        "has_initiative",
        "unit_rank_at_most",
        "voted",
        "no_discipline",
        "member_share_holding",
        "quota",
    ]
    if depth < 3:
        kinds += ["any_of", "all_of", "held_title_times", "judged"]
    kind = draw(st.sampled_from(kinds))
    title = st.sampled_from(CODES)
    share = st.sampled_from(["1/2", "15%", "0.7", "2/3", "70%"])
    if kind in ("any_of", "all_of"):
        return {kind: draw(st.lists(conditions(depth + 1), min_size=1, max_size=3))}
    params = {
        "classified_at_least": lambda: {
            "rating": draw(st.sampled_from(LEVELS)),
            "years": draw(st.integers(1, 3)),
        },
        "held_title_consecutive": lambda: {
            "title": draw(title),
            "years": draw(st.integers(1, 5)),
            "until": draw(st.sampled_from(["previous", "current"])),
        },
        "has_initiative": lambda: {
            "level": draw(st.sampled_from(["cơ sở", "tỉnh", "toàn quốc"])),
            "count": draw(st.integers(1, 3)),
        },
        "unit_rank_at_most": lambda: {
            "rank": draw(st.integers(1, 5)),
            "within": draw(st.sampled_from(["cluster", "block"])),
        },
        "voted": lambda: {"title": draw(title)} if draw(st.booleans()) else {},
        "no_discipline": dict,
        "held_title_times": lambda: {
            "title": draw(title),
            "times": draw(st.integers(1, 2)),
            "years": draw(st.integers(2, 6)),
            "until": draw(st.sampled_from(["previous", "current"])),
        },
        "judged": lambda: {"standard": draw(st.sampled_from(["Nội bộ đoàn kết", "Đột xuất"]))},
        "member_share_holding": lambda: {
            "title": draw(title),
            draw(st.sampled_from(["more_than", "at_least"])): draw(share),
        },
        "quota": lambda: {"share": draw(share), "of_title": draw(title)},
    }[kind]()
    return {kind: params}


@given(st.lists(conditions(), max_size=4))
def test_the_canonical_form_reads_back_to_the_same_conditions(raw):
    parsed = parse_conditions(raw, titles=CODES)
    again = parse_conditions([condition_to_dict(c) for c in parsed], titles=CODES)
    assert again == parsed
    assert titles_named(parsed) <= set(CODES)


@given(st.lists(conditions(), min_size=1, max_size=4), st.data())
def test_the_verdict_is_the_conjunction_of_the_outcomes(raw, data):
    parsed = parse_conditions(raw, titles=CODES)
    facts = Facts(
        YEAR,
        awards=tuple(
            AwardFact(data.draw(st.sampled_from(CODES)), data.draw(st.integers(YEAR - 4, YEAR)))
            for _ in range(data.draw(st.integers(0, 4)))
        ),
        register_years=frozenset(data.draw(st.sets(st.integers(YEAR - 4, YEAR)))),
        disciplined=data.draw(st.sampled_from([None, True, False])),
        members=data.draw(st.sampled_from([None, 0, 5, 10])),
        holders={code: data.draw(st.integers(0, 10)) for code in CODES},
    )
    verdict = evaluate(parsed, facts, title="CN-CSTD-CS")
    assert verdict.status == combine_all(o.status for o in verdict.outcomes)
    for outcome in verdict.outcomes:
        if isinstance(outcome.condition, AnyOf | AllOf):
            assert len(outcome.parts) == len(outcome.condition.conditions)


# ---- held_title_times and judged ------------------------------------------------------------


def test_held_times_counts_the_years_held_in_the_window():
    cond = {"held_title_times": {"title": "CN-CSTD-CS", "times": 2, "years": 6, "until": "current"}}
    covered = list(range(YEAR - 6, YEAR + 1))
    outcome = one(cond, held([YEAR - 5, YEAR - 2], covered))
    assert outcome.status == MET
    assert [e.year for e in outcome.evidence] == [YEAR - 5, YEAR - 2]
    # Six years back from this year: YEAR - 6 is outside.
    assert status(cond, held([YEAR - 6, YEAR - 2], covered)) == UNMET
    outcome = one(cond, held([YEAR - 2], covered))
    assert outcome.status == UNMET and outcome.evidence[-1].values == ("CN-CSTD-CS", 1, 2)
    # One held, the others not covered by the register: unknown, naming those years.
    outcome = one(cond, held([YEAR - 2], [YEAR - 2, YEAR - 1, YEAR]))
    assert outcome.status == UNKNOWN
    assert {e.year for e in outcome.evidence if e.kind == UNCOVERED} == set(
        range(YEAR - 5, YEAR - 2)
    )


@given(
    times=st.integers(1, 4),
    years=st.integers(4, 7),
    held_years=st.sets(st.integers(YEAR - 8, YEAR)),
    covered=st.sets(st.integers(YEAR - 8, YEAR)),
)
def test_held_times_agrees_with_an_oracle(times, years, held_years, covered):
    window = set(range(YEAR - years, YEAR))  # until previous
    have = len(window & held_years)
    open_years = len(window - held_years - covered)
    expected = MET if have >= times else UNKNOWN if have + open_years >= times else UNMET
    cond = {"held_title_times": {"title": "CN-CSTD-CS", "times": times, "years": years}}
    assert status(cond, held(sorted(held_years), sorted(covered))) == expected


def test_held_times_cannot_ask_more_times_than_years():
    with pytest.raises(ConditionError) as refused:
        parse_condition({"held_title_times": {"title": "A", "times": 4, "years": 3}})
    assert refused.value.kind == "bad_number"


def test_a_judged_standard_is_always_for_the_council_and_leaves_any_of_to_the_data():
    judged = {"judged": {"standard": "Lập được thành tích đột xuất"}}
    assert status(judged, Facts(YEAR)) == UNKNOWN
    assert one(judged, Facts(YEAR)).evidence[0].values == ("Lập được thành tích đột xuất",)
    either = {"any_of": [judged, {"no_discipline": {}}]}
    assert status(either, Facts(YEAR, disciplined=False)) == MET
    assert status(either, Facts(YEAR, disciplined=True)) == UNKNOWN
    for bad in ({"judged": {}}, {"judged": {"standard": " "}}, {"judged": {"standard": "x" * 501}}):
        with pytest.raises(ConditionError):
            parse_condition(bad)


def test_the_quota_counts_a_candidate_already_holding_the_title_once():
    cond = {"quota": {"share": "15%", "of_title": "CN-LDTT"}}
    # 3 holders of 20 places' worth, the candidate among them: 2 others + the candidate = 3.
    facts = Facts(
        YEAR,
        holders={"CN-CSTD-CS": 3, "CN-LDTT": 20},
        register_years=frozenset({YEAR}),
        own_titles=frozenset({"CN-CSTD-CS"}),
    )
    assert status(cond, facts, title="CN-CSTD-CS") == MET
    assert (
        status(cond, Facts(**{**facts.__dict__, "own_titles": frozenset()}), title="CN-CSTD-CS")
        == UNMET
    )


def test_the_years_that_did_not_decide_are_kept_as_context():
    cond = {"held_title_consecutive": {"title": "CN-CSTD-CS", "years": 3, "until": "current"}}
    outcome = one(cond, held([YEAR - 2, YEAR - 1], [YEAR - 2, YEAR - 1]))
    assert outcome.status == UNKNOWN
    assert [(e.kind, e.year) for e in outcome.evidence] == [(UNCOVERED, YEAR)]
    assert [(e.kind, e.year) for e in outcome.context] == [(AWARD, YEAR - 2), (AWARD, YEAR - 1)]
