"""Sample framework files shipped with the application."""

from pathlib import Path


def sample_paths() -> list[Path]:
    """The sample framework YAML files, sorted by file name."""
    return sorted(Path(__file__).parent.glob("*.yaml"))
