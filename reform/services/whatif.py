"""What-if: a campaign ranked under another framework version, other weights or other bands.

Read only: the figures are computed from the stored entries by the scoring core and shown
beside the real ranking; nothing is written, flushed or recorded in the audit log.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from reform.extensions import db
from reform.i18n import is_vietnamese
from reform.models import Block, Campaign, Framework
from reform.scoring import (
    Band,
    Carried,
    FrameworkError,
    Standing,
    area_maxima,
    carry_over,
    compare,
    evaluate,
    parse_bands,
    round2,
    vi_sort_key,
    weigh,
)
from reform.scoring import Framework as ScoringFramework
from reform.scoring.numbers import parse_user_number
from reform.services.bands import bands_for_block
from reform.services.framework_cache import parsed_framework
from reform.services.results import campaign_values, stored_rows

VERSION = "version"
BANDS = "bands"
WEIGHTS = "weights"


def weight_field(area_code: str) -> str:
    """The problem key of one area's weight."""
    return f"weight:{area_code}"


class WhatIfProblem(ValueError):
    """What-if input that cannot be used; `problems` maps each field to its message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(self.problems.values()))


@dataclass(frozen=True, slots=True)
class Area:
    """An area that can be weighted: its code, name and framework max (its default weight)."""

    code: str
    name: str
    max: Decimal


@dataclass(frozen=True, slots=True)
class WhatIfRow:
    """One unit's real and what-if places and figures (2 places); `places` > 0 moves up."""

    unit_code: str
    unit_name: str
    real_rank: int | None
    real_index: Decimal | None
    real_band: str | None
    what_if_rank: int | None
    what_if_index: Decimal | None
    what_if_band: str | None
    places: int | None
    dropped: int = 0

    @property
    def direction(self) -> str:
        """Where the unit moves: "up", "down", "same", or "none" when a side has no rank."""
        if self.places is None:
            return "none"
        return "up" if self.places > 0 else "down" if self.places < 0 else "same"


