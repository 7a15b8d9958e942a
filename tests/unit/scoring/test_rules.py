"""Every rule's parsing and points, and every ValueProblem code."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from reform.scoring import (
    NA,
    ChoiceRule,
    DeductionRule,
    ManualRule,
    NumberRule,
    Option,
    Ratio,
    RatioRule,
    SurveyRule,
    Tier,
    ValueProblem,
    YesNoRule,
)

CHOICE = ChoiceRule(
    D(1),
    (
        Option("Ban hành đúng hạn", D(1)),
        Option("Ban hành chậm", D("0.5")),
        Option("Không ban hành", D(0)),
    ),
)
RATIO_TIERS = RatioRule(
    D(3), "tiers", "full", (Tier(D(90), D(1)), Tier(D(95), D(2)), Tier(D(100), D(3)))
)
NUMBER = NumberRule(D(2), (Tier(D(1), D(1)), Tier(D(3), D(2))))


def problem(rule, raw: str, allow_na: bool = False) -> ValueProblem:
    """The ValueProblem raised for a raw value."""
    with pytest.raises(ValueProblem) as caught:
        rule.parse(raw, allow_na=allow_na)
    return caught.value


class TestManual:
    def test_number_is_the_points(self) -> None:
        rule = ManualRule(D(2))
        assert rule.points(rule.parse("1.75")) == D("1.75")

    def test_comma_is_a_decimal_separator(self) -> None:
        assert ManualRule(D(2)).parse("1,25") == D("1.25")

    def test_bounds_are_inclusive(self) -> None:
        rule = ManualRule(D(2))
        assert rule.parse("0") == 0
        assert rule.parse(" 2 ") == 2

    def test_out_of_range_names_min_and_max(self) -> None:
        found = problem(ManualRule(D(2)), "2.25")
        assert found.code == "out_of_range"
        assert found.params == {"min": D(0), "max": D(2)}
        assert found.message == "The value must be between 0 and 2."
        assert found.vi == "Giá trị phải nằm trong khoảng từ 0 đến 2."

    def test_negative_is_out_of_range(self) -> None:
        assert problem(ManualRule(D(2)), "-0.25").code == "out_of_range"

    def test_off_step_default_quarter(self) -> None:
        found = problem(ManualRule(D(2)), "1.1")
        assert found.code == "off_step"
        assert found.params == {"step": D("0.25")}
        assert found.vi == "Giá trị phải là bội số của 0,25."

    def test_custom_step(self) -> None:
        rule = ManualRule(D(2), D("0.5"))
        assert rule.parse("1.5") == D("1.5")
        assert problem(rule, "1.25").code == "off_step"

    @pytest.mark.parametrize("raw", ["abc", "1.2.3", "1,2,3", "1e3", "NaN", "1.000,5", "--1"])
    def test_not_a_number(self, raw: str) -> None:
        assert problem(ManualRule(D(2)), raw).code == "not_a_number"

    @pytest.mark.parametrize("raw", ["", "   "])
    def test_empty(self, raw: str) -> None:
        found = problem(ManualRule(D(2)), raw)
        assert found.code == "empty"
        assert found.vi == "Cần nhập giá trị."

    def test_points_checks_values_given_directly(self) -> None:
        with pytest.raises(ValueProblem) as caught:
            ManualRule(D(2)).points(D(3))
        assert caught.value.code == "out_of_range"

    def test_wrong_type_is_a_programming_error(self) -> None:
        with pytest.raises(TypeError):
            ManualRule(D(2)).points("1")

    def test_raw_must_be_text(self) -> None:
        with pytest.raises(TypeError):
            ManualRule(D(2)).parse(1)  # type: ignore[arg-type]


class TestNotApplicable:
    def test_na_when_allowed(self) -> None:
        assert ManualRule(D(2)).parse("NA", allow_na=True) is NA
        assert ManualRule(D(2)).points(NA) is NA

    @pytest.mark.parametrize(
        "rule",
        [ManualRule(D(2)), YesNoRule(D(1)), CHOICE, RATIO_TIERS, NUMBER, DeductionRule(D(2), D(1))],
    )
    def test_na_not_allowed(self, rule) -> None:
        found = problem(rule, "na")
        assert found.code == "na_not_allowed"
        assert "không áp dụng" in found.vi


class TestYesNo:
    @pytest.mark.parametrize(("raw", "points"), [("yes", 2), ("No", 0), ("có", 2), ("Không", 0)])
    def test_points(self, raw: str, points: int) -> None:
        rule = YesNoRule(D(2))
        assert rule.points(rule.parse(raw)) == points

    def test_other_word(self) -> None:
        found = problem(YesNoRule(D(2)), "maybe")
        assert found.code == "unknown_option"
        assert found.params == {"options": ["yes", "no"]}


class TestChoice:
    def test_label_gives_points(self) -> None:
        assert CHOICE.points(CHOICE.parse("Ban hành chậm")) == D("0.5")

    def test_label_match_ignores_case_spaces_and_normal_form(self) -> None:
        import unicodedata

        decomposed = unicodedata.normalize("NFD", "  ban HÀNH   đúng hạn ")
        assert CHOICE.parse(decomposed) == "Ban hành đúng hạn"

    def test_unknown_option_lists_options(self) -> None:
        found = problem(CHOICE, "Sớm")
        assert found.code == "unknown_option"
        assert found.params["options"] == ["Ban hành đúng hạn", "Ban hành chậm", "Không ban hành"]
        assert "“Ban hành chậm”" in found.vi

    def test_points_of_unknown_label(self) -> None:
        with pytest.raises(ValueProblem):
            CHOICE.points("Sớm")


class TestRatio:
    def test_proportional_is_exact(self) -> None:
        rule = RatioRule(D(2), "proportional", "full")
        assert rule.points(rule.parse("45/50")) == D("1.8")
        assert rule.points(rule.parse("1/3")) * 3 == pytest.approx(D(2))

    def test_proportional_keeps_precision(self) -> None:
        rule = RatioRule(D(1), "proportional", "full")
        assert str(rule.points(Ratio(D(1), D(3)))).startswith("0.33333333333333333333")

    @pytest.mark.parametrize(
        ("raw", "points"),
        [
            ("100/100", 3),
            ("99/100", 2),
            ("95/100", 2),
            ("949/1000", 1),
            ("90/100", 1),
            ("89/100", 0),
        ],
    )
    def test_tiers_take_highest_reached(self, raw: str, points: int) -> None:
        assert RATIO_TIERS.points(RATIO_TIERS.parse(raw)) == points

    def test_tier_boundary_compared_exactly(self) -> None:
        # 2/3 = 66.66…%: reaches a 66.66 tier but not a 66.67 one.
        rule = RatioRule(
            D(1), "tiers", "zero", (Tier(D("66.66"), D("0.5")), Tier(D("66.67"), D(1)))
        )
        assert rule.points(Ratio(D(2), D(3))) == D("0.5")

    @pytest.mark.parametrize(("mode", "expected"), [("full", D(3)), ("zero", D(0)), ("na", NA)])
    def test_zero_denominator(self, mode: str, expected) -> None:
        rule = RatioRule(D(3), "proportional", mode)
        assert rule.points(rule.parse("0/0")) == expected

    def test_spaces_and_commas(self) -> None:
        assert RATIO_TIERS.parse(" 4,5 / 10 ") == Ratio(D("4.5"), D(10))

    def test_n_greater_than_d(self) -> None:
        found = problem(RATIO_TIERS, "11/10")
        assert found.code == "n_greater_than_d"
        assert found.params == {"n": D(11), "d": D(10)}
        assert found.vi == "Tử số (11) không được lớn hơn mẫu số (10)."

    def test_n_over_zero(self) -> None:
        assert problem(RATIO_TIERS, "1/0").code == "n_greater_than_d"

    @pytest.mark.parametrize("raw", ["45", "45/", "/50", "a/b", "1/2/3", "45:50", "50%"])
    def test_bad_format(self, raw: str) -> None:
        assert problem(RATIO_TIERS, raw).code == "bad_ratio_format"

    def test_negative(self) -> None:
        assert problem(RATIO_TIERS, "-1/10").code == "negative"

    def test_str_of_ratio(self) -> None:
        assert str(Ratio(D("4.50"), D(10))) == "4.5/10"


class TestNumber:
    @pytest.mark.parametrize(
        ("raw", "points"), [("0", 0), ("0.5", 0), ("1", 1), ("2,9", 1), ("3", 2)]
    )
    def test_tiers(self, raw: str, points: int) -> None:
        assert NUMBER.points(NUMBER.parse(raw)) == points

    def test_negative(self) -> None:
        found = problem(NUMBER, "-1")
        assert found.code == "negative"
        assert found.vi == "Giá trị không được là số âm."

    def test_not_a_number(self) -> None:
        assert problem(NUMBER, "ba").code == "not_a_number"


class TestDeduction:
    RULE = DeductionRule(D(2), D("0.5"))

    @pytest.mark.parametrize(("raw", "points"), [("0", 2), ("1", D("1.5")), ("4", 0), ("9", 0)])
    def test_points(self, raw: str, points) -> None:
        assert self.RULE.points(self.RULE.parse(raw)) == points

    def test_count_is_an_int(self) -> None:
        assert self.RULE.parse("3.0") == 3

    def test_not_whole(self) -> None:
        found = problem(self.RULE, "1,5")
        assert found.code == "not_whole"
        assert found.vi == "Giá trị phải là số nguyên."

    def test_negative(self) -> None:
        assert problem(self.RULE, "-2").code == "negative"

    def test_negative_count_given_directly(self) -> None:
        with pytest.raises(ValueProblem):
            self.RULE.points(-1)


class TestSurvey:
    def test_any_number_in_range(self) -> None:
        rule = SurveyRule(D(6))
        assert rule.points(rule.parse("4,37")) == D("4.37")

    def test_range(self) -> None:
        assert problem(SurveyRule(D(6)), "6.01").code == "out_of_range"

    def test_optional_step(self) -> None:
        assert problem(SurveyRule(D(6), D("0.5")), "4.37").code == "off_step"


def test_every_problem_has_both_languages() -> None:
    from reform.scoring.values import _MESSAGES

    for code in _MESSAGES:
        found = ValueProblem(
            code,
            {
                "min": 0,
                "max": 1,
                "step": D("0.25"),
                "n": 2,
                "d": 1,
                "options": ["a"],
                "criterion": "1.1",
                "digits": 10,
                "places": 4,
            },
        )
        assert found.message and found.vi and found.message != found.vi
        assert "{" not in found.message + found.vi
