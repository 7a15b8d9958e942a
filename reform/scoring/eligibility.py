"""Eligibility for titles and awards: declarative conditions evaluated on plain facts.

A catalogue entry lists its conditions as data, each a one-key mapping (`{type: {params}}`), e.g.
`classified_at_least: {rating: "hoàn thành tốt nhiệm vụ"}`. `parse_conditions` turns them into
the dataclasses below (or ConditionError naming what is wrong, by a stable kind and its params,
for the caller to put into words); `evaluate` takes the facts gathered for one candidate and
says for each condition met, unmet or unknown, with the facts that decided it.

Unknown is not unmet: it says a fact is missing (no classification recorded for the year, a
year the award register does not cover, a ballot not held), so a person can look it up instead
of the candidate being refused for the application's lack of data. No floats: shares are
Fractions, counts whole numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

from reform.scoring.classification import LEVELS as RATINGS
from reform.scoring.ranking import vi_fold

MET: Final = "met"
UNMET: Final = "unmet"
UNKNOWN: Final = "unknown"
STATUSES: Final = (MET, UNMET, UNKNOWN)

# The yearly classification's names as documents write them (Decree 335/2025, Decree 90/2020),
# highest first, in the order of classification.LEVELS.
RATING_NAMES: Final = {
    "excellent": "hoàn thành xuất sắc nhiệm vụ",
    "good": "hoàn thành tốt nhiệm vụ",
    "completed": "hoàn thành nhiệm vụ",
    "not_completed": "không hoàn thành nhiệm vụ",
}

# The reach of an initiative (sáng kiến) as the authority that recognised it, lowest first.
BASE: Final = "base"  # cấp cơ sở
PROVINCE: Final = "province"  # cấp bộ, ban, ngành, tỉnh
NATIONAL: Final = "national"  # toàn quốc
INITIATIVE_LEVELS: Final = (BASE, PROVINCE, NATIONAL)
INITIATIVE_NAMES: Final = {BASE: "cơ sở", PROVINCE: "tỉnh", NATIONAL: "toàn quốc"}
_INITIATIVE_WORDS: Final = {
    "base": BASE,
    "co so": BASE,
    "cap co so": BASE,
    "province": PROVINCE,
    "tinh": PROVINCE,
    "cap tinh": PROVINCE,
    "bo, ban, nganh, tinh": PROVINCE,
    "cap bo, ban, nganh, tinh": PROVINCE,
    "national": NATIONAL,
    "toan quoc": NATIONAL,
}

# Where a unit's rank is taken: its emulation cluster in the campaign, or its ranking block.
CLUSTER: Final = "cluster"
BLOCK: Final = "block"
WITHIN: Final = (CLUSTER, BLOCK)

# Which years "held in each of the last N years" counts back from.
PREVIOUS: Final = "previous"  # the N years before the candidate's year
CURRENT: Final = "current"  # the N years ending with the candidate's year
UNTIL: Final = (PREVIOUS, CURRENT)

MAX_YEARS: Final = 30
MAX_RANK: Final = 10_000
MAX_COUNT: Final = 1_000
MAX_DEPTH: Final = 4
MAX_STANDARD: Final = 500

# What decided a condition, for the page to name and link it.
AWARD: Final = "award"  # a title or award of the register held in a year
NO_AWARD: Final = "no_award"  # a year the register covers without the title
UNCOVERED: Final = "uncovered"  # a year the register holds nothing for
TOO_FEW: Final = "too_few_awards"  # held fewer times than needed in the window
INITIATIVE: Final = "initiative"
NO_INITIATIVE: Final = "no_initiative"
CLASSIFICATION: Final = "classification"
NO_CLASSIFICATION: Final = "no_classification"
RANK: Final = "rank"
NO_RANK: Final = "no_rank"
VOTE: Final = "vote"
NO_VOTE: Final = "no_vote"
DISCIPLINE: Final = "discipline"
MEMBERS: Final = "members"
NO_MEMBERS: Final = "no_members"
QUOTA: Final = "quota"
JUDGED: Final = "judged"


class ConditionError(ValueError):
    """A condition that cannot be read: `kind` is stable, `params` fill its message, `where` is
    its place in the list ("2", "3.1" inside a group)."""

    def __init__(self, kind: str, where: str = "", **params: Any) -> None:
        super().__init__(f"{where or '-'}: {kind} {params}")
        self.kind = kind
        self.where = where
        self.params = params


# ---- shares ----------------------------------------------------------------------------------

_SHARE_RE = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*(%?)\s*|\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True, slots=True)
class Share:
    """A share as written ("15%", "1/2", "0.7") and its exact value."""

    text: str
    value: Fraction


def parse_share(raw: Any) -> Share | None:
    """A share in [0, 1] from "15%", "1/2", "0,7" or a number; None when it is not one."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float, Decimal)):
        raw = str(raw)
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    found = _SHARE_RE.fullmatch(raw)
    if found is None:
        return None
    try:
        if found.group(3) is not None:
            denominator = int(found.group(4))
            if denominator == 0:
                return None
            value = Fraction(int(found.group(3)), denominator)
        else:
            value = Fraction(Decimal(found.group(1).replace(",", ".")))
            if found.group(2):
                value /= 100
    except (InvalidOperation, ValueError):
        return None
    if not 0 <= value <= 1:
        return None
    return Share(" ".join(raw.split()), value)


