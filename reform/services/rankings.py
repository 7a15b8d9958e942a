"""Rankings per block, live from stored figures or as published, with the change on last year."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from sqlalchemy import and_, func, select

from reform.extensions import db
from reform.models import (
    Block,
    Campaign,
    CampaignBlock,
    Cluster,
    ClusterMember,
    HistoricalResult,
    ResultsVersion,
    Submission,
    Unit,
)
from reform.scoring import rank, round2, vi_fold, vi_sort_string
from reform.services import history
from reform.services.publication import document_of, latest_version
from reform.services.results import complete_row

LIVE = "live"
PUBLISHED = "published"
Source = Literal["live", "published"]
SORTS = ("rank", "name", "points", "index", "change")


@dataclass(frozen=True, slots=True)
class RankedUnit:
    """The unit a row is about; `sort_key` is its name's Vietnamese order as stored text."""

    code: str
    name: str
    kind: str
    sort_key: str = ""

    @property
    def order(self) -> str:
        """The name's sort key (the stored one, or computed for a unit stored without it)."""
        return self.sort_key or vi_sort_string(self.name)


@dataclass(frozen=True, slots=True)
class RankingRow:
    """One unit's place in its block, its figures (2 places) and its change on the previous year.

    `change` is the index change in percentage points (points for `result: points` frameworks);
    `places` is the previous rank minus the current one (positive: moved up). Both are None when
    there is no figure to compare.
    """

    rank: int | None
    unit: RankedUnit
    self_points: Decimal
    appraised_points: Decimal | None
    survey_points: Decimal
    points: Decimal
    max_points: Decimal
    index: Decimal | None
    band: str | None
    areas: tuple[dict, ...] = ()
    change: Decimal | None = None
    places: int | None = None
    previous_rank: int | None = None

    @property
    def direction(self) -> str:
        """Which way the figure moved: "up", "down", "same", or "none" without one to compare.

        The arrow and its colour follow the figure, never the places: a unit can gain points and
        still lose a place, and the places are said in words beside the arrow.
        """
        if self.change is None:
            return "none"
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"


@dataclass(frozen=True, slots=True)
class _BlockRef:
    id: int | None
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class BlockRanking:
    """A block's ranking: its code, name and rows (already filtered and sorted)."""

    code: str
    name: str
    block_id: int | None
    rows: list[RankingRow] = field(default_factory=list)


@dataclass(frozen=True)
class Ranking:
    """What the rankings page shows: the blocks, where they came from, and the filter choices."""

    blocks: list[BlockRanking]
    source: str
    version: ResultsVersion | None
    previous_year: int | None
    kinds: tuple[str, ...]
    bands: tuple[str, ...]
    by_points: bool

    @property
    def count(self) -> int:
        return sum(len(block.rows) for block in self.blocks)


_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


def _two(value) -> Decimal | None:
    """A stored figure as published (round2). Stored figures have 4 places, where round2 is a
    plain half-up quantize: done directly, as a national ranking rounds some 20,000 of them."""
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else Decimal(value)
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -4:
        return round2(number)
    rounded = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else _ZERO


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _stored_rows(
    campaign: Campaign, block_id: int | None = None, clusters: bool = False
) -> dict[int | None, list]:
    """The campaign's stored figures with their units, per block (one query); only the given
    block's when one is given (a block is ranked on its own). With clusters, per emulation
    cluster instead (block_id is then a cluster's id; units in no cluster are left out)."""
    group = ClusterMember.cluster_id if clusters else Submission.block_id
    stmt = (
        select(
            group.label("block_id"),
            Unit.code,
            Unit.name,
            Unit.kind,
            Unit.sort_key,
            Submission.self_points,
            Submission.appraised_points,
            Submission.survey_points,
            Submission.points,
            Submission.max_points,
            Submission.index,
            Submission.band,
            Submission.area_figures,
        )
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id)
    )
    if clusters:
        stmt = stmt.join(
            ClusterMember,
            and_(
                ClusterMember.campaign_id == Submission.campaign_id,
                ClusterMember.unit_id == Submission.unit_id,
            ),
        )
    if block_id is not None:
        stmt = stmt.where(group == block_id)
    grouped: dict[int | None, list] = defaultdict(list)
    # Plain rows (no ORM bookkeeping): a national block has thousands.
    for row in db.session.connection().execute(stmt):
        grouped[row.block_id].append(row)
    return grouped


