"""Framework validation (every problem named by its criterion) and the canonical round trip."""

from __future__ import annotations

import copy
from decimal import Decimal as D
from typing import Any

import pytest
import yaml

from reform.frameworks import sample_paths
from reform.scoring import (
    Band,
    FrameworkError,
    Problem,
    framework_to_dict,
    parse_bands,
    parse_framework,
    parse_values,
)
from reform.scoring.numbers import decimal_to_yaml, to_decimal

from .helpers import (
    assert_bilingual,
    build,
    framework_dict,
    leaf,
    parent,
    with_leaf,
    with_rule,
)


def problems_of(data: dict[str, Any]) -> list[Problem]:
    """Every problem reported for a framework mapping (which must be refused), each bilingual."""
    with pytest.raises(FrameworkError) as caught:
        parse_framework(data)
    assert caught.value.problems
    for problem in caught.value.problems:
        assert_bilingual(problem)
    return caught.value.problems


def assert_problem(data: dict[str, Any], code: str | None, fragment: str) -> None:
    """The mapping is refused with a problem on `code` whose message contains `fragment`."""
    found = problems_of(data)
    matching = [p for p in found if p.code == code and fragment in p.message]
    assert matching, f"no problem on {code!r} containing {fragment!r} in {found}"


class TestTopLevel:
    def test_valid_minimal(self) -> None:
        framework = build([leaf("1", 2)])
        assert framework.code == "T"
        assert framework.version == 1
        assert framework.bands[0] == Band(D(90), "A")
        assert framework.criteria[0].max == D(2)

    @pytest.mark.parametrize(
        ("key", "value", "fragment"),
        [
            ("code", None, "code is missing"),
            ("code", "", "code is missing"),
            ("name", None, "name is missing"),
            ("name", "  ", "name is missing"),
            ("version", None, "version is missing"),
            ("version", "2025", "version must be a whole number"),
            ("version", 2025.5, "version must be a whole number"),
            ("version", True, "version must be a whole number"),
            ("kind", "contest", "kind must be reform, emulation or individual"),
            ("result", "ratio", "result must be percent or points"),
            ("criteria", [], "criteria must be a non-empty list"),
            ("criteria", None, "criteria must be a non-empty list"),
        ],
    )
    def test_problem(self, key: str, value: Any, fragment: str) -> None:
        data = framework_dict([leaf("1")])
        if value is None:
            del data[key]
        else:
            data[key] = value
        assert_problem(data, None, fragment)

    def test_unknown_top_key(self) -> None:
        assert_problem(framework_dict([leaf("1")], verison=2), None, "unknown keys: verison")

    def test_not_a_mapping(self) -> None:
        with pytest.raises(FrameworkError):
            parse_framework(["code"])  # type: ignore[arg-type]

    def test_every_problem_is_reported_at_once(self) -> None:
        data = framework_dict(
            [
                parent("1", [leaf("1.1", 0), leaf("1.2", 1, {"type": "magic"})]),
                leaf("2", -1),
            ],
            kind="x",
            version="v",
        )
        found = problems_of(data)
        codes = {p.code for p in found}
        assert {None, "1.1", "1.2", "2"} <= codes
        assert len(found) >= 5
        assert "1.1:" in str(FrameworkError(found))


