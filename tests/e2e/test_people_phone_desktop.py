"""People in a real Chromium: on a 390×844 phone a person records a task with a delay and
self-scores the month with the total following what they type, then sends it to their manager;
on a desktop the unit head classifies the year and meets the refusal of the "xuất sắc" quota,
then records the competent authority's decision. Every page fits, has big enough targets and
axe-core finds nothing serious."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import expect
from test_pages_phone_and_desktop import SMALL_TARGETS, serious_violations

from reform.extensions import db
from reform.models import Classification, Person, PersonPeriod, PersonTask
from reform.services.people.tasks import default_framework
from reform.services.phases import today

pytestmark = pytest.mark.e2e
YEAR = 2026


def check_page(page, where: str, width: int) -> list[str]:
    """What is wrong with the page as laid out now."""
    problems = []
    # A save answers with a new page: measure that page, not the one leaving.
    page.wait_for_load_state("load")
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    if scroll > width:
        problems.append(f"{where}: scrolls sideways ({scroll} px)")
    problems += [f"{where}: axe {v}" for v in serious_violations(page)]
    problems += [f"{where}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
    return problems


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    expect(page).to_have_url(re.compile(r"/home/"))


def test_a_person_records_a_task_and_self_scores_on_a_phone(phone, live_server, units, users):
    own = units["own"]
    boss = Person(unit_id=own.id, full_name="Trần Thị Bình", is_leader=True, duty_group="Lãnh đạo")
    db.session.add(boss)
    db.session.flush()
    db.session.add(
        Person(
            unit_id=own.id,
            full_name="Nguyễn Văn An",
            duty_group="Chuyên viên",
            manager_id=boss.id,
            user_id=users["officer"].id,
        )
    )
    db.session.commit()
    default_framework()
    day = today()
    page = phone
    problems: list[str] = []
    sign_in(page, live_server, "officer")

    page.locator("details.menu summary").click()
    page.get_by_role("link", name="Sản phẩm, công việc và điểm của tôi").click()
    # The link navigates (and redirects): measure the list once it is the page on screen.
    expect(page).to_have_url(re.compile(r"/people/\d+/periods"))
    page.wait_for_load_state()
    problems += check_page(page, "periods", 390)
    page.get_by_role("button", name=f"Ghi nhận Tháng {day.month}/{day.year}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Tháng {day.month}/{day.year}")
    problems += check_page(page, "empty period", 390)

    form = page.locator(
        "form", has=page.get_by_role("heading", name="Ghi nhận sản phẩm, công việc")
    )
    form.get_by_label("Sản phẩm, công việc").fill("Dự thảo quyết định công bố thủ tục")
    form.get_by_label("Trọng số đã quy đổi").fill("1,5")
    form.get_by_label("Đã hoàn thành").check()
    form.get_by_label("Đạt yêu cầu về chất lượng").check()
    form.get_by_label("Số lần chậm tiến độ").fill("1")
    form.get_by_role("button", name="Thêm").click()
    expect(page.get_by_text("Đã ghi nhận sản phẩm, công việc.")).to_be_visible()
    card = page.locator("article.task")
    expect(card.get_by_text("chậm 1 lần")).to_be_visible()
    problems += check_page(page, "one task", 390)

    # The total follows what is typed: 30 + 70 × (100 + 100 + 75) ÷ 300 = 94,17.
    for n in range(1, 6):
        page.locator(f"input[name='v-A.{n}']").fill("6")
    expect(page.locator("#self-total")).to_contain_text("94,17")
    page.get_by_role("button", name="Lưu phần tự chấm điểm").click()
    expect(page.get_by_text("Đã lưu phần tự chấm điểm.")).to_be_visible()
    page.get_by_role("button", name="Gửi người quản lý trực tiếp").click()
    expect(page.get_by_text("Đã gửi người quản lý trực tiếp.")).to_be_visible()
    expect(page.get_by_text("Chờ người quản lý xác nhận").first).to_be_visible()
    problems += check_page(page, "submitted", 390)
    assert not problems, "\n".join(problems)

    db.session.rollback()
    period = db.session.scalar(db.select(PersonPeriod))
    assert period.status == "submitted" and round(period.self_points, 2) == Decimal("94.17")
    task = db.session.scalar(db.select(PersonTask))
    assert (task.weight, task.delays, task.completed) == (Decimal("1.5"), 1, True)


@pytest.fixture
def desktop(browser):
    """A page in a 1366×900 desktop window."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def test_the_head_classifies_and_meets_the_quota_refusal_on_a_desktop(
    desktop, live_server, units, users
):
    from reform.services.people.classification import conclude

    own = units["own"]
    framework = default_framework()
    people = {}
    for name, points in [
        ("Lê Văn Tốt", "80"),
        ("Mai Thị Tốt", "82"),
        ("Ngô Văn Tốt", "85"),
        ("Phan Thị Tốt", "78"),
        ("Vũ Văn Tốt", "88"),
        ("Đỗ Thị Giỏi", "95"),
        ("Hồ Văn Giỏi", "96"),
    ]:
        person = Person(unit_id=own.id, full_name=name, duty_group="Chuyên viên")
        db.session.add(person)
        db.session.flush()
        db.session.add(
            PersonPeriod(
                person_id=person.id,
                unit_id=own.id,
                framework_id=framework.id,
                year=YEAR,
                kind="month",
                number=1,
                status="confirmed",
                self_values={},
                self_points=Decimal(points),
                points=Decimal(points),
            )
        )
        people[name] = person
    db.session.commit()
    for name in ("Lê Văn Tốt", "Mai Thị Tốt", "Ngô Văn Tốt", "Phan Thị Tốt"):
        conclude(people[name], YEAR, "good", "", "", version=None, actor=users["head"])

    page = desktop
    problems: list[str] = []
    sign_in(page, live_server, "head")
    page.locator("details.menu summary").click()
    page.get_by_role("link", name="Xếp loại chất lượng hằng năm").click()
    page.goto(live_server + f"/people/classification?year={YEAR}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xếp loại chất lượng năm 2026")
    problems += check_page(page, "classification", 1366)

    # The fifth "tốt": saved in place.
    row = page.locator("article.classify-row", has_text="Vũ Văn Tốt")
    row.get_by_role("button", name="Lưu kết quả xếp loại").click()
    expect(row.get_by_text("Hoàn thành tốt nhiệm vụ").first).to_be_visible()
    quota = page.locator(".quota-box").first
    expect(quota).to_contain_text("0 người xếp loại “xuất sắc” trên 5 người")

    # Choosing "xuất sắc" shows the quota as it would be: 1 of 5 keeps within it.
    first = page.locator("article.classify-row", has_text="Đỗ Thị Giỏi")
    first.get_by_label("Mức xếp loại kết luận").select_option(label="Hoàn thành xuất sắc nhiệm vụ")
    expect(quota).to_contain_text("1 người xếp loại “xuất sắc” trên 5 người")
    expect(quota).to_contain_text("nếu lưu")
    first.get_by_role("button", name="Lưu kết quả xếp loại").click()
    expect(
        page.locator("article.classify-row", has_text="Đỗ Thị Giỏi").locator(".badge.good")
    ).to_be_visible()

    # A second would be over: the preview says so, the save is refused with the numbers.
    second = page.locator("article.classify-row", has_text="Hồ Văn Giỏi")
    second.get_by_label("Mức xếp loại kết luận").select_option(label="Hoàn thành xuất sắc nhiệm vụ")
    expect(quota).to_contain_text("2 người xếp loại “xuất sắc” trên 5 người")
    second.get_by_role("button", name="Lưu kết quả xếp loại").click()
    second = page.locator("article.classify-row", has_text="Hồ Văn Giỏi")
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("tối đa 1 người (20%)")
    problems += check_page(page, "quota refused", 1366)

    # With the competent authority's decision recorded, the exception is allowed.
    second.get_by_label(re.compile("Quyết định của cấp có thẩm quyền")).fill(
        "Quyết định số 45/QĐ-UBND ngày 15/12/2026 của UBND tỉnh"
    )
    second.get_by_role("button", name="Lưu kết quả xếp loại").click()
    second = page.locator("article.classify-row", has_text="Hồ Văn Giỏi")
    expect(second.get_by_text("Vượt tỷ lệ theo: Quyết định số 45/QĐ-UBND")).to_be_visible()
    problems += check_page(page, "exception", 1366)
    assert not problems, "\n".join(problems)

    db.session.rollback()
    levels = dict(
        db.session.execute(db.select(Classification.person_id, Classification.level)).all()
    )
    assert levels[people["Hồ Văn Giỏi"].id] == "excellent"
    assert levels[people["Vũ Văn Tốt"].id] == "good"


