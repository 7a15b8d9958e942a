"""The hot-path benchmark still runs end to end, at a tiny size (timings are never asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"

TINY = [
    "--quick",
    "--db",
    "sqlite",
    "--units",
    "30",
    "--big-block",
    "20",
    "--officers",
    "16",
    "--requests",
    "16",
    "--rounds",
    "1",
    "--warmup",
    "4",
    "--gunicorn-requests",
    "16",
    "--gunicorn-seconds",
    "1",
    "--mixed-seconds",
    "1.5",
    "--poll-seconds",
    "0.5",
    "--rank-requests",
    "4",
    "--api-requests",
    "2",
]


def test_the_hot_path_benchmark_measures_every_row(capsys):
    # Its own SQLite file in a temporary folder: never the test database.
    sys.path.insert(0, str(BENCH))
    try:
        import bench_hot_paths
    finally:
        sys.path.remove(str(BENCH))

    document = bench_hot_paths.main(TINY)
    figures = document["results"]["sqlite"]
    assert figures["autosave"]["n"] == 16 and figures["autosave SQL"] > 0
    assert figures["gunicorn closed"]["n"] > 0 and figures["gunicorn paced"]["n"] > 0
    assert figures["mixed alone"]["n"] > 0 and figures["mixed beside"]["n"] > 0
    for row in ("live partial", "live partial, 304", "API live document", "API live, 304"):
        assert figures[row]["n"] > 0 and figures[row]["SQL"] > 0, row
    page = figures["bytes"]["page"]
    assert page["rows"] > 0 and page["gzip"] < page["identity"]
    assert "| live results API document ÷ floor |" in capsys.readouterr().out
