"""Which figures a results table shows, from the framework's result type and criteria."""

from __future__ import annotations

from dataclasses import dataclass

from reform.scoring import Framework


@dataclass(frozen=True, slots=True)
class ResultColumns:
    """The figure columns of a ranking, a printed report or a workbook sheet.

    An index framework (`result: percent`, the PAR INDEX) reads points against the applicable
    max and ranks on the index in percent. A points framework (an emulation sheet, whose bonus
    points can pass 100) ranks on the points themselves: no max, no index. The survey column
    is there only when the framework has survey criteria.
    """

    percent: bool
    survey: bool

    @property
    def figures(self) -> tuple[str, ...]:
        """The figure keys of a results row (contract 3.3), in table order."""
        keys = ["self_points", "appraised_points"]
        if self.survey:
            keys.append("survey_points")
        keys.append("points")
        if self.percent:
            keys += ["max_points", "index"]
        return tuple(keys)

    @property
    def ranked_on(self) -> str:
        """The figure units are ranked on: the index, or the points."""
        return "index" if self.percent else "points"


def result_columns(framework: Framework) -> ResultColumns:
    """The columns the framework calls for."""
    return ResultColumns(percent=framework.result != "points", survey=bool(framework.survey_codes))
