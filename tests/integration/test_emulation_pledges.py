"""The cluster's pledge: the template, the cluster head's edits, signing once by a member's
head, reopening, the notices, the audit log and the signing record as a real PDF."""

from __future__ import annotations

import re
import threading
from io import BytesIO

import pytest
from emulation_world import MOVEMENT_NAME, STANDARDS, build_world
from helpers import TEST_PASSWORD
from live import Browser, live_server
from pypdf import PdfReader
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Notification, Pledge, PledgeSignature


@pytest.fixture
def world(units, users, make_unit, make_user):
    return build_world(units, users, make_unit, make_user)


def url(world, cluster=None, tail: str = "") -> str:
    cluster = cluster or world.cluster_a
    return f"/emulation/{world.campaign.code}/clusters/{cluster.id}/pledge{tail}"


def version_on(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def client_of(app, username: str):
    from helpers import login

    c = app.test_client()
    assert login(c, username).status_code == 303
    return c


def notices(username: str, kind: str) -> list[str]:
    db.session.rollback()
    from reform.models import User

    user = db.session.scalar(select(User).where(User.username == username))
    return [
        n.message
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    ]


def send(client, world, text: str | None = None):
    page = client.get(url(world)).get_data(as_text=True)
    data = {"version": str(version_on(page)), "action": "send"}
    data["text"] = text if text is not None else _textarea(page)
    return client.post(url(world), data=data)


def _textarea(page: str) -> str:
    import html

    return html.unescape(re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', page, re.S)[1])


def sign(client, world):
    """Sign from the page's form; once signed the page has none, so the stored version."""
    page = client.get(url(world)).get_data(as_text=True)
    if 'name="version"' in page:
        version = version_on(page)
    else:
        db.session.rollback()
        version = db.session.scalar(select(Pledge.version))
    return client.post(url(world, tail="/sign"), data={"version": str(version)})


def test_the_template_names_the_cluster_the_movement_and_the_members_in_vietnamese_order(
    app, world, login_as
):
    page = login_as("head").get(url(world)).get_data(as_text=True)
    text = _textarea(page)
    assert "GIAO ƯỚC THI ĐUA NĂM 2025" in text
    assert "Khối Văn hóa – Xã hội" in text and MOVEMENT_NAME in text and STANDARDS in text
    assert "Thi đua khối năm 2025" in text
    listed = re.findall(r"^\d+\. (Sở [^\n(]+?)(?: \((Khối trưởng|Khối phó)\))?$", text, re.M)
    assert listed == [
        ("Sở Giáo dục và Đào tạo", ""),
        ("Sở Tư pháp", "Khối trưởng"),
        ("Sở Y tế", "Khối phó"),
    ]
    # Nothing is stored by reading it.
    assert db.session.scalar(select(Pledge)) is None


def test_the_cluster_head_saves_the_draft_and_the_members_read_it(app, world, login_as):
    head = login_as("head")
    page = head.get(url(world)).get_data(as_text=True)
    r = head.post(
        url(world), data={"version": "0", "text": "Giao ước: nội dung A", "action": "save"}
    )
    assert r.status_code == 303
    assert "Giao ước: nội dung A" in head.get(url(world)).get_data(as_text=True)
    member = client_of(app, "head_sgd").get(url(world)).get_data(as_text=True)
    # A member reads the draft, marked as not ready to sign, and has no editor.
    assert "Giao ước: nội dung A" in member and 'class="readonly-note"' in member
    assert 'name="text"' not in member and 'name="text"' in page


@pytest.mark.parametrize("who", ["officer", "head_syt", "head_sgd", "secretariat", "admin"])
def test_only_the_cluster_head_edits_the_pledge(app, world, login_as, who):
    c = login_as(who) if who in ("officer", "secretariat", "admin") else client_of(app, who)
    r = c.post(url(world), data={"version": "0", "text": "Văn bản khác", "action": "save"})
    assert r.status_code == 403
    assert db.session.scalar(select(Pledge)) is None


def test_another_clusters_head_gets_404_everywhere(app, world):
    c = client_of(app, "head_stc")
    assert c.get(url(world)).status_code == 404
    assert c.post(url(world), data={"version": "0", "text": "x"}).status_code == 404
    assert c.post(url(world, tail="/sign"), data={"version": "1"}).status_code == 404
    assert c.get(url(world, tail="/record.pdf")).status_code == 404
    # Their own cluster's pledge is theirs to write.
    assert c.get(url(world, world.cluster_b)).status_code == 200


def test_two_editors_the_second_gets_a_conflict_with_the_other_text_and_loses_nothing(
    app, world, login_as, make_user
):
    make_user("head2", ["head"], world.units["STP"], full_name="Đỗ Thị Hai")
    first, second = login_as("head"), client_of(app, "head2")
    assert first.post(url(world), data={"version": "0", "text": "Bản thứ nhất"}).status_code == 303
    opened = version_on(second.get(url(world)).get_data(as_text=True))
    assert (
        first.post(url(world), data={"version": str(opened), "text": "Bản của Head"}).status_code
        == 303
    )
    r = second.post(url(world), data={"version": str(opened), "text": "Bản của người thứ hai"})
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    # The other's text is shown, this editor's text is kept in the box, under the new version.
    assert "Bản của Head" in body and "Bản của người thứ hai" in _textarea(body)
    assert version_on(body) == opened + 1
    db.session.rollback()
    assert db.session.scalar(select(Pledge.text)) == "Bản của Head"
    # Saving again from the conflict page, knowingly, works.
    again = second.post(url(world), data={"version": str(version_on(body)), "text": "Hợp nhất"})
    assert again.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(Pledge.text)) == "Hợp nhất"


def test_an_empty_or_bad_text_is_refused_beside_the_field(app, world, login_as):
    head = login_as("head")
    r = head.post(url(world), data={"version": "0", "text": "   "})
    assert r.status_code == 422 and 'id="text-error"' in r.get_data(as_text=True)
    r = head.post(url(world), data={"version": "0", "text": "a\x00b"})
    assert r.status_code == 422
    assert db.session.scalar(select(Pledge)) is None


def test_sending_freezes_the_text_and_tells_every_member_head(app, world, login_as):
    head = login_as("head")
    assert send(head, world).status_code == 303
    for username in ("head_syt", "head_sgd"):
        assert len(notices(username, "pledge_to_sign")) == 1
    assert notices("head", "pledge_to_sign") == []  # the actor is not told of their own step
    assert notices("head_stc", "pledge_to_sign") == []  # another cluster
    assert notices("officer", "pledge_to_sign") == []  # heads sign, officers do not
    r = head.post(url(world), data={"version": "2", "text": "Sửa sau khi gửi"})
    assert r.status_code in (403, 409)
    db.session.rollback()
    assert "Sửa sau khi gửi" not in db.session.scalar(select(Pledge.text))


def test_the_home_page_tells_the_head_to_sign_and_the_officer_whose_step_it_is(
    app, world, login_as
):
    head = login_as("head")
    assert send(head, world).status_code == 303
    head_home = head.get("/home/head").get_data(as_text=True)
    assert '<span class="badge warn">Cần ký</span>' in head_home
    officer_home = login_as("officer").get("/home/officer").get_data(as_text=True)
    assert "Chờ Thủ trưởng đơn vị ký" in officer_home
    assert "Cần ký" not in officer_home
    assert sign(head, world).status_code == 303
    assert ">Đã ký<" in login_as("officer").get("/home/officer").get_data(as_text=True)


def test_a_pledge_not_sent_cannot_be_signed(app, world):
    c = client_of(app, "head_syt")
    assert c.post(url(world, tail="/sign"), data={"version": "0"}).status_code == 403
    assert db.session.scalar(select(PledgeSignature)) is None


@pytest.mark.parametrize("who", ["officer", "other_officer", "secretariat", "admin", "leader"])
def test_only_a_head_of_a_member_unit_signs(app, world, login_as, who):
    assert send(login_as("head"), world).status_code == 303
    c = login_as(who)
    assert c.post(url(world, tail="/sign"), data={"version": "2"}).status_code == 403
    assert db.session.scalar(select(PledgeSignature)) is None


def test_each_unit_signs_once_and_the_cluster_head_hears_when_all_have(
    app, world, login_as, make_user
):
    make_user("head2_syt", ["head"], world.units["SYT"], full_name="Vũ Thị Hai")
    head = login_as("head")
    assert send(head, world).status_code == 303
    assert sign(head, world).status_code == 303
    syt = client_of(app, "head_syt")
    assert sign(syt, world).status_code == 303
    again = sign(syt, world)
    assert again.status_code == 403 and "Lê Văn Y" in again.get_data(as_text=True)
    # Another head of the same unit cannot sign for it a second time either.
    assert sign(client_of(app, "head2_syt"), world).status_code == 403
    assert notices("head", "pledge_signed") == []
    assert sign(client_of(app, "head_sgd"), world).status_code == 303
    assert len(notices("head", "pledge_signed")) == 1
    db.session.rollback()
    rows = db.session.execute(select(PledgeSignature.unit_id, PledgeSignature.signer_name)).all()
    assert sorted(name for _u, name in rows) == ["Head", "Lê Văn Y", "Phạm Thị Giáo"]
    page = head.get(url(world)).get_data(as_text=True)
    assert page.count(">Đã ký<") + page.count(">Signed<") == 3


def test_reopening_clears_the_signatures_tells_the_members_and_old_pages_cannot_sign(
    app, world, login_as
):
    head = login_as("head")
    assert send(head, world).status_code == 303
    syt, sgd = client_of(app, "head_syt"), client_of(app, "head_sgd")
    assert sign(syt, world).status_code == 303
    stale = version_on(sgd.get(url(world)).get_data(as_text=True))
    # Only the cluster head reopens.
    assert syt.post(url(world, tail="/reopen")).status_code == 403
    assert head.post(url(world, tail="/reopen")).status_code == 303
    assert db.session.scalar(select(PledgeSignature)) is None
    assert len(notices("head_syt", "pledge_reopened")) == 1
    assert len(notices("head_sgd", "pledge_reopened")) == 1
    # Draft again: nobody signs, and after it is sent again an old page cannot sign.
    assert sgd.post(url(world, tail="/sign"), data={"version": str(stale)}).status_code == 403
    assert send(head, world, "Văn bản đã sửa").status_code == 303
    assert sgd.post(url(world, tail="/sign"), data={"version": str(stale)}).status_code == 409
    assert sign(sgd, world).status_code == 303


def test_every_step_is_in_the_audit_log(app, world, login_as):
    head = login_as("head")
    head.post(url(world), data={"version": "0", "text": "Bản nháp"})
    send(head, world)
    sign(client_of(app, "head_syt"), world)
    head.post(url(world, tail="/reopen"))
    db.session.rollback()
    actions = [
        (e.action, e.criterion_code)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.stage == "pledge").order_by(AuditEvent.id)
        )
    ]
    assert actions == [
        ("pledge_edited", "VHXH"),
        ("pledge_sent", "VHXH"),
        ("pledge_signed", "VHXH"),
        ("pledge_reopened", "VHXH"),
    ]
    reopened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pledge_reopened"))
    assert reopened.reason == "Sở Y tế"
    # The campaign's log says what happened to which cluster.
    log = login_as("secretariat").get(f"/campaigns/{world.campaign.code}/audit")
    text = log.get_data(as_text=True)
    assert "Ký giao ước thi đua" in text and "khối VHXH" in text and "tiêu chí VHXH" not in text


