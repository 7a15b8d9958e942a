"""Rankings: the campaign list, a campaign's ranking (one block and one page of it at a time),
and the live region that page polls.

A block's page is rendered once per change of what it shows and kept in the fragment cache
under a fingerprint of everything it depends on (the block's figures, the choices, the language
and what the viewer may see), which is also the ETag a poll sends back: a poll that finds the
same fingerprint answers 304 after one query, and any number of pollers of a changed block
share one render.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import format_time, get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from reform.cache import fragment_cache
from reform.extensions import db
from reform.i18n import fmt_number
from reform.models import (
    Block,
    Campaign,
    CampaignBlock,
    Cluster,
    ClusterMember,
    ResultsVersion,
    Submission,
    Unit,
)
from reform.scoring import vi_sort_key
from reform.services import rankings as service
from reform.services.access import get_campaign_or_404, results_access, staff_results_page
from reform.services.framework_cache import parsed_framework
from reform.services.phases import phase_of
from reform.services.publication import latest_version
from reform.services.result_columns import result_columns
from reform.validation import bounded_int
from reform.web import is_htmx, render

bp = Blueprint("rankings", __name__, url_prefix="/rankings")
POLL_SECONDS = 5
# The cached part of the page: one block's table and its pager.
FRAGMENT = "rankings/partials/_ranking.html"
SEARCH_MAX_LENGTH = 100
# Kinds and bands are short words; anything longer matches nothing anyway.
FILTER_MAX_LENGTH = 40


@dataclass(frozen=True)
class Choices:
    """What the query string asks for; unknown values are ignored, a missing block defaults."""

    block: service.BlockState | None
    kind: str | None
    band: str | None
    sort: str
    search: str
    page: int

    def query(self) -> dict[str, str]:
        """The choices as URL parameters (only those set, without the page)."""
        out = {}
        if self.block is not None:
            out["cluster" if self.block.cluster else "block"] = self.block.code
        if self.kind:
            out["kind"] = self.kind
        if self.band:
            out["band"] = self.band
        if self.sort != "rank":
            out["sort"] = self.sort
        if self.search:
            out["q"] = self.search
        return out


def _picker(campaign: Campaign, clusters: bool = False) -> list[tuple[str, str]]:
    """The campaign's blocks (or emulation clusters) as (code, name), in Vietnamese order of
    their names."""
    if clusters:
        rows = db.session.execute(
            select(Cluster.code, Cluster.name).where(Cluster.campaign_id == campaign.id)
        ).all()
        return sorted(((code, name) for code, name in rows), key=lambda c: vi_sort_key(c[1]))
    rows = db.session.execute(
        select(Block.code, Block.name)
        .join(CampaignBlock, CampaignBlock.block_id == Block.id)
        .where(CampaignBlock.campaign_id == campaign.id)
    ).all()
    return sorted(((code, name) for code, name in rows), key=lambda block: vi_sort_key(block[1]))


def _own_block(campaign: Campaign, clusters: bool = False) -> str | None:
    """The block the signed-in user's unit is ranked in (or belongs to) if it takes part; with
    clusters, the emulation cluster the unit sits in."""
    unit_id = getattr(current_user, "unit_id", None)
    if unit_id is None:
        return None
    if clusters:
        return db.session.scalar(
            select(Cluster.code)
            .join(ClusterMember, ClusterMember.cluster_id == Cluster.id)
            .where(ClusterMember.campaign_id == campaign.id, ClusterMember.unit_id == unit_id)
        )
    ranked_in = (
        select(Submission.block_id)
        .where(Submission.campaign_id == campaign.id, Submission.unit_id == unit_id)
        .scalar_subquery()
    )
    belongs_to = select(Unit.block_id).where(Unit.id == unit_id).scalar_subquery()
    return db.session.scalar(
        select(Block.code)
        .join(CampaignBlock, CampaignBlock.block_id == Block.id)
        .where(
            CampaignBlock.campaign_id == campaign.id,
            Block.id == func.coalesce(ranked_in, belongs_to),
        )
    )


def _text(name: str, limit: int) -> str:
    return (request.args.get(name) or "").strip()[:limit]


def _choices(
    campaign: Campaign,
    version: ResultsVersion | None,
    picker: list[tuple[str, str]] | None = None,
    clusters: bool = False,
) -> Choices:
    """The choices of this request, with the chosen block's fingerprint (one query when the
    block is given; without one, the user's own block, else the first in order). With
    clusters, the same with the campaign's emulation clusters in place of blocks."""
    state = service.cluster_state if clusters else service.block_state
    code = _text("cluster" if clusters else "block", FILTER_MAX_LENGTH)
    block = state(campaign, code, version) if code else None
    if block is None:
        fallback = _own_block(campaign, clusters)
        if fallback is None:
            listed = picker if picker is not None else _picker(campaign, clusters)
            fallback = listed[0][0] if listed else None
        block = state(campaign, fallback, version) if fallback else None
    sort = request.args.get("sort", "rank")
    return Choices(
        block=block,
        kind=_text("kind", FILTER_MAX_LENGTH) or None,
        band=_text("band", FILTER_MAX_LENGTH) or None,
        sort=sort if sort in service.SORTS else "rank",
        search=_text("q", SEARCH_MAX_LENGTH),
        page=bounded_int(request.args.get("page", ""), low=1) or 1,
    )


