"""The demo province: units, one account per role, past results, campaigns under way (the
emulation year in `reform.services.demo_emulation`)."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from flask import current_app
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import Block, Campaign, Framework, Submission, Unit, User
from reform.models.submissions import APPRAISAL, SELF, SURVEY
from reform.scoring import (
    ChoiceRule,
    DeductionRule,
    ManualRule,
    Node,
    NumberRule,
    RatioRule,
    SurveyRule,
    YesNoRule,
)
from reform.scoring import Framework as ScoringFramework
from reform.scoring.numbers import fmt_plain
from reform.services.assessment import criteria_by_code, parsed_framework
from reform.services.campaigns import PhaseDates, create_campaign
from reform.services.phases import today
from reform.services.units import get_or_create_block
from reform.services.users import create_user

DEMO_PASSWORD = "reform-demo"
PROVINCE = ("UBND-HS", "Ủy ban nhân dân tỉnh Hòa Sơn", "province")
PROVINCE_PLACE, PROVINCE_ABBREVIATION = "Hòa Sơn", "UBND"

DEPARTMENTS = [
    ("VP-UBND", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("SNV", "Sở Nội vụ"),
    ("STP", "Sở Tư pháp"),
    ("STC", "Sở Tài chính"),
    ("SCT", "Sở Công Thương"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường"),
    ("SXD", "Sở Xây dựng"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SYT", "Sở Y tế"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo"),
    ("SNGV", "Sở Ngoại vụ"),
    ("TTT", "Thanh tra tỉnh"),
]
WARDS = [
    ("P-HOABINH", "Phường Hòa Bình"),
    ("P-DONGTHANH", "Phường Đông Thành"),
    ("P-BACSON", "Phường Bắc Sơn"),
    ("P-TANAN", "Phường Tân An"),
    ("P-PHULOI", "Phường Phú Lợi"),
    ("P-HACTHANH", "Phường Hạc Thành"),
    ("P-QUANGTRUNG", "Phường Quang Trung"),
    ("P-DIENBIEN", "Phường Điện Biên"),
    ("P-NGOCTRAO", "Phường Ngọc Trạo"),
    ("P-AMSON", "Phường Âm Sơn"),
]
COMMUNES = [
    ("X-LAMSON", "Xã Lam Sơn", "commune"),
    ("X-THOXUAN", "Xã Thọ Xuân", "commune"),
    ("X-DONGTIEN", "Xã Đông Tiến", "commune"),
    ("X-YENDINH", "Xã Yên Định", "commune"),
    ("X-QUANGPHU", "Xã Quảng Phú", "commune"),
    ("X-HOANGHOA", "Xã Hoằng Hóa", "commune"),
    ("X-NGASON", "Xã Nga Sơn", "commune"),
    ("X-TIENLANG", "Xã Tiên Lãng", "commune"),
    ("X-UYENLANG", "Xã Uyên Lãng", "commune"),
    ("DK-HONME", "Đặc khu Hòn Mê", "special_zone"),
]
PUBLIC_SERVICE = [
    ("TT-HCC", "Trung tâm Phục vụ hành chính công tỉnh", "VP-UBND"),
    ("TT-LTLS", "Trung tâm Lưu trữ lịch sử tỉnh", "SNV"),
    ("TT-TGPL", "Trung tâm Trợ giúp pháp lý nhà nước", "STP"),
]
# (username, full name, roles, unit code)
ACCOUNTS = [
    ("admin", "Quản trị hệ thống", ["admin"], None),
    ("secretariat", "Trần Thị Thu Hà", ["secretariat"], "SNV"),
    ("evaluator", "Lê Minh Đức", ["evaluator"], "SNV"),
    ("leader", "Phạm Quốc Hưng", ["leader"], "UBND-HS"),
    ("head", "Nguyễn Văn Bình", ["head"], "STP"),
    ("officer", "Đỗ Thị Lan Anh", ["officer"], "STP"),
]


# The series whose past years the demo imports, with the blocks ranked in each (block code,
# the units' codes): departments for PAR-DEPT; wards, then communes and the special zone for
# PAR-COMMUNE, each block ranked on its own as the published tables were.
HISTORY_SERIES = {
    "PAR-DEPT": [("SBN", [code for code, _ in DEPARTMENTS])],
    "PAR-COMMUNE": [
        ("PHUONG", [code for code, _ in WARDS]),
        ("XA", [code for code, _, _ in COMMUNES]),
    ],
}
HISTORY_SEED = 2025
HISTORY_FILE = "demo-history.csv"


class DemoRefused(RuntimeError):
    """Demo accounts must never exist on a production system."""


def load_demo() -> list[tuple[str, str]]:
    """Create the demo units, history, accounts and campaigns; return (username, roles) pairs."""
    if current_app.config["ENV"] == "production":
        raise DemoRefused("REFORM_ENV=production: demo accounts are never created in production.")
    if db.session.scalar(select(User).where(User.username.in_([a[0] for a in ACCOUNTS]))):
        raise DemoRefused("Demo accounts already exist.")

    def unit(code: str, name: str, kind: str, parent: Unit | None, block: Block | None) -> Unit:
        found = db.session.scalar(select(Unit).where(Unit.code == code))
        if found is None:
            found = Unit(code=code, name=name, kind=kind, parent=parent, block=block)
            db.session.add(found)
        return found

    province = unit(*PROVINCE, None, None)
    # What the official reports are dated and numbered with: "Hòa Sơn, ngày …", "Số: …/BC-UBND".
    province.place, province.abbreviation = PROVINCE_PLACE, PROVINCE_ABBREVIATION
    dept_block = get_or_create_block("SBN", "Sở, ban, ngành")
    ward_block = get_or_create_block("PHUONG", "Phường")
    commune_block = get_or_create_block("XA", "Xã, đặc khu")
    by_code = {province.code: province}
    for code, name in DEPARTMENTS:
        by_code[code] = unit(code, name, "department", province, dept_block)
    for code, name in WARDS:
        by_code[code] = unit(code, name, "ward", province, ward_block)
    for code, name, kind in COMMUNES:
        by_code[code] = unit(code, name, kind, province, commune_block)
    for code, name, parent in PUBLIC_SERVICE:
        by_code[code] = unit(code, name, "public_service", by_code[parent], None)
    db.session.commit()

    from reform.frameworks import sample_paths
    from reform.services.frameworks import import_framework

    for path in sample_paths():
        import_framework(path.read_bytes())
    load_demo_history(by_code)

    created = []
    for username, full_name, roles, unit_code in ACCOUNTS:
        create_user(
            username,
            full_name,
            roles,
            unit=by_code.get(unit_code) if unit_code else None,
            password=DEMO_PASSWORD,
            is_demo=True,
        )
        created.append((username, ", ".join(roles)))
    load_demo_campaigns(by_code)
    from reform.services.people.demo import load_demo_people

    load_demo_people(by_code)
    return created


def load_demo_history(by_code: dict[str, Unit]) -> int:
    """Import the two years before each demo series' framework version; how many rows."""
    # A fixed seed gives the same figures on every machine; the first rankings already show
    # places gained or lost and the unit profiles a trend.
    from reform.scoring import Entry, rank
    from reform.services.history import import_history

    chooser = random.Random(HISTORY_SEED)
    published_year = (PUBLISHED_CAMPAIGN[2], PUBLISHED_YEAR)
    stored = 0
    for framework_code, blocks in HISTORY_SERIES.items():
        latest = db.session.scalar(
            select(func.max(Framework.version)).where(Framework.code == framework_code)
        )
        if latest is None:
            continue
        first = latest - 2
        lines = ["year,unit_code,points,index,rank"]
        for _block, codes in blocks:
            # Each unit starts from its own level and moves a few points a year, so ranks shift.
            figures = {code: [Decimal(chooser.randint(7400, 9300)) / 100] for code in codes}
            for code in codes:
                step = Decimal(chooser.randint(-350, 450)) / 100
                figures[code].append(min(figures[code][0] + step, Decimal(99)))
            for offset in (0, 1):
                if (framework_code, first + offset) == published_year:
                    continue  # published in the app by the demo (_published_campaign)
                entries = [Entry(c, by_code[c].name, figures[c][offset]) for c in codes]
                for ranked in rank(entries):
                    shown = f"{ranked.shown:.2f}"
                    lines.append(
                        f"{first + offset},{ranked.item.key},{shown},{shown},{ranked.rank}"
                    )
        report = import_history(
            ("\n".join(lines) + "\n").encode("utf-8"),
            framework_code=framework_code,
            filename=HISTORY_FILE,
        )
        if not report.ok:
            raise RuntimeError(f"demo history of {framework_code}: {report.errors}")
        stored += report.stored
    return stored


