"""The catalogue of titles and awards with their eligibility conditions: import from YAML,
store as versions, export, edit while unused, lock once used, and keep the titles list in step.

A version is immutable once something was decided against it (`lock`); a change is then a new
version. The latest version is the one in force. Importing a version adds its entries to the
titles list (reform.models.titles) and brings their names, scope, kind, level and order in line,
so registrations and ballots offer what the catalogue says; entries it leaves out stay as they
are (the titles page deactivates them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from reform.catalogue import DEFAULT_CATALOGUE
from reform.extensions import db
from reform.models import CatalogueVersion, Title, User
from reform.models.commendation import CERTIFICATE, FAMILIES, FLAG, OTHER, TITLE_FAMILY
from reform.models.titles import COLLECTIVE, INDIVIDUAL, KINDS, SCOPES, TITLE
from reform.scoring import eligibility as core
from reform.services.audit import record
from reform.services.emulation.titles import LEVELS
from reform.services.units import CODE_RE
from reform.validation import text_problem

MAX_YAML_BYTES = 512 * 1024
MAX_YAML_NODES = 50_000
MAX_YAML_DEPTH = 32
MAX_ENTRIES = 500
MAX_VERSION = 1_000_000
MAX_POSITION = 10_000
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Who proposes an entry, and who decides it.
PROPOSERS = ("unit", "cluster", "agency")
PROPOSER_LABELS = {
    "unit": _l("The unit's head"),
    "cluster": _l("The cluster head, after the cluster's vote"),
    "agency": _l("The managing agency"),
}
DECIDERS = ("unit_head", "province_chair", "minister", "prime_minister", "president")
DECIDER_LABELS = {
    "unit_head": _l("Head of the agency or unit"),
    "province_chair": _l("Chairman of the Provincial People's Committee"),
    "minister": _l("Minister or head of a central agency"),
    "prime_minister": _l("Prime Minister"),
    "president": _l("President of the State"),
}
FAMILY_LABELS = {
    FLAG: _l("Emulation flags"),
    CERTIFICATE: _l("Certificates of merit"),
    TITLE_FAMILY: _l("Emulation titles"),
    OTHER: _l("Other forms"),
}
TOP_KEYS = ("version", "name", "basis", "titles")
ENTRY_KEYS = (
    "code",
    "name",
    "scope",
    "kind",
    "level",
    "family",
    "proposed_by",
    "decided_by",
    "position",
    "basis",
    "notes",
    "conditions",
)
# Conditions that only make sense for one scope.
COLLECTIVE_ONLY = (core.UnitRankAtMost, core.Voted, core.MemberShareHolding)
CONDITION_PROBLEMS = {
    "not_a_list": _l("conditions must be a list."),
    "not_one_key": _l("condition %(where)s must be one type with its parameters."),
    "unknown_type": _l("condition %(where)s: unknown type “%(type)s”."),
    "not_a_mapping": _l("condition %(where)s (%(type)s): its parameters must be a mapping."),
    "unknown_param": _l("condition %(where)s (%(type)s): unknown parameter “%(param)s”."),
    "missing_param": _l("condition %(where)s (%(type)s): “%(param)s” is missing."),
    "bad_rating": _l(
        "condition %(where)s: “%(value)s” is not a classification (hoàn thành xuất sắc nhiệm vụ, "
        "hoàn thành tốt nhiệm vụ, hoàn thành nhiệm vụ, không hoàn thành nhiệm vụ)."
    ),
    "bad_initiative_level": _l(
        "condition %(where)s: “%(value)s” is not an initiative level (cơ sở, tỉnh, toàn quốc)."
    ),
    "bad_number": _l(
        "condition %(where)s (%(type)s): “%(param)s” must be a whole number from %(low)s to "
        "%(high)s."
    ),
    "bad_share": _l(
        "condition %(where)s (%(type)s): “%(param)s” must be a share such as 15%%, 1/2 or 0.7, "
        "within the limits of the condition."
    ),
    "bad_choice": _l("condition %(where)s (%(type)s): “%(value)s” is not allowed for “%(param)s”."),
    "bad_text": _l(
        "condition %(where)s (%(type)s): “%(param)s” must be a text of 1 to %(max)s characters."
    ),
    "one_bound": _l("condition %(where)s (%(type)s): give either more_than or at_least."),
    "unknown_title": _l(
        "condition %(where)s (%(type)s): no entry of this catalogue has code %(title)s."
    ),
    "empty_group": _l("condition %(where)s (%(type)s): list at least one condition."),
    "too_deep": _l("condition %(where)s: groups nest at most %(depth)s levels deep."),
}


class CatalogueRefused(ValueError):
    """A catalogue file or change refused whole; problems are (title code or None, text)."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(f"{c or '-'}: {m}" for c, m in problems))
        self.problems = problems