def number_formatter():
    """The `number` filter's output for figures already rounded to 2 places, without Babel per
    call: a national ranking shows some 24,000 figures and formatting each through Babel would
    cost more than everything else on the page. The separators come from the filter itself."""
    sample = fmt_number(Decimal("-1234.5"))  # "-1.234,50" in Vietnamese, "-1,234.50" in English
    minus, group, decimal = sample[0], sample[2], sample[-3]
    table = str.maketrans({",": group, ".": decimal, "-": minus})

    def number(value: Decimal | None) -> str:
        if value is None:
            return "–"
        return f"{value:,.2f}".translate(table)

    return number


def _template_digest() -> str:
    """The cached fragment's template, as part of its key: a new template is a new fragment."""
    digest = current_app.extensions.get("reform.ranking_template")
    if digest is None:
        env = current_app.jinja_env
        source = env.loader.get_source(env, FRAGMENT)[0]  # type: ignore[union-attr]
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
        current_app.extensions["reform.ranking_template"] = digest
    return digest


def _page_size() -> int:
    return max(1, int(current_app.config.get("RANKING_PAGE_SIZE", 100)))


def _fragment_key(campaign: Campaign, choices: Choices, source: str) -> str:
    """The fragment's fingerprint and ETag: the block's figures, every choice, the page size,
    the language, what the viewer may see of the campaign, and the template."""
    assert choices.block is not None
    parts = [
        _template_digest(),
        choices.block.fingerprint,
        source,
        sorted(choices.query().items()),
        choices.page,
        _page_size(),
        str(get_locale()),
        # The visibility rule's answer for this viewer: a render is shared only between
        # viewers the rule treats alike (today only staff reach this page, all alike).
        results_access(current_user, campaign),
        request.script_root,
    ]
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def _page_url(
    endpoint: str, campaign: Campaign, choices: Choices, live: bool, page: int | None = None
) -> str:
    extra: dict[str, Any] = {} if live else {"view": service.PUBLISHED}
    if page is not None and page > 1:
        extra["page"] = page
    return url_for(endpoint, code=campaign.code, **choices.query(), **extra)


def _render_fragment(
    campaign: Campaign, choices: Choices, source: str, version: ResultsVersion | None
) -> str:
    """Rank the block, render the asked page; the filter choices it offers go with it."""
    assert choices.block is not None
    shown = service.block_page(
        campaign,
        choices.block,
        source=source,  # type: ignore[arg-type]
        version=version,
        kind=choices.kind,
        band=choices.band,
        sort=choices.sort,
        search=choices.search,
        page=choices.page,
        size=_page_size(),
    )
    live = shown.source == service.LIVE

    def page_url(number: int) -> str:
        return _page_url("rankings.show", campaign, choices, live, number)

    html = render_template(
        FRAGMENT,
        campaign=campaign,
        ranking=shown,
        block=shown.block,
        rows=shown.block.rows,
        first=shown.first,
        last=shown.first + len(shown.block.rows) - 1,
        total=shown.total,
        page=shown.page,
        pages=shown.pages,
        page_url=page_url,
        search=choices.search,
        live=live,
        columns=result_columns(parsed_framework(campaign.framework)),
        num=number_formatter(),
    )
    meta = {
        "kinds": list(shown.kinds),
        "bands": list(shown.bands),
        "previous_year": shown.previous_year,
        "page": shown.page,
    }
    # Meta on the first line (JSON has no raw line break), the markup after it.
    return json.dumps(meta) + "\n" + html


