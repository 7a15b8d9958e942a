"""Self figures: a unit's points against the max it scores itself (survey criteria left out)."""

from __future__ import annotations

import copy
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reform.scoring import parse_framework, score

from .helpers import build, framework_dict, leaf, parent
from .strategies import KINDS, framework_data, raw_values, walk

TREES = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _without_survey(data: dict) -> dict:
    """The same framework with every survey criterion applying to no unit."""
    copied = copy.deepcopy(data)
    for node in walk(copied["criteria"]):
        if node.get("rule", {}).get("type") == "survey":
            node["applies_to"] = ["nobody"]
    return copied


@TREES
@given(st.data())
def test_self_figures_are_the_figures_with_survey_criteria_left_out(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data())
    values = data.draw(raw_values(framework_map))
    kind = data.draw(st.sampled_from(KINDS))
    card = score(parse_framework(framework_map), kind, values)
    surveys = {
        n["code"]
        for n in walk(framework_map["criteria"])
        if n.get("rule", {}).get("type") == "survey"
    }
    own = {code: value for code, value in values.items() if code not in surveys}
    alone = score(parse_framework(_without_survey(framework_map)), kind, own)
    assert (card.self_points, card.self_max_points, card.self_index, card.self_band) == (
        alone.points,
        alone.max_points,
        alone.index,
        alone.band,
    )


@TREES
@given(st.data())
def test_a_self_assessment_loses_nothing_to_the_survey(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data(result="percent"))
    for node in walk(framework_map["criteria"]):
        node.pop("bonus", None)
    framework = parse_framework(framework_map)
    own = {
        code: value
        for code, value in data.draw(raw_values(framework_map)).items()
        if code not in framework.survey_codes
    }
    card = score(framework, data.draw(st.sampled_from(KINDS)), own)
    # Survey criteria hold no value in a self-assessment: the same points, a max without them.
    assert card.self_points == card.points
    assert card.self_max_points <= card.max_points
    assume(card.self_index is not None)
    assert card.index is not None and card.index <= card.self_index <= 100
    if not framework.survey_codes:
        assert (card.self_max_points, card.self_index, card.self_band) == (
            card.max_points,
            card.index,
            card.band,
        )


def test_a_ward_that_scores_all_it_can_is_at_100_percent() -> None:
    framework = build(
        [
            parent("1", [leaf("1.1", 30, {"type": "yesno"}), leaf("1.2", 38, {"type": "yesno"})]),
            parent("2", [leaf("2.1", 32, {"type": "survey"})]),
        ]
    )
    card = score(framework, "ward", {"1.1": "yes", "1.2": "yes"})
    assert (card.points, card.max_points, card.index, card.band) == (68, 100, 68, "D")
    assert (card.self_points, card.self_max_points, card.self_index, card.self_band) == (
        68,
        68,
        100,
        "A",
    )


def test_a_capped_area_caps_the_self_max_too() -> None:
    framework = parse_framework(
        framework_dict(
            [
                {
                    "code": "1",
                    "name": "Lĩnh vực có trần điểm",
                    "max": 5,
                    "children": [
                        leaf("1.1", 4, {"type": "yesno"}),
                        leaf("1.2", 3, {"type": "yesno"}),
                        leaf("1.3", 2, {"type": "survey"}),
                    ],
                },
                parent("2", [leaf("2.1", 10, {"type": "survey"})]),
            ],
            bands=[{"min": 90, "label": "A"}, {"min": 0, "label": "D"}],
        )
    )
    card = score(framework, "ward", {"1.1": "yes"})
    assert card.self_max_points == 5 and card.self_points == 4
    assert card.self_index == Decimal(80)
    only_survey = score(build([parent("1", [leaf("1.1", 3, {"type": "survey"})])]), "ward", {})
    assert only_survey.self_max_points == 0 and only_survey.self_index is None
