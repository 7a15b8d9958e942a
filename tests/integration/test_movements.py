"""Movements (phong trào thi đua): the secretariat records them, attaches their documents with
the evidence checks and links the emulation campaigns that score them; everyone reads them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from cluster_setup import new_campaign
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Campaign, Movement, MovementDocument

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
FORM = {
    "code": "TMG-2026",
    "name": "Tham mưu giỏi, phục vụ tốt",
    "authority": "Ủy ban nhân dân tỉnh",
    "period_kind": "themed",
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
    "standards": "1. Hoàn thành xuất sắc nhiệm vụ.\n2. Không có cán bộ vi phạm kỷ luật.",
}


@pytest.fixture
def movement(app, users):
    from reform.services.emulation.movements import MovementData, create_movement

    return create_movement(
        MovementData(
            "LDG",
            "Lao động giỏi, lao động sáng tạo",
            "Liên đoàn Lao động tỉnh",
            "multi_year",
            date(2026, 1, 1),
            date(2030, 12, 31),
            "Tiêu chuẩn theo Kế hoạch số 12/KH-LĐLĐ.",
        ),
        actor=users["secretariat"],
    )


def _upload(client, movement, *files):
    return client.post(
        f"/movements/{movement.id}/documents",
        data={"files": [(io.BytesIO(data), name) for name, data in files]},
        content_type="multipart/form-data",
    )


def test_the_secretariat_records_a_movement_everyone_reads_it(login_as):
    c = login_as("secretariat")
    r = c.post("/movements/new", data=FORM)
    assert r.status_code == 303
    movement = db.session.scalar(select(Movement).where(Movement.code == "TMG-2026"))
    assert movement.period_kind == "themed" and movement.ends_on == date(2026, 12, 31)
    assert db.session.scalar(
        select(AuditEvent.to_value).where(AuditEvent.action == "movement_created")
    ).startswith("TMG-2026: Tham mưu giỏi, phục vụ tốt")
    html = login_as("officer").get(f"/movements/{movement.id}").get_data(as_text=True)
    assert "Tham mưu giỏi, phục vụ tốt" in html and "Theo chuyên đề" in html
    assert "01/01/2026" in html and "31/12/2026" in html  # dd/mm/yyyy in Vietnamese
    assert "Không có cán bộ vi phạm kỷ luật." in html
    assert "/edit" not in html  # only the secretariat edits
    listing = login_as("head").get("/movements/").get_data(as_text=True)
    assert "Tham mưu giỏi, phục vụ tốt" in listing


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "có dấu"}, "code"),
        ({"name": ""}, "name"),
        ({"authority": "x" * 301}, "authority"),
        ({"period_kind": "forever"}, "period_kind"),
        ({"ends_on": "2025-12-31"}, "ends_on"),
        ({"starts_on": "31/02/2026"}, "starts_on"),
        ({"standards": "a\x00b"}, "standards"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_saved(login_as, change, field):
    r = login_as("secretariat").post("/movements/new", data=FORM | change)
    assert r.status_code == 422
    assert f'id="{field}-error"' in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Movement)) == 0


def test_a_code_used_twice_is_refused(login_as, movement):
    r = login_as("secretariat").post("/movements/new", data=FORM | {"code": "LDG"})
    assert r.status_code == 422 and 'id="code-error"' in r.get_data(as_text=True)


def test_editing_a_movement_is_audited(login_as, movement):
    c = login_as("secretariat")
    assert c.get(f"/movements/{movement.id}/edit").status_code == 200
    r = c.post(f"/movements/{movement.id}/edit", data=FORM | {"code": "LDG"})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Movement, movement.id).name == "Tham mưu giỏi, phục vụ tốt"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "movement_changed"))
    assert "Lao động giỏi" in event.from_value and "Tham mưu giỏi" in event.to_value


def test_documents_pass_the_evidence_checks_and_everyone_downloads_them(login_as, movement):
    c = login_as("secretariat")
    r = _upload(c, movement, ("ke-hoach.pdf", PDF))
    assert r.status_code == 303
    document = db.session.scalar(select(MovementDocument))
    assert document.filename == "ke-hoach.pdf"
    got = login_as("officer").get(f"/movements/{movement.id}/documents/{document.id}")
    assert got.status_code == 200 and got.data == PDF
    assert "attachment" in got.headers["Content-Disposition"]
    # A renamed file, an empty one, and the same content again: all refused, nothing stored.
    r = _upload(c, movement, ("anh.png", PDF), ("rong.pdf", b""), ("lai.pdf", PDF))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="files-error"' in html
    assert "anh.png" in html and "rong.pdf" in html and "ke-hoach.pdf" in html
    assert db.session.scalar(select(func.count()).select_from(MovementDocument)) == 1
    assert _upload(c, movement).status_code == 422  # no file chosen


def test_removing_a_document(login_as, movement):
    c = login_as("secretariat")
    _upload(c, movement, ("ke-hoach.pdf", PDF))
    document = db.session.scalar(select(MovementDocument))
    r = c.post(f"/movements/{movement.id}/documents/{document.id}/remove")
    assert r.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(MovementDocument)) == 0
    assert (
        db.session.scalar(
            select(AuditEvent.from_value).where(AuditEvent.action == "movement_document_removed")
        )
        == "LDG: ke-hoach.pdf"
    )


def test_a_document_of_another_movement_answers_404(login_as, movement, users):
    from reform.services.emulation.movements import MovementData, create_movement

    other = create_movement(
        MovementData(
            "XD",
            "Xây dựng cơ quan văn hóa",
            "UBND tỉnh",
            "yearly",
            date(2026, 1, 1),
            date(2026, 12, 31),
            None,
        ),
        actor=users["secretariat"],
    )
    _upload(login_as("secretariat"), movement, ("ke-hoach.pdf", PDF))
    document = db.session.scalar(select(MovementDocument))
    assert login_as("head").get(f"/movements/{other.id}/documents/{document.id}").status_code == 404


def test_emulation_campaigns_are_linked_others_refused(login_as, movement, units, campaign):
    emulation = new_campaign("TD-2026", [units["own"], units["other"]], year=2026)
    c = login_as("secretariat")
    page = c.get(f"/movements/{movement.id}").get_data(as_text=True)
    assert "TD-2026" in page and "PAR-TEST" not in page  # only emulation campaigns offered
    r = c.post(f"/movements/{movement.id}/campaigns", data={"campaign_id": campaign.id})
    assert r.status_code == 422 and 'id="campaign_id-error"' in r.get_data(as_text=True)
    r = c.post(f"/movements/{movement.id}/campaigns", data={"campaign_id": emulation.id})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Campaign, emulation.id).movement_id == movement.id
    html = login_as("head").get(f"/movements/{movement.id}").get_data(as_text=True)
    assert "Thi đua TD-2026" in html
    r = c.post(f"/movements/{movement.id}/campaigns/{emulation.id}/unlink")
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Campaign, emulation.id).movement_id is None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"movement_campaign_linked", "movement_campaign_unlinked"} <= actions
