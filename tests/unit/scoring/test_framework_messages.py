"""Every framework problem is told in English and in Vietnamese (decimal comma, full diacritics)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from reform.scoring import FrameworkError, Problem, parse_bands, parse_framework
from reform.scoring.framework import MESSAGES

from .helpers import assert_bilingual, framework_dict, leaf, parent, with_leaf, with_rule


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    del data[key]
    return data


def _node_without(key: str) -> dict[str, Any]:
    node = leaf("1.1")
    del node[key]
    return framework_dict([parent("1", [node])])


def _empty_max() -> dict[str, Any]:
    node = leaf("1.1")
    node["max"] = None
    return framework_dict([parent("1", [node])])


def _tiers(tiers: Any) -> dict[str, Any]:
    return with_rule({"type": "ratio", "mode": "tiers", "zero_denominator": "na", "tiers": tiers})


def _options(options: Any) -> dict[str, Any]:
    return with_rule({"type": "choice", "options": options})


def _bands(bands: Any) -> dict[str, Any]:
    return framework_dict([leaf("1")], bands=bands)


def _nested(depth: int) -> dict[str, Any]:
    node = leaf("x")
    for level in range(depth):
        node = parent(f"p{level}", [node])
    return framework_dict([node])


# (broken framework, criterion code of the problem or None, kind of the problem)
BROKEN: dict[str, tuple[Any, str | None, str]] = {
    "not a mapping": (["code"], None, "file_not_mapping"),
    "unknown top key": (framework_dict([leaf("1")], verison=2), None, "unknown_keys"),
    "no code": (framework_dict([leaf("1")], code=""), None, "code_missing"),
    "no version": (_without(framework_dict([leaf("1")]), "version"), None, "version_missing"),
    "text version": (framework_dict([leaf("1")], version="2025"), None, "version_not_whole"),
    "no name": (framework_dict([leaf("1")], name="  "), None, "name_missing"),
    "bad kind": (framework_dict([leaf("1")], kind="contest"), None, "bad_kind"),
    "bad result": (framework_dict([leaf("1")], result="ratio"), None, "bad_result"),
    "no criteria": (framework_dict([]), None, "criteria_empty"),
    "no bands": (_bands([]), None, "bands_empty"),
    "band not a mapping": (_bands(["A"]), None, "band_not_mapping"),
    "band key": (_bands([{"min": 1, "label": "A", "colour": "red"}]), None, "band_unknown_keys"),
    "band min": (_bands([{"min": -1, "label": "A"}]), None, "band_bad_min"),
    "band label": (_bands([{"min": 1, "label": ""}]), None, "band_bad_label"),
    "band duplicate": (
        _bands([{"min": 2, "label": "A"}, {"min": 1, "label": "A"}]),
        None,
        "band_duplicate_label",
    ),
    "bands share min": (
        _bands([{"min": 50, "label": "A"}, {"min": 50, "label": "B"}]),
        None,
        "bands_share_min",
    ),
    "bands upwards": (
        _bands([{"min": 0, "label": "A"}, {"min": 50, "label": "B"}]),
        None,
        "bands_not_descending",
    ),
    "node not a mapping": (framework_dict([parent("1", ["1.1"])]), None, "node_not_mapping"),
    "code with spaces": (framework_dict([leaf(" 1")]), " 1", "node_code_spaces"),
    "duplicate code": (
        framework_dict([parent("1", [leaf("1.1"), leaf("1.1")])]),
        "1.1",
        "node_duplicate_code",
    ),
    "float code": (framework_dict([{**leaf("1"), "code": 1.1}]), None, "node_code_missing"),
    "unknown node key": (with_leaf(maximum=2), "1.1", "node_unknown_keys"),
    "node name": (with_leaf(name=""), "1.1", "node_name_missing"),
    "max text": (with_leaf(max="abc", rule={"type": "yesno"}), "1.1", "max_not_number"),
    "max negative": (with_leaf(max=-2.5, rule={"type": "yesno"}), "1.1", "max_not_positive"),
    "max empty": (_empty_max(), "1.1", "max_empty"),
    "children and rule": (
        framework_dict([parent("1", [leaf("1.1")], rule={"type": "yesno"}, max=1)]),
        "1",
        "children_and_rule",
    ),
    "no children": (framework_dict([parent("1", [])]), "1", "children_empty"),
    "no rule": (_node_without("rule"), "1.1", "leaf_needs_rule"),
    "no max": (_node_without("max"), "1.1", "leaf_needs_max"),
    "evidence": (with_leaf(evidence="maybe"), "1.1", "bad_evidence"),
    "applies_to": (with_leaf(applies_to=["ward", ""]), "1.1", "bad_applies_to"),
    "allow_na": (with_leaf(allow_na="yes"), "1.1", "allow_na_not_bool"),
    "bonus flag": (with_leaf(bonus=1), "1.1", "bonus_not_bool"),
    "penalty flag": (with_leaf(penalty="no"), "1.1", "penalty_not_bool"),
    "bonus and penalty": (with_leaf(bonus=True, penalty=True), "1.1", "bonus_and_penalty"),
    "penalty deduction": (
        with_leaf(penalty=True, rule={"type": "deduction", "per_item": 1}),
        "1.1",
        "penalty_deduction",
    ),
    "description": (with_leaf(description=5), "1.1", "description_not_text"),
    "guidance": (with_leaf(guidance=["a"]), "1.1", "guidance_not_text"),
    "no tiers": (_tiers([]), "1.1", "tiers_empty"),
    "tier not a mapping": (_tiers([5]), "1.1", "tier_not_mapping"),
    "tier key": (_tiers([{"min": 1, "points": 1, "max": 2}]), "1.1", "tier_unknown_keys"),
    "tier min text": (_tiers([{"min": "x", "points": 1}]), "1.1", "tier_min_not_number"),
    "tier min above 100": (_tiers([{"min": 100.5, "points": 1}]), "1.1", "tier_min_out_of_range"),
    "tier min negative": (
        with_rule({"type": "number", "tiers": [{"min": -1.5, "points": 1}]}),
        "1.1",
        "tier_min_too_low",
    ),
    "tier points": (_tiers([{"min": 1}]), "1.1", "tier_points_not_number"),
    "tier points above max": (
        _tiers([{"min": 50, "points": 2.5}]),
        "1.1",
        "tier_points_out_of_range",
    ),
    "tiers twice": (
        _tiers([{"min": 90, "points": 1}, {"min": 80, "points": 0.5}, {"min": 90, "points": 2}]),
        "1.1",
        "tiers_duplicate_min",
    ),
    "step": (with_rule({"type": "manual", "step": -0.25}), "1.1", "step_not_positive"),
    "max off step": (with_rule({"type": "manual", "step": 0.75}, 1.1), "1.1", "max_off_step"),
    "rule not a mapping": (with_rule("manual"), "1.1", "rule_not_mapping"),
    "rule type": (with_rule({"type": "vote"}), "1.1", "unknown_rule_type"),
    "rule key": (with_rule({"type": "yesno", "points": 1}), "1.1", "rule_unknown_keys"),
    "per_item": (with_rule({"type": "deduction", "per_item": 0}), "1.1", "per_item_not_positive"),
    "no options": (with_rule({"type": "choice"}), "1.1", "options_empty"),
    "option not a mapping": (_options(["A"]), "1.1", "option_not_mapping"),
    "option key": (_options([{"label": "A", "points": 1, "x": 1}]), "1.1", "option_unknown_keys"),
    "option label": (
        _options(yaml.safe_load("[{label: yes, points: 1}]")),
        "1.1",
        "option_bad_label",
    ),
    "option na": (_options([{"label": "NA", "points": 1}]), "1.1", "option_label_na"),
    "option duplicate": (
        _options([{"label": "Đúng hạn", "points": 2}, {"label": "đúng  hạn", "points": 1}]),
        "1.1",
        "option_duplicate_label",
    ),
    "option points": (_options([{"label": "A", "points": "x"}]), "1.1", "option_points_not_number"),
    "option points above max": (
        _options([{"label": "A", "points": 3}]),
        "1.1",
        "option_points_out_of_range",
    ),
    "ratio mode": (
        with_rule({"type": "ratio", "mode": "linear", "zero_denominator": "full"}),
        "1.1",
        "ratio_bad_mode",
    ),
    "ratio zero": (
        with_rule({"type": "ratio", "mode": "proportional"}),
        "1.1",
        "ratio_bad_zero_denominator",
    ),
    "name too long": (with_leaf(name="Tên " * 200), "1.1", "text_too_long"),
    "NUL in a name": (with_leaf(name="Tên\x00"), "1.1", "text_control_character"),
    "max too long": (with_leaf(max=10**40, rule={"type": "yesno"}), "1.1", "figure_too_long"),
    "version too large": (
        framework_dict([leaf("1")], version=10**12),
        None,
        "version_out_of_range",
    ),
    "too deep": (_nested(40), "p28", "too_deep"),
    "task rule outside an individual framework": (
        with_rule({"type": "task_results"}),
        "1.1",
        "task_rule_kind",
    ),
    "task per_fault": (
        with_rule({"type": "task_quality", "per_fault": 0}),
        "1.1",
        "task_per_fault",
    ),
    "task leader share": (
        with_rule({"type": "task_progress", "leader_unit_share": 1.5}),
        "1.1",
        "task_leader_share",
    ),
    "task weights": (
        with_rule({"type": "task_results", "weights": {"quantity": 0}}),
        "1.1",
        "task_weights",
    ),
    "individual bands": (
        framework_dict([leaf("1")], kind="individual", bands=[{"min": 50, "label": "Đạt"}]),
        None,
        "individual_bands",
    ),
    "proportional tiers": (
        with_rule({"type": "ratio", "mode": "proportional", "zero_denominator": "na", "tiers": []}),
        "1.1",
        "ratio_proportional_tiers",
    ),
}


def _problems(data: Any) -> list[Problem]:
    with pytest.raises(FrameworkError) as caught:
        parse_framework(data)
    return caught.value.problems


@pytest.mark.parametrize(("data", "code", "kind"), BROKEN.values(), ids=list(BROKEN))
def test_every_problem_is_told_in_vietnamese(data: Any, code: str | None, kind: str) -> None:
    found = _problems(data)
    assert any(p.code == code and p.kind == kind for p in found), found
    for problem in found:
        assert_bilingual(problem)


def test_the_cases_cover_every_message() -> None:
    kinds = {p.kind for data, _code, _kind in BROKEN.values() for p in _problems(data)}
    assert kinds == set(MESSAGES)


def test_numbers_take_a_decimal_comma_in_vietnamese() -> None:
    (problem,) = _problems(with_rule({"type": "manual", "step": 0.75}, 1.1))
    assert problem.message == "max 1.1 is not a multiple of step 0.75"
    assert problem.vi == "Điểm tối đa 1,1 không phải là bội số của bước chấm điểm (step) 0,75."
    (problem,) = _problems(with_leaf(max=-2.5, rule={"type": "yesno"}))
    assert problem.message == "max must be greater than 0, got -2.5"
    assert problem.vi == "Điểm tối đa (max) phải lớn hơn 0; giá trị hiện tại: -2,5."


def test_values_from_the_file_are_quoted_as_written() -> None:
    problems = _problems(with_rule({"type": "vote"}))
    assert problems[0].message.startswith("unknown rule type 'vote' (known: manual, yesno,")
    assert problems[0].vi.startswith("Loại quy tắc “vote” không được hỗ trợ")
    assert "“number”" in problems[0].vi
    (problem,) = _problems(_options(yaml.safe_load("[{label: yes, points: 1}]")))
    assert problem.vi.endswith("giá trị hiện tại: true.")


def test_a_nameless_criterion_is_placed_in_both_languages() -> None:
    node = leaf("1.1")
    del node["code"]
    (problem,) = _problems(framework_dict([parent("1", [node])]))
    assert problem.code is None and problem.where == "1.children[0]"
    assert (
        problem.message
        == "1.children[0]: code is missing or empty (got None; quote codes like '1.1')"
    )
    assert problem.vi.startswith("Vị trí 1.children[0]: Thiếu mã tiêu chí (code)")
    assert str(problem) == problem.message


def test_band_problems_are_bilingual_too() -> None:
    with pytest.raises(FrameworkError) as caught:
        parse_bands([{"min": 0, "label": "Khá"}, {"min": 85, "label": "Tốt"}])
    (problem,) = caught.value.problems
    assert problem.message == "bands must be listed from the highest min down"
    assert "từ cao xuống thấp" in problem.vi
