"""The Decree 335 sheet is a framework like the others: imported, shown, never a campaign's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reform.frameworks import sample_paths
from reform.services.campaigns import CampaignProblem, PhaseDates, create_campaign
from reform.services.frameworks import import_framework
from reform.services.phases import today


@pytest.fixture
def sheet(app):
    path = next(p for p in sample_paths() if p.name == "cc-335-2026.yaml")
    return import_framework(path.read_bytes())


def test_the_sheet_page_says_how_task_results_are_computed(login_as, sheet):
    page = login_as("secretariat").get(f"/frameworks/{sheet.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Tiêu chí chung" in text and "Kết quả thực hiện nhiệm vụ" in text
    assert "25%" in text  # the deduction per error or delay, in words


def test_a_person_sheet_takes_no_campaign(login_as, sheet, units):
    day = today()
    with pytest.raises(CampaignProblem):
        create_campaign(
            "CC-2026",
            "Không hợp lệ",
            sheet,
            PhaseDates(day, day + timedelta(days=5)),
            units=[units["own"]],
        )
    page = login_as("secretariat").get("/campaigns/new")
    assert "CC-335" not in page.get_data(as_text=True)