def _figure(r, key: str) -> Decimal | None:
    """A figure of a stored row as the results document shows it.

    The stored results row (2-place strings from the core) is the figure the API and the
    exports publish; rounding the 4-place total again can differ by a cent (3.6550 → 3.66
    where the exact 3.65497… is published as 3.65). Rows without one use the totals."""
    if complete_row(r.area_figures):
        text = r.area_figures[key]
        return None if text is None else Decimal(text)
    value = getattr(r, key)
    if value is None and key in ("self_points", "survey_points", "points", "max_points"):
        value = 0
    return _two(value)


def _ranked(members: list, by_points: bool) -> list:
    """A block's stored rows ranked by the core, ties in the stored Vietnamese name order."""
    key = "points" if by_points else "index"
    return rank(
        members,
        value=lambda r: _figure(r, key),
        order=lambda r: r.sort_key or vi_sort_string(r.name),
    )


def _row(item) -> RankingRow:
    """A ranked stored row as the page shows it (the figures the results document shows)."""
    r = item.item
    return RankingRow(
        rank=item.rank,
        unit=RankedUnit(r.code, r.name, r.kind, r.sort_key or vi_sort_string(r.name)),
        self_points=_figure(r, "self_points"),
        appraised_points=_figure(r, "appraised_points"),
        survey_points=_figure(r, "survey_points"),
        points=_figure(r, "points"),
        max_points=_figure(r, "max_points"),
        index=_figure(r, "index"),
        band=r.band if not complete_row(r.area_figures) else r.area_figures["band"],
    )


def _live_blocks(
    campaign: Campaign, block_id: int | None = None, clusters: bool = False
) -> list[tuple[_BlockRef, list[RankingRow]]]:
    """The campaign's stored figures ranked per block (or cluster); only the given one's."""
    grouped = _stored_rows(campaign, block_id, clusters)
    known = _clusters(grouped.keys()) if clusters else _blocks(grouped.keys())
    by_points = campaign.framework.result == "points"
    out = []
    for group, members in grouped.items():
        block = known.get(group)
        ref = _BlockRef(block.id, block.code, block.name) if block else _BlockRef(None, "", "")
        out.append((ref, [_row(item) for item in _ranked(members, by_points)]))
    # Blocks in code order, as the results document lists them.
    out.sort(key=lambda pair: pair[0].code)
    return out


def _blocks(ids) -> dict[int, Block]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {b.id: b for b in db.session.scalars(select(Block).where(Block.id.in_(wanted)))}


def _clusters(ids) -> dict[int, Cluster]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {c.id: c for c in db.session.scalars(select(Cluster).where(Cluster.id.in_(wanted)))}


def _published_clusters(
    campaign: Campaign, document: dict, cluster_id: int | None, by_points: bool
) -> list[tuple[_BlockRef, list[RankingRow]]]:
    """The published rows regrouped by the campaign's emulation clusters and ranked inside
    each by the core on the published figure (the document ranks per block)."""
    stmt = (
        select(Cluster.id, Cluster.code, Cluster.name, Unit.code)
        .join(ClusterMember, ClusterMember.cluster_id == Cluster.id)
        .join(Unit, Unit.id == ClusterMember.unit_id)
        .where(Cluster.campaign_id == campaign.id)
    )
    if cluster_id is not None:
        stmt = stmt.where(Cluster.id == cluster_id)
    places = {unit: (cid, code, name) for cid, code, name, unit in db.session.execute(stmt)}
    grouped: dict[tuple, list[RankingRow]] = defaultdict(list)
    for _block, rows in _published_blocks(document):
        for row in rows:
            place = places.get(row.unit.code)
            if place is not None:
                grouped[place].append(row)
    out = []
    for (cid, code, name), rows in grouped.items():
        ranked = rank(
            rows,
            value=lambda r: r.points if by_points else r.index,
            order=lambda r: r.unit.order,
        )
        out.append(
            (_BlockRef(cid, code, name), [replace(item.item, rank=item.rank) for item in ranked])
        )
    out.sort(key=lambda pair: pair[0].code)
    return out