def label(labels: dict, key: str | None) -> str:
    """A code's label in the interface language, or the code as stored."""
    found = labels.get(key or "")
    return str(found) if found is not None else (key or "")


# ---- reading a file ----------------------------------------------------------------------


def load_yaml(data: bytes | str) -> Any:
    """The value in a YAML text, or CatalogueRefused saying what is wrong with the file."""
    if isinstance(data, bytes):
        if len(data) > MAX_YAML_BYTES:
            raise CatalogueRefused([(None, _("The file is larger than 512 KB."))])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CatalogueRefused([(None, _("The file is not UTF-8 text."))]) from exc
    elif len(data.encode("utf-8")) > MAX_YAML_BYTES:
        raise CatalogueRefused([(None, _("The file is larger than 512 KB."))])
    try:
        _check_shape(data)
        return yaml.load(data, Loader=SAFE_LOADER)
    except CatalogueRefused:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(n)s", n=mark.line + 1) if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogueRefused(
            [(None, _("YAML error %(where)s: %(problem)s", where=where, problem=problem))]
        ) from exc
    except (ValueError, OverflowError) as exc:
        raise CatalogueRefused(
            [(None, _("A number or date in the file cannot be read (%(problem)s).", problem=exc))]
        ) from exc


def _check_shape(text: str) -> None:
    """Refuse anchors and aliases and bound the file's size in values before building it
    (aliases let a small file describe an enormous tree)."""
    nodes = depth = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise CatalogueRefused(
                [(None, _("Anchors and aliases (& and *) are not allowed; write every value out."))]
            )
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise CatalogueRefused(
                    [(None, _("The file holds more than %(n)s values.", n=MAX_YAML_NODES))]
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise CatalogueRefused(
                    [(None, _("The file is nested more than %(n)s levels deep.", n=MAX_YAML_DEPTH))]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def condition_problem(error: core.ConditionError) -> str:
    """A condition's problem in the interface language."""
    template = CONDITION_PROBLEMS.get(error.kind)
    params = {key: _short(value) for key, value in error.params.items()}
    params.setdefault("where", error.where)
    if template is None:
        return f"{error.where}: {error.kind}"
    return str(template) % params


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _text(
    entry: dict, key: str, code: str | None, problems: list, *, required: bool, max_length: int
) -> str | None:
    raw = entry.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            problems.append((code, _("“%(key)s” is missing.", key=key)))
        return None
    if not isinstance(raw, str):
        problems.append((code, _("“%(key)s” must be text.", key=key)))
        return None
    problem = text_problem(raw, max_length=max_length, multiline=key in ("basis", "notes"))
    if problem:
        problems.append((code, f"{key}: {problem}"))
        return None
    return raw.strip() if key in ("basis", "notes") else " ".join(raw.split())


def _choice(entry: dict, key: str, allowed: tuple, code: str | None, problems: list, default=None):
    raw = entry.get(key, default)
    if raw not in allowed:
        problems.append(
            (
                code,
                _(
                    "“%(key)s” must be one of: %(allowed)s.",
                    key=key,
                    allowed=", ".join(allowed),
                ),
            )
        )
        return None
    return raw


def validate(data: Any) -> dict:
    """The canonical form of a catalogue, or CatalogueRefused listing every problem by code."""
    problems: list[tuple[str | None, str]] = []
    if not isinstance(data, dict):
        raise CatalogueRefused([(None, _("The file must describe one catalogue (a mapping)."))])
    for key in data:
        if key not in TOP_KEYS:
            problems.append((None, _("Unknown field “%(key)s”.", key=str(key)[:60])))
    version = data.get("version")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION
    ):
        problems.append((None, _("version must be a whole number from 1 to %(n)s.", n=MAX_VERSION)))
        version = None
    name = _text(data, "name", None, problems, required=True, max_length=300)
    basis = _text(data, "basis", None, problems, required=False, max_length=2000)
    raw_titles = data.get("titles")
    if not isinstance(raw_titles, list) or not raw_titles:
        problems.append((None, _("titles must list at least one title or award.")))
        raise CatalogueRefused(problems)
    if len(raw_titles) > MAX_ENTRIES:
        raise CatalogueRefused(
            problems + [(None, _("At most %(n)s titles and awards.", n=MAX_ENTRIES))]
        )
    codes = [e.get("code") if isinstance(e, dict) else None for e in raw_titles]
    known = {c.strip() for c in codes if isinstance(c, str)}
    scopes = {
        e["code"].strip(): e.get("scope")
        for e in raw_titles
        if isinstance(e, dict) and isinstance(e.get("code"), str)
    }
    seen: set[str] = set()
    entries = []
    for n, raw in enumerate(raw_titles, start=1):
        entry = _entry(raw, n, known, scopes, seen, problems)
        if entry is not None:
            entries.append(entry)
    if problems:
        raise CatalogueRefused(problems)
    definition: dict[str, Any] = {"version": version, "name": name}
    if basis:
        definition["basis"] = basis
    definition["titles"] = entries
    return definition


def _entry(raw: Any, n: int, known: set, scopes: dict, seen: set, problems: list) -> dict | None:
    if not isinstance(raw, dict):
        problems.append((None, _("Entry %(n)s must be a mapping.", n=n)))
        return None
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code.strip()):
        problems.append(
            (None, _("Entry %(n)s: code must be letters, digits and . _ - (max 40).", n=n))
        )
        return None
    code = code.strip()
    if code in seen:
        problems.append((code, _("This code appears twice.")))
        return None
    seen.add(code)
    count = len(problems)
    for key in raw:
        if key not in ENTRY_KEYS:
            problems.append((code, _("Unknown field “%(key)s”.", key=str(key)[:60])))
    name = _text(raw, "name", code, problems, required=True, max_length=300)
    scope = _choice(raw, "scope", SCOPES, code, problems)
    kind = _choice(raw, "kind", KINDS, code, problems)
    level = _choice(raw, "level", LEVELS, code, problems)
    default_family = TITLE_FAMILY if kind == TITLE else CERTIFICATE
    family = _choice(raw, "family", FAMILIES, code, problems, default_family)
    proposed_by = _choice(raw, "proposed_by", PROPOSERS, code, problems)
    decided_by = _choice(raw, "decided_by", DECIDERS, code, problems)
    position = raw.get("position", n * 10)
    if isinstance(position, bool) or not isinstance(position, int):
        position = -1
    if not 0 <= position <= MAX_POSITION:
        problems.append(
            (code, _("position must be a whole number from 0 to %(n)s.", n=MAX_POSITION))
        )
    basis = _text(raw, "basis", code, problems, required=False, max_length=4000)
    notes = _text(raw, "notes", code, problems, required=False, max_length=4000)
    conditions: tuple[core.Condition, ...] = ()
    try:
        conditions = core.parse_conditions(raw.get("conditions"), titles=known)
    except core.ConditionError as refused:
        problems.append((code, condition_problem(refused)))
    else:
        problems.extend((code, text) for text in _scope_problems(scope, conditions, scopes))
    if len(problems) > count:
        return None
    entry: dict[str, Any] = {
        "code": code,
        "name": name,
        "scope": scope,
        "kind": kind,
        "level": level,
        "family": family,
        "proposed_by": proposed_by,
        "decided_by": decided_by,
        "position": position,
    }
    if basis:
        entry["basis"] = basis
    if notes:
        entry["notes"] = notes
    entry["conditions"] = [core.condition_to_dict(c) for c in conditions]
    return entry


