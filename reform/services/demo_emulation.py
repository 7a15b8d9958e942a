"""The demo's emulation year: a movement, its campaign of the departments in two clusters, the
pledges, the registrations, the sheets self-scored and cross-reviewed, and a vote under way.

The year is compressed into one moment so that every demo account has a step to take: the
pledge of the demo head's cluster waits for the last signatures (the demo head's among them),
registration is still open and the demo department's is a draft its officer is editing, the
sheets were submitted and cross-reviewed (the other cluster's head has two left), and the demo
head's cluster is voting. Everything goes through the services people use, with their checks,
audit and notices.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from reform.extensions import db
from reform.models import Ballot, Campaign, Cluster, Framework, Title, Unit, User
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD, MEMBER
from reform.models.submissions import APPRAISAL
from reform.scoring import ChoiceRule
from reform.scoring.ballot import MORE_THAN_HALF
from reform.services.phases import today

# (code, name, launching authority): the year's movement of the demo province.
MOVEMENT = (
    "TDNV-2025",
    "Thi đua thực hiện thắng lợi nhiệm vụ phát triển kinh tế – xã hội năm 2025",
    "Ủy ban nhân dân tỉnh Hòa Sơn",
)
MOVEMENT_STANDARDS = (
    "1. Hoàn thành toàn diện, vượt mức các chỉ tiêu, nhiệm vụ được giao trong năm.\n"
    "2. Đi đầu trong cải cách hành chính, chuyển đổi số; không có cán bộ, công chức vi phạm "
    "kỷ luật.\n"
    "3. Có mô hình mới, cách làm hay, sáng kiến được công nhận và nhân rộng."
)
# (code, name, framework code) of the campaign that scores the movement.
EMULATION_CAMPAIGN = ("TD-SBN-2025", "Thi đua các sở, ban, ngành năm 2025", "TD-KHOI")
EMULATION_YEAR = 2025
EMULATION_SEED = 2030
# The clusters: (code, name, [(unit code, role)]). The demo head's unit (Sở Tư pháp) heads the
# first; the departments are split as provinces usually split them.
CLUSTERS = (
    (
        "TH-NC",
        "Khối các cơ quan tổng hợp – nội chính",
        (
            ("STP", CLUSTER_HEAD),
            ("STC", CLUSTER_DEPUTY),
            ("VP-UBND", MEMBER),
            ("SNV", MEMBER),
            ("TTT", MEMBER),
            ("SNGV", MEMBER),
            ("SDTTG", MEMBER),
        ),
    ),
    (
        "KT-VHXH",
        "Khối các cơ quan kinh tế – văn hóa, xã hội",
        (
            ("SYT", CLUSTER_HEAD),
            ("SGDDT", CLUSTER_DEPUTY),
            ("SCT", MEMBER),
            ("SNNMT", MEMBER),
            ("SXD", MEMBER),
            ("SKHCN", MEMBER),
            ("SVHTTDL", MEMBER),
        ),
    ),
)
# Who has not signed the pledge yet (the demo head's unit among them, for the demo head to sign).
NOT_SIGNED = {"STP", "SNGV", "SDTTG", "SKHCN"}
# Who has not registered yet; the demo department's registration is a draft (see below).
NOT_REGISTERED = {"SVHTTDL"}
# Flags held, earning the sheet's bonus points (totals above 100): unit code -> the flag's rank
# among the bonus options (1: the highest, the Government's flag; 2: the province's).
FLAGS_HELD = {"SYT": 1, "SNV": 2, "SCT": 2, "STC": 2}
# Members not cross-reviewed yet: the other cluster's head is still at it (the demo head's
# cluster has finished, and votes).
NOT_REVIEWED = {"SKHCN", "SVHTTDL"}
# The titles each unit aims for, by the level of its own figure (collective; individuals).
COLLECTIVE_AIMS = ("TT-CTD-TINH", "TT-LDXS", "TT-LDXS", "TT-BK-TINH", "TT-LDTT")
INDIVIDUAL_AIMS = ("CN-CSTD-TINH", "CN-CSTD-CS", "CN-LDTT", "CN-BK-TINH")
JOB_TITLES = ("Giám đốc", "Phó Giám đốc", "Chánh Văn phòng", "Trưởng phòng", "Chuyên viên chính")
TARGETS = (
    "Hoàn thành 100% nhiệm vụ, chỉ tiêu được giao đúng tiến độ.",
    "100% hồ sơ thủ tục hành chính giải quyết đúng hạn, không có hồ sơ quá hạn.",
    "Không có cán bộ, công chức vi phạm kỷ luật; cơ quan đạt chuẩn văn hóa.",
    "Có ít nhất một sáng kiến được Hội đồng sáng kiến công nhận.",
)
# The vote of the demo head's cluster: (title code, seats, units of the ranking proposed).
BALLOT_ITEMS = (("TT-CTD-TINH", 1, 3), ("TT-BK-TINH", 2, 4))
BALLOT_DAYS = 3


@dataclass(frozen=True)
class DemoKit:
    """What the emulation year borrows from the province's demo, handed in by it (the demo
    imports this module, so this module does not import the demo back)."""

    latest_framework: Callable[[str], Framework | None]
    evidence_pdf: Callable[[], bytes]
    names: tuple[tuple[str, ...], ...]
    appraisal_comments: tuple[str, ...]
    as_of: Callable[..., Any]
    criteria: Callable[..., Any]
    import_values: Callable[..., Any]
    lower_value: Callable[..., Any]
    self_assess: Callable[..., Any]
    submissions: Callable[..., Any]
    unit_values: Callable[..., Any]


def load_demo_emulation(
    by_code: dict[str, Unit], heads: dict[str, User], staff: dict[str, User], kit: DemoKit
) -> Campaign | None:
    """The emulation year of the demo departments; None when the emulation sheet is absent."""
    framework = kit.latest_framework(EMULATION_CAMPAIGN[2])
    if framework is None:
        return None
    from reform.services.emulation.titles import load_default_titles

    load_default_titles()
    chooser = random.Random(EMULATION_SEED)
    campaign = _campaign(framework, by_code, staff["secretariat"], kit)
    clusters = _clusters(campaign, staff["secretariat"])
    _pledges(clusters, heads)
    _registrations(campaign, heads, staff, chooser, kit)
    _sheets(campaign, heads, chooser, kit)
    _ballot(clusters[0], heads, chooser)
    return campaign


def _campaign(
    framework: Framework, by_code: dict[str, Unit], secretariat: User, kit: DemoKit
) -> Campaign:
    """The movement, launched by the province, and the campaign of the departments scoring it;
    self-assessment is over, the clusters are appraising, registration is still open."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.emulation import movements
    from reform.services.emulation.registrations import set_deadline

    code, name, authority = MOVEMENT
    movement = movements.create_movement(
        movements.MovementData(
            code=code,
            name=name,
            authority=authority,
            period_kind="yearly",
            starts_on=date(EMULATION_YEAR, 1, 1),
            ends_on=date(EMULATION_YEAR, 12, 31),
            standards=MOVEMENT_STANDARDS,
        ),
        actor=secretariat,
    )
    from werkzeug.datastructures import FileStorage

    # The launching plan, as the secretariat attaches it (a stand-in document).
    plan = FileStorage(
        io.BytesIO(kit.evidence_pdf()), filename="ke-hoach-phat-dong-thi-dua-2025.pdf"
    )
    movements.attach_documents(movement, [plan], actor=secretariat)
    day = today()
    units = [by_code[unit] for _c, _n, members in CLUSTERS for unit, _role in members]
    campaign = create_campaign(
        EMULATION_CAMPAIGN[0],
        EMULATION_CAMPAIGN[1],
        framework,
        PhaseDates(
            self_opens_on=day - timedelta(days=45),
            self_closes_on=day - timedelta(days=8),
            appraisal_opens_on=day - timedelta(days=7),
            appraisal_closes_on=day + timedelta(days=14),
        ),
        units=units,
        actor=secretariat,
        year=EMULATION_YEAR,
    )
    movements.link_campaign(movement, campaign, actor=secretariat)
    set_deadline(campaign, day + timedelta(days=7), actor=secretariat)
    return campaign


