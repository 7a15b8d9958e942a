"""Fixtures: the shipped sample frameworks, parsed once."""

from __future__ import annotations

import pytest

from reform.scoring import Framework

from .helpers import load_sample


@pytest.fixture(scope="session")
def par_dept() -> Framework:
    return load_sample("par-dept-2025.yaml")


@pytest.fixture(scope="session")
def par_commune() -> Framework:
    return load_sample("par-commune-2025.yaml")


@pytest.fixture(scope="session")
def emulation() -> Framework:
    return load_sample("emulation-block-2025.yaml")