def _flatten(conditions) -> list:
    found = []
    for condition in conditions:
        if isinstance(condition, core.AnyOf | core.AllOf):
            found.extend(_flatten(condition.conditions))
        else:
            found.append(condition)
    return found


def _scope_problems(scope: str | None, conditions, scopes: dict) -> list[str]:
    """Conditions that cannot apply to an entry of this scope, or name titles of the wrong one."""
    problems = []
    for condition in _flatten(conditions):
        kind = core.condition_type(condition)
        if scope == INDIVIDUAL and isinstance(condition, COLLECTIVE_ONLY):
            problems.append(_("%(type)s applies to collectives only.", type=kind))
        if isinstance(condition, core.MemberShareHolding):
            if scopes.get(condition.title) != INDIVIDUAL:
                problems.append(
                    _(
                        "%(type)s: %(title)s must be a title of individuals.",
                        type=kind,
                        title=condition.title,
                    )
                )
        elif isinstance(condition, core.HeldTitleConsecutive | core.HeldTitleTimes | core.Quota):
            named = condition.of_title if isinstance(condition, core.Quota) else condition.title
            if scope in SCOPES and scopes.get(named) != scope:
                problems.append(
                    _(
                        "%(type)s: %(title)s is not for the same scope as this entry.",
                        type=kind,
                        title=named,
                    )
                )
        elif (
            isinstance(condition, core.Voted)
            and condition.title
            and scopes.get(condition.title) != COLLECTIVE
        ):
            problems.append(
                _(
                    "%(type)s: %(title)s must be a title of collectives.",
                    type=kind,
                    title=condition.title,
                )
            )
    return problems


