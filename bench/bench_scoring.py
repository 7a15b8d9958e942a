"""Benchmark of the scoring core at national scale, against a bare-arithmetic floor.

Builds in memory a framework of 9 areas × 10 leaves (every rule type) and a campaign of 4,000
units in 40 blocks with random raw values (fixed seed), then scores every unit from scratch
(parse the raw strings, aggregate, band) and ranks each block. The floor is the same units done
with the least arithmetic possible: summing 90 ready-made Decimals per unit. The ratio of the two
is the figure to compare between machines.

Run: .venv/bin/python bench/bench_scoring.py [--units N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from reform.scoring import Entry, Framework, parse_framework, rank, score

KINDS = ("department", "ward", "commune")
RULE_TYPES = ("manual", "yesno", "choice", "ratio", "number", "deduction", "survey")


def build_framework(areas: int = 9, per_area: int = 10) -> Framework:
    """A generated framework using every rule type, with applies_to and allow_na here and there."""
    criteria: list[dict[str, Any]] = []
    for a in range(1, areas + 1):
        children = []
        for c in range(1, per_area + 1):
            kind = RULE_TYPES[(a + c) % len(RULE_TYPES)]
            rule: dict[str, Any] = {"type": kind}
            if kind == "choice":
                rule["options"] = [
                    {"label": "Đúng hạn", "points": 2},
                    {"label": "Chậm", "points": 1},
                    {"label": "Không thực hiện", "points": 0},
                ]
            elif kind == "ratio":
                rule["mode"] = "tiers" if c % 2 else "proportional"
                rule["zero_denominator"] = ("full", "na", "zero")[c % 3]
                if c % 2:
                    rule["tiers"] = [{"min": 80, "points": 1}, {"min": 95, "points": 2}]
            elif kind == "number":
                rule["tiers"] = [{"min": 1, "points": 1}, {"min": 3, "points": 2}]
            elif kind == "deduction":
                rule["per_item"] = 0.5
            node: dict[str, Any] = {"code": f"{a}.{c}", "name": f"Tiêu chí {a}.{c}", "max": 2}
            node["rule"] = rule
            if c == per_area:
                node["applies_to"] = [KINDS[a % len(KINDS)]]
            if c == 1:
                node["allow_na"] = True
            children.append(node)
        criteria.append({"code": str(a), "name": f"Lĩnh vực {a}", "children": children})
    return parse_framework(
        {
            "code": "BENCH",
            "version": 1,
            "name": "Benchmark",
            "kind": "reform",
            "result": "percent",
            "bands": [
                {"min": 90, "label": "A"},
                {"min": 80, "label": "B"},
                {"min": 0, "label": "C"},
            ],
            "criteria": criteria,
        }
    )


def raw_value(kind: str, rng: random.Random) -> str:
    """A plausible raw value of a rule type, as a user types it."""
    if kind in ("manual", "survey"):
        return str(Decimal(rng.randint(0, 8)) / 4).replace(".", ",")
    if kind == "yesno":
        return rng.choice(("yes", "no"))
    if kind == "choice":
        return rng.choice(("Đúng hạn", "Chậm", "Không thực hiện"))
    if kind == "ratio":
        d = rng.randint(0, 500)
        return f"{rng.randint(max(0, d - 40), d)}/{d}"
    return str(rng.randint(0, 5))


def build_campaign(framework: Framework, units: int, seed: int) -> list[dict[str, Any]]:
    """Units with kind, block, name and one raw value per leaf (a few marked na)."""
    rng = random.Random(seed)
    leaves = list(framework.leaves())
    campaign = []
    for number in range(units):
        values = {}
        for node in leaves:
            if node.allow_na and rng.random() < 0.05:
                values[node.code] = "na"
            else:
                values[node.code] = raw_value(node.rule.type, rng)  # type: ignore[union-attr]
        campaign.append(
            {
                "kind": KINDS[number % len(KINDS)],
                "block": f"K{number % 40:02d}",
                "name": f"Đơn vị {number:04d}",
                "values": values,
                # The floor's input: 90 ready-made Decimals per unit.
                "decimals": [Decimal(rng.randint(0, 200)) / 100 for _ in leaves],
            }
        )
    return campaign


def run_core(framework: Framework, campaign: list[dict[str, Any]]) -> int:
    """Score every unit from raw strings and rank every block; returns the units ranked."""
    blocks: dict[str, list[Entry]] = defaultdict(list)
    for unit in campaign:
        card = score(framework, unit["kind"], unit["values"])
        blocks[unit["block"]].append(Entry(unit["name"], unit["name"], card.index))
    return sum(len(rank(entries)) for entries in blocks.values())


def run_floor(campaign: list[dict[str, Any]]) -> Decimal:
    """The bare minimum: sum 90 Decimals per unit."""
    grand = Decimal(0)
    for unit in campaign:
        total = Decimal(0)
        for value in unit["decimals"]:
            total += value
        grand += total
    return grand


def best_of(repeat: int, function: Any, *args: Any) -> float:
    """The fastest of `repeat` timed runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo, where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    framework = build_framework()
    leaves = sum(1 for _ in framework.leaves())
    campaign = build_campaign(framework, args.units, args.seed)
    ranked = run_core(framework, campaign)  # warm-up, and a check that every unit was ranked
    assert ranked == args.units
    core = best_of(args.repeat, run_core, framework, campaign)
    floor = best_of(args.repeat, run_floor, campaign)

    print(
        f"machine      : {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}"
    )
    print(f"campaign     : {args.units} units × {leaves} leaf criteria, 40 blocks")
    print(f"core         : {core:.3f} s total, {core / args.units * 1e6:.0f} µs per unit")
    print(f"floor        : {floor:.3f} s total, {floor / args.units * 1e6:.1f} µs per unit")
    print(f"ratio        : {core / floor:.1f} × the floor")


if __name__ == "__main__":
    main()
