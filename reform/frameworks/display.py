"""Words for framework rules and flags, in the interface language."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from reform.i18n import fmt_number


def num(value) -> str:
    """A rule's number without trailing zeros, with the locale's decimal separator."""
    d = Decimal(str(value))
    places = max(0, -d.normalize().as_tuple().exponent)
    return fmt_number(d, min(places, 4))


def describe_rule(rule: dict | None) -> str:
    """One readable line saying how a criterion's points are given."""
    if not rule:
        return ""
    kind = rule.get("type")
    if kind == "manual":
        return _("Points set by hand, in steps of %(step)s", step=num(rule.get("step", "0.25")))
    if kind == "yesno":
        return _("Yes: full points; no: 0")
    if kind == "choice":
        options = "; ".join(f"{o['label']}: {num(o['points'])}" for o in rule.get("options", []))
        return _("Choice — %(options)s", options=options)
    if kind == "ratio":
        zero = {
            "full": _("no cases: full points"),
            "na": _("no cases: not applicable"),
            "zero": _("no cases: 0"),
        }.get(rule.get("zero_denominator", "full"), "")
        if rule.get("mode") == "tiers":
            tiers = "; ".join(
                f"≥ {num(t['min'])}%: {num(t['points'])}" for t in rule.get("tiers", [])
            )
            return _("Share in tiers — %(tiers)s (%(zero)s)", tiers=tiers, zero=zero)
        return _("Share, proportional to max (%(zero)s)", zero=zero)
    if kind == "number":
        tiers = "; ".join(f"≥ {num(t['min'])}: {num(t['points'])}" for t in rule.get("tiers", []))
        return _("Count in tiers — %(tiers)s", tiers=tiers)
    if kind == "deduction":
        return _("Minus %(per)s per case, down to 0", per=num(rule.get("per_item", 0)))
    if kind in ("task_quantity", "task_quality", "task_progress", "task_results"):
        return _describe_task_rule(rule)
    if kind == "survey":
        return _("Sociological survey, entered by the secretariat")
    return str(kind)


def _describe_task_rule(rule: dict) -> str:
    """How a task rule turns the period's tasks and products into points."""
    measure = {
        "task_quantity": _("the quantity percentage"),
        "task_quality": _("the quality percentage"),
        "task_progress": _("the progress percentage"),
        "task_results": _("the mean of the quantity, quality and progress percentages"),
    }[rule["type"]]
    text = _(
        "Computed from the period's tasks: max × %(measure)s; each major error or delay takes "
        "%(share)s%% of that product's quality or progress points unless its cause is objective",
        measure=measure,
        share=num(Decimal(str(rule.get("per_fault", "0.25"))) * 100),
    )
    if rule.get("leader_unit_share"):
        text += "; " + _(
            "for leaders, %(share)s%% comes from the people they lead",
            share=num(Decimal(str(rule["leader_unit_share"])) * 100),
        )
    return text


def rule_type_label(kind: str | None) -> str:
    """The short name of a rule type."""
    labels = {
        "manual": _("Points"),
        "yesno": _("Yes / no"),
        "choice": _("Choice"),
        "ratio": _("Ratio"),
        "number": _("Number"),
        "deduction": _("Deduction"),
        "survey": _("Survey"),
        "task_quantity": _("Task quantity"),
        "task_quality": _("Task quality"),
        "task_progress": _("Task progress"),
        "task_results": _("Task results"),
    }
    return labels.get(kind or "", kind or "")


def kind_label(kind: str) -> str:
    """A framework kind in words."""
    return {
        "reform": _("Administrative reform"),
        "emulation": _("Emulation"),
        "individual": _("Individual evaluation (Decree 335/2025)"),
    }.get(kind, kind)