def _clusters(campaign: Campaign, secretariat: User) -> list[Cluster]:
    """The two clusters, imported from the secretariat's CSV file as the import page does."""
    from reform.services.emulation.cluster_admin import import_clusters
    from reform.services.emulation.clusters import campaign_clusters

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("unit_code", "cluster_code", "cluster_name", "role"))
    for code, name, members in CLUSTERS:
        writer.writerows((unit, code, name, role) for unit, role in members)
    report = import_clusters(
        campaign,
        out.getvalue().encode("utf-8"),
        actor=secretariat,
        filename="cum-khoi-thi-dua-2025.csv",
    )
    if report.errors:
        raise RuntimeError(f"demo clusters: {report.errors}")
    by_code = {cluster.code: cluster for cluster in campaign_clusters(campaign)}
    return [by_code[code] for code, _n, _m in CLUSTERS]


def _leader(cluster_code: str, role: str = CLUSTER_HEAD) -> str:
    """The code of the cluster's head unit (or deputy unit)."""
    members = next(members for code, _name, members in CLUSTERS if code == cluster_code)
    return next(unit for unit, held in members if held == role)


def _cluster_head(cluster: Cluster, heads: dict[str, User]) -> User:
    """The user who acts as the cluster's head: a head of its head unit."""
    return heads[_leader(cluster.code)]


