"""Frameworks: import from YAML, store, export, version, compare, lock."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import yaml
from flask import has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select

from reform.extensions import db
from reform.i18n import is_vietnamese
from reform.models import Criterion, Framework, User
from reform.scoring import FrameworkError, framework_to_dict, parse_framework, score

MAX_YAML_BYTES = 2 * 1024 * 1024
# A framework of a thousand criteria is some 20,000 values a dozen levels deep; the bounds refuse
# files built to exhaust the server long before they matter to a real one.
MAX_YAML_NODES = 200_000
MAX_YAML_DEPTH = 64
# Fields of a node whose change a reviewer must see between two versions.
COMPARED_FIELDS = (
    "name",
    "max",
    "rule",
    "evidence",
    "applies_to",
    "allow_na",
    "bonus",
    "penalty",
    "parent",
)


class FrameworkRefused(ValueError):
    """A framework file or change refused whole; problems are (criterion code or None, text)."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(f"{c or '-'}: {m}" for c, m in problems))
        self.problems = problems


@dataclass
class FrameworkDiff:
    """What changed from one version to another, by criterion code."""

    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, dict, list[str]]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.header)


# libyaml's loader, when PyYAML was built with it, parses a framework about ten times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(data: bytes | str) -> dict:
    """The mapping in a YAML text, or FrameworkRefused saying where the syntax breaks."""
    if isinstance(data, bytes):
        if len(data) > MAX_YAML_BYTES:
            raise FrameworkRefused([(None, _("The file is larger than 2 MB."))])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FrameworkRefused([(None, _("The file is not UTF-8 text."))]) from exc
    elif len(data) > MAX_YAML_BYTES // 4 and len(data.encode("utf-8")) > MAX_YAML_BYTES:
        # Pasted text is held to the same limit as an uploaded file.
        raise FrameworkRefused([(None, _("The file is larger than 2 MB."))])
    try:
        _check_shape(data)
        loaded = yaml.load(data, Loader=SAFE_LOADER)
    except FrameworkRefused:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(n)s", n=mark.line + 1) if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkRefused(
            [(None, _("YAML error %(where)s: %(problem)s", where=where, problem=problem))]
        ) from exc
    except (ValueError, OverflowError) as exc:
        # A scalar the constructors cannot build: an integer of thousands of digits, a date
        # out of range.
        raise FrameworkRefused(
            [(None, _("A number or date in the file cannot be read (%(problem)s).", problem=exc))]
        ) from exc
    if not isinstance(loaded, dict):
        raise FrameworkRefused([(None, _("The file must describe one framework (a mapping)."))])
    return loaded