class TestBands:
    @pytest.mark.parametrize(
        ("bands", "fragment"),
        [
            (None, "bands must be a non-empty list"),
            ([], "bands must be a non-empty list"),
            ([{"min": 0, "label": "A"}, {"min": 50, "label": "B"}], "highest min down"),
            ([{"min": 50, "label": "A"}, {"min": 50, "label": "B"}], "share min"),
            ([{"min": "x", "label": "A"}], "min must be a number"),
            ([{"min": -1, "label": "A"}], "min must be a number ≥ 0"),
            ([{"min": 1, "label": ""}], "label must be non-empty"),
            ([{"min": 2, "label": "A"}, {"min": 1, "label": "A"}], "duplicate label"),
            ([{"min": 1, "label": "A", "colour": "red"}], "unknown keys: colour"),
            (["A"], "must be a mapping"),
        ],
    )
    def test_problem(self, bands: Any, fragment: str) -> None:
        data = framework_dict([leaf("1")], bands=bands)
        if bands is None:
            del data["bands"]
        assert_problem(data, None, fragment)

    def test_block_override(self) -> None:
        bands = parse_bands([{"min": 85, "label": "Tốt"}, {"min": 0, "label": "Khá"}])
        assert bands == (Band(D(85), "Tốt"), Band(D(0), "Khá"))
        with pytest.raises(FrameworkError):
            parse_bands([{"min": 0, "label": "Khá"}, {"min": 85, "label": "Tốt"}])


class TestNodes:
    def test_duplicate_code(self) -> None:
        data = framework_dict([parent("1", [leaf("1.1"), leaf("1.1")])])
        assert_problem(data, "1.1", "duplicate criterion code")

    def test_duplicate_code_across_areas(self) -> None:
        data = framework_dict([parent("1", [leaf("X")]), parent("2", [leaf("X")])])
        assert_problem(data, "X", "duplicate criterion code")

    def test_missing_code_names_its_place(self) -> None:
        node = leaf("1.1")
        del node["code"]
        assert_problem(
            framework_dict([parent("1", [node])]), None, "1.children[0]: code is missing"
        )

    def test_float_code_is_refused(self) -> None:
        node = leaf("1.1")
        node["code"] = 1.1
        assert_problem(framework_dict([node]), None, "quote codes")

    def test_int_code_is_read_as_text(self) -> None:
        node = leaf("1")
        node["code"] = 1
        assert build([node]).criteria[0].code == "1"

    def test_code_with_spaces(self) -> None:
        assert_problem(framework_dict([leaf(" 1")]), " 1", "spaces")

    def test_missing_name(self) -> None:
        assert_problem(with_leaf(name=""), "1.1", "name is missing")

    def test_children_and_rule(self) -> None:
        node = parent("1", [leaf("1.1")], rule={"type": "yesno"}, max=1)
        assert_problem(framework_dict([node]), "1", "children or a rule, never both")

    def test_empty_children(self) -> None:
        assert_problem(framework_dict([parent("1", [])]), "1", "children must be a non-empty list")

    def test_leaf_without_rule(self) -> None:
        node = leaf("1.1")
        del node["rule"]
        assert_problem(framework_dict([parent("1", [node])]), "1.1", "needs a rule")

    def test_leaf_without_max(self) -> None:
        node = leaf("1.1")
        del node["max"]
        assert_problem(framework_dict([parent("1", [node])]), "1.1", "needs a max")

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (0, "greater than 0"),
            (-2, "greater than 0"),
            ("abc", "must be a number"),
            (True, "number"),
        ],
    )
    def test_bad_max(self, value: Any, fragment: str) -> None:
        assert_problem(with_leaf(max=value, rule={"type": "yesno"}), "1.1", fragment)

    def test_parent_max_optional_but_positive(self) -> None:
        assert build([parent("1", [leaf("1.1", 2)], max=1)]).criteria[0].max == D(1)
        assert_problem(framework_dict([parent("1", [leaf("1.1")], max=0)]), "1", "greater than 0")

    def test_unknown_node_key(self) -> None:
        assert_problem(with_leaf(maximum=2), "1.1", "unknown keys: maximum")

    def test_description_and_guidance_are_free_text(self) -> None:
        framework = build([leaf("1", description="Mô tả", guidance="Hướng dẫn")])
        assert framework.criteria[0].description == "Mô tả"
        assert framework.criteria[0].guidance == "Hướng dẫn"
        assert_problem(with_leaf(description=5), "1.1", "description must be text")

    def test_evidence(self) -> None:
        assert build([leaf("1", evidence="required")]).criteria[0].evidence == "required"
        assert build([leaf("1")]).criteria[0].evidence == "optional"
        assert_problem(with_leaf(evidence="maybe"), "1.1", "evidence must be required or optional")

    @pytest.mark.parametrize("value", ["ward", [], [""], [1], ["ward", None]])
    def test_bad_applies_to(self, value: Any) -> None:
        assert_problem(with_leaf(applies_to=value), "1.1", "applies_to must be a non-empty list")

    def test_applies_to(self) -> None:
        framework = build([leaf("1", applies_to=["ward", "commune"])])
        assert framework.criteria[0].applies_to == frozenset({"ward", "commune"})

    @pytest.mark.parametrize("flag", ["allow_na", "bonus", "penalty"])
    def test_flags_must_be_bool(self, flag: str) -> None:
        assert_problem(with_leaf(**{flag: "yes"}), "1.1", f"{flag} must be true or false")

    def test_bonus_and_penalty(self) -> None:
        assert_problem(with_leaf(bonus=True, penalty=True), "1.1", "both bonus and penalty")

    def test_penalty_cannot_count_down(self) -> None:
        rule = {"type": "deduction", "per_item": 1}
        assert_problem(with_leaf(penalty=True, rule=rule), "1.1", "amount to subtract")

    def test_node_not_a_mapping(self) -> None:
        assert_problem(framework_dict([parent("1", ["1.1"])]), None, "must be a mapping")