def test_the_heads_people_pages_fit_a_phone(phone, live_server, units, users):
    own = units["own"]
    framework = default_framework()
    boss = Person(
        unit_id=own.id,
        full_name="Trần Thị Bình",
        is_leader=True,
        duty_group="Lãnh đạo",
        position="Chánh Văn phòng",
        code="CB01",
    )
    db.session.add(boss)
    db.session.flush()
    an = Person(
        unit_id=own.id,
        full_name="Nguyễn Văn An",
        duty_group="Chuyên viên",
        manager_id=boss.id,
        user_id=users["officer"].id,
        code="CB02",
    )
    db.session.add(an)
    db.session.flush()
    db.session.add(
        PersonPeriod(
            person_id=an.id,
            unit_id=own.id,
            framework_id=framework.id,
            year=YEAR,
            kind="month",
            number=1,
            status="confirmed",
            self_values={},
            self_points=Decimal(91),
            points=Decimal(91),
        )
    )
    db.session.commit()
    page = phone
    problems: list[str] = []
    sign_in(page, live_server, "head")
    for where, path in [
        ("staff", "/people/"),
        ("person", f"/people/{an.id}"),
        ("edit", f"/people/{an.id}/edit"),
        ("import", "/people/import"),
        ("team", f"/people/team?year={YEAR}&number=1"),
        ("settings", "/people/settings"),
        ("year", f"/people/{an.id}/year/{YEAR}"),
        ("history", f"/people/{an.id}/history"),
        ("classification", f"/people/classification?year={YEAR}"),
    ]:
        answer = page.goto(live_server + path)
        assert answer is not None and answer.ok, f"{where}: {answer and answer.status}"
        problems += check_page(page, where, 390)
    assert not problems, "\n".join(problems)