def _published_blocks(
    document: dict, block_id: int | None = None
) -> list[tuple[_BlockRef, list[RankingRow]]]:
    """The published document's blocks and rows exactly as stored (ranks included); only the
    given block's when one is given."""
    block_codes = [block["code"] for block in document["blocks"] if block["code"]]
    known = (
        {b.code: b for b in db.session.scalars(select(Block).where(Block.code.in_(block_codes)))}
        if block_codes
        else {}
    )

    def block_id_of(block: dict) -> int | None:
        found = known.get(block["code"])
        return found.id if found else None

    blocks = [b for b in document["blocks"] if block_id is None or block_id_of(b) == block_id]
    codes = [row["unit_code"] for block in blocks for row in block["results"]]
    # The unit's kind, and its stored sort key while its name is still the published one.
    current = (
        {
            code: (kind, name, key)
            for code, kind, name, key in db.session.execute(
                select(Unit.code, Unit.kind, Unit.name, Unit.sort_key).where(Unit.code.in_(codes))
            )
        }
        if codes
        else {}
    )

    def unit_of(row: dict) -> RankedUnit:
        kind, name, key = current.get(row["unit_code"], ("", None, None))
        if name != row["unit_name"] or not key:
            key = vi_sort_string(row["unit_name"])
        return RankedUnit(row["unit_code"], row["unit_name"], kind, key)

    out = []
    for block in blocks:
        rows = [
            RankingRow(
                rank=row["rank"],
                unit=unit_of(row),
                self_points=Decimal(row["self_points"]),
                appraised_points=_dec(row["appraised_points"]),
                survey_points=Decimal(row["survey_points"]),
                points=Decimal(row["points"]),
                max_points=Decimal(row["max_points"]),
                index=_dec(row["index"]),
                band=row["band"],
                areas=tuple(row.get("areas") or ()),
            )
            for row in block["results"]
        ]
        out.append((_BlockRef(block_id_of(block), block["code"], block["name"]), rows))
    return out


def _with_change(row: RankingRow, before: history.YearFigure | None, by_points: bool):
    if before is None:
        return row
    now = row.points if by_points else row.index
    then = before.points if by_points else before.index
    change = None if now is None or then is None else round2(now) - round2(then)
    places = None
    if row.rank is not None and before.rank is not None:
        places = before.rank - row.rank
    return replace(row, change=change, places=places, previous_rank=before.rank)


def _sort_key(sort: str):
    last = Decimal("-1e30")
    if sort == "name":
        return lambda r: r.unit.order
    if sort == "points":
        return lambda r: (-r.points, r.unit.order)
    if sort == "index":
        return lambda r: (-(r.index if r.index is not None else last), r.unit.order)
    if sort == "change":
        return lambda r: (
            r.change is None,
            -(r.change if r.change is not None else 0),
            -(r.places if r.places is not None else 0),
            r.unit.order,
        )
    # Rank: the ranker's order (ties by name, units without a figure last).
    return None


def ranking(
    campaign: Campaign,
    *,
    source: Source = LIVE,
    block_id: int | None = None,
    kind: str | None = None,
    band: str | None = None,
    sort: str = "rank",
    search: str | None = None,
) -> list[BlockRanking]:
    """The campaign's ranking per block; filters apply after ranking, so ranks stay the block's."""
    return ranking_view(
        campaign,
        source=source,
        block_id=block_id,
        kind=kind,
        band=band,
        sort=sort,
        search=search,
    ).blocks