# ---- two campaigns under way -------------------------------------------------------------

# (code, name, framework code): the departments are filling their self-assessments; the wards
# and communes have submitted theirs and the council is appraising them.
DEPARTMENT_CAMPAIGN = ("CCHC-SBN-2025", "Chỉ số CCHC các sở, ban, ngành năm 2025", "PAR-DEPT")
COMMUNE_CAMPAIGN = ("CCHC-XA-2025", "Chỉ số CCHC phường, xã năm 2025", "PAR-COMMUNE")
CAMPAIGN_YEAR = 2025
CAMPAIGN_SEED = 2026
# Last year's department index, appraised and published in the app: the public results page has
# something to show, and this year's ranking compares with it. Its own seed leaves the figures
# of the two campaigns under way as they were.
PUBLISHED_CAMPAIGN = ("CCHC-SBN-2024", "Chỉ số CCHC các sở, ban, ngành năm 2024", "PAR-DEPT")
PUBLISHED_YEAR = 2024
PUBLISHED_SEED = 2024
SUBMITTED_STAGE, COMPLETE_STAGE, PARTIAL_STAGE = "submitted", "complete", "partial"
# How far the other departments have come (the demo department holds a short draft of its own);
# the departments not counted here have not started.
DEPARTMENT_PROGRESS = ((SUBMITTED_STAGE, 3), (COMPLETE_STAGE, 1), (PARTIAL_STAGE, 7))
# The share of criteria needing evidence that have it: all when submitted (it is required),
# fewer in drafts, whose check lists then show what still lacks evidence.
EVIDENCE_SHARE = {SUBMITTED_STAGE: 1.0, COMPLETE_STAGE: 0.6, PARTIAL_STAGE: 0.3}
# How many criteria the demo officer has filled so far.
OWN_DRAFT_CRITERIA = 5
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Hồ", "Ngô", "Dương")
MIDDLE_NAMES = ("Văn", "Thị", "Minh", "Quốc", "Thanh", "Hữu", "Đức", "Ngọc", "Xuân", "Hồng")
GIVEN_NAMES = (
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Khánh",
    "Lâm", "Linh", "Long", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo",
    "Thắng", "Trang", "Trung", "Tuấn", "Vân", "Yến",
)  # fmt: skip
APPRAISAL_COMMENTS = (
    "Tài liệu kiểm chứng chưa thể hiện đầy đủ kết quả; Hội đồng chấm theo số liệu đã xác minh.",
    "Số liệu tự đánh giá chưa khớp với dữ liệu trên Hệ thống thông tin giải quyết TTHC.",
    "Văn bản được ban hành sau thời hạn quy định.",
    "Báo cáo gửi chậm so với thời hạn; chấm ở mức thấp hơn.",
    "Chưa có tài liệu chứng minh kết quả đã được đưa vào áp dụng.",
)