def _pledges(clusters: list[Cluster], heads: dict[str, User]) -> None:
    """Each cluster head sends the pledge written from the template; most members have signed."""
    from reform.services.emulation import pledges

    for cluster in clusters:
        pledge = pledges.save_text(
            cluster,
            pledges.template_text(cluster),
            base_version=0,
            actor=_cluster_head(cluster, heads),
            then_send=True,
        )
        for member in pledges.statuses(cluster, pledge):
            if member.member.unit.code not in NOT_SIGNED:
                pledges.sign(
                    cluster, base_version=pledge.version, actor=heads[member.member.unit.code]
                )


def _registrations(
    campaign: Campaign,
    heads: dict[str, User],
    staff: dict[str, User],
    chooser: random.Random,
    kit: DemoKit,
) -> None:
    """The units' registrations: submitted by their heads; the demo department's a draft its
    officer is still filling; one unit has not registered yet."""
    from reform.services.emulation.registrations import PersonRow, RegistrationInput, save

    titles = {t.code: t.id for t in db.session.scalars(select(Title))}
    officer = staff["officer"]
    for _code, _name, members in CLUSTERS:
        for unit, _role in members:
            if unit in NOT_REGISTERED:
                continue
            people = [
                PersonRow(
                    full_name=" ".join(chooser.choice(part) for part in kit.names),
                    job_title=chooser.choice(JOB_TITLES),
                    title_id=titles[chooser.choice(INDIVIDUAL_AIMS)],
                )
                for _n in range(chooser.randint(1, 3))
            ]
            data = RegistrationInput(
                title_id=titles[chooser.choice(COLLECTIVE_AIMS)],
                targets="\n".join(chooser.sample(TARGETS, 2)),
                people=people,
            )
            own = unit == officer.unit.code
            save(
                campaign,
                heads[unit].unit_id,
                data,
                base_version=0,
                actor=officer if own else heads[unit],
                then_submit=not own,
            )