def unit_matcher(search: str) -> Callable[[Any], bool]:
    """Whether a unit's name (without case or diacritics) or its code contains the search."""
    wanted, code = vi_fold(search), search.strip().casefold()
    return lambda unit: wanted in vi_fold(unit.name) or code in unit.code.casefold()


def ranking_view(
    campaign: Campaign,
    *,
    source: Source = LIVE,
    block_id: int | None = None,
    kind: str | None = None,
    band: str | None = None,
    sort: str = "rank",
    search: str | None = None,
    version: ResultsVersion | None = None,
    clusters: bool = False,
) -> Ranking:
    """The ranking with what the page also needs: its source, version and filter choices.

    Live rows are the figures the score-writing services store on each submission, ranked per
    block by the core; published rows are the latest version's document as stored. A published
    source without a published version falls back to live (the result says which it is).
    With a block, only that block is read and ranked (each block is ranked on its own); the
    kinds and bands offered are then that block's. `version` saves looking up the latest one.
    With clusters, the groups are the campaign's emulation clusters (block_id a cluster's id).
    """
    if source == PUBLISHED and version is None:
        version = latest_version(campaign)
    if source != PUBLISHED:
        version = None
    by_points = campaign.framework.result == "points"
    if version is not None and clusters:
        blocks = _published_clusters(campaign, document_of(version), block_id, by_points)
    elif version is not None:
        blocks = _published_blocks(document_of(version), block_id)
    else:
        source = LIVE
        blocks = _live_blocks(campaign, block_id, clusters)
    previous = history.previous_year(campaign)
    previous_year = next(iter(previous.values())).year if previous else None
    kinds = sorted({r.unit.kind for _, rows in blocks for r in rows if r.unit.kind})
    bands = sorted({r.band for _, rows in blocks for r in rows if r.band})
    key = _sort_key(sort if sort in SORTS else "rank")
    matcher = unit_matcher(search) if search and search.strip() else None
    out: list[BlockRanking] = []
    for block, rows in blocks:
        if block_id is not None and block.id != block_id:
            continue
        kept = [
            _with_change(r, previous.get(r.unit.code), by_points)
            for r in rows
            if (kind is None or r.unit.kind == kind)
            and (band is None or r.band == band)
            and (matcher is None or matcher(r.unit))
        ]
        if key is not None:
            kept.sort(key=key)
        out.append(BlockRanking(block.code, block.name, block.id, kept))
    return Ranking(
        blocks=out,
        source=source,
        version=version,
        previous_year=previous_year,
        kinds=tuple(kinds),
        bands=tuple(bands),
        by_points=by_points,
    )


@dataclass(frozen=True)
class BlockPage:
    """One page of one block's ranking, and what the page around it needs.

    `block.rows` are the page's rows; `total` counts the rows the filters keep. The ranks are
    the block's, whatever the filters, the sort and the page.
    """

    block: BlockRanking
    total: int
    page: int
    pages: int
    first: int
    source: str
    version: ResultsVersion | None
    previous_year: int | None
    kinds: tuple[str, ...]
    bands: tuple[str, ...]
    by_points: bool