# ---- conditions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassifiedAtLeast:
    """Classified at least `rating` in each of the `years` years ending with the candidate's."""

    rating: str
    years: int = 1


@dataclass(frozen=True, slots=True)
class HeldTitleConsecutive:
    """Held `title` in each of `years` consecutive years, up to the year before (or this one)."""

    title: str
    years: int
    until: str = PREVIOUS


@dataclass(frozen=True, slots=True)
class HeldTitleTimes:
    """Held `title` at least `times` times in the `years` years up to the year before (or this
    one): "02 lần liên tục" of a title conferred every few years."""

    title: str
    times: int
    years: int
    until: str = PREVIOUS


@dataclass(frozen=True, slots=True)
class HasInitiative:
    """At least `count` initiatives of `level` or higher recognised in the last `years` years."""

    level: str = BASE
    count: int = 1
    years: int = 1


@dataclass(frozen=True, slots=True)
class UnitRankAtMost:
    """The unit ranks `rank` or better in its cluster (or block) on the stored figures."""

    rank: int
    within: str = CLUSTER


@dataclass(frozen=True, slots=True)
class Voted:
    """Elected for the title (or `title`) by its cluster's vote."""

    title: str | None = None


@dataclass(frozen=True, slots=True)
class NoDiscipline:
    """No discipline in the year (for a collective: none of its members)."""


@dataclass(frozen=True, slots=True)
class MemberShareHolding:
    """More than (or at least) a share of the collective's members hold `title` this year."""

    title: str
    share: Share
    strict: bool = True


@dataclass(frozen=True, slots=True)
class Quota:
    """With this candidate, holders of the title stay within `share` of the holders of
    `of_title` in the same unit and year."""

    share: Share
    of_title: str


@dataclass(frozen=True, slots=True)
class Judged:
    """A standard the data cannot tell (an achievement, a conduct): always unknown, for the
    council to judge; useful as an alternative in `any_of`."""

    standard: str


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Met when one of the conditions is."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    """Met when all of the conditions are."""

    conditions: tuple[Condition, ...]


Condition = (
    ClassifiedAtLeast
    | HeldTitleConsecutive
    | HeldTitleTimes
    | HasInitiative
    | UnitRankAtMost
    | Voted
    | NoDiscipline
    | MemberShareHolding
    | Quota
    | Judged
    | AnyOf
    | AllOf
)

# Condition types and the parameters each takes (required ones first in the tuple's first part).
PARAMS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "classified_at_least": (("rating",), ("years",)),
    "held_title_consecutive": (("title", "years"), ("until",)),
    "held_title_times": (("title", "times", "years"), ("until",)),
    "has_initiative": ((), ("level", "count", "years")),
    "unit_rank_at_most": (("rank",), ("within",)),
    "voted": ((), ("title",)),
    "no_discipline": ((), ()),
    "member_share_holding": (("title",), ("more_than", "at_least")),
    "quota": (("share", "of_title"), ()),
    "judged": (("standard",), ()),
    "any_of": ((), ()),
    "all_of": ((), ()),
}
TYPES: Final = tuple(PARAMS)
GROUPS: Final = ("any_of", "all_of")


def parse_rating(raw: Any) -> str | None:
    """A classification level from its key or its Vietnamese name, any case or diacritics."""
    if not isinstance(raw, str):
        return None
    folded = vi_fold(raw)
    for level in RATINGS:
        if folded in (level, vi_fold(RATING_NAMES[level])):
            return level
    return None


def parse_initiative_level(raw: Any) -> str | None:
    """An initiative's level from its key or its Vietnamese name ("cơ sở", "tỉnh", ...)."""
    if not isinstance(raw, str):
        return None
    return _INITIATIVE_WORDS.get(vi_fold(raw))


