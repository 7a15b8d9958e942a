"""The demo department's people: a dozen in two groups, three months of tasks (one delay and one
quality error among them), the yearly classification under way for the demo head, and the demo
officer's account linked to their own record."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from reform.extensions import db
from reform.models import Person, Unit, User
from reform.scoring.classification import EXCELLENT, GOOD
from reform.services.people import classification, tasks
from reform.services.phases import today

DEPARTMENT = "STP"
SEED = 335
LEADERS = "Lãnh đạo"
SPECIALISTS = "Chuyên viên"
# (staff number, full name, post, group, manager's staff number, demo account)
STAFF = [
    ("STP01", "Nguyễn Văn Bình", "Giám đốc", LEADERS, None, "head"),
    ("STP02", "Trần Thị Thu Hà", "Chánh Văn phòng", LEADERS, "STP01", None),
    ("STP03", "Lê Minh Tuấn", "Trưởng phòng Hành chính tư pháp", LEADERS, "STP01", None),
    ("STP04", "Vũ Thị Hồng", "Trưởng phòng Xây dựng và kiểm tra văn bản", LEADERS, "STP01", None),
    ("STP05", "Đỗ Thị Lan Anh", "Chuyên viên", SPECIALISTS, "STP02", "officer"),
    ("STP06", "Phạm Quốc Huy", "Chuyên viên", SPECIALISTS, "STP02", None),
    ("STP07", "Hoàng Văn Nam", "Chuyên viên", SPECIALISTS, "STP03", None),
    ("STP08", "Bùi Thị Mai", "Chuyên viên chính", SPECIALISTS, "STP03", None),
    ("STP09", "Ngô Đức Thắng", "Chuyên viên", SPECIALISTS, "STP03", None),
    ("STP10", "Đặng Thu Trang", "Chuyên viên", SPECIALISTS, "STP04", None),
    ("STP11", "Phan Văn Khánh", "Chuyên viên chính", SPECIALISTS, "STP04", None),
    ("STP12", "Lý Thị Ngọc", "Chuyên viên", SPECIALISTS, "STP04", None),
]
PRODUCTS = [
    ("Dự thảo văn bản quy phạm pháp luật", Decimal(2)),
    ("Báo cáo chuyên đề", Decimal("1.5")),
    ("Thẩm định hồ sơ", Decimal(1)),
    ("Văn bản trả lời kiến nghị", Decimal(1)),
    ("Kiểm tra văn bản", Decimal("1.5")),
]
# The person with the recorded delay and the major quality error, and the month it happened.
FAULTY = "STP06"


def _months(day: date) -> list[tuple[int, int]]:
    """The three whole months before the day's month, as (year, month)."""
    out = []
    year, month = day.year, day.month
    for _ in range(3):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append((year, month))
    return list(reversed(out))


def load_demo_people(by_code: dict[str, Unit]) -> int:
    """Create the demo department's people and their periods; how many people."""
    unit = by_code.get(DEPARTMENT)
    if unit is None:
        return 0
    accounts = {
        user.username: user
        for user in db.session.scalars(select(User).where(User.username.in_(["head", "officer"])))
    }
    head = accounts.get("head")
    if head is None:
        return 0
    people: dict[str, Person] = {}
    for code, name, post, group, manager, account in STAFF:
        person = Person(
            unit_id=unit.id,
            code=code,
            full_name=name,
            position=post,
            is_leader=group == LEADERS,
            duty_group=group,
            manager_id=people[manager].id if manager else None,
            user_id=accounts[account].id if account in accounts else None,
        )
        db.session.add(person)
        db.session.flush()
        people[code] = person
    db.session.commit()
    chooser = random.Random(SEED)
    months = _months(today())
    # Those who are led first, so that each leader's periods take their people's figures.
    order = [people[code] for code, *_rest in reversed(STAFF)]
    for index, (year, month) in enumerate(months):
        last = index == len(months) - 1
        for person in order:
            _month(
                person,
                year,
                month,
                head,
                chooser,
                faulty=person.code == FAULTY and index == 1,
                confirm=not last or person.code not in ("STP05", "STP06", "STP07"),
            )
    _classification(people, months[-1][0], head)
    return len(people)


def _month(
    person: Person,
    year: int,
    month: int,
    head: User,
    chooser: random.Random,
    *,
    faulty: bool,
    confirm: bool,
) -> None:
    """One month of one person: tasks, self-score, submission, and the manager's confirmation."""
    actor = person.user or head
    period = tasks.open_period(person, year, month, actor=actor)
    for position, (name, weight) in enumerate(chooser.sample(PRODUCTS, 3)):
        done = faulty or chooser.random() > 0.08
        data = tasks.TaskData(
            name=name,
            weight=weight,
            completed=done,
            quality_met=done,
            errors=1 if faulty and position == 0 else 0,
            delays=1 if faulty and position == 1 else 0,
        )
        tasks.add_task(period, data, actor=actor)
    values = {f"A.{n}": str(chooser.choice(["5.5", "6", "6", "6"])) for n in range(1, 6)}
    tasks.save_self(period, values, version=period.version, actor=actor)
    if person.user is None or confirm:
        tasks.submit(period, version=period.version, actor=actor)
    if not confirm:
        return
    manager = person.manager
    reviewer = manager.user if manager is not None and manager.user is not None else head
    if reviewer.id == person.user_id:
        return  # the head's own sheet waits for whoever reviews the head
    adjusted = dict(values)
    comment = ""
    if faulty:
        adjusted["A.3"] = "5"
        comment = "Một sản phẩm chậm tiến độ, một sản phẩm có sai sót lớn về nội dung."
    tasks.review(period, adjusted, comment, version=period.version, actor=reviewer)


def _classification(people: dict[str, Person], year: int, head: User) -> None:
    """The demo head's classification of the year, started: proposals in, a few concluded."""
    officer = people["STP05"]
    if officer.user is not None:
        classification.save_self_assessment(
            officer,
            year,
            "Hoàn thành đầy đủ, đúng hạn các nhiệm vụ được giao; chủ động đề xuất cải tiến quy "
            "trình thẩm định hồ sơ.",
            EXCELLENT,
            version=None,
            actor=officer.user,
        )
    for code in ("STP08", "STP09", "STP10", "STP11", "STP12"):
        person = people[code]
        found = classification.year_figures(person, year)
        if found.computed in (EXCELLENT, GOOD):
            classification.conclude(person, year, GOOD, "", "", version=None, actor=head)
