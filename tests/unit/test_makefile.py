"""`make run` serves on port 5000 unless PORT says otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _serve_command(*args: str, env: dict[str, str] | None = None) -> str:
    """The command `make run` would serve with (a dry run: nothing is installed or started)."""
    environ = {k: v for k, v in os.environ.items() if k != "PORT"} | (env or {})
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return next(line for line in done.stdout.splitlines() if " run --host " in line)


def test_run_serves_on_5000_by_default():
    assert _serve_command().endswith("--host 127.0.0.1 --port 5000")


def test_port_on_the_command_line_or_in_the_environment():
    assert _serve_command("PORT=8123").endswith("--port 8123")
    assert _serve_command(env={"PORT": "8124"}).endswith("--port 8124")
