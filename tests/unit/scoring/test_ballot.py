"""The vote's tally rule: thresholds in exact fractions, seats, ties to a second round, quorum."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reform.scoring.ballot import (
    MORE_THAN_HALF,
    Threshold,
    overvoted,
    quorum_met,
    tally_item,
)

AT_LEAST_TWO_THIRDS = Threshold(Fraction(2, 3), strict=False)


def exact_met(threshold: Threshold, count: int, members: int) -> bool:
    """The rule by cross-multiplication of whole numbers, independently of Fraction."""
    num, den = threshold.share.numerator, threshold.share.denominator
    return count * den > num * members if threshold.strict else count * den >= num * members


@st.composite
def thresholds(draw) -> Threshold:
    den = draw(st.integers(1, 12))
    num = draw(st.integers(1, den))
    strict = draw(st.booleans()) and num < den
    return Threshold(Fraction(num, den), strict)


@st.composite
def ballots(draw):
    """Members, seats, candidates and the counts real ballots give (each names ≤ seats)."""
    members = draw(st.integers(1, 30))
    seats = draw(st.integers(1, 5))
    candidates = draw(st.integers(0, 9))
    voters = draw(st.integers(0, members))
    seed = draw(st.integers(0, 2**32))
    rng = random.Random(seed)
    counts = [0] * candidates
    for _ in range(voters):
        for chosen in rng.sample(range(candidates), rng.randint(0, min(seats, candidates))):
            counts[chosen] += 1
    return members, seats, list(enumerate(counts)), draw(thresholds())


class TestExamples:
    def test_more_than_half_of_five_is_three(self) -> None:
        assert MORE_THAN_HALF.minimum(5) == 3
        assert MORE_THAN_HALF.minimum(6) == 4
        assert not MORE_THAN_HALF.met(3, 6)

    def test_at_least_two_thirds(self) -> None:
        assert AT_LEAST_TWO_THIRDS.minimum(6) == 4
        assert AT_LEAST_TWO_THIRDS.met(4, 6)
        assert AT_LEAST_TWO_THIRDS.minimum(5) == 4  # 2/3 of 5 is 3⅓
        assert not AT_LEAST_TWO_THIRDS.met(3, 5)

    def test_highest_counts_fill_the_seats(self) -> None:
        found = tally_item(
            [("a", 4), ("b", 5), ("c", 3), ("d", 1)], seats=2, members=5, rule=MORE_THAN_HALF
        )
        assert found.elected == ("b", "a")
        assert found.qualified == ("b", "a", "c")
        assert (found.runoff, found.unfilled) == ((), 0)

    def test_a_tie_at_the_last_seat_goes_to_a_second_round(self) -> None:
        found = tally_item([("a", 5), ("b", 3), ("c", 3)], seats=2, members=5, rule=MORE_THAN_HALF)
        assert found.elected == ("a",)
        assert found.runoff == ("b", "c") and found.runoff_seats == 1

    def test_a_tie_for_every_seat(self) -> None:
        found = tally_item([("a", 4), ("b", 4), ("c", 4)], seats=2, members=5, rule=MORE_THAN_HALF)
        assert found.elected == () and found.runoff == ("a", "b", "c")
        assert found.runoff_seats == 2

    def test_a_tie_below_the_rule_is_no_tie(self) -> None:
        found = tally_item([("a", 3), ("b", 2), ("c", 2)], seats=2, members=5, rule=MORE_THAN_HALF)
        assert found.elected == ("a",) and found.runoff == () and found.unfilled == 1

    def test_a_tie_inside_the_seats_is_no_tie(self) -> None:
        found = tally_item([("a", 3), ("b", 3), ("c", 1)], seats=2, members=5, rule=MORE_THAN_HALF)
        assert found.elected == ("a", "b") and found.runoff == ()

    def test_quorum(self) -> None:
        assert not quorum_met(2, 5, MORE_THAN_HALF)
        assert quorum_met(3, 5, MORE_THAN_HALF)
        assert not quorum_met(3, 6, MORE_THAN_HALF)

    def test_overvote(self) -> None:
        assert overvoted(3, 2) and not overvoted(2, 2) and not overvoted(0, 1)

    @pytest.mark.parametrize(
        "bad",
        [
            {"counts": [("a", 6)], "seats": 1, "members": 5},
            {"counts": [("a", -1)], "seats": 1, "members": 5},
            {"counts": [("a", 1), ("a", 2)], "seats": 1, "members": 5},
            {"counts": [("a", 1)], "seats": 0, "members": 5},
        ],
    )
    def test_impossible_counts_are_refused(self, bad) -> None:
        with pytest.raises(ValueError):
            tally_item(
                bad["counts"], seats=bad["seats"], members=bad["members"], rule=MORE_THAN_HALF
            )

    def test_impossible_thresholds_are_refused(self) -> None:
        with pytest.raises(ValueError):
            Threshold(Fraction(1, 1), strict=True)
        with pytest.raises(ValueError):
            Threshold(Fraction(0), strict=False)


class TestProperties:
    @given(thresholds(), st.integers(1, 200))
    def test_minimum_is_the_least_count_meeting_the_rule(self, threshold, members) -> None:
        least = threshold.minimum(members)
        assert exact_met(threshold, least, members)
        assert not exact_met(threshold, least - 1, members)

    @given(thresholds(), st.integers(0, 200), st.integers(1, 200))
    def test_met_is_exact(self, threshold, count, members) -> None:
        assert threshold.met(count, members) == exact_met(threshold, count, members)
        assert isinstance(threshold.share * members, Fraction)

    @given(ballots())
    def test_seats_are_accounted_for(self, ballot) -> None:
        members, seats, counts, rule = ballot
        found = tally_item(counts, seats=seats, members=members, rule=rule)
        assert len(found.elected) + found.runoff_seats + found.unfilled == seats
        if found.runoff:
            assert found.unfilled == 0
            assert 1 <= found.runoff_seats < len(found.runoff)

    @given(ballots())
    def test_only_candidates_meeting_the_rule_win_or_go_to_a_second_round(self, ballot) -> None:
        members, seats, counts, rule = ballot
        votes = dict(counts)
        found = tally_item(counts, seats=seats, members=members, rule=rule)
        for key in found.elected + found.runoff:
            assert exact_met(rule, votes[key], members)
        assert set(found.qualified) == {k for k, v in counts if exact_met(rule, v, members)}

    @given(ballots())
    def test_nobody_left_out_has_as_many_votes_as_someone_elected(self, ballot) -> None:
        members, seats, counts, rule = ballot
        votes = dict(counts)
        found = tally_item(counts, seats=seats, members=members, rule=rule)
        others = [votes[k] for k in votes if k not in found.elected]
        if found.elected and others:
            assert min(votes[k] for k in found.elected) > max(others)

    @given(ballots())
    def test_a_second_round_is_between_equal_counts_above_the_rest(self, ballot) -> None:
        members, seats, counts, rule = ballot
        votes = dict(counts)
        found = tally_item(counts, seats=seats, members=members, rule=rule)
        if not found.runoff:
            return
        tied = {votes[k] for k in found.runoff}
        assert len(tied) == 1
        level = tied.pop()
        rest = [votes[k] for k in votes if k not in found.elected and k not in found.runoff]
        assert all(v < level for v in rest)
        assert all(votes[k] > level for k in found.elected)

    @given(ballots(), st.randoms())
    def test_the_order_of_the_list_decides_nothing(self, ballot, rng) -> None:
        members, seats, counts, rule = ballot
        shuffled = list(counts)
        rng.shuffle(shuffled)
        one = tally_item(counts, seats=seats, members=members, rule=rule)
        two = tally_item(shuffled, seats=seats, members=members, rule=rule)
        assert set(one.elected) == set(two.elected)
        assert set(one.runoff) == set(two.runoff)
        assert (one.runoff_seats, one.unfilled) == (two.runoff_seats, two.unfilled)

    @given(st.integers(1, 30), st.integers(1, 4), thresholds(), st.data())
    def test_one_more_vote_keeps_an_elected_candidate_elected(
        self, members, seats, rule, data
    ) -> None:
        counts = list(enumerate(data.draw(st.lists(st.integers(0, members), max_size=8))))
        found = tally_item(counts, seats=seats, members=members, rule=rule)
        for winner in found.elected:
            if dict(counts)[winner] == members:
                continue
            raised = [(k, v + 1 if k == winner else v) for k, v in counts]
            assert winner in tally_item(raised, seats=seats, members=members, rule=rule).elected

    @given(st.integers(1, 30), st.data())
    def test_one_seat_majority_with_single_choices_never_ties(self, members, data) -> None:
        # Each ballot names one candidate at most: two candidates cannot both have a majority.
        candidates = data.draw(st.integers(1, 6))
        picks = data.draw(st.lists(st.integers(-1, candidates - 1), max_size=members))
        counts = [(c, sum(1 for p in picks if p == c)) for c in range(candidates)]
        found = tally_item(counts, seats=1, members=members, rule=MORE_THAN_HALF)
        assert found.runoff == () and len(found.elected) <= 1

    @given(thresholds(), st.integers(1, 100), st.data())
    def test_quorum_is_exact(self, quorum, members, data) -> None:
        turnout = data.draw(st.integers(0, members))
        assert quorum_met(turnout, members, quorum) == exact_met(quorum, turnout, members)