def _sheets(
    campaign: Campaign, heads: dict[str, User], chooser: random.Random, kit: DemoKit
) -> None:
    """Every unit self-scored and submitted its sheet while self-assessment was open; each
    cluster's head then appraised its members (the deputy the head's own unit), but for the two
    the other cluster's head has still to do."""
    from reform.services.assessment import approve_and_submit, parsed_framework

    fw = parsed_framework(campaign.framework)
    extra = {node.code: node for node in kit.criteria(fw, "department")[1]}
    # The bonus for a flag already held: its options from the highest (the Government's flag).
    flag = next(node for node in extra.values() if isinstance(node.rule, ChoiceRule))
    flags = sorted(flag.rule.options, key=lambda option: -option.points)
    submissions = kit.submissions(campaign)
    values: dict[str, dict[str, str]] = {}
    with kit.as_of(campaign.self_closes_on - timedelta(days=3)):
        for _code, _name, members in CLUSTERS:
            for unit, _role in members:
                own = kit.unit_values(fw, "department", chooser.uniform(0.7, 0.97), chooser)
                own.pop(flag.code, None)
                if unit in FLAGS_HELD:
                    own[flag.code] = flags[FLAGS_HELD[unit] - 1].label
                values[unit] = own
                kit.self_assess(
                    submissions[unit], own, fw, heads[unit], evidence_share=1.0, chooser=chooser
                )
                approve_and_submit(submissions[unit], actor=heads[unit])
    for code, _name, members in CLUSTERS:
        head, deputy = _leader(code), _leader(code, CLUSTER_DEPUTY)
        by_reviewer: dict[str, list[tuple[str, str, str, str]]] = {head: [], deputy: []}
        for unit, _role in members:
            if unit in NOT_REVIEWED:
                continue
            reviewer = deputy if unit == head else head
            # Bonus and deduction items stand as the unit entered them, as in the index.
            seen = [c for c in values[unit] if c not in extra]
            lowered = set(chooser.sample(seen, chooser.randint(0, 2)))
            for criterion in seen:
                value, note = values[unit][criterion], ""
                if criterion in lowered:
                    lower = kit.lower_value(fw.node(criterion), value)
                    if lower is not None:
                        value, note = lower, chooser.choice(kit.appraisal_comments)
                by_reviewer[reviewer].append((unit, criterion, value, note))
        for reviewer, rows in by_reviewer.items():
            kit.import_values(
                campaign,
                rows,
                stage=APPRAISAL,
                filename=f"cham-cheo-{code.lower()}-{reviewer.lower()}.csv",
                actor=heads[reviewer],
            )


def _ballot(cluster: Cluster, heads: dict[str, User], chooser: random.Random) -> Ballot:
    """The demo head's cluster votes: the ballot is open and every other member has voted, so
    the demo head's vote completes the turnout and the head can close it."""
    from reform.services.emulation import ballots, voting

    chair = _cluster_head(cluster, heads)
    now = ballots.now().replace(second=0, microsecond=0)
    ballot = ballots.create_ballot(
        cluster,
        ballots.Settings(
            name=f"Họp bình xét, suy tôn danh hiệu thi đua năm {EMULATION_YEAR}",
            place=f"Hội trường {chair.unit.name}",
            opens_at=now - timedelta(hours=1),
            # The end of office hours, in the province's time, a few days from now.
            closes_at=ballots.parse_local(f"{today() + timedelta(days=BALLOT_DAYS)}T17:00"),
            rule=MORE_THAN_HALF,
            quorum=MORE_THAN_HALF,
        ),
        actor=chair,
    )
    titles = {t.code: t.id for t in db.session.scalars(select(Title))}
    for title, seats, proposed in BALLOT_ITEMS:
        ballots.add_item(
            ballot.id,
            {"title_id": str(titles[title]), "seats": str(seats), "proposed": str(proposed)},
            actor=chair,
        )
    ballots.open_ballot(ballot.id, actor=chair)
    db.session.expire_all()
    ballot = db.session.get(Ballot, ballot.id)
    for voter in voting.roll(ballot):
        unit = voter.unit.code
        if unit == chair.unit.code:
            continue
        picks = {}
        for item in ballot.items:
            # Most vote for the ranking's leaders; now and then a unit abstains on an item.
            if chooser.random() < 0.1:
                picks[item.id] = []
                continue
            weights = [len(item.candidates) - n for n in range(len(item.candidates))]
            chosen: list[int] = []
            while len(chosen) < min(item.seats, len(item.candidates)):
                pick = chooser.choices(item.candidates, weights)[0].id
                if pick not in chosen:
                    chosen.append(pick)
            picks[item.id] = chosen
        voting.cast(ballot.id, picks, actor=heads[unit])
    return ballot
