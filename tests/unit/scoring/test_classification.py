"""The yearly classification: year score from periods, the band edges, disqualification, quota."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reform.scoring import PeriodScore, level_for, quota, year_score
from reform.scoring.classification import (
    COMPLETED,
    EXCELLENT,
    GOOD,
    LEVELS,
    NOT_COMPLETED,
    rank_of,
)

from .helpers import load_sample

FAST = settings(max_examples=200, deadline=None)
D = Decimal


@pytest.fixture(scope="module")
def bands():
    return load_sample("cc-335-2026.yaml").bands


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("100", EXCELLENT),
        ("90", EXCELLENT),
        ("89.99", GOOD),
        ("70", GOOD),
        ("69.99", COMPLETED),
        ("50", COMPLETED),
        ("49.99", NOT_COMPLETED),
        ("0", NOT_COMPLETED),
    ],
)
def test_each_band_edge(bands, score, level):
    assert level_for(D(score), bands) == level


def test_the_score_is_banded_as_shown_to_two_places(bands):
    # 89.995 is shown as 90.00: what people read is what is classified.
    assert level_for(D("89.995"), bands) == EXCELLENT
    assert level_for(D("89.994"), bands) == GOOD


def test_a_disqualifying_fact_gives_not_completed_whatever_the_score(bands):
    assert level_for(D(100), bands, disqualified=True) == NOT_COMPLETED
    assert level_for(None, bands, disqualified=True) == NOT_COMPLETED
    assert level_for(None, bands) is None


def test_the_year_score_is_the_mean_of_the_periods_weighted_by_months():
    months = [PeriodScore(D(p)) for p in ("80", "90", "100")]
    assert year_score(months) == D(90)
    # A quarter weighs three months: (3 × 60 + 90) ÷ 4.
    assert year_score([PeriodScore(D(60), 3), PeriodScore(D(90), 1)]) == D("67.5")
    assert year_score([]) is None


def test_the_quota_at_the_edge_over_it_and_with_no_one_good():
    assert quota(2, 10).ok  # 2 of 10 is exactly 20 %
    assert not quota(3, 10).ok
    assert quota(3, 10).over == 1 and quota(3, 10).allowed == 2
    assert quota(0, 4).ok and quota(0, 4).allowed == 0  # 20 % of 4 is 0.8: nobody
    assert not quota(1, 4).ok
    assert not quota(1, 0).ok


def test_the_quota_over_good_and_above_is_a_setting():
    # 2 excellent and 8 good: 20 % of 8 is 1.6 (refused); of 10 it is 2 (kept).
    assert not quota(2, 8).ok
    assert quota(2, 8, base="good_and_above").ok
    assert quota(1, 4, share=D("0.25")).ok
    with pytest.raises(ValueError):
        quota(1, 4, base="everyone")


@FAST
@given(st.lists(st.tuples(st.integers(0, 10000), st.sampled_from([1, 3])), min_size=1, max_size=12))
def test_the_year_score_lies_within_its_periods(raw):
    periods = [PeriodScore(D(points) / 100, months) for points, months in raw]
    found = year_score(periods)
    assert min(p.points for p in periods) <= found <= max(p.points for p in periods)


@FAST
@given(st.integers(0, 10000), st.integers(0, 10000))
def test_a_higher_score_never_gets_a_lower_level(a, b):
    bands = load_sample("cc-335-2026.yaml").bands
    low, high = sorted((D(a) / 100, D(b) / 100))
    assert rank_of(level_for(high, bands)) <= rank_of(level_for(low, bands))
    assert level_for(low, bands) in LEVELS


@FAST
@given(st.integers(0, 200), st.integers(0, 200))
def test_the_quota_keeps_exactly_twenty_percent_of_those_rated_good(excellent, good):
    found = quota(excellent, good)
    assert found.ok == (excellent * 5 <= good)
    assert quota(found.allowed, good).ok
    assert not quota(found.allowed + 1, good).ok
    assert quota(excellent, good + 1).allowed >= found.allowed