def _int(params: Mapping, name: str, where: str, kind: str, low: int, high: int, default=None):
    raw = params.get(name, default)
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise ConditionError(
            "bad_number", where, type=kind, param=name, value=raw, low=low, high=high
        )
    return raw


def _title(params: Mapping, name: str, where: str, kind: str, titles: Iterable[str] | None):
    raw = params.get(name)
    if not isinstance(raw, str) or not raw.strip():
        raise ConditionError("missing_param", where, type=kind, param=name)
    code = raw.strip()
    if titles is not None and code not in titles:
        raise ConditionError("unknown_title", where, type=kind, title=code)
    return code


def _share(params: Mapping, name: str, where: str, kind: str, *, positive: bool) -> Share:
    share = parse_share(params.get(name))
    if share is None or (positive and share.value == 0):
        raise ConditionError("bad_share", where, type=kind, param=name, value=params.get(name))
    return share


def parse_condition(
    raw: Any, where: str = "1", *, titles: Iterable[str] | None = None, depth: int = 1
) -> Condition:
    """One condition from its mapping; ConditionError says what is wrong and where."""
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise ConditionError("not_one_key", where)
    kind, params = next(iter(raw.items()))
    if kind not in PARAMS:
        raise ConditionError("unknown_type", where, type=str(kind)[:60])
    if kind in GROUPS:
        if depth >= MAX_DEPTH:
            raise ConditionError("too_deep", where, depth=MAX_DEPTH)
        if not isinstance(params, list) or not params:
            raise ConditionError("empty_group", where, type=kind)
        titles = None if titles is None else frozenset(titles)
        parts = tuple(
            parse_condition(item, f"{where}.{n}", titles=titles, depth=depth + 1)
            for n, item in enumerate(params, start=1)
        )
        return AnyOf(parts) if kind == "any_of" else AllOf(parts)
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ConditionError("not_a_mapping", where, type=kind)
    required, optional = PARAMS[kind]
    for name in params:
        if name not in required + optional:
            raise ConditionError("unknown_param", where, type=kind, param=str(name)[:60])
    for name in required:
        if name not in params:
            raise ConditionError("missing_param", where, type=kind, param=name)
    return _BUILDERS[kind](params, where, kind, titles)


def _classified(params, where, kind, _titles) -> ClassifiedAtLeast:
    rating = parse_rating(params["rating"])
    if rating is None:
        raise ConditionError("bad_rating", where, value=params["rating"])
    return ClassifiedAtLeast(rating, _int(params, "years", where, kind, 1, MAX_YEARS, 1))


def _held(params, where, kind, titles) -> HeldTitleConsecutive:
    until = params.get("until", PREVIOUS)
    if until not in UNTIL:
        raise ConditionError("bad_choice", where, type=kind, param="until", value=until)
    return HeldTitleConsecutive(
        _title(params, "title", where, kind, titles),
        _int(params, "years", where, kind, 1, MAX_YEARS),
        until,
    )


def _held_times(params, where, kind, titles) -> HeldTitleTimes:
    until = params.get("until", PREVIOUS)
    if until not in UNTIL:
        raise ConditionError("bad_choice", where, type=kind, param="until", value=until)
    years = _int(params, "years", where, kind, 1, MAX_YEARS)
    return HeldTitleTimes(
        _title(params, "title", where, kind, titles),
        _int(params, "times", where, kind, 1, years),
        years,
        until,
    )


def _judged(params, where, kind, _titles) -> Judged:
    raw = params.get("standard")
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_STANDARD:
        raise ConditionError("bad_text", where, type=kind, param="standard", max=MAX_STANDARD)
    return Judged(" ".join(raw.split()))


def _initiative(params, where, kind, _titles) -> HasInitiative:
    level = parse_initiative_level(params.get("level", BASE))
    if level is None:
        raise ConditionError("bad_initiative_level", where, value=params.get("level"))
    return HasInitiative(
        level,
        _int(params, "count", where, kind, 1, MAX_COUNT, 1),
        _int(params, "years", where, kind, 1, MAX_YEARS, 1),
    )