def block_page(
    campaign: Campaign,
    block: BlockState,
    *,
    source: Source = LIVE,
    version: ResultsVersion | None = None,
    kind: str | None = None,
    band: str | None = None,
    sort: str = "rank",
    search: str | None = None,
    page: int = 1,
    size: int = 100,
) -> BlockPage:
    """A block's ranking, filtered and sorted as `ranking_view` does, cut to one page.

    Live in rank order (what a poll of the first screen asks for), the block's stored rows are
    ranked as they come from the database and only the page's rows are built and compared with
    last year; any other view builds the whole filtered block first.
    """
    by_points = campaign.framework.result == "points"
    sort = sort if sort in SORTS else "rank"
    if source == PUBLISHED or sort != "rank":
        view = ranking_view(
            campaign,
            source=source,
            version=version,
            block_id=block.id,
            kind=kind,
            band=band,
            sort=sort,
            search=search,
            clusters=block.cluster,
        )
        rows = view.blocks[0].rows if view.blocks else []
        found = view.blocks[0] if view.blocks else None
        total, pages, page, start = _window(len(rows), page, size)
        return BlockPage(
            block=BlockRanking(
                found.code if found else block.code,
                found.name if found else block.name,
                block.id,
                rows[start : start + size],
            ),
            total=total,
            page=page,
            pages=pages,
            first=start + 1,
            source=view.source,
            version=view.version,
            previous_year=view.previous_year,
            kinds=view.kinds,
            bands=view.bands,
            by_points=by_points,
        )
    members = _stored_rows(campaign, block.id, block.cluster).get(block.id, [])
    matcher = unit_matcher(search) if search and search.strip() else None
    kept = [
        item
        for item in _ranked(members, by_points)
        if (kind is None or item.item.kind == kind)
        and (band is None or item.item.band == band)
        and (matcher is None or matcher(item.item))
    ]
    total, pages, page, start = _window(len(kept), page, size)
    previous = history.previous_year(campaign)
    rows = [
        _with_change(row, previous.get(row.unit.code), by_points)
        for row in (_row(item) for item in kept[start : start + size])
    ]
    return BlockPage(
        block=BlockRanking(block.code, block.name, block.id, rows),
        total=total,
        page=page,
        pages=pages,
        first=start + 1,
        source=LIVE,
        version=None,
        previous_year=next(iter(previous.values())).year if previous else None,
        kinds=tuple(sorted({r.kind for r in members if r.kind})),
        bands=tuple(sorted({r.band for r in members if r.band})),
        by_points=by_points,
    )


def _window(total: int, page: int, size: int) -> tuple[int, int, int, int]:
    """Rows, pages, the page asked for within them, and its first row's offset."""
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    return total, pages, page, (page - 1) * size


@dataclass(frozen=True, slots=True)
class BlockState:
    """A block taking part in a campaign (or, with `cluster`, one of an emulation campaign's
    clusters), and a fingerprint of everything its ranking shows."""

    id: int
    code: str
    name: str
    fingerprint: str
    cluster: bool = False


def _history_state(campaign: Campaign) -> tuple:
    """Subqueries that change when the figures the change column compares with change."""
    # Imported history of the framework code, and any campaign's publication (an earlier
    # campaign of the same code may be republished).
    imported = (
        select(
            func.count()
            + func.coalesce(func.sum(HistoricalResult.id), 0)
            + func.coalesce(func.sum(HistoricalResult.points), 0)
            + func.coalesce(func.sum(HistoricalResult.index), 0)
            + func.coalesce(func.sum(HistoricalResult.rank * HistoricalResult.year), 0)
        )
        .where(HistoricalResult.framework_code == campaign.framework.code)
        .scalar_subquery()
    )
    published_anywhere = select(func.max(ResultsVersion.id)).scalar_subquery()
    return imported, published_anywhere