class TestRules:
    def test_unknown_type(self) -> None:
        assert_problem(with_rule({"type": "vote"}), "1.1", "unknown rule type 'vote'")

    def test_rule_not_a_mapping(self) -> None:
        assert_problem(with_rule("manual"), "1.1", "rule must be a mapping")  # type: ignore[arg-type]

    def test_unknown_rule_key(self) -> None:
        assert_problem(with_rule({"type": "yesno", "points": 1}), "1.1", "unknown keys: points")

    @pytest.mark.parametrize("step", [0, -0.25, "x"])
    def test_manual_step_positive(self, step: Any) -> None:
        assert_problem(with_rule({"type": "manual", "step": step}), "1.1", "step must be")

    def test_manual_max_multiple_of_step(self) -> None:
        assert_problem(with_rule({"type": "manual", "step": 0.75}), "1.1", "not a multiple of step")
        assert_problem(with_rule({"type": "manual"}, 1.1), "1.1", "not a multiple of step")

    def test_choice_without_options(self) -> None:
        assert_problem(with_rule({"type": "choice"}), "1.1", "non-empty list of options")
        assert_problem(with_rule({"type": "choice", "options": []}), "1.1", "non-empty list")

    def test_choice_duplicate_labels(self) -> None:
        options = [{"label": "Đúng hạn", "points": 2}, {"label": "đúng  hạn", "points": 1}]
        assert_problem(with_rule({"type": "choice", "options": options}), "1.1", "duplicate option")

    @pytest.mark.parametrize("points", [-1, 3, "x"])
    def test_choice_points_within_max(self, points: Any) -> None:
        options = [{"label": "A", "points": points}]
        assert_problem(with_rule({"type": "choice", "options": options}), "1.1", "option 1: points")

    def test_choice_label_must_be_text(self) -> None:
        # An unquoted yes in YAML is a boolean.
        options = yaml.safe_load("[{label: yes, points: 1}]")
        assert_problem(with_rule({"type": "choice", "options": options}), "1.1", "quote it")

    def test_choice_label_na_reserved(self) -> None:
        options = [{"label": "NA", "points": 1}]
        assert_problem(with_rule({"type": "choice", "options": options}), "1.1", "reserved")

    def test_ratio_mode(self) -> None:
        rule = {"type": "ratio", "mode": "linear", "zero_denominator": "full"}
        assert_problem(with_rule(rule), "1.1", "ratio mode must be proportional or tiers")

    @pytest.mark.parametrize("zero", ["none", None, 0])
    def test_ratio_zero_denominator(self, zero: Any) -> None:
        rule = {"type": "ratio", "mode": "proportional", "zero_denominator": zero}
        assert_problem(with_rule(rule), "1.1", "zero_denominator must be full, na or zero")

    def test_ratio_tiers_required(self) -> None:
        rule = {"type": "ratio", "mode": "tiers", "zero_denominator": "na"}
        assert_problem(with_rule(rule), "1.1", "tiers must be a non-empty list")

    def test_proportional_takes_no_tiers(self) -> None:
        rule = {"type": "ratio", "mode": "proportional", "zero_denominator": "na", "tiers": []}
        assert_problem(with_rule(rule), "1.1", "takes no tiers")

    @pytest.mark.parametrize(
        ("tiers", "fragment"),
        [
            ([{"min": 101, "points": 1}], "must lie in [0, 100]"),
            ([{"min": -1, "points": 1}], "must lie in [0, 100]"),
            ([{"min": 50, "points": 3}], "points 3 must lie in [0, max]"),
            ([{"min": 50, "points": -1}], "must lie in [0, max]"),
            ([{"min": 80, "points": 1}, {"min": 80, "points": 2}], "same min 80"),
            (
                [{"min": 90, "points": 1}, {"min": 80, "points": 0}, {"min": 90, "points": 2}],
                "same min",
            ),
            ([{"min": "x", "points": 1}], "min must be a number"),
            ([{"min": 1}], "points must be a number"),
            ([{"min": 1, "points": 1, "max": 2}], "unknown keys: max"),
            ([5], "must be a mapping"),
        ],
    )
    def test_ratio_tiers(self, tiers: list[Any], fragment: str) -> None:
        rule = {"type": "ratio", "mode": "tiers", "zero_denominator": "na", "tiers": tiers}
        assert_problem(with_rule(rule), "1.1", fragment)

    @pytest.mark.parametrize(
        ("tiers", "fragment"),
        [
            (None, "tiers must be a non-empty list"),
            ([{"min": -1, "points": 1}], "must lie in ≥ 0"),
            ([{"min": 5, "points": 3}], "must lie in [0, max]"),
            (
                [{"min": 5, "points": 1}, {"min": 2, "points": 2}, {"min": 5, "points": 0}],
                "same min 5",
            ),
        ],
    )
    def test_number_tiers(self, tiers: Any, fragment: str) -> None:
        assert_problem(with_rule({"type": "number", "tiers": tiers}), "1.1", fragment)

    def test_tiers_listed_from_the_highest_down_as_annexes_do(self) -> None:
        # "100%: 4 điểm; từ 90%: 3 điểm; từ 80%: 2 điểm" as the official annex writes it.
        downwards = [{"min": 100, "points": 4}, {"min": 90, "points": 3}, {"min": 80, "points": 2}]
        ratio = {"type": "ratio", "mode": "tiers", "zero_denominator": "zero", "tiers": downwards}
        number = {"type": "number", "tiers": [{"min": 10, "points": 2}, {"min": 5, "points": 1}]}
        framework = build([leaf("1", 4, ratio), leaf("2", 2, number)])
        by_ratio, by_number = (c.rule for c in framework.criteria)
        assert [t.min for t in by_ratio.tiers] == [80, 90, 100]  # type: ignore[union-attr]
        assert by_ratio.points(by_ratio.parse("19/20")) == 3
        assert by_ratio.points(by_ratio.parse("20/20")) == 4
        assert by_ratio.points(by_ratio.parse("15/20")) == 0
        assert [by_number.points(by_number.parse(v)) for v in ("4", "7", "12")] == [0, 1, 2]
        # Exported as scored: lowest first.
        exported = framework_to_dict(framework)["criteria"][0]["rule"]["tiers"]
        assert [t["min"] for t in exported] == [80, 90, 100]

    def test_number_tiers_above_100_allowed(self) -> None:
        framework = build([leaf("1", 2, {"type": "number", "tiers": [{"min": 500, "points": 2}]})])
        assert framework.criteria[0].rule.tiers[0].min == 500  # type: ignore[union-attr]

    @pytest.mark.parametrize("per_item", [0, -1, None, "x"])
    def test_deduction_per_item(self, per_item: Any) -> None:
        rule: dict[str, Any] = {"type": "deduction"}
        if per_item is not None:
            rule["per_item"] = per_item
        assert_problem(with_rule(rule), "1.1", "per_item must be a number > 0")

    def test_survey_is_fine(self) -> None:
        framework = build([leaf("1", 6, {"type": "survey"})])
        assert framework.criteria[0].is_survey
        assert framework.survey_codes == {"1"}

    def test_numbers_may_be_strings(self) -> None:
        framework = build([leaf("1", "2.5", {"type": "manual", "step": "0.5"})])
        assert framework.criteria[0].max == D("2.5")

    def test_floats_are_read_by_their_text(self) -> None:
        framework = build([leaf("1", 0.3, {"type": "manual", "step": 0.1})])
        assert framework.criteria[0].max == D("0.3")