@dataclass(frozen=True, slots=True)
class WhatIfBlock:
    """A block's rows in what-if order."""

    code: str
    name: str
    block_id: int | None
    rows: list[WhatIfRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DroppedValues:
    """Values of one criterion and stage that the other version refused, and for how many units."""

    criterion: str
    stage: str
    reason: str
    units: int


@dataclass(frozen=True)
class WhatIf:
    """The what-if ranking per block beside the real one, and what it was computed with."""

    blocks: list[WhatIfBlock]
    real_framework: Framework
    framework: Framework
    areas: tuple[Area, ...]
    weights: dict[str, Decimal]
    bands: tuple[Band, ...] | None
    dropped: list[DroppedValues]
    real_by_points: bool
    by_points: bool

    @property
    def dropped_count(self) -> int:
        """How many stored values could not be carried over to the other version."""
        return sum(item.units for item in self.dropped)

    @property
    def other_version(self) -> bool:
        """Whether the what-if uses another version of the framework."""
        return self.framework.id != self.real_framework.id

    @property
    def changed(self) -> bool:
        """Whether anything differs from the real computation."""
        reweighted = any(self.weights[a.code] != a.max for a in self.areas)
        return self.other_version or reweighted or self.bands is not None


def framework_versions(campaign: Campaign) -> list[Framework]:
    """Every stored version of the campaign's framework code, oldest first."""
    return list(
        db.session.scalars(
            select(Framework)
            .where(Framework.code == campaign.framework.code)
            .order_by(Framework.version)
        )
    )


def areas_of(framework: Framework) -> tuple[Area, ...]:
    """The areas of a framework version that take a weight, with their framework max."""
    parsed = parsed_framework(framework)
    return tuple(
        Area(code, parsed.node(code).name, maximum) for code, maximum in area_maxima(parsed).items()
    )


def _version(campaign: Campaign, wanted: int | None, problems: dict[str, str]) -> Framework:
    """The framework version to compute with; the campaign's own when none or unknown."""
    real = campaign.framework
    if wanted is None or wanted == real.version:
        return real
    found = db.session.scalar(
        select(Framework).where(Framework.code == real.code, Framework.version == wanted)
    )
    if found is None:
        problems[VERSION] = _(
            "There is no version %(version)s of framework %(code)s.",
            version=wanted,
            code=real.code,
        )
        return real
    return found


def _bands(raw: list | None, problems: dict[str, str]) -> tuple[Band, ...] | None:
    """Bands [{min, label}, ...] checked by the core, messages in the interface's language."""
    if raw is None:
        return None
    try:
        return parse_bands(raw)
    except FrameworkError as exc:
        told = [p.vi if is_vietnamese() else p.message for p in exc.problems]
        problems[BANDS] = "; ".join(told)
        return None


def _weights(
    areas: tuple[Area, ...], raw: Mapping[str, str | Decimal | None], problems: dict[str, str]
) -> dict[str, Decimal]:
    """Each area's weight: the number given (≥ 0), else its framework max."""
    maxima = {area.code: area.max for area in areas}
    weights = dict(maxima)
    for code, value in raw.items():
        if code not in maxima:
            problems[WEIGHTS] = _("There is no area %(code)s in this version.", code=code)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        number = value if isinstance(value, Decimal) else parse_user_number(value)
        if number is None or not number.is_finite():
            problems[weight_field(code)] = _("Enter a number.")
        elif number < 0:
            problems[weight_field(code)] = _("A weight cannot be negative.")
        else:
            weights[code] = number
    if areas and all(weight == 0 for weight in weights.values()):
        problems.setdefault(WEIGHTS, _("At least one area must weigh more than 0."))
    return weights


def check(
    campaign: Campaign,
    *,
    framework_version: int | None = None,
    weights: Mapping[str, str | Decimal | None] | None = None,
    bands: list | None = None,
) -> tuple[Framework, tuple[Area, ...], dict[str, Decimal], tuple[Band, ...] | None]:
    """The version, its areas, the weights and the bands asked for; WhatIfProblem if any is bad."""
    problems: dict[str, str] = {}
    framework = _version(campaign, framework_version, problems)
    parsed_bands = _bands(bands, problems)
    areas = areas_of(framework)
    chosen = _weights(areas, weights or {}, problems)
    if problems:
        raise WhatIfProblem(problems)
    return framework, areas, chosen, parsed_bands


def what_if(
    campaign: Campaign,
    *,
    framework_version: int | None = None,
    weights: Mapping[str, str | Decimal | None] | None = None,
    bands: list | None = None,
    block_id: int | None = None,
) -> WhatIf:
    """The campaign's ranking per block as it is and as it would be with the choices given.

    `framework_version`: another version of the same framework code (stored values are carried
    over by criterion code, refused ones reported); `weights`: new max points per area code;
    `bands`: thresholds [{min, label}] for every block (None: each block keeps its own).
    The real ranking is the live results document's (the figures stored with each submission);
    the what-if one is computed from the stored entries (one query) by the scoring core, which
    is skipped when nothing differs. Nothing is written: WhatIfProblem names bad input.
    """
    framework, areas, chosen, parsed_bands = check(
        campaign, framework_version=framework_version, weights=weights, bands=bands
    )
    real_fw = parsed_framework(campaign.framework)
    fw = parsed_framework(framework)
    other = framework.id != campaign.framework.id
    reweighted = any(chosen[area.code] != area.max for area in areas)
    changed = other or reweighted or parsed_bands is not None
    # Reading only: no pending change may be flushed on the way.
    with db.session.no_autoflush:
        # The real side is the live ranking's stored figures; the entries are read only when
        # the what-if side differs from it.
        members = stored_rows(campaign)
        values = campaign_values(campaign) if changed else {}
        block_bands = {b: bands_for_block(campaign, b) for b in {m.block_id for m in members}}
        known = {
            b.id: b
            for b in db.session.scalars(
                select(Block).where(Block.id.in_([b for b in block_bands if b is not None]))
            )
        }
    empty: tuple[dict, dict, dict] = ({}, {}, {})
    real_side: dict[int | None, list[Standing]] = defaultdict(list)
    what_side: dict[int | None, list[Standing]] = defaultdict(list)
    dropped_by_unit: dict[str, int] = {}
    dropped: Counter[tuple[str, str, str]] = Counter()
    for member in members:
        block, code, name = member.block_id, member.unit_code, member.unit_name
        real = _standing(
            code,
            name,
            Decimal(member.figures["points"]),
            member.value("index"),
            member.figures["band"],
            real_fw,
        )
        real_side[block].append(real)
        if not changed:
            what_side[block].append(real)
            continue
        stored = values.get(member.submission_id, empty)
        own_bands = block_bands[block]
        carried = carry_over(fw, *stored) if other else Carried(*stored)
        for item in carried.dropped:
            reason = item.problem.vi if is_vietnamese() else item.problem.message
            dropped[item.criterion, item.stage, reason] += 1
        dropped_by_unit[code] = len(carried.dropped)
        what_bands = parsed_bands if parsed_bands is not None else own_bands
        scored = evaluate(fw, member.unit_kind, *carried.stages, bands=what_bands)
        weighted = weigh(fw, scored.scorecard, chosen, bands=what_bands)
        what_side[block].append(
            _standing(code, name, weighted.points, weighted.index, weighted.band, fw)
        )
    blocks: list[WhatIfBlock] = []
    for block in real_side:
        if block_id is not None and block != block_id:
            continue
        found = known.get(block)
        rows = [
            WhatIfRow(
                unit_code=shift.key,
                unit_name=shift.name,
                real_rank=shift.real_rank,
                real_index=_two(shift.real.index if shift.real else None),
                real_band=shift.real.band if shift.real else None,
                what_if_rank=shift.what_if_rank,
                what_if_index=_two(shift.what_if.index if shift.what_if else None),
                what_if_band=shift.what_if.band if shift.what_if else None,
                places=shift.places,
                dropped=dropped_by_unit.get(shift.key, 0),
            )
            for shift in compare(real_side[block], what_side[block])
        ]
        blocks.append(
            WhatIfBlock(found.code if found else "", found.name if found else "", block, rows)
        )
    # Blocks by name in Vietnamese order, as the ranking page's picker lists them.
    blocks.sort(key=lambda b: vi_sort_key(b.name))
    return WhatIf(
        blocks=blocks,
        real_framework=campaign.framework,
        framework=framework,
        areas=areas,
        weights=chosen,
        bands=parsed_bands,
        dropped=[
            DroppedValues(criterion, stage, reason, units)
            for (criterion, stage, reason), units in sorted(dropped.items())
        ],
        real_by_points=real_fw.result == "points",
        by_points=fw.result == "points",
    )


def _standing(
    code: str,
    name: str,
    points: Decimal,
    index: Decimal | None,
    band: str | None,
    framework: ScoringFramework,
) -> Standing:
    """A unit ranked on its index, or on its points for `result: points` frameworks."""
    value = points if framework.result == "points" else index
    return Standing(code, name, value, index, band)


def _two(value: Decimal | None) -> Decimal | None:
    """A figure as shown: 2 places, half up."""
    return None if value is None else round2(value)