def _evidence_pdf() -> bytes:
    """A one-page PDF that stands in for the scanned documents units attach as evidence."""
    text = b"Tai lieu kiem chung mau - du lieu trinh dien (demo)"
    stream = b"BT /F1 14 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


@contextmanager
def _as_of(day: date) -> Iterator[None]:
    """Run the services as on an earlier day, so that day's phase rules decide what is allowed."""
    config = current_app.config
    before = config.get("TODAY")
    config["TODAY"] = day.isoformat()
    try:
        yield
    finally:
        if before is None:
            config.pop("TODAY", None)
        else:
            config["TODAY"] = before


def load_demo_campaigns(by_code: dict[str, Unit]) -> list[Campaign]:
    """The two campaigns under way, built through the same services people use."""
    staff = {
        user.username: user
        for user in db.session.scalars(
            select(User).where(User.username.in_([a[0] for a in ACCOUNTS]))
        )
    }
    chooser = random.Random(CAMPAIGN_SEED)
    heads = _unit_heads(by_code, staff["head"], chooser)
    made = []
    framework = _latest_framework(DEPARTMENT_CAMPAIGN[2])
    if framework is not None:
        made.append(_department_campaign(framework, by_code, heads, staff, chooser))
    framework = _latest_framework(COMMUNE_CAMPAIGN[2])
    if framework is not None:
        made.append(_commune_campaign(framework, by_code, heads, staff, chooser))
    framework = _latest_framework(PUBLISHED_CAMPAIGN[2])
    if framework is not None:
        made.append(
            _published_campaign(framework, by_code, heads, staff, random.Random(PUBLISHED_SEED))
        )
    from reform.services.demo_emulation import DemoKit, load_demo_emulation

    kit = DemoKit(
        latest_framework=_latest_framework,
        evidence_pdf=_evidence_pdf,
        names=(FAMILY_NAMES, MIDDLE_NAMES, GIVEN_NAMES),
        appraisal_comments=APPRAISAL_COMMENTS,
        as_of=_as_of,
        criteria=_criteria,
        import_values=_import,
        lower_value=_lower_value,
        self_assess=_self_assess,
        submissions=_submissions,
        unit_values=_unit_values,
    )
    emulation = load_demo_emulation(by_code, heads, staff, kit)
    if emulation is not None:
        made.append(emulation)
    return made


