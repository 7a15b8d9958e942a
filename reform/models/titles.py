"""The catalogue of emulation titles and commendation awards, as data the secretariat edits."""

from __future__ import annotations

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reform.extensions import db

# Who a title is for.
COLLECTIVE = "collective"
INDIVIDUAL = "individual"
SCOPES = (COLLECTIVE, INDIVIDUAL)

# What it is under the Law on Emulation and Commendation: a title (danh hiệu thi đua) or an
# award (hình thức khen thưởng).
TITLE = "title"
AWARD = "award"
KINDS = (TITLE, AWARD)


class Title(db.Model):
    """One title or award of the catalogue (e.g. Tập thể lao động xuất sắc, Bằng khen)."""

    __tablename__ = "titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    scope: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(8), default=TITLE)
    # Level of the authority that confers it: "unit", "province", "government", "state".
    level: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    # Order in lists and forms (lowest first); then Vietnamese name order.
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Title {self.code}>"