def _fragment(
    campaign: Campaign, choices: Choices, source: str, version: ResultsVersion | None
) -> tuple[str, dict, Markup]:
    """The fragment's key, meta and markup: from the cache, or rendered once and stored."""
    if choices.block is None:
        return "", {"kinds": [], "bands": [], "previous_year": None, "page": 1}, Markup("")
    key = _fragment_key(campaign, choices, source)
    text = fragment_cache().get_or_render(
        key, lambda: _render_fragment(campaign, choices, source, version)
    )
    meta, html = text.split("\n", 1)
    return key, json.loads(meta), Markup(html)  # noqa: S704 (rendered by our own template)


def _context(
    campaign: Campaign, choices: Choices, source: str, version: ResultsVersion | None
) -> dict:
    key, meta, fragment = _fragment(campaign, choices, source, version)
    live = source == service.LIVE
    polled = live and choices.block is not None
    return {
        "campaign": campaign,
        "columns": result_columns(parsed_framework(campaign.framework)),
        "live": live,
        "version": version,
        "choices": choices,
        "query": choices.query(),
        "meta": meta,
        "fragment": fragment,
        "live_url": _page_url("rankings.live", campaign, choices, True, choices.page)
        if polled
        else None,
        "etag": key if polled else None,
        "checked_at": format_time(datetime.now(UTC).replace(tzinfo=None), "HH:mm"),
        "poll_seconds": POLL_SECONDS,
    }


@bp.get("/")
@staff_results_page
def index():
    """Every campaign, with a link to its ranking."""
    campaigns = db.session.scalars(
        select(Campaign)
        .options(joinedload(Campaign.framework))
        .order_by(Campaign.created_at.desc(), Campaign.code)
    ).all()
    return render("rankings/index.html", rows=[(c, phase_of(c)) for c in campaigns])


@bp.get("/<code>")
@staff_results_page
def show(code: str):
    """A campaign's ranking, one block and one page at a time, live (updated as scores are
    saved) or as published; with a block picker, a name search and filters."""
    campaign = get_campaign_or_404(code)
    latest = latest_version(campaign)
    wanted = request.args.get("view")
    source = service.PUBLISHED if (wanted == service.PUBLISHED and latest) else service.LIVE
    version = latest if source == service.PUBLISHED else None
    clusters = service.ranks_by_cluster(campaign)
    # The picker is on the page, not in the region an htmx request replaces.
    picker = None if is_htmx() else _picker(campaign, clusters)
    choices = _choices(campaign, version, picker, clusters)
    return render(
        "rankings/show.html",
        "rankings/partials/_results.html",
        latest=latest,
        oob=is_htmx(),
        # A new block may offer other kinds and bands: the form's filters follow it.
        facets_oob=True,
        picker=picker,
        clusters=clusters,
        **_context(campaign, choices, source, version),
    )


@bp.get("/<code>/live")
@staff_results_page
def live(code: str):
    """The live results region: 304 without a body while nothing it shows has changed."""
    campaign = get_campaign_or_404(code)
    choices = _choices(campaign, None, clusters=service.ranks_by_cluster(campaign))
    if choices.block is None:
        abort(404)
    tag = _fragment_key(campaign, choices, service.LIVE)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        context = _context(campaign, choices, service.LIVE, None)
        response = make_response(
            render_template("rankings/partials/_results.html", oob=True, **context)
        )
    response.set_etag(tag)
    # Stored only to be revalidated; private: it is behind a sign-in.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