def conditions_of(entry: dict) -> tuple[core.Condition, ...]:
    """The parsed conditions of a stored entry (stored canonical, so they always parse)."""
    return core.parse_conditions(entry.get("conditions") or [])


# ---- storing ------------------------------------------------------------------------------


def dump_yaml(definition: dict) -> str:
    """The YAML text of a canonical catalogue (stable, so exports re-import identically)."""
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=100)


def content_hash(definition: dict) -> str:
    """SHA-256 of the canonical YAML: equal catalogues have equal hashes."""
    return hashlib.sha256(dump_yaml(definition).encode("utf-8")).hexdigest()


def versions() -> list[CatalogueVersion]:
    """Every version, newest first."""
    return list(
        db.session.scalars(select(CatalogueVersion).order_by(CatalogueVersion.version.desc()))
    )


def get_version(version: int | None = None) -> CatalogueVersion | None:
    """A version by number, or the one in force (the latest) when none is given."""
    stmt = select(CatalogueVersion)
    if version is not None:
        return db.session.scalar(stmt.where(CatalogueVersion.version == version))
    return db.session.scalar(stmt.order_by(CatalogueVersion.version.desc()).limit(1))


def current() -> CatalogueVersion | None:
    """The version in force: the latest one."""
    return get_version(None)


def _next_number() -> int:
    latest = db.session.scalar(select(func.max(CatalogueVersion.version)))
    return int(latest or 0) + 1


def parse(data: bytes | str | dict) -> dict:
    """The canonical catalogue from a file's text or a dict, its version filled in when the file
    leaves it out; CatalogueRefused otherwise."""
    raw = data if isinstance(data, dict) else load_yaml(data)
    definition = validate(raw)
    if definition["version"] is None:
        definition["version"] = _next_number()
    return definition