def _rank(params, where, kind, _titles) -> UnitRankAtMost:
    within = params.get("within", CLUSTER)
    if within not in WITHIN:
        raise ConditionError("bad_choice", where, type=kind, param="within", value=within)
    return UnitRankAtMost(_int(params, "rank", where, kind, 1, MAX_RANK), within)


def _voted(params, where, kind, titles) -> Voted:
    if "title" not in params:
        return Voted(None)
    return Voted(_title(params, "title", where, kind, titles))


def _no_discipline(_params, _where, _kind, _titles) -> NoDiscipline:
    return NoDiscipline()


def _member_share(params, where, kind, titles) -> MemberShareHolding:
    bounds = [name for name in ("more_than", "at_least") if name in params]
    if len(bounds) != 1:
        raise ConditionError("one_bound", where, type=kind)
    strict = bounds[0] == "more_than"
    share = _share(params, bounds[0], where, kind, positive=not strict)
    if strict and share.value == 1:
        raise ConditionError("bad_share", where, type=kind, param="more_than", value=share.text)
    return MemberShareHolding(_title(params, "title", where, kind, titles), share, strict)


def _quota(params, where, kind, titles) -> Quota:
    return Quota(
        _share(params, "share", where, kind, positive=True),
        _title(params, "of_title", where, kind, titles),
    )


_BUILDERS = {
    "classified_at_least": _classified,
    "held_title_consecutive": _held,
    "held_title_times": _held_times,
    "has_initiative": _initiative,
    "unit_rank_at_most": _rank,
    "voted": _voted,
    "no_discipline": _no_discipline,
    "member_share_holding": _member_share,
    "quota": _quota,
    "judged": _judged,
}


def parse_conditions(raw: Any, *, titles: Iterable[str] | None = None) -> tuple[Condition, ...]:
    """A list of conditions (all must be met); ConditionError at the first that cannot be read.

    `titles` are the codes a condition may name (those of the same catalogue); None skips the
    check.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConditionError("not_a_list", "")
    known = None if titles is None else frozenset(titles)
    return tuple(parse_condition(item, str(n), titles=known) for n, item in enumerate(raw, start=1))


def condition_type(condition: Condition) -> str:
    """The type's name as the catalogue file writes it."""
    return _TYPE_OF[type(condition)]


_TYPE_OF = {
    ClassifiedAtLeast: "classified_at_least",
    HeldTitleConsecutive: "held_title_consecutive",
    HeldTitleTimes: "held_title_times",
    HasInitiative: "has_initiative",
    UnitRankAtMost: "unit_rank_at_most",
    Voted: "voted",
    NoDiscipline: "no_discipline",
    MemberShareHolding: "member_share_holding",
    Quota: "quota",
    Judged: "judged",
    AnyOf: "any_of",
    AllOf: "all_of",
}


def condition_to_dict(condition: Condition) -> dict:
    """The canonical mapping of a condition (parsing it again gives the same condition)."""
    kind = condition_type(condition)
    match condition:
        case AnyOf(parts) | AllOf(parts):
            return {kind: [condition_to_dict(part) for part in parts]}
        case ClassifiedAtLeast(rating, years):
            params: dict[str, Any] = {"rating": RATING_NAMES[rating]}
            if years != 1:
                params["years"] = years
        case HeldTitleConsecutive(title, years, until):
            params = {"title": title, "years": years}
            if until != PREVIOUS:
                params["until"] = until
        case HeldTitleTimes(title, times, years, until):
            params = {"title": title, "times": times, "years": years}
            if until != PREVIOUS:
                params["until"] = until
        case Judged(standard):
            params = {"standard": standard}
        case HasInitiative(level, count, years):
            params = {"level": INITIATIVE_NAMES[level]}
            if count != 1:
                params["count"] = count
            if years != 1:
                params["years"] = years
        case UnitRankAtMost(rank, within):
            params = {"rank": rank, "within": within}
        case Voted(title):
            params = {"title": title} if title else {}
        case NoDiscipline():
            params = {}
        case MemberShareHolding(title, share, strict):
            params = {"title": title, ("more_than" if strict else "at_least"): share.text}
        case Quota(share, of_title):
            params = {"share": share.text, "of_title": of_title}
    return {kind: params}