def _latest_framework(code: str) -> Framework | None:
    """The newest version of a framework, or None when it is not imported."""
    return db.session.scalar(
        select(Framework).where(Framework.code == code).order_by(Framework.version.desc())
    )


@contextmanager
def _light_hashing() -> Iterator[None]:
    """Hash with the lightest Argon2 cost while the unit heads' accounts are made.

    Their passwords are random (72 bits), shown to nobody and to be changed at first sign-in,
    so no cost setting could make them guessable, while the configured cost would add over ten
    seconds to `make run` for thirty accounts. Passwords set later use the configured cost.
    """
    config = current_app.config
    keys = ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST_KIB", "ARGON2_PARALLELISM")
    before = {key: config[key] for key in keys}
    config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_COST_KIB=1024, ARGON2_PARALLELISM=1)
    try:
        yield
    finally:
        config.update(before)


def _unit_heads(
    by_code: dict[str, Unit], demo_head: User, chooser: random.Random
) -> dict[str, User]:
    """A head for every department, ward and commune (the demo head keeps their own unit)."""
    heads = {demo_head.unit.code: demo_head}
    codes = [c for c, _ in DEPARTMENTS] + [c for c, _ in WARDS] + [c for c, _, _ in COMMUNES]
    with _light_hashing():
        for code in codes:
            if code in heads:
                continue
            parts = (FAMILY_NAMES, MIDDLE_NAMES, GIVEN_NAMES)
            name = " ".join(chooser.choice(part) for part in parts)
            # Not demo accounts: no password is handed out. They exist so that each unit has
            # a head who submits; an administrator resets one to sign in as that head.
            heads[code], _temporary = create_user(
                f"head.{code.lower()}", name, ["head"], unit=by_code[code]
            )
    return heads


def _submissions(campaign: Campaign) -> dict[str, Submission]:
    """The campaign's submissions by unit code."""
    rows = db.session.execute(
        select(Submission, Unit.code)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id)
    ).all()
    return {code: submission for submission, code in rows}