def _check_shape(text: str) -> None:
    """Refuse anchors and aliases, and bound the number and nesting of values, before loading.

    Aliases let a file of a kilobyte describe a tree of billions of nodes ("billion laughs");
    a framework never needs them, so they are refused outright. Reading the events only costs
    a fraction of loading and builds nothing.
    """
    nodes = depth = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise FrameworkRefused(
                [
                    (
                        None,
                        _(
                            "Anchors and aliases (& and *) are not allowed in a framework file; "
                            "write every value out in full."
                        ),
                    )
                ]
            )
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise FrameworkRefused(
                    [(None, _("The file holds more than %(n)s values.", n=MAX_YAML_NODES))]
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise FrameworkRefused(
                    [(None, _("The file is nested more than %(n)s levels deep.", n=MAX_YAML_DEPTH))]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def validate(data: dict) -> dict:
    """The canonical form of a framework dict, or FrameworkRefused listing every problem.

    Problems are told in the interface language: the user's in a request, the application's
    default (Vietnamese) in commands and outside the application.
    """
    try:
        parsed = parse_framework(data)
    except FrameworkError as exc:
        vietnamese = is_vietnamese() if has_app_context() else True
        problems = [(p.code, p.vi if vietnamese else p.message) for p in exc.problems]
        raise FrameworkRefused(problems) from exc
    return framework_to_dict(parsed)


def dump_yaml(definition: dict) -> str:
    """The YAML text of a canonical framework dict (stable, so exports re-import identically)."""
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=100)


def content_hash(definition: dict) -> str:
    """SHA-256 of the canonical YAML: equal frameworks have equal hashes."""
    return hashlib.sha256(dump_yaml(definition).encode("utf-8")).hexdigest()


def get_version(code: str, version: int | None = None) -> Framework | None:
    """A framework by code, at a version or the latest one."""
    stmt = select(Framework).where(Framework.code == code)
    if version is not None:
        return db.session.scalar(stmt.where(Framework.version == version))
    return db.session.scalar(stmt.order_by(Framework.version.desc()).limit(1))


def import_framework(
    data: bytes | str | dict, *, actor: User | None = None, based_on: Framework | None = None
) -> Framework:
    """Store a new framework version from YAML or a dict; nothing is stored on any problem."""
    raw = data if isinstance(data, dict) else load_yaml(data)
    definition = validate(raw)
    if get_version(definition["code"], definition["version"]) is not None:
        raise FrameworkRefused(
            [
                (
                    None,
                    _(
                        "%(code)s version %(version)s already exists; import it as a new version.",
                        code=definition["code"],
                        version=definition["version"],
                    ),
                )
            ]
        )
    framework = Framework(
        code=definition["code"],
        version=definition["version"],
        based_on=based_on,
        created_by_id=actor.id if actor else None,
    )
    _apply_definition(framework, definition)
    db.session.add(framework)
    db.session.commit()
    return framework


def replace_definition(framework: Framework, data: bytes | str | dict) -> Framework:
    """Edit an unlocked version in place; its code and version stay as they are."""
    if framework.locked:
        raise FrameworkRefused(
            [
                (
                    None,
                    _(
                        "This version is used by a campaign and can no longer "
                        "change. Make a new version from it."
                    ),
                )
            ]
        )
    raw = data if isinstance(data, dict) else load_yaml(data)
    definition = validate(raw)
    if (definition["code"], definition["version"]) != (framework.code, framework.version):
        raise FrameworkRefused(
            [
                (
                    None,
                    _(
                        "Code and version must stay %(code)s %(version)s.",
                        code=framework.code,
                        version=framework.version,
                    ),
                )
            ]
        )
    _apply_definition(framework, definition)
    db.session.commit()
    return framework


def new_version_from(framework: Framework, *, actor: User | None = None) -> Framework:
    """A copy of the framework under the next free version number, ready for editing."""
    latest = db.session.scalar(
        select(func.max(Framework.version)).where(Framework.code == framework.code)
    )
    definition = dict(framework.definition)
    definition["version"] = int(latest) + 1
    return import_framework(definition, actor=actor, based_on=framework)


def lock(framework: Framework) -> None:
    """Freeze a version because a campaign uses it (caller commits)."""
    if framework.locked_at is None:
        framework.locked_at = datetime.now(UTC).replace(tzinfo=None)


def delete_draft(framework: Framework) -> None:
    """Remove a version that no campaign has used."""
    if framework.locked:
        raise FrameworkRefused(
            [(None, _("This version is used by a campaign and cannot be deleted."))]
        )
    # Versions copied from this one keep existing; they just lose the link to their origin.
    for child in db.session.scalars(select(Framework).where(Framework.based_on_id == framework.id)):
        child.based_on_id = None
    db.session.flush()
    db.session.delete(framework)
    db.session.commit()


def export_yaml(framework: Framework) -> str:
    """The framework file of this version."""
    return dump_yaml(framework.definition)


def _apply_definition(framework: Framework, definition: dict) -> None:
    framework.name = definition["name"]
    framework.kind = definition["kind"]
    framework.result = definition["result"]
    framework.definition = definition
    framework.content_hash = content_hash(definition)
    if framework.id is not None:
        # Old rows go first: the new ones reuse their (framework, code) pairs.
        framework.criteria.clear()
        db.session.flush()
    framework.criteria = [
        Criterion(
            code=node["code"],
            parent_code=parent,
            name=node["name"],
            position=position,
            depth=depth,
            max_points=Decimal(str(node["max"])) if node.get("max") is not None else None,
            rule_type=(node.get("rule") or {}).get("type"),
            evidence=node.get("evidence", "optional"),
            applies_to=node.get("applies_to"),
            allow_na=bool(node.get("allow_na", False)),
            bonus=bool(node.get("bonus", False)),
            penalty=bool(node.get("penalty", False)),
        )
        for position, (node, parent, depth) in enumerate(walk(definition["criteria"]))
    ]


@dataclass
class FrameworkStats:
    """Counts and the applicable max for each unit kind a framework names."""

    areas: int
    leaves: int
    max_by_kind: list[tuple[str | None, Decimal]]


def stats(definition: dict) -> FrameworkStats:
    """What a reader checks first: areas, scored criteria, and the max each kind can reach."""
    parsed = parse_framework(definition)
    kinds = sorted(
        {k for node, _p, _d in walk(definition["criteria"]) for k in node.get("applies_to") or []}
    )
    # With no applies_to anywhere every kind sees the same maximum.
    targets: list[str | None] = list(kinds) if kinds else [None]
    return FrameworkStats(
        areas=sum(1 for n in definition["criteria"] if not (n.get("bonus") or n.get("penalty"))),
        leaves=sum(1 for node, _p, _d in walk(definition["criteria"]) if node.get("rule")),
        max_by_kind=[(k, score(parsed, k or "", {}).max_points) for k in targets],
    )


def walk(nodes: list[dict], parent: str | None = None, depth: int = 0):
    """Every node of a criteria tree in reading order, with its parent code and depth."""
    for node in nodes:
        yield node, parent, depth
        yield from walk(node.get("children") or [], node["code"], depth + 1)


def _flat(definition: dict) -> dict[str, dict[str, Any]]:
    flat = {}
    for node, parent, _depth in walk(definition["criteria"]):
        entry = {k: v for k, v in node.items() if k != "children"}
        entry["parent"] = parent
        flat[node["code"]] = entry
    return flat


def diff(old: Framework, new: Framework) -> FrameworkDiff:
    """Criteria added, removed and changed from old to new."""
    result = FrameworkDiff()
    for key in ("name", "kind", "result", "bands"):
        if old.definition.get(key) != new.definition.get(key):
            result.header.append(key)
    a, b = _flat(old.definition), _flat(new.definition)
    result.added = [b[c] for c in b if c not in a]
    result.removed = [a[c] for c in a if c not in b]
    for code in b:
        if code in a:
            fields = [f for f in COMPARED_FIELDS if a[code].get(f) != b[code].get(f)]
            if fields:
                result.changed.append((a[code], b[code], fields))
    return result