def titles_named(conditions: Iterable[Condition]) -> set[str]:
    """Every title code the conditions refer to."""
    found: set[str] = set()
    for condition in conditions:
        match condition:
            case AnyOf(parts) | AllOf(parts):
                found |= titles_named(parts)
            case (
                HeldTitleConsecutive(title=title)
                | HeldTitleTimes(title=title)
                | MemberShareHolding(title=title)
            ):
                found.add(title)
            case Voted(title=title) if title:
                found.add(title)
            case Quota(of_title=title):
                found.add(title)
    return found


# ---- facts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AwardFact:
    """A title or award the candidate holds from the register, in a year."""

    title: str
    year: int
    ref: Any = None


@dataclass(frozen=True, slots=True)
class InitiativeFact:
    """An initiative the candidate is an author of (for a unit: one of the unit's)."""

    level: str
    year: int
    ref: Any = None


@dataclass(frozen=True, slots=True)
class ClassificationFact:
    """The yearly classification (one of classification.LEVELS)."""

    year: int
    rating: str
    ref: Any = None


@dataclass(frozen=True, slots=True)
class RankFact:
    """The unit's place in its cluster or block (rank None: no figure yet) among `size` units."""

    within: str
    rank: int | None
    size: int
    ref: Any = None


@dataclass(frozen=True, slots=True)
class VoteFact:
    """The outcome of a closed ballot for a title: elected or not (None: not decided yet)."""

    title: str
    elected: bool | None
    votes: int | None = None
    members: int | None = None
    ref: Any = None


@dataclass(frozen=True)
class Facts:
    """What is known of one candidate for one year; missing facts make conditions unknown.

    `register_years`: the years the award register covers for the candidate's unit (a year it
    holds nothing for cannot tell that a title was not held). `members`: a collective's people
    (None: not recorded). `holders`: how many in the candidate's unit hold each title this year;
    `own_titles`: those the candidate holds among them (the quota counts the candidate once).
    `disciplined`: None when no record says either way.
    """

    year: int
    awards: tuple[AwardFact, ...] = ()
    register_years: frozenset[int] = frozenset()
    initiatives: tuple[InitiativeFact, ...] = ()
    classifications: tuple[ClassificationFact, ...] = ()
    ranks: tuple[RankFact, ...] = ()
    votes: tuple[VoteFact, ...] = ()
    disciplined: bool | None = None
    discipline_ref: Any = None
    members: int | None = None
    holders: Mapping[str, int] = field(default_factory=dict)
    own_titles: frozenset[str] = frozenset()
    members_ref: Any = None


# ---- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact that decided a condition: its kind, year, the caller's ref and figures."""

    kind: str
    year: int | None = None
    ref: Any = None
    values: tuple = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """A condition's status and the facts that decided it (a group's: its parts'); `context`
    holds the other facts read for it (the years held when another year is missing)."""

    condition: Condition
    status: str
    evidence: tuple[Evidence, ...] = ()
    parts: tuple[Outcome, ...] = ()
    context: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """Every condition's outcome and the whole: met when all are, unmet when one is."""

    status: str
    outcomes: tuple[Outcome, ...]

    @property
    def unmet(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == UNMET)

    @property
    def unknown(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == UNKNOWN)


def combine_all(statuses: Iterable[str]) -> str:
    """All must be met: unmet if one is, unknown if one is and none unmet, else met."""
    seen = set(statuses)
    if UNMET in seen:
        return UNMET
    return UNKNOWN if UNKNOWN in seen else MET


def combine_any(statuses: Iterable[str]) -> str:
    """One must be met: met if one is, unknown if one is and none met, else unmet."""
    seen = set(statuses)
    if MET in seen:
        return MET
    return UNKNOWN if UNKNOWN in seen else UNMET


def evaluate(conditions: Sequence[Condition], facts: Facts, *, title: str) -> Verdict:
    """Each condition's outcome for the candidate of `facts`, checked for `title` (its code)."""
    outcomes = tuple(check(condition, facts, title=title) for condition in conditions)
    return Verdict(combine_all(o.status for o in outcomes), outcomes)