def import_catalogue(
    data: bytes | str | dict,
    *,
    actor: User | None = None,
    based_on: CatalogueVersion | None = None,
    reason: str | None = None,
) -> CatalogueVersion:
    """Store a new version from YAML or a dict; nothing is stored on any problem."""
    definition = parse(data)
    if get_version(definition["version"]) is not None:
        raise CatalogueRefused(
            [
                (
                    None,
                    _(
                        "Version %(version)s already exists; import it as a new version.",
                        version=definition["version"],
                    ),
                )
            ]
        )
    stored = CatalogueVersion(
        version=definition["version"],
        name=definition["name"],
        definition=definition,
        content_hash=content_hash(definition),
        based_on_id=based_on.id if based_on is not None else None,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(stored)
    db.session.flush()
    changed = sync_titles(definition)
    record(
        "catalogue_imported",
        actor=actor,
        stage="catalogue",
        to_value=f"{stored.version} {stored.content_hash[:12]}",
        from_value=str(based_on.version) if based_on is not None else None,
        reason=reason or (_("%(n)s titles list entries added or changed.", n=changed)),
    )
    db.session.commit()
    return stored


def replace_definition(stored: CatalogueVersion, data: bytes | str | dict, *, actor: User | None):
    """Edit an unlocked version in place; its number stays."""
    if stored.locked:
        raise CatalogueRefused([(None, locked_message())])
    raw = data if isinstance(data, dict) else load_yaml(data)
    definition = validate(raw)
    if definition["version"] is None:
        definition["version"] = stored.version
    if definition["version"] != stored.version:
        raise CatalogueRefused(
            [(None, _("The version must stay %(version)s.", version=stored.version))]
        )
    before = stored.content_hash
    stored.name = definition["name"]
    stored.definition = definition
    stored.content_hash = content_hash(definition)
    if stored.version == _next_number() - 1:
        sync_titles(definition)
    record(
        "catalogue_changed",
        actor=actor,
        stage="catalogue",
        from_value=f"{stored.version} {before[:12]}",
        to_value=f"{stored.version} {stored.content_hash[:12]}",
    )
    db.session.commit()
    return stored


def new_version_from(stored: CatalogueVersion, *, actor: User | None) -> CatalogueVersion:
    """A copy under the next free number, ready for editing."""
    definition = dict(stored.definition)
    definition["version"] = _next_number()
    return import_catalogue(definition, actor=actor, based_on=stored)


def locked_message() -> str:
    """Why a used version cannot change."""
    return _("This version has been used and can no longer change. Make a new version from it.")


def lock(stored: CatalogueVersion) -> None:
    """Freeze a version because something was decided against it (caller commits)."""
    if stored.locked_at is None:
        stored.locked_at = datetime.now(UTC).replace(tzinfo=None)


def export_yaml(stored: CatalogueVersion) -> str:
    """The catalogue file of this version."""
    return dump_yaml(stored.definition)


def sync_titles(definition: dict) -> int:
    """Add the version's entries missing from the titles list and bring the others' name,
    scope, kind, level and order in line; how many rows were added or changed."""
    existing = {t.code: t for t in db.session.scalars(select(Title))}
    changed = 0
    for entry in definition["titles"]:
        title = existing.get(entry["code"])
        if title is None:
            title = Title(code=entry["code"], active=True)
            db.session.add(title)
        values = (entry["name"], entry["scope"], entry["kind"], entry["level"], entry["position"])
        if (title.name, title.scope, title.kind, title.level, title.position) != values:
            title.name, title.scope, title.kind, title.level, title.position = values
            changed += 1
    db.session.flush()
    return changed


def load_default() -> CatalogueVersion | None:
    """Import the shipped catalogue when there is no version yet; None when there is one."""
    if current() is not None:
        return None
    return import_catalogue(DEFAULT_CATALOGUE.read_bytes())


@dataclass(frozen=True)
class EntryView:
    """An entry as the pages show it: its fields and its conditions parsed."""

    entry: dict
    conditions: tuple[core.Condition, ...]

    @property
    def code(self) -> str:
        return self.entry["code"]


def entry_views(stored: CatalogueVersion, scope: str | None = None) -> list[EntryView]:
    """The version's entries (of one scope), collectives first, by position."""
    order = {s: n for n, s in enumerate(SCOPES)}
    entries = [e for e in stored.entries if scope is None or e["scope"] == scope]
    entries.sort(key=lambda e: (order.get(e["scope"], 9), e["position"], e["name"]))
    return [EntryView(e, conditions_of(e)) for e in entries]