def pdf_text(data: bytes) -> str:
    reader = PdfReader(BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_signing_record_pdf_names_the_units_and_who_signed(app, world, login_as):
    head = login_as("head")
    assert send(head, world).status_code == 303
    assert sign(head, world).status_code == 303
    assert sign(client_of(app, "head_syt"), world).status_code == 303
    r = client_of(app, "head_sgd").get(url(world, tail="/record.pdf"))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment;" in r.headers["Content-Disposition"]
    text = pdf_text(r.data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "KHỐI VĂN HÓA – XÃ HỘI" in text
    assert "Hòa Sơn" in text
    for name in ("Sở Giáo dục và Đào tạo", "Sở Tư pháp", "Sở Y tế", "Head", "Lê Văn Y"):
        assert name in text, name
    assert "Chưa ký" in text  # Sở Giáo dục và Đào tạo has not signed
    assert MOVEMENT_NAME in text
    # The printable page is the same document.
    page = head.get(url(world, tail="/record")).get_data(as_text=True)
    assert "Lê Văn Y" in page and "data-print" in page


def test_racing_signatures_for_one_unit_give_one(app, world, make_user):
    """Two heads of one unit press Sign at the same moment: exactly one signature is kept."""
    make_user("head2_syt", ["head"], world.units["SYT"], full_name="Vũ Thị Hai")
    with live_server(app) as base:
        cluster_head = Browser(base)
        cluster_head.sign_in("head", TEST_PASSWORD)
        page = cluster_head.get(url(world)).text
        text = _textarea(page)
        sent = cluster_head.post(
            url(world), {"version": version_on(page), "text": text, "action": "send"}, htmx=False
        )
        assert sent.status == 303
        browsers = []
        for username in ("head_syt", "head2_syt"):
            b = Browser(base)
            b.sign_in(username, TEST_PASSWORD)
            browsers.append((b, version_on(b.get(url(world)).text)))
        start = threading.Barrier(len(browsers))
        answers: list[int] = []

        def run(browser, version):
            start.wait(timeout=30)
            answers.append(
                browser.post(url(world, tail="/sign"), {"version": version}, htmx=False).status
            )

        threads = [threading.Thread(target=run, args=pair) for pair in browsers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(answers) == [303, 403]
    db.session.rollback()
    assert len(db.session.scalars(select(PledgeSignature)).all()) == 1


def test_racing_edits_one_wins_the_other_gets_the_conflict(app, world, make_user):
    """Two cluster-head editors save from the same version at once: one is saved, one is told."""
    make_user("head2", ["head"], world.units["STP"], full_name="Đỗ Thị Hai")
    with live_server(app) as base:
        browsers = []
        for username in ("head", "head2"):
            b = Browser(base)
            b.sign_in(username, TEST_PASSWORD)
            browsers.append(b)
        start = threading.Barrier(2)
        answers: dict[str, int] = {}

        def run(browser, text):
            start.wait(timeout=30)
            answers[text] = browser.post(
                url(world), {"version": 0, "text": text}, htmx=False
            ).status

        threads = [
            threading.Thread(target=run, args=(b, f"Bản {n}")) for n, b in enumerate(browsers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(answers.values()) == [303, 409]
    winner = next(text for text, status in answers.items() if status == 303)
    db.session.rollback()
    assert db.session.scalar(select(Pledge.text)) == winner