class TestValues:
    def test_parse_values_collects_every_problem(self) -> None:
        framework = build([parent("1", [leaf("1.1", 2), leaf("1.2", 2, {"type": "survey"})])])
        values, problems = parse_values(framework, {"1.1": "1,5", "1.2": "3", "9": "1"})
        assert values == {"1.1": D("1.5")}
        assert [(p.criterion, p.code) for p in problems] == [
            ("1.2", "out_of_range"),
            ("9", "unknown_criterion"),
        ]

    def test_stage_checks(self) -> None:
        framework = build([parent("1", [leaf("1.1", 2), leaf("1.2", 2, {"type": "survey"})])])
        _, problems = parse_values(framework, {"1.2": "1"}, stage="self")
        assert problems[0].code == "survey_not_self_scored"
        _, problems = parse_values(framework, {"1.2": "1"}, stage="appraisal")
        assert problems[0].code == "survey_not_self_scored"
        _, problems = parse_values(framework, {"1.1": "1"}, stage="survey")
        assert problems[0].code == "not_a_survey_criterion"
        values, problems = parse_values(framework, {"1.2": "1"}, stage="survey")
        assert values == {"1.2": D(1)} and not problems

    def test_parent_takes_only_na(self) -> None:
        framework = build([parent("1", [leaf("1.1")], allow_na=True), parent("2", [leaf("2.1")])])
        values, problems = parse_values(framework, {"1": "na", "2": "na"})
        assert "1" in values
        assert problems[0].criterion == "2" and problems[0].code == "na_not_allowed"
        _, problems = parse_values(framework, {"1": "1"})
        assert problems[0].code == "not_a_leaf"


