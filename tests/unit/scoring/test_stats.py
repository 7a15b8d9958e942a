"""Block averages are exact until the published rounding."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from reform.scoring import average, fmt2, round2


def test_average_of_published_indices():
    assert fmt2(round2(average([D("81.33"), D("67.81"), D("67.81")]))) == "72.32"
    assert average([]) is None


@given(st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=50))
def test_average_lies_between_the_extremes(values):
    mean = average(values)
    assert min(values) <= mean <= max(values)
