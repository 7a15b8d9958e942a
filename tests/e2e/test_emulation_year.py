"""The emulation year end to end in a real Chromium, through one campaign: on a 390×844 phone a
member unit's head signs the cluster's pledge, registers the unit's titles and votes, all from the
home page; on a desktop the cluster head closes the ballot and downloads the meeting record, whose
text is read back from the downloaded files. Every phone page fits the phone, its targets are big
enough and axe-core finds nothing serious."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from emulation_world import build_world, title_id
from helpers import TEST_PASSWORD
from playwright.sync_api import expect
from test_pages_phone_and_desktop import SMALL_TARGETS, serious_violations

from reform.extensions import db
from reform.models import Ballot, PledgeSignature, Registration

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 900}


def check_page(page, where: str) -> list[str]:
    """What is wrong with the page as a phone shows it."""
    problems = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > 390:
        problems.append(f"{where}: scrolls sideways ({width} px)")
    problems += [f"{where}: axe {v}" for v in serious_violations(page)]
    problems += [f"{where}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
    return problems


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    expect(page).to_have_url(re.compile(r"/home/head$"))


def prepare(world) -> Ballot:
    """Where the year stands when the phone picks it up: the cluster head has sent the pledge,
    the units have self-scored, the cluster head has opened the vote and the two other members
    of the cluster (the head's unit and the deputy's) have voted."""
    from reform.services.emulation import ballots, pledges, voting
    from reform.services.scores_import import import_scores

    head, deputy = world.people["head"], world.people["head_syt"]
    pledges.save_text(
        world.cluster_a,
        pledges.template_text(world.cluster_a),
        base_version=0,
        actor=head,
        then_send=True,
    )
    # Sở Y tế holds the Government's flag: +15 puts it above 100 and first in the ranking.
    rows = (
        "unit_code,criterion_code,value,note\n"
        "STP,I.1,27/30,\nSYT,I.1,30/30,\nSYT,T.1,Cờ thi đua của Chính phủ,\nSGD,I.1,24/30,\n"
    )
    assert import_scores(world.campaign, rows.encode(), stage="self", filename="td.csv").ok
    now = ballots.now()
    settings = ballots.settings_from_form(
        {
            "name": "Họp bình xét, suy tôn năm 2025",
            "place": "Hội trường Sở Tư pháp",
            "opens_at": ballots.local_input(now - timedelta(minutes=5)),
            "closes_at": ballots.local_input(now + timedelta(hours=2)),
        }
    )
    ballot = ballots.create_ballot(world.cluster_a, settings, actor=head)
    for code, seats in (("TT-CTD-TINH", 1), ("TT-BK-TINH", 2)):
        ballots.add_item(
            ballot.id,
            {"title_id": str(title_id(code)), "seats": str(seats), "proposed": "3"},
            actor=head,
        )
    ballots.open_ballot(ballot.id, actor=head)
    db.session.expire_all()
    ballot = db.session.get(Ballot, ballot.id)
    for voter in (head, deputy):
        picks = {}
        for item in ballot.items:
            wanted = {"SYT"} if item.seats == 1 else {"SYT", "STP"}
            picks[item.id] = [c.id for c in item.candidates if c.unit.code in wanted]
        voting.cast(ballot.id, picks, actor=voter)
    return ballot


def test_a_unit_head_on_a_phone_and_the_cluster_head_on_a_desktop_go_through_the_year(
    browser, live_server, units, users, make_unit, make_user
):
    world = build_world(units, users, make_unit, make_user)
    ballot = prepare(world)
    problems: list[str] = []

    # ---- the member unit's head, on a phone ----
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = phone.new_page()
    sign_in(page, live_server, "head_sgd")
    card = page.locator("section", has=page.get_by_role("heading", name="Thi đua"))
    expect(card.get_by_text("Cần ký")).to_be_visible()
    votes = page.locator("section", has=page.get_by_role("heading", name="Bình xét, suy tôn"))
    expect(votes.get_by_text("Chờ bỏ phiếu")).to_be_visible()
    problems += check_page(page, "home")

    # The pledge: generated from the template, with the cluster's members; signed for the unit.
    card.get_by_role("link", name=re.compile("Giao ước thi đua")).click()
    expect(page.get_by_text("GIAO ƯỚC THI ĐUA NĂM 2025")).to_be_visible()
    expect(page.get_by_text("Tham mưu giỏi, phục vụ tốt", exact=False).first).to_be_visible()
    problems += check_page(page, "pledge")
    page.get_by_role("button", name="Ký giao ước").click()
    expect(page.get_by_text("Đơn vị của bạn đã ký giao ước.")).to_be_visible()

    # The registration: the collective title, the targets, one person's title; submitted.
    page.goto(live_server + "/home/head")
    page.get_by_role("link", name="Đăng ký thi đua").click()
    page.get_by_label("Danh hiệu, hình thức khen thưởng đơn vị phấn đấu đạt").select_option(
        label="Cờ thi đua của Ủy ban nhân dân tỉnh"
    )
    page.get_by_label("Chỉ tiêu").fill("Hoàn thành 100% nhiệm vụ được giao")
    person = page.locator("fieldset", has_text="Người thứ 1")
    person.get_by_label("Họ và tên").fill("Nguyễn Thị Hoa")
    person.get_by_label("Chức vụ").fill("Giám đốc")
    person.get_by_label("Danh hiệu đăng ký").select_option(label="Chiến sĩ thi đua cấp tỉnh")
    problems += check_page(page, "registration")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Lưu và gửi đăng ký").click()
    expect(page.get_by_text("Đã gửi bản đăng ký thi đua.")).to_be_visible()

    # The vote, from the home page: the unit's secret ballot, and its receipt.
    page.goto(live_server + "/home/head")
    page.get_by_role("link", name=ballot.name).click()
    flag = page.get_by_role("group", name="Cờ thi đua của Ủy ban nhân dân tỉnh")
    flag.get_by_label("Sở Y tế").check()
    merit = page.get_by_role("group", name="Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh")
    merit.get_by_label("Sở Y tế").check()
    merit.get_by_label("Sở Giáo dục và Đào tạo").check()
    problems += check_page(page, "ballot")
    page.get_by_role("button", name="Bỏ phiếu cho đơn vị").click()
    expect(page.get_by_role("heading", name="Đơn vị đã bỏ phiếu")).to_be_visible()
    receipt = page.locator("#receipt-code").inner_text()
    problems += check_page(page, "receipt")

    # ---- the cluster head, on a desktop ----
    desktop = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    chair = desktop.new_page()
    sign_in(chair, live_server, "head")
    # The last vote told the cluster head the ballot can be closed; the notice leads there.
    chair.goto(live_server + "/notifications")
    chair.get_by_role("link", name=re.compile("Tất cả thành viên đã bỏ phiếu")).click()
    expect(chair.locator("#turnout")).to_contain_text("3/3")
    chair.get_by_role("button", name="Kết thúc và kiểm phiếu").click()
    expect(chair.get_by_role("heading", name="Kết quả")).to_be_visible()
    flags = chair.get_by_role("region", name=re.compile("Cờ thi đua"))
    expect(flags.get_by_role("row", name=re.compile("Sở Y tế"))).to_contain_text("Được suy tôn")
    problems += [f"results: {v}" for v in serious_violations(chair)]
    with chair.expect_download() as word:
        chair.get_by_role("link", name="Tải về tệp Word").click()
    with chair.expect_download() as pdf:
        chair.get_by_role("link", name="Tải về tệp PDF").first.click()
    word_file, pdf_file = (Path(d.value.path()).read_bytes() for d in (word, pdf))
    desktop.close()

    # The meeting record, as downloaded: the Word file the secretary edits and the PDF.
    from docx import Document
    from pypdf import PdfReader

    document = Document(io.BytesIO(word_file))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BIÊN BẢN HỌP BÌNH XÉT, SUY TÔN" in text and ballot.name in text
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["Sở Y tế", "3", "3/3", "Được suy tôn"] in cells
    reader = PdfReader(io.BytesIO(pdf_file))
    printed = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "BIÊN BẢN HỌP BÌNH XÉT, SUY TÔN" in printed and "Sở Y tế" in printed

    # Back on the phone: the unit's receipt is in the published count.
    page.goto(f"{live_server}/emulation/ballots/{ballot.id}")
    page.get_by_role("textbox", name="Mã biên nhận").fill(receipt)
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#receipt-result")).to_contain_text("Đã kiểm")
    problems += check_page(page, "receipt checked")
    phone.close()
    assert not problems, "\n".join(problems)

    db.session.rollback()
    unit = world.units["SGD"]
    assert db.session.scalar(db.select(PledgeSignature).where(PledgeSignature.unit_id == unit.id))
    registration = db.session.scalar(db.select(Registration).where(Registration.unit_id == unit.id))
    assert registration.status == "submitted" and registration.title.code == "TT-CTD-TINH"
