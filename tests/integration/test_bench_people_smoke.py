"""The people summary benchmark still runs end to end, at a tiny size (timings never asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_people_benchmark_measures_the_page_the_workbook_and_the_floor(capsys):
    # Its own SQLite file in a temporary folder: never the test database.
    sys.path.insert(0, str(BENCH))
    try:
        import bench_people
    finally:
        sys.path.remove(str(BENCH))

    figures = bench_people.main(["--people", "12", "--requests", "1"])
    assert figures["page"]["n"] == 1 and figures["page"]["bytes"] > 0
    assert figures["workbook"]["bytes"] > 0 and figures["floor"] > 0
    assert "| head's classification page |" in capsys.readouterr().out