def _criteria(fw: ScoringFramework, kind: str) -> tuple[list[Node], list[Node], list[Node]]:
    """The leaves applying to a unit kind: (to fill, bonus or penalty, survey), in file order."""
    to_fill: list[Node] = []
    extra: list[Node] = []
    survey: list[Node] = []

    def walk(nodes, is_extra: bool) -> None:
        for node in nodes:
            if not node.applies_to_kind(kind):
                continue
            here = is_extra or node.bonus or node.penalty
            if not node.is_leaf:
                walk(node.children, here)
            elif node.is_survey:
                survey.append(node)
            else:
                (extra if here else to_fill).append(node)

    walk(fw.criteria, False)
    return to_fill, extra, survey


def _on_step(value: Decimal, step: Decimal | None) -> Decimal:
    """The value rounded down to a multiple of the step (to cents without a step)."""
    step = step or Decimal("0.01")
    return (value / step).to_integral_value(ROUND_FLOOR) * step


def _raw_value(node: Node, level: float, chooser: random.Random) -> str:
    """A valid raw input for the node's rule (section 3.2) earning about `level` of its max."""
    rule = node.rule
    aim = min(1.0, max(0.0, chooser.gauss(level, 0.12)))
    share = Decimal(str(round(aim, 2)))
    if isinstance(rule, SurveyRule):
        # Citizens' satisfaction is rarely at either end of the scale.
        return fmt_plain(_on_step(rule.max * (Decimal("0.6") + share * Decimal("0.38")), rule.step))
    if isinstance(rule, ManualRule):
        return fmt_plain(_on_step(rule.max * share, rule.step))
    if isinstance(rule, YesNoRule):
        return "yes" if aim >= 0.3 else "no"
    if isinstance(rule, ChoiceRule):
        top = rule.max or Decimal(1)
        return min(rule.options, key=lambda o: (abs(o.points / top - share), -o.points)).label
    if isinstance(rule, RatioRule):
        total = chooser.randint(12, 240)
        done = total if aim > 0.9 else min(total, round(total * (0.6 + 0.4 * aim)))
        return f"{done}/{total}"
    if isinstance(rule, NumberRule):
        if not rule.tiers or aim < 0.2:
            return "0"
        tier = rule.tiers[min(len(rule.tiers) - 1, int(aim * len(rule.tiers)))]
        return fmt_plain(tier.min)
    if isinstance(rule, DeductionRule):
        return "0" if aim >= 0.6 else str(chooser.randint(1, 2))
    raise TypeError(f"no demo value for a {type(rule).__name__}")


def _points(node: Node, raw: str) -> Decimal:
    """The points a raw value earns under the node's rule."""
    return node.rule.points(node.parse_value(raw))


def _lower_value(node: Node, raw: str) -> str | None:
    """A value earning fewer points than `raw`, as a council finds on checking; None if none."""
    rule = node.rule
    candidates: list[str] = []
    if isinstance(rule, ChoiceRule):
        candidates = [o.label for o in sorted(rule.options, key=lambda o: -o.points)]
    elif isinstance(rule, YesNoRule):
        candidates = ["no"]
    elif isinstance(rule, RatioRule):
        done, total = (int(part) for part in raw.split("/"))
        candidates = [f"{n}/{total}" for n in range(done - 1, -1, -1)]
    elif isinstance(rule, NumberRule):
        candidates = [fmt_plain(t.min - 1) for t in reversed(rule.tiers) if t.min >= 1]
    elif isinstance(rule, DeductionRule):
        candidates = [str(int(raw) + 1)]
    elif isinstance(rule, ManualRule):
        step = rule.step or Decimal("0.01")
        candidates = [fmt_plain(Decimal(raw) - step)] if Decimal(raw) >= step else []
    own = _points(node, raw)
    return next((c for c in candidates if _points(node, c) < own), None)


def _csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    """The import-scores file for the rows (unit_code, criterion_code, value, note)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("unit_code", "criterion_code", "value", "note"))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _import(campaign: Campaign, rows, *, stage: str, filename: str, actor: User) -> None:
    """Import the rows through the import-scores service; the demo's own data never fails."""
    from reform.services.scores_import import import_scores

    report = import_scores(campaign, _csv(rows), stage=stage, filename=filename, actor=actor)
    if not report.ok:
        raise RuntimeError(f"demo {stage} values of {campaign.code}: {report.errors}")