def block_state(
    campaign: Campaign, block_code: str, version: ResultsVersion | None = None
) -> BlockState | None:
    """The campaign's block with this code and its fingerprint, in one statement; None when
    the campaign has no such block.

    Live (no version): the block's stored figures, its units' names and kinds (through their
    update time and lengths) and the history the change column reads; a save in another block
    leaves it equal. Published: the version, the history and the units.
    """
    history = _history_state(campaign)
    if version is None:
        in_block = and_(Submission.campaign_id == campaign.id, Submission.block_id == Block.id)
        stmt = (
            select(
                Block.id,
                Block.name,
                func.count(Submission.id),
                func.max(Submission.updated_at),
                # Sums of the figures catch two changes within the clock's resolution.
                func.sum(Submission.points),
                func.sum(Submission.points * Submission.id),
                func.sum(func.coalesce(Submission.index, 0) * Submission.id),
                func.sum(func.coalesce(Submission.appraised_points, -1) * Submission.id),
                func.sum(Submission.self_points * Submission.id),
                func.sum(Submission.survey_points * Submission.id),
                func.sum(Submission.max_points),
                func.max(Unit.updated_at),
                func.sum(func.length(Unit.name) * Unit.id),
                func.sum(func.length(Unit.kind) * Unit.id),
                *history,
            )
            .select_from(CampaignBlock)
            .join(Block, Block.id == CampaignBlock.block_id)
            .outerjoin(Submission, in_block)
            .outerjoin(Unit, Unit.id == Submission.unit_id)
        )
        stmt = stmt.group_by(Block.id, Block.name)
    else:
        # The published rows carry the units' current kinds.
        units = select(func.max(Unit.updated_at)).scalar_subquery()
        stmt = (
            select(Block.id, Block.name, *history, units)
            .select_from(CampaignBlock)
            .join(Block, Block.id == CampaignBlock.block_id)
        )
    row = db.session.execute(
        stmt.where(CampaignBlock.campaign_id == campaign.id, Block.code == block_code)
    ).one_or_none()
    if row is None:
        return None
    published = None if version is None else (version.id, version.content_hash)
    parts = (campaign.id, campaign.year, campaign.framework.result, published, *row)
    return BlockState(row[0], block_code, row[1], _fingerprint(*parts))


def _fingerprint(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]


def ranks_by_cluster(campaign: Campaign) -> bool:
    """Whether the campaign ranks per emulation cluster: an emulation campaign with clusters."""
    if campaign.framework.kind != "emulation":
        return False
    found = db.session.scalar(select(Cluster.id).where(Cluster.campaign_id == campaign.id).limit(1))
    return found is not None


def cluster_state(
    campaign: Campaign, cluster_code: str, version: ResultsVersion | None = None
) -> BlockState | None:
    """The campaign's cluster with this code and its fingerprint, in one statement (as
    `block_state` for a block): its members' stored figures, names and kinds, who its members
    are, and the history; published, the version, the history, the units and the members."""
    history = _history_state(campaign)
    membership = (
        func.count(ClusterMember.id),
        func.sum(ClusterMember.id * ClusterMember.unit_id),
    )
    in_cluster = and_(
        ClusterMember.cluster_id == Cluster.id, ClusterMember.campaign_id == campaign.id
    )
    if version is None:
        stmt = (
            select(
                Cluster.id,
                Cluster.name,
                *membership,
                func.max(Submission.updated_at),
                func.sum(Submission.points),
                func.sum(Submission.points * Submission.id),
                func.sum(func.coalesce(Submission.index, 0) * Submission.id),
                func.sum(func.coalesce(Submission.appraised_points, -1) * Submission.id),
                func.sum(Submission.self_points * Submission.id),
                func.sum(Submission.survey_points * Submission.id),
                func.sum(Submission.max_points),
                func.max(Unit.updated_at),
                func.sum(func.length(Unit.name) * Unit.id),
                func.sum(func.length(Unit.kind) * Unit.id),
                *history,
            )
            .select_from(Cluster)
            .outerjoin(ClusterMember, in_cluster)
            .outerjoin(
                Submission,
                and_(
                    Submission.campaign_id == campaign.id,
                    Submission.unit_id == ClusterMember.unit_id,
                ),
            )
            .outerjoin(Unit, Unit.id == Submission.unit_id)
        )
    else:
        units = select(func.max(Unit.updated_at)).scalar_subquery()
        stmt = (
            select(Cluster.id, Cluster.name, *membership, *history, units)
            .select_from(Cluster)
            .outerjoin(ClusterMember, in_cluster)
        )
    row = db.session.execute(
        stmt.where(Cluster.campaign_id == campaign.id, Cluster.code == cluster_code).group_by(
            Cluster.id, Cluster.name
        )
    ).one_or_none()
    if row is None:
        return None
    published = None if version is None else (version.id, version.content_hash)
    parts = ("cluster", campaign.id, campaign.year, campaign.framework.result, published, *row)
    return BlockState(row[0], cluster_code, row[1], _fingerprint(*parts), cluster=True)