@pytest.mark.parametrize("path", sample_paths(), ids=lambda path: path.name)
def test_sample_round_trip(path) -> None:
    text = path.read_text(encoding="utf-8")
    framework = parse_framework(yaml.safe_load(text))
    data = framework_to_dict(framework)
    assert parse_framework(copy.deepcopy(data)) == framework
    first = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    again = parse_framework(yaml.safe_load(first))
    assert again == framework
    second = yaml.safe_dump(framework_to_dict(again), allow_unicode=True, sort_keys=False)
    assert second == first
    assert list(data) == ["code", "version", "name", "kind", "result", "bands", "criteria"]


def test_samples_are_marked_as_samples() -> None:
    paths = sample_paths()
    assert {p.name for p in paths} == {
        "par-dept-2025.yaml",
        "par-commune-2025.yaml",
        "emulation-block-2025.yaml",
        "cc-335-2026.yaml",
    }
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ") and "mẫu" in text.splitlines()[0]
        assert "(mẫu)" in yaml.safe_load(text)["name"]


def test_canonical_form_omits_defaults_and_orders_keys() -> None:
    framework = build(
        [
            parent(
                "1",
                [
                    leaf("1.1", 2, applies_to=["ward", "commune"], evidence="required"),
                    leaf("1.2", 1.5, {"type": "manual", "step": 0.5}, allow_na=True),
                ],
            ),
            leaf("B", 2, {"type": "yesno"}, bonus=True),
        ]
    )
    data = framework_to_dict(framework)
    first, second = data["criteria"][0]["children"]
    assert first == {
        "code": "1.1",
        "name": "Tiêu chí 1.1",
        "max": 2,
        "rule": {"type": "manual"},
        "evidence": "required",
        "applies_to": ["commune", "ward"],
    }
    assert list(second) == ["code", "name", "max", "rule", "allow_na"]
    assert second["rule"] == {"type": "manual", "step": 0.5}
    assert data["criteria"][1]["bonus"] is True


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (D(2), 2),
        (D("2.50"), 2.5),
        (D("0.1"), 0.1),
        (D("1E+2"), 100),
        (D("0.12345678901234567890"), "0.1234567890123456789"),
    ],
)
def test_decimal_to_yaml_reads_back_exactly(value: D, written: Any) -> None:
    out = decimal_to_yaml(value)
    assert out == written and type(out) is type(written)
    assert to_decimal(yaml.safe_load(yaml.safe_dump(out))) == value


