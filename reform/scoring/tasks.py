"""A period's tasks and products (sản phẩm/công việc) and the three percentages they give.

Decree 335/2025/NĐ-CP measures task results by quantity, quality and progress, each a percentage
of the converted weight (quy đổi) of what was assigned in the month or quarter. The reading
implemented here (docs/framework-format.md, section "Individual frameworks"):

- assigned = Σ weight of every product of the period;
- quantity = 100 × Σ weight of the completed products ÷ assigned;
- quality = 100 × Σ quality points ÷ assigned, where a completed product that met the quality
  requirement has quality points equal to its weight, less `per_fault` (25 %) of its weight for
  each major quality error, never below 0; a product not completed or not meeting the
  requirement has none;
- progress = 100 × Σ progress points ÷ assigned, where a completed product has progress points
  equal to its weight, less `per_fault` of its weight for each delay, never below 0;
- errors and delays whose cause an authorised person confirmed as objective deduct nothing.

A leader's percentages may also take those of the people they lead (`blend`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Final

from reform.scoring.numbers import CONTEXT
from reform.scoring.values import ValueProblem

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)
# Each major quality error or delay takes a quarter of that product's quality or progress points.
DEFAULT_PER_FAULT: Final = Decimal("0.25")
MEASURES: Final = ("quantity", "quality", "progress")


@dataclass(frozen=True, slots=True)
class Product:
    """One task or product of a period, as its manager confirmed it."""

    weight: Decimal
    completed: bool = True
    quality_met: bool = True
    errors: int = 0
    delays: int = 0
    # The cause of its errors and delays is confirmed objective: they deduct nothing.
    objective: bool = False

    @property
    def on_time(self) -> bool:
        """Whether it was delivered without a delay."""
        return self.delays == 0

    def check(self) -> None:
        """Refuse a product the arithmetic cannot take (ValueProblem)."""
        if not isinstance(self.weight, Decimal) or not self.weight.is_finite() or self.weight <= 0:
            raise ValueProblem("task_weight")
        for count in (self.errors, self.delays):
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ValueProblem("task_count")

    def _after_faults(self, faults: int, per_fault: Decimal) -> Decimal:
        """The product's weight less per_fault of it for each counted fault, not below 0."""
        counted = 0 if self.objective else faults
        share = ONE - CONTEXT.multiply(per_fault, Decimal(counted))
        return CONTEXT.multiply(self.weight, share) if share > 0 else ZERO

    def quality_points(self, per_fault: Decimal = DEFAULT_PER_FAULT) -> Decimal:
        """Its contribution to the quality measure."""
        if not (self.completed and self.quality_met):
            return ZERO
        return self._after_faults(self.errors, per_fault)

    def progress_points(self, per_fault: Decimal = DEFAULT_PER_FAULT) -> Decimal:
        """Its contribution to the progress measure."""
        if not self.completed:
            return ZERO
        return self._after_faults(self.delays, per_fault)


@dataclass(frozen=True, slots=True)
class TaskPercentages:
    """Quantity, quality and progress of a period, each in [0, 100], exact."""

    quantity: Decimal
    quality: Decimal
    progress: Decimal

    def measure(self, name: str) -> Decimal:
        """One of the three by name ('quantity', 'quality' or 'progress')."""
        return getattr(self, name)

    def mean(self, weights: tuple[Decimal, Decimal, Decimal] = (ONE, ONE, ONE)) -> Decimal:
        """The weighted mean of the three (equal weights by default)."""
        with localcontext(CONTEXT):
            total = sum(weights, ZERO)
            if total <= 0:
                raise ValueError("weights must add up to more than 0")
            pairs = zip(weights, MEASURES, strict=True)
            return sum((w * self.measure(m) for w, m in pairs), ZERO) / total


def percentages(
    products: Iterable[Product], per_fault: Decimal = DEFAULT_PER_FAULT
) -> TaskPercentages:
    """The three percentages of a period's products; ValueProblem when nothing was assigned."""
    items = tuple(products)
    for product in items:
        product.check()
    with localcontext(CONTEXT):
        assigned = sum((p.weight for p in items), ZERO)
        if assigned <= 0:
            raise ValueProblem("no_tasks")
        completed = sum((p.weight for p in items if p.completed), ZERO)
        quality = sum((p.quality_points(per_fault) for p in items), ZERO)
        progress = sum((p.progress_points(per_fault) for p in items), ZERO)
        return TaskPercentages(
            *(HUNDRED * part / assigned for part in (completed, quality, progress))
        )


def average(figures: Iterable[TaskPercentages]) -> TaskPercentages | None:
    """The mean of several people's percentages, measure by measure; None for nobody."""
    items = tuple(figures)
    if not items:
        return None
    count = Decimal(len(items))
    with localcontext(CONTEXT):
        sums = [sum((item.measure(m) for item in items), ZERO) for m in MEASURES]
        return TaskPercentages(*(total / count for total in sums))


def blend(own: TaskPercentages, led: TaskPercentages | None, share: Decimal) -> TaskPercentages:
    """A leader's percentages: (1 − share) of their own and `share` of those they lead.

    Without anyone led (or with share 0) a leader is measured like everyone else.
    """
    if led is None or share == 0:
        return own
    with localcontext(CONTEXT):
        keep = ONE - share
        mixed = [keep * own.measure(m) + share * led.measure(m) for m in MEASURES]
        return TaskPercentages(*mixed)


@dataclass(frozen=True, slots=True)
class TaskSheet:
    """The value a task-results criterion scores: the period's products, and for a leader the
    percentages of the people they lead (None for everyone else)."""

    products: tuple[Product, ...]
    led: TaskPercentages | None = None

    def percentages(self, per_fault: Decimal = DEFAULT_PER_FAULT) -> TaskPercentages:
        """The person's own three percentages."""
        return percentages(self.products, per_fault)