def check(condition: Condition, facts: Facts, *, title: str) -> Outcome:
    """One condition's outcome."""
    match condition:
        case AnyOf(parts) | AllOf(parts):
            results = tuple(check(part, facts, title=title) for part in parts)
            combine = combine_any if isinstance(condition, AnyOf) else combine_all
            return Outcome(condition, combine(r.status for r in results), (), results)
        case ClassifiedAtLeast():
            return _check_classified(condition, facts)
        case HeldTitleConsecutive():
            return _check_held(condition, facts)
        case HeldTitleTimes():
            return _check_held_times(condition, facts)
        case Judged():
            return Outcome(
                condition, UNKNOWN, (Evidence(JUDGED, facts.year, None, (condition.standard,)),)
            )
        case HasInitiative():
            return _check_initiative(condition, facts)
        case UnitRankAtMost():
            return _check_rank(condition, facts)
        case Voted():
            return _check_voted(condition, facts, title)
        case NoDiscipline():
            return _check_discipline(condition, facts)
        case MemberShareHolding():
            return _check_member_share(condition, facts)
        case Quota():
            return _check_quota(condition, facts, title)
    raise TypeError(f"not a condition: {condition!r}")


def _window(facts: Facts, years: int, *, through: int | None = None) -> range:
    """The `years` years ending with `through` (the candidate's year by default), oldest first."""
    last = facts.year if through is None else through
    return range(last - years + 1, last + 1)


def _check_classified(condition: ClassifiedAtLeast, facts: Facts) -> Outcome:
    by_year = {c.year: c for c in facts.classifications}
    need = RATINGS.index(condition.rating)
    statuses, evidence = [], []
    for year in _window(facts, condition.years):
        found = by_year.get(year)
        if found is None:
            statuses.append(UNKNOWN)
            evidence.append(Evidence(NO_CLASSIFICATION, year))
            continue
        ok = RATINGS.index(found.rating) <= need
        statuses.append(MET if ok else UNMET)
        evidence.append(Evidence(CLASSIFICATION, year, found.ref, (found.rating,)))
    return _decided(condition, combine_all(statuses), evidence, statuses)


def _decided(condition, status: str, evidence: list[Evidence], statuses: list[str]) -> Outcome:
    """The evidence that decided the status: the failing years when unmet, the missing ones
    when unknown, all of them when met; the others as context."""
    if status == MET:
        return Outcome(condition, status, tuple(evidence))
    wanted = UNMET if status == UNMET else UNKNOWN
    kept = tuple(e for e, s in zip(evidence, statuses, strict=True) if s == wanted)
    rest = tuple(e for e, s in zip(evidence, statuses, strict=True) if s != wanted)
    return Outcome(condition, status, kept, context=rest)


def _check_held(condition: HeldTitleConsecutive, facts: Facts) -> Outcome:
    through = facts.year if condition.until == CURRENT else facts.year - 1
    held = {}
    for award in facts.awards:
        if award.title == condition.title:
            held.setdefault(award.year, award)
    statuses, evidence = [], []
    for year in _window(facts, condition.years, through=through):
        if year in held:
            statuses.append(MET)
            evidence.append(Evidence(AWARD, year, held[year].ref, (condition.title,)))
        elif year in facts.register_years:
            statuses.append(UNMET)
            evidence.append(Evidence(NO_AWARD, year, None, (condition.title,)))
        else:
            statuses.append(UNKNOWN)
            evidence.append(Evidence(UNCOVERED, year, None, (condition.title,)))
    return _decided(condition, combine_all(statuses), evidence, statuses)


def _check_held_times(condition: HeldTitleTimes, facts: Facts) -> Outcome:
    through = facts.year if condition.until == CURRENT else facts.year - 1
    window = _window(facts, condition.years, through=through)
    held = {}
    for award in facts.awards:
        if award.title == condition.title and award.year in window:
            held.setdefault(award.year, award)
    evidence = tuple(
        Evidence(AWARD, year, held[year].ref, (condition.title,)) for year in sorted(held)
    )
    if len(held) >= condition.times:
        return Outcome(condition, MET, evidence)
    uncovered = [y for y in window if y not in held and y not in facts.register_years]
    if len(held) + len(uncovered) >= condition.times:
        # The years the register does not cover could still hold what is missing.
        gaps = tuple(Evidence(UNCOVERED, y, None, (condition.title,)) for y in uncovered)
        return Outcome(condition, UNKNOWN, (*evidence, *gaps))
    missing = Evidence(TOO_FEW, facts.year, None, (condition.title, len(held), condition.times))
    return Outcome(condition, UNMET, (*evidence, missing))


