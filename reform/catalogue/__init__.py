"""The default catalogue of titles and awards shipped with the application."""

from pathlib import Path

DEFAULT_CATALOGUE = Path(__file__).parent / "default.yaml"