def _attach_evidence(submission: Submission, codes: list[str], user: User) -> None:
    """The unit attaches its documents to these criteria, one file each."""
    from werkzeug.datastructures import FileStorage

    from reform.services.evidence import attach_each

    if not codes:
        return
    criteria = criteria_by_code(submission.campaign.framework)
    content = _evidence_pdf()
    files = [
        (
            criteria[code],
            FileStorage(io.BytesIO(content), filename=f"tai-lieu-kiem-chung-{code}.pdf"),
        )
        for code in codes
    ]
    attach_each(submission, files, user=user)


def _self_assess(
    submission: Submission,
    values: dict[str, str],
    fw: ScoringFramework,
    head: User,
    *,
    evidence_share: float,
    chooser: random.Random,
) -> None:
    """The unit enters its values and attaches evidence to a share of the criteria needing it."""
    if not values:
        return
    # The documents go in first: each attachment then rescores a still empty form, which keeps
    # the demo load fast; the import below brings every stored figure up to date.
    needing = [c for c in values if fw.node(c).evidence == "required"]
    _attach_evidence(submission, [c for c in needing if chooser.random() < evidence_share], head)
    code = submission.unit.code
    rows = [(code, criterion, value, "") for criterion, value in values.items()]
    _import(
        submission.campaign,
        rows,
        stage=SELF,
        filename=f"tu-danh-gia-{code.lower()}.csv",
        actor=head,
    )


def _unit_values(
    fw: ScoringFramework, kind: str, level: float, chooser: random.Random
) -> dict[str, str]:
    """A complete self-assessment: every criterion to fill, and a bonus or penalty now and then."""
    to_fill, extra, _survey = _criteria(fw, kind)
    values = {node.code: _raw_value(node, level, chooser) for node in to_fill}
    for node in extra:
        # Bonus and penalty items are entered only when they arise.
        if chooser.random() < 0.25:
            values[node.code] = _raw_value(node, 0.5 if node.bonus else 0.3, chooser)
    return values


def _department_campaign(
    framework: Framework,
    by_code: dict[str, Unit],
    heads: dict[str, User],
    staff: dict[str, User],
    chooser: random.Random,
) -> Campaign:
    """Self-assessment open: some departments submitted, some drafting, two not started."""
    from reform.services.assessment import approve_and_submit, save_self_entry

    code, name, _fw = DEPARTMENT_CAMPAIGN
    day = today()
    campaign = create_campaign(
        code,
        name,
        framework,
        PhaseDates(
            self_opens_on=day - timedelta(days=20),
            self_closes_on=day + timedelta(days=10),
            appraisal_opens_on=day + timedelta(days=11),
            appraisal_closes_on=day + timedelta(days=40),
        ),
        units=[by_code[c] for c, _ in DEPARTMENTS],
        actor=staff["secretariat"],
        year=CAMPAIGN_YEAR,
    )
    fw = parsed_framework(framework)
    submissions = _submissions(campaign)
    own = staff["officer"].unit.code
    others = [c for c, _ in DEPARTMENTS if c != own]
    chooser.shuffle(others)
    stage_of: dict[str, str] = {}
    for stage, count in DEPARTMENT_PROGRESS:
        for unit_code in others[len(stage_of) : len(stage_of) + count]:
            stage_of[unit_code] = stage
    for unit_code, _name in DEPARTMENTS:
        stage = stage_of.get(unit_code)
        if stage is None:
            continue  # the demo department below, and the two that have not started
        submission = submissions[unit_code]
        values = _unit_values(fw, "department", chooser.uniform(0.62, 0.95), chooser)
        if stage == PARTIAL_STAGE:
            # Officers fill a form from the top: the first part of it, not a scattering.
            keep = round(len(values) * chooser.uniform(0.3, 0.75))
            values = dict(list(values.items())[:keep])
        _self_assess(
            submission,
            values,
            fw,
            heads[unit_code],
            evidence_share=EVIDENCE_SHARE[stage],
            chooser=chooser,
        )
        if stage == SUBMITTED_STAGE:
            approve_and_submit(submission, actor=heads[unit_code])
    # The demo department: the officer has begun, for the demo officer to go on with.
    officer, submission = staff["officer"], submissions[own]
    to_fill, _extra, _survey = _criteria(fw, "department")
    for node in to_fill[:OWN_DRAFT_CRITERIA]:
        save_self_entry(
            submission,
            node.code,
            value=_raw_value(node, 0.85, chooser),
            note=None,
            explanation=None,
            base_version=0,
            actor=officer,
        )
    first = next(n.code for n in to_fill[:OWN_DRAFT_CRITERIA] if n.evidence == "required")
    _attach_evidence(submission, [first], officer)
    return campaign