def _check_initiative(condition: HasInitiative, facts: Facts) -> Outcome:
    floor = INITIATIVE_LEVELS.index(condition.level)
    years = _window(facts, condition.years)
    found = sorted(
        (
            i
            for i in facts.initiatives
            if i.year in years
            and i.level in INITIATIVE_LEVELS
            and INITIATIVE_LEVELS.index(i.level) >= floor
        ),
        key=lambda i: (-i.year, -INITIATIVE_LEVELS.index(i.level)),
    )
    evidence = tuple(Evidence(INITIATIVE, i.year, i.ref, (i.level,)) for i in found)
    if len(found) >= condition.count:
        return Outcome(condition, MET, evidence[: condition.count])
    # Too few: the ones there are, and what is missing.
    missing = Evidence(NO_INITIATIVE, facts.year, None, (len(found), condition.count))
    return Outcome(condition, UNMET, (*evidence, missing))


def _check_rank(condition: UnitRankAtMost, facts: Facts) -> Outcome:
    found = next((r for r in facts.ranks if r.within == condition.within), None)
    if found is None or found.rank is None:
        ref = found.ref if found is not None else None
        return Outcome(condition, UNKNOWN, (Evidence(NO_RANK, facts.year, ref),))
    status = MET if found.rank <= condition.rank else UNMET
    return Outcome(
        condition, status, (Evidence(RANK, facts.year, found.ref, (found.rank, found.size)),)
    )


def _check_voted(condition: Voted, facts: Facts, title: str) -> Outcome:
    wanted = condition.title or title
    votes = [v for v in facts.votes if v.title == wanted]
    decided = [v for v in votes if v.elected is not None]
    if not decided:
        ref = votes[0].ref if votes else None
        return Outcome(condition, UNKNOWN, (Evidence(NO_VOTE, facts.year, ref, (wanted,)),))
    elected = [v for v in decided if v.elected]
    shown = elected[0] if elected else decided[0]
    return Outcome(
        condition,
        MET if elected else UNMET,
        (Evidence(VOTE, facts.year, shown.ref, (wanted, shown.votes, shown.members)),),
    )


def _check_discipline(condition: NoDiscipline, facts: Facts) -> Outcome:
    evidence = (Evidence(DISCIPLINE, facts.year, facts.discipline_ref, (facts.disciplined,)),)
    if facts.disciplined is None:
        return Outcome(condition, UNKNOWN, evidence)
    return Outcome(condition, UNMET if facts.disciplined else MET, evidence)


def _count_is_known(facts: Facts) -> bool:
    return facts.year in facts.register_years


def _check_member_share(condition: MemberShareHolding, facts: Facts) -> Outcome:
    if not facts.members:
        return Outcome(condition, UNKNOWN, (Evidence(NO_MEMBERS, facts.year, facts.members_ref),))
    if not _count_is_known(facts):
        return Outcome(
            condition, UNKNOWN, (Evidence(UNCOVERED, facts.year, None, (condition.title,)),)
        )
    holders = facts.holders.get(condition.title, 0)
    share = Fraction(holders, facts.members)
    met = share > condition.share.value if condition.strict else share >= condition.share.value
    evidence = Evidence(
        MEMBERS, facts.year, facts.members_ref, (condition.title, holders, facts.members)
    )
    return Outcome(condition, MET if met else UNMET, (evidence,))


def quota_allows(share: Fraction, base: int) -> int:
    """How many may hold a title capped at `share` of `base` holders (the whole part)."""
    allowed = share * base
    return allowed.numerator // allowed.denominator


def _check_quota(condition: Quota, facts: Facts, title: str) -> Outcome:
    if not _count_is_known(facts):
        return Outcome(
            condition, UNKNOWN, (Evidence(UNCOVERED, facts.year, None, (condition.of_title,)),)
        )
    base = facts.holders.get(condition.of_title, 0)
    # Those holding the title already, the candidate left out: they are counted below.
    already = facts.holders.get(title, 0) - (1 if title in facts.own_titles else 0)
    allowed = quota_allows(condition.share.value, base)
    evidence = Evidence(
        QUOTA, facts.year, facts.members_ref, (title, already, condition.of_title, base, allowed)
    )
    # With the candidate: already + 1 must not pass the share of the base.
    return Outcome(condition, MET if already + 1 <= allowed else UNMET, (evidence,))