def test_the_longest_figures_survive_a_yaml_round_trip() -> None:
    tiers = [{"min": "1234567890.1234", "points": "123456.1234"}]
    framework = build(
        [
            leaf("1", "999999.9999", {"type": "survey"}),
            leaf("2", "123456.1234", {"type": "number", "tiers": tiers}),
        ]
    )
    text = yaml.safe_dump(framework_to_dict(framework), allow_unicode=True, sort_keys=False)
    assert parse_framework(yaml.safe_load(text)) == framework


def test_figures_longer_than_a_stored_figure_are_refused() -> None:
    # criteria.max_points and the stored totals keep 4 places: a longer max would be rounded.
    with pytest.raises(FrameworkError) as caught:
        build([leaf("1", "0.12345678901234567890", {"type": "survey"})])
    assert [p.kind for p in caught.value.problems] == ["figure_too_long"]
    with pytest.raises(FrameworkError) as caught:
        build([leaf("1", "1" + "0" * 400, {"type": "manual", "step": 1})])
    assert [p.kind for p in caught.value.problems] == ["figure_too_long"]


class TestFrameworkObject:
    def test_lookup_and_walks(self, par_dept) -> None:
        assert par_dept.node("3.3").name.startswith("Tỷ lệ hồ sơ")
        assert "3.3" in par_dept and "9.9" not in par_dept
        assert [n.code for n in par_dept.criteria][:2] == ["1", "2"]
        assert all(node.is_leaf for node in par_dept.leaves())
        assert sum(1 for _ in par_dept.nodes()) > sum(1 for _ in par_dept.leaves())

    def test_applies_to_unit_follows_the_ancestors(self) -> None:
        framework = build(
            [parent("1", [leaf("1.1"), leaf("1.2", applies_to=["ward"])], applies_to=["ward", "x"])]
        )
        assert framework.applies_to_unit("1.2", "ward")
        assert not framework.applies_to_unit("1.2", "x")  # 1.2 itself is for wards only
        assert framework.applies_to_unit("1.1", "x")
        assert not framework.applies_to_unit("1.1", "department")  # its area is not for them

    def test_applies_to_kind(self, par_commune) -> None:
        assert par_commune.applies_to_kind("ward")
        only_ward = build([leaf("1", applies_to=["ward"]), leaf("B", bonus=True)])
        assert only_ward.applies_to_kind("ward")
        assert not only_ward.applies_to_kind("department")

    def test_immutable_hashable_and_picklable(self, par_dept) -> None:
        import dataclasses
        import pickle

        with pytest.raises(dataclasses.FrozenInstanceError):
            par_dept.code = "X"  # type: ignore[misc]
        assert hash(par_dept) == hash(pickle.loads(pickle.dumps(par_dept)))
        assert pickle.loads(pickle.dumps(par_dept)) == par_dept
        from reform.scoring import NA

        assert pickle.loads(pickle.dumps(NA)) is NA
