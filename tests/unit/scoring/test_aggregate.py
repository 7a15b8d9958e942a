"""Aggregation: applicability, caps, bonus and penalty, index, stages and the published figures."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from reform.scoring import (
    NA,
    Framework,
    ValueProblem,
    combine,
    evaluate,
    fmt2,
    parse_bands,
    round2,
    score,
)

from .helpers import build, leaf, parent


def test_thanh_hoa_example() -> None:
    # Ban Dân tộc, Thanh Hóa 2023: 68.32 points of an applicable 84, published as 81.33%.
    framework = build(
        [
            parent("1", [leaf("1.1", 84, {"type": "manual", "step": 0.01})]),
            leaf("2", 16, {"type": "yesno"}, applies_to=["commune"]),
        ]
    )
    card = score(framework, "department", {"1.1": "68.32"})
    assert card.points == D("68.32")
    assert card.max_points == 84
    assert fmt2(card.index) == "81.33"
    assert card.band == "B"


class TestApplicability:
    FRAMEWORK = build(
        [
            parent(
                "1",
                [
                    leaf("1.1", 2),
                    leaf("1.2", 3, applies_to=["ward"]),
                    parent("1.3", [leaf("1.3.1", 1), leaf("1.3.2", 1)], applies_to=["commune"]),
                ],
            ),
            parent("2", [leaf("2.1", 4, allow_na=True), leaf("2.2", 1, allow_na=True)]),
            parent("3", [leaf("3.1", 5)], allow_na=True),
        ]
    )

    def test_applies_to_removes_subtree_from_denominator(self) -> None:
        card = score(self.FRAMEWORK, "ward", {"1.3.1": "1"})
        assert card.node("1").max == 5
        assert not card.node("1.3").applicable
        assert not card.node("1.3.1").applicable
        assert card.node("1").points == 0
        assert card.max_points == 15

    def test_commune_sees_the_other_subtree(self) -> None:
        card = score(self.FRAMEWORK, "commune", {"1.3.1": "1"})
        assert card.node("1").max == 4
        assert card.node("1").points == 1

    def test_na_leaf_leaves_denominator(self) -> None:
        card = score(self.FRAMEWORK, "ward", {"2.1": "na", "2.2": "1"})
        assert card.node("2").max == 1
        assert card.node("2").points == 1
        assert card.max_points == 11

    def test_all_children_na_makes_parent_not_applicable(self) -> None:
        card = score(self.FRAMEWORK, "ward", {"2.1": "na", "2.2": NA})
        assert not card.node("2").applicable
        area = next(a for a in card.areas if a.code == "2")
        assert area.index is None and area.max == 0 and not area.applicable

    def test_na_on_parent_takes_subtree_out(self) -> None:
        card = score(self.FRAMEWORK, "ward", {"3": "na", "3.1": "5"})
        assert not card.node("3.1").applicable
        assert card.max_points == 10

    def test_na_where_not_allowed(self) -> None:
        with pytest.raises(ValueProblem) as caught:
            score(self.FRAMEWORK, "ward", {"1.1": NA})
        assert (caught.value.code, caught.value.criterion) == ("na_not_allowed", "1.1")
        with pytest.raises(ValueProblem) as caught:
            score(self.FRAMEWORK, "ward", {"1": "na"})
        assert caught.value.criterion == "1"

    def test_missing_value_counts_zero_against_full_max(self) -> None:
        card = score(self.FRAMEWORK, "ward", {})
        assert card.points == 0
        assert card.max_points == 15
        assert card.index == 0
        assert set(card.missing) == {"1.1", "1.2", "2.1", "2.2", "3.1"}

    def test_nothing_applicable(self) -> None:
        framework = build([leaf("1", 2, applies_to=["ward"])])
        card = score(framework, "department", {})
        assert card.max_points == 0
        assert card.index is None and card.band is None
        assert not card.applicable

    def test_ratio_zero_denominator_na_leaves_denominator(self) -> None:
        rule = {"type": "ratio", "mode": "proportional", "zero_denominator": "na"}
        framework = build([leaf("1", 2, rule), leaf("2", 2)])
        card = score(framework, "x", {"1": "0/0", "2": "2"})
        assert card.max_points == 2 and card.index == 100

    def test_values_of_non_applicable_nodes_are_ignored(self) -> None:
        card = score(self.FRAMEWORK, "ward", {"1.3.1": "not even a number"})
        assert not card.node("1.3.1").applicable

    def test_unknown_code(self) -> None:
        with pytest.raises(ValueProblem) as caught:
            score(self.FRAMEWORK, "ward", {"9.9": "1"})
        assert caught.value.code == "unknown_criterion"

    def test_bad_raw_value_names_the_criterion(self) -> None:
        with pytest.raises(ValueProblem) as caught:
            score(self.FRAMEWORK, "ward", {"1.1": "7"})
        assert (caught.value.code, caught.value.criterion) == ("out_of_range", "1.1")

    def test_parsed_value_for_a_parent(self) -> None:
        with pytest.raises(ValueProblem) as caught:
            score(self.FRAMEWORK, "ward", {"1": D(1)})
        assert caught.value.code == "not_a_leaf"


class TestCaps:
    def test_parent_max_caps_points_and_max(self) -> None:
        framework = build([parent("1", [leaf("1.1", 2), leaf("1.2", 2)], max=3), leaf("2", 1)])
        card = score(framework, "x", {"1.1": "2", "1.2": "2", "2": "1"})
        assert card.node("1").points == 3
        assert card.node("1").max == 3
        assert card.points == 4 and card.max_points == 4

    def test_applicable_max_is_the_smaller(self) -> None:
        framework = build([parent("1", [leaf("1.1", 2), leaf("1.2", 2, allow_na=True)], max=3)])
        card = score(framework, "x", {"1.1": "2", "1.2": "na"})
        assert card.node("1").max == 2
        assert card.index == 100


class TestBonusAndPenalty:
    FRAMEWORK = build(
        [
            parent("1", [leaf("1.1", 10)]),
            leaf("B", 5, {"type": "number", "tiers": [{"min": 1, "points": 5}]}, bonus=True),
            parent(
                "P",
                [
                    leaf("P.1", 4, {"type": "number", "tiers": [{"min": 1, "points": 4}]}),
                    leaf("P.2", 4, {"type": "yesno"}),
                ],
                penalty=True,
                max=6,
            ),
        ]
    )

    def test_bonus_adds_points_not_max(self) -> None:
        card = score(self.FRAMEWORK, "x", {"1.1": "10", "B": "1"})
        assert card.points == 15
        assert card.max_points == 10
        assert card.index == 150
        assert card.bonus_points == 5
        assert [a.code for a in card.areas] == ["1"]

    def test_penalty_subtracts_up_to_its_max(self) -> None:
        card = score(self.FRAMEWORK, "x", {"1.1": "10", "P.1": "3", "P.2": "yes"})
        assert card.penalty_points == 6
        assert card.points == 4
        assert card.max_points == 10

    def test_total_never_below_zero(self) -> None:
        card = score(self.FRAMEWORK, "x", {"1.1": "2", "P.1": "3", "P.2": "yes"})
        assert card.points == 0
        assert card.index == 0
        assert card.band == "D"

    def test_penalty_inside_an_area_floors_at_zero(self) -> None:
        rule = {"type": "number", "tiers": [{"min": 1, "points": 3}]}
        framework = build([parent("1", [leaf("1.1", 2), leaf("1.2", 3, rule, penalty=True)])])
        card = score(framework, "x", {"1.1": "1", "1.2": "1"})
        assert card.node("1").points == 0
        assert card.node("1").max == 2


class TestResultKinds:
    def test_points_framework_index_is_points(self, emulation: Framework) -> None:
        values = {"I.1": "30/30", "I.2": "Hoàn thành", "T.1": "Cờ thi đua của Chính phủ"}
        card = score(emulation, "ward", values)
        assert card.points == 52
        assert card.index == 52
        assert card.band == "Trung bình"
        area = card.areas[0]
        assert (area.code, area.points, area.max, area.index) == ("I", 37, 50, 37)

    def test_emulation_total_can_exceed_100(self, emulation: Framework) -> None:
        values = {
            "I.1": "30/30",
            "I.2": "Hoàn thành xuất sắc",
            "I.3": "92,5",
            "II.1": "yes",
            "II.2": "Đúng hạn",
            "II.3": "5",
            "II.4": "5",
            "III.1": "Hoàn thành xuất sắc nhiệm vụ",
            "III.2": "yes",
            "III.3": "5",
            "IV.1": "0",
            "IV.2": "0",
            "T.1": "Cờ thi đua của tỉnh/bộ",
            "T.2": "1",
            "TR.1": "2",
            "TR.2": "yes",
        }
        card = score(emulation, "department", values)
        # 100 + 10 + 2 − min(10 + 5, 10)
        assert card.points == 102
        assert card.band == "Xuất sắc"

    def test_block_bands_override(self) -> None:
        framework = build([leaf("1", 100, {"type": "manual", "step": 0.01})])
        bands = parse_bands([{"min": 85, "label": "Tốt"}, {"min": 0, "label": "Khá"}])
        assert score(framework, "x", {"1": "86"}, bands=bands).band == "Tốt"
        assert score(framework, "x", {"1": "86"}).band == "B"


class TestStages:
    FRAMEWORK = build(
        [
            parent("1", [leaf("1.1", 4), leaf("1.2", 4), leaf("1.3", 2, {"type": "survey"})]),
            parent("2", [leaf("2.1", 10, {"type": "survey"})]),
        ]
    )

    def test_current_is_appraised_where_present_else_self(self) -> None:
        result = evaluate(
            self.FRAMEWORK,
            "x",
            self_values={"1.1": "4", "1.2": "3"},
            appraised_values={"1.1": "3.5"},
            survey_values={"1.3": "1.5", "2.1": "7.25"},
        )
        assert result.self_points == 7
        assert result.appraised_points == D("6.5")  # 1.1 appraised 3.5, 1.2 kept at 3
        assert result.survey_points == D("8.75")
        assert result.points == D("15.25")
        assert result.max_points == 20
        assert fmt2(result.index) == "76.25"
        assert result.band == "C"

    def test_no_appraisal_yet(self) -> None:
        result = evaluate(self.FRAMEWORK, "x", {"1.1": "4"})
        assert result.appraised_points is None
        assert result.survey_points == 0
        assert result.points == 4

    def test_survey_values_only_from_the_survey_stage(self) -> None:
        result = evaluate(
            self.FRAMEWORK, "x", {"1.1": "4", "2.1": "10"}, {"2.1": "10"}, {"1.1": "0"}
        )
        assert result.points == 4
        assert result.survey_points == 0

    def test_as_dict_matches_the_results_contract(self) -> None:
        result = evaluate(
            self.FRAMEWORK,
            "x",
            {"1.1": "4", "1.2": "2.5"},
            {"1.2": "2.25"},
            {"1.3": "1.1", "2.1": "6"},
        )
        assert result.as_dict() == {
            "self_points": "6.50",
            "appraised_points": "6.25",
            "survey_points": "7.10",
            "points": "13.35",
            "max_points": "20.00",
            "index": "66.75",
            "band": "D",
            "areas": [
                {"code": "1", "points": "7.35", "max_points": "10.00", "index": "73.50"},
                {"code": "2", "points": "6.00", "max_points": "10.00", "index": "60.00"},
            ],
        }

    def test_combine_precedence(self) -> None:
        merged = combine({"a": "1", "b": "2"}, {"b": "3"}, {"s": "4"})
        assert merged == {"a": "1", "b": "3", "s": "4"}
        assert combine({"a": "1"}) == {"a": "1"}


class TestSamples:
    def test_department_sample_totals(self, par_dept: Framework) -> None:
        card = score(par_dept, "department", {})
        assert card.max_points == 100
        survey_max = sum(n.max for n in par_dept.leaves() if n.is_survey)
        assert survey_max == 32
        assert [a.code for a in card.areas] == [str(i) for i in range(1, 9)]
        assert par_dept.node("DT").bonus and par_dept.node("DTR").penalty

    def test_department_without_procedures(self, par_dept: Framework) -> None:
        card = score(par_dept, "department", {"3": "na"})
        assert card.max_points == 82

    def test_commune_sample_is_100_for_every_kind(self, par_commune: Framework) -> None:
        for kind in ("ward", "commune", "special_zone"):
            assert score(par_commune, kind, {}).max_points == 100
        assert not score(par_commune, "ward", {}).node("8.3").applicable
        assert not score(par_commune, "commune", {}).node("8.4").applicable

    def test_full_marks_are_100_percent(self, par_dept: Framework) -> None:
        values: dict[str, str] = {}
        for node in par_dept.leaves():
            if node.bonus or node.penalty:
                continue
            rule = node.rule
            assert rule is not None
            if rule.type == "choice":
                values[node.code] = next(o.label for o in rule.options if o.points == node.max)  # type: ignore[attr-defined]
                continue
            values[node.code] = {
                "manual": str(node.max),
                "survey": str(node.max),
                "yesno": "yes",
                "ratio": "10/10",
                "deduction": "0",
                "number": "1000",
            }[rule.type]
        card = score(par_dept, "department", values)
        assert card.index == 100 and card.band == "A"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("81.325"), "81.33"),
        (D("81.324999"), "81.32"),
        (D("-0.001"), "0.00"),
        (D(1) / D(3) * 3, "1.00"),
        (D("1.005"), "1.01"),
        (D("2.675"), "2.68"),
        (D("1E+2"), "100.00"),
    ],
)
def test_round2_half_up(value: D, shown: str) -> None:
    assert fmt2(value) == shown
    assert str(round2(value)) == shown