def _commune_campaign(
    framework: Framework,
    by_code: dict[str, Unit],
    heads: dict[str, User],
    staff: dict[str, User],
    chooser: random.Random,
) -> Campaign:
    """Appraisal open: every ward and commune submitted, half appraised, survey imported."""
    from reform.services.assessment import approve_and_submit
    from reform.services.assignments import assign
    from reform.services.publication import close_appraisal

    code, name, _fw = COMMUNE_CAMPAIGN
    day = today()
    block_codes = {"PHUONG": [c for c, _ in WARDS], "XA": [c for c, _, _ in COMMUNES]}
    members = [c for codes in block_codes.values() for c in codes]
    secretariat, evaluator = staff["secretariat"], staff["evaluator"]
    campaign = create_campaign(
        code,
        name,
        framework,
        PhaseDates(
            self_opens_on=day - timedelta(days=50),
            self_closes_on=day - timedelta(days=12),
            appraisal_opens_on=day - timedelta(days=11),
            appraisal_closes_on=day + timedelta(days=19),
        ),
        units=[by_code[c] for c in members],
        actor=secretariat,
        year=CAMPAIGN_YEAR,
    )
    fw = parsed_framework(framework)
    submissions = _submissions(campaign)
    values: dict[str, dict[str, str]] = {}
    # The units submitted while self-assessment was open.
    with _as_of(day - timedelta(days=15)):
        for unit_code in members:
            unit = by_code[unit_code]
            values[unit_code] = _unit_values(fw, unit.kind, chooser.uniform(0.68, 0.97), chooser)
            submission = submissions[unit_code]
            head = heads[unit_code]
            _self_assess(
                submission, values[unit_code], fw, head, evidence_share=1.0, chooser=chooser
            )
            approve_and_submit(submission, actor=head)
    survey_rows = [
        (unit_code, node.code, _raw_value(node, chooser.uniform(0.5, 0.95), chooser), "")
        for unit_code in members
        for node in _criteria(fw, by_code[unit_code].kind)[2]
    ]
    _import(
        campaign, survey_rows, stage=SURVEY, filename="dieu-tra-xa-hoi-hoc.csv", actor=secretariat
    )
    appraisal_rows: list[tuple[str, str, str, str]] = []
    closing: list[str] = []
    first_area = {n.code for n in fw.criteria[0].walk()}
    for block_code, codes in block_codes.items():
        block = db.session.scalar(select(Block).where(Block.code == block_code))
        assign(campaign, evaluator, block_id=block.id, actor=secretariat)
        order = list(codes)
        chooser.shuffle(order)
        appraised = order[: len(order) // 2]
        closing.append(appraised[0])
        # About half the units appraised in full; one more begun (its first area only).
        for unit_code in appraised + order[len(appraised) : len(appraised) + 1]:
            own = values[unit_code]
            in_full = unit_code in appraised
            codes_seen = [
                c
                for c in own
                if (in_full or c in first_area) and not (fw.node(c).bonus or fw.node(c).penalty)
            ]
            # The council finds a few criteria scored too high, and says why.
            count = chooser.randint(2, 4) if in_full else 1
            lowered = set(chooser.sample(codes_seen, min(len(codes_seen), count)))
            for criterion in codes_seen:
                value, note = own[criterion], ""
                if criterion in lowered:
                    lower = _lower_value(fw.node(criterion), value)
                    if lower is not None:
                        value, note = lower, chooser.choice(APPRAISAL_COMMENTS)
                appraisal_rows.append((unit_code, criterion, value, note))
    _import(
        campaign,
        appraisal_rows,
        stage=APPRAISAL,
        filename="tham-dinh-dot-1.csv",
        actor=evaluator,
    )
    # The council has signed off one unit per block.
    for unit_code in closing:
        close_appraisal(submissions[unit_code], actor=secretariat)
    return campaign


def _version_for_year(framework: Framework, year: int) -> Framework:
    """The framework's version for an earlier year: the sample's text under that version."""
    from reform.services.frameworks import get_version, import_framework

    found = get_version(framework.code, year)
    if found is not None:
        return found
    definition = dict(framework.definition)
    definition["version"] = year
    definition["name"] = definition["name"].replace(str(framework.version), str(year))
    return import_framework(definition)


def _published_campaign(
    latest: Framework,
    by_code: dict[str, Unit],
    heads: dict[str, User],
    staff: dict[str, User],
    chooser: random.Random,
) -> Campaign:
    """Last year's departments: submitted, surveyed, appraised, closed and published."""
    from reform.services.assessment import approve_and_submit
    from reform.services.publication import close_appraisal, publish

    code, name, _fw = PUBLISHED_CAMPAIGN
    framework = _version_for_year(latest, PUBLISHED_YEAR)
    day = today()
    secretariat = staff["secretariat"]
    members = [c for c, _ in DEPARTMENTS]
    campaign = create_campaign(
        code,
        name,
        framework,
        PhaseDates(
            self_opens_on=day - timedelta(days=400),
            self_closes_on=day - timedelta(days=370),
            appraisal_opens_on=day - timedelta(days=369),
            appraisal_closes_on=day - timedelta(days=340),
        ),
        units=[by_code[c] for c in members],
        actor=secretariat,
        year=PUBLISHED_YEAR,
    )
    fw = parsed_framework(framework)
    submissions = _submissions(campaign)
    values: dict[str, dict[str, str]] = {}
    with _as_of(day - timedelta(days=380)):
        for unit_code in members:
            values[unit_code] = _unit_values(fw, "department", chooser.uniform(0.66, 0.96), chooser)
            head = heads[unit_code]
            _self_assess(
                submissions[unit_code],
                values[unit_code],
                fw,
                head,
                evidence_share=1.0,
                chooser=chooser,
            )
            approve_and_submit(submissions[unit_code], actor=head)
    survey_rows = [
        (unit_code, node.code, _raw_value(node, chooser.uniform(0.5, 0.95), chooser), "")
        for unit_code in members
        for node in _criteria(fw, "department")[2]
    ]
    # The council checked every unit and lowered a few figures, with its reasons.
    appraisal_rows: list[tuple[str, str, str, str]] = []
    for unit_code in members:
        own = values[unit_code]
        seen = [c for c in own if not (fw.node(c).bonus or fw.node(c).penalty)]
        lowered = set(chooser.sample(seen, min(len(seen), chooser.randint(1, 3))))
        for criterion in seen:
            value, note = own[criterion], ""
            if criterion in lowered:
                lower = _lower_value(fw.node(criterion), value)
                if lower is not None:
                    value, note = lower, chooser.choice(APPRAISAL_COMMENTS)
            appraisal_rows.append((unit_code, criterion, value, note))
    with _as_of(day - timedelta(days=350)):
        _import(
            campaign,
            survey_rows,
            stage=SURVEY,
            filename="dieu-tra-xa-hoi-hoc-2024.csv",
            actor=secretariat,
        )
        _import(
            campaign,
            appraisal_rows,
            stage=APPRAISAL,
            filename="tham-dinh-2024.csv",
            actor=secretariat,
        )
        for unit_code in members:
            close_appraisal(submissions[unit_code], actor=secretariat)
    # Through the same service as the secretariat's button: readiness checked, hash stored.
    publish(campaign, actor=secretariat)
    return campaign
