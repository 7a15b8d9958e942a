"""The catalogue of titles and awards: the secretariat's edits and the law's default entries."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reform.extensions import db
from reform.models import Title, User
from reform.models.titles import AWARD, COLLECTIVE, INDIVIDUAL, KINDS, SCOPES, TITLE
from reform.scoring import vi_sort_key
from reform.services.audit import record

# Who confers it, lowest first (the order of the level picker).
LEVELS = ("unit", "ministry", "province", "government", "state")
LEVEL_LABELS = {
    "unit": _l("Agency or unit level"),
    "ministry": _l("Ministry level"),
    "province": _l("Province level"),
    "government": _l("Government level"),
    "state": _l("State level"),
}
SCOPE_LABELS = {COLLECTIVE: _l("Collective"), INDIVIDUAL: _l("Individual")}
KIND_LABELS = {TITLE: _l("Emulation title"), AWARD: _l("Award")}
MAX_POSITION = 10_000
LAW = "Luật Thi đua, khen thưởng số 06/2022/QH15"


@dataclass(frozen=True)
class DefaultTitle:
    """One entry of the default catalogue."""

    code: str
    name: str
    scope: str
    kind: str
    level: str
    position: int


# The titles and awards the Law on Emulation and Commendation (06/2022/QH15) names for the
# collectives and people of a province's agencies. Codes start TT- (tập thể) or CN- (cá nhân):
# the same award exists for both and a code is unique.
DEFAULT_TITLES = (
    DefaultTitle("TT-LDTT", "Tập thể lao động tiên tiến", COLLECTIVE, TITLE, "unit", 10),
    DefaultTitle("TT-LDXS", "Tập thể lao động xuất sắc", COLLECTIVE, TITLE, "province", 20),
    DefaultTitle(
        "TT-CTD-TINH", "Cờ thi đua của Ủy ban nhân dân tỉnh", COLLECTIVE, TITLE, "province", 30
    ),
    DefaultTitle("TT-CTD-CP", "Cờ thi đua của Chính phủ", COLLECTIVE, TITLE, "government", 40),
    DefaultTitle("TT-GK", "Giấy khen", COLLECTIVE, AWARD, "unit", 50),
    DefaultTitle(
        "TT-BK-TINH",
        "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        COLLECTIVE,
        AWARD,
        "province",
        60,
    ),
    DefaultTitle(
        "TT-BK-TTG", "Bằng khen của Thủ tướng Chính phủ", COLLECTIVE, AWARD, "government", 70
    ),
    DefaultTitle("CN-LDTT", "Lao động tiên tiến", INDIVIDUAL, TITLE, "unit", 10),
    DefaultTitle("CN-CSTD-CS", "Chiến sĩ thi đua cơ sở", INDIVIDUAL, TITLE, "unit", 20),
    DefaultTitle("CN-CSTD-TINH", "Chiến sĩ thi đua cấp tỉnh", INDIVIDUAL, TITLE, "province", 30),
    DefaultTitle("CN-CSTD-TQ", "Chiến sĩ thi đua toàn quốc", INDIVIDUAL, TITLE, "government", 40),
    DefaultTitle("CN-GK", "Giấy khen", INDIVIDUAL, AWARD, "unit", 50),
    DefaultTitle(
        "CN-BK-TINH",
        "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        INDIVIDUAL,
        AWARD,
        "province",
        60,
    ),
    DefaultTitle(
        "CN-BK-TTG", "Bằng khen của Thủ tướng Chính phủ", INDIVIDUAL, AWARD, "government", 70
    ),
)


class TitleProblem(ValueError):
    """An entry that cannot be saved, with the field to show the message beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class TitleData:
    """What the secretariat enters for one entry."""

    code: str
    name: str
    scope: str
    kind: str
    level: str
    position: int
    description: str | None = None


def label(labels: dict, key: str | None) -> str:
    """A code's label in the interface language, or the code as stored."""
    found = labels.get(key or "")
    return str(found) if found is not None else (key or "")


def catalogue(*, include_inactive: bool = True) -> list[Title]:
    """Every entry: collective first, then individual; by position, then Vietnamese name."""
    stmt = select(Title)
    if not include_inactive:
        stmt = stmt.where(Title.active.is_(True))
    rows = db.session.scalars(stmt).all()
    order = {scope: n for n, scope in enumerate(SCOPES)}
    return sorted(rows, key=lambda t: (order.get(t.scope, 9), t.position, vi_sort_key(t.name)))


def active_titles(scope: str) -> list[Title]:
    """The active entries for collectives or for people, in catalogue order."""
    return [t for t in catalogue(include_inactive=False) if t.scope == scope]


def _check(data: TitleData, title: Title | None) -> None:
    if data.scope not in SCOPES:
        raise TitleProblem("scope", _("Choose who the title is for."))
    if data.kind not in KINDS:
        raise TitleProblem("kind", _("Choose a title or an award."))
    if data.level not in LEVELS:
        raise TitleProblem("level", _("Choose the level that confers it."))
    if not 0 <= data.position <= MAX_POSITION:
        raise TitleProblem(
            "position", _("A whole number from 0 to %(max)s.", max=format_number(MAX_POSITION))
        )
    clash = db.session.scalar(select(Title).where(Title.code == data.code))
    if clash is not None and clash is not title:
        raise TitleProblem("code", _("Another title already has this code."))


def save_title(data: TitleData, *, actor: User, title: Title | None = None) -> Title:
    """Create an entry or change one; every changed field is in the audit log."""
    _check(data, title)
    created = title is None
    if title is None:
        title = Title(code=data.code, name=data.name, scope=data.scope, level=data.level)
        db.session.add(title)
    before = _snapshot(title) if not created else None
    title.code, title.name = data.code, data.name
    title.scope, title.kind, title.level = data.scope, data.kind, data.level
    title.position, title.description = data.position, data.description or None
    if created:
        title.active = True
    after = _snapshot(title)
    if created or before != after:
        record(
            "title_created" if created else "title_changed",
            actor=actor,
            criterion_code=title.code,
            stage="titles",
            from_value=before,
            to_value=after,
        )
    db.session.commit()
    return title


def set_active(title: Title, active: bool, *, actor: User) -> None:
    """Deactivate an entry (it stays on what already names it) or bring it back."""
    if title.active == active:
        return
    title.active = active
    record(
        "title_reactivated" if active else "title_deactivated",
        actor=actor,
        criterion_code=title.code,
        stage="titles",
        from_value=str(not active).lower(),
        to_value=str(active).lower(),
    )
    db.session.commit()


def _snapshot(title: Title) -> str:
    parts = (
        title.code,
        title.name,
        title.scope,
        title.kind,
        title.level,
        str(title.position),
        title.description or "",
    )
    return " | ".join(parts)


def load_default_titles() -> int:
    """Add the default entries whose code is missing; entries already there (edited or
    deactivated by the secretariat) are left alone. Returns how many were added."""
    have = set(db.session.scalars(select(Title.code)))
    added = 0
    for entry in DEFAULT_TITLES:
        if entry.code in have:
            continue
        db.session.add(
            Title(
                code=entry.code,
                name=entry.name,
                scope=entry.scope,
                kind=entry.kind,
                level=entry.level,
                position=entry.position,
                description=LAW,
                active=True,
            )
        )
        added += 1
    if added:
        record("titles_loaded", stage="titles", to_value=str(added), reason=LAW)
    db.session.commit()
    return added


def catalogue_is_empty() -> bool:
    """Whether no entry exists yet (a new database)."""
    return db.session.scalar(select(Title.id).limit(1)) is None
