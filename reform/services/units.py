"""Units and blocks: create, edit, deactivate, search, import from CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from reform.extensions import db
from reform.models import Block, Unit
from reform.scoring import vi_sort_key, vi_sort_string, vi_sorted
from reform.services.spreadsheet import starts_like_formula
from reform.validation import text_problem

CSV_COLUMNS = ("code", "name", "kind", "parent_code", "block_code", "block_name")
# Read when the header has them: a file without them leaves these settings as they are.
OPTIONAL_COLUMNS = ("place", "abbreviation")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# The abbreviation in a document number ("UBND", "SNV", "ĐHQG"): letters, digits and dashes.
ABBREVIATION_RE = re.compile(r"^[^\W_](?:[^\W_]|-){0,19}$")


@dataclass
class ImportReport:
    """What an import did, or every reason it was refused."""

    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Imported all the same: things a person should look at (line, message).
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def search_units(
    q: str = "", *, kind: str = "", block_id: int | None = None, include_inactive: bool = False
) -> list[Unit]:
    """Units matching a code or name fragment, in the Vietnamese order of their names."""
    stmt = select(Unit).order_by(*UNIT_ORDER)
    if q:
        term = q.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Unit.code).contains(term, autoescape=True),
                func.lower(Unit.name).contains(term, autoescape=True),
            )
        )
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if block_id:
        stmt = stmt.where(Unit.block_id == block_id)
    if not include_inactive:
        stmt = stmt.where(Unit.active.is_(True))
    return list(db.session.scalars(stmt))


def unit_tree(units: list[Unit]) -> list[tuple[Unit, int]]:
    """Units in tree order with their depth; a unit whose parent is not listed is a root."""
    by_parent: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for u in units:
        by_parent.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    out: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for child in sorted(by_parent.get(parent, []), key=unit_order):
            out.append((child, depth))
            walk(child.id, depth + 1)

    walk(None, 0)
    return out


# Lists of units, everywhere: by name as Vietnamese dictionaries order it (the stored
# `vi_sort_string` of the name, compared by code point), the code only between equal names.
UNIT_ORDER = (Unit.sort_key, Unit.code)


def unit_order(unit: Unit) -> tuple[str, str]:
    """The key `UNIT_ORDER` sorts on, for units already loaded."""
    return (unit.sort_key or vi_sort_string(unit.name), unit.code)


def block_order(block: Block | None) -> tuple:
    """Blocks by name (Vietnamese order); units without a block after them."""
    return (True, ()) if block is None else (False, vi_sort_key(block.name))


def by_block_and_name(submissions: list) -> list:
    """Submissions (units already in `UNIT_ORDER`) grouped by block in the blocks' name order."""
    return sorted(submissions, key=lambda submission: block_order(submission.block))


def blocks_by_name(ids: Collection[int] | None = None) -> list[Block]:
    """Every block (or those with these ids), in the Vietnamese order of the names."""
    stmt = select(Block) if ids is None else select(Block).where(Block.id.in_(list(ids)))
    return vi_sorted(db.session.scalars(stmt), lambda block: block.name)


def campaign_blocks(campaign) -> list[Block]:
    """The blocks a campaign ranks, in the Vietnamese order of the names."""
    return blocks_by_name([b.block_id for b in campaign.blocks])


def kinds() -> list[str]:
    """Every unit kind in use."""
    return list(db.session.scalars(select(Unit.kind).distinct().order_by(Unit.kind)))


def would_cycle(unit: Unit, parent: Unit | None) -> bool:
    """True when making parent the unit's parent would put the unit under itself."""
    node = parent
    while node is not None:
        if node.id == unit.id:
            return True
        node = node.parent
    return False


def get_or_create_block(code: str, name: str | None) -> Block:
    """The block with this code, created (or renamed) when a name is given."""
    block = db.session.scalar(select(Block).where(Block.code == code))
    if block is None:
        block = Block(code=code, name=name or code)
        db.session.add(block)
    elif name and block.name != name:
        block.name = name
    return block


def parse_units_csv(data: bytes) -> tuple[list[dict[str, str]], list[tuple[int, str]]]:
    """Rows of a units CSV and the problems found by line; the file's lines count from 1."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(1, _("The file is not UTF-8 text. Save it as CSV UTF-8."))]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return [], [(1, _("Missing columns: %(cols)s.", cols=", ".join(missing)))]
    reader.fieldnames = header
    columns = CSV_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if c in header)
    rows: list[dict] = []
    for row in reader:
        cleaned = {c: (row.get(c) or "").strip() for c in columns}
        rows.append(cleaned | {"_line": reader.line_num})
    if not rows:
        return [], [(1, _("The file has no units."))]
    return rows, []


def formula_warnings(row: dict[str, str]) -> list[str]:
    """Warnings for a unit's or block's name that a spreadsheet would take for a formula."""
    found = []
    if starts_like_formula(row["name"]):
        found.append(
            _(
                "The name “%(name)s” starts like a spreadsheet formula; exports write it as "
                "text (in CSV files behind an apostrophe). Check that it is the unit's real name.",
                name=row["name"],
            )
        )
    if starts_like_formula(row["block_name"]):
        found.append(
            _(
                "The block name “%(name)s” starts like a spreadsheet formula; exports write it "
                "as text (in CSV files behind an apostrophe). Check that it is the block's real "
                "name.",
                name=row["block_name"],
            )
        )
    return found


def import_units(data: bytes) -> ImportReport:
    """Create or update (and reactivate) units from CSV; any bad row refuses the whole file."""
    report = ImportReport()
    rows, problems = parse_units_csv(data)
    report.errors.extend(problems)
    if report.errors:
        return report

    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    blocks = {b.code: b for b in db.session.scalars(select(Block))}
    file_codes = {r["code"] for r in rows}
    # A new block needs its name once in the file, not on every row.
    named_blocks = {r["block_code"] for r in rows if r["block_code"] and r["block_name"]}
    seen: dict[str, int] = {}
    parents: dict[str, str] = {}
    for row in rows:
        line, code = row["_line"], row["code"]
        errs = report.errors
        if not code:
            errs.append((line, _("The code is empty.")))
        elif not CODE_RE.match(code):
            errs.append(
                (line, _("Code “%(code)s” may hold only letters, digits, . _ -.", code=code))
            )
        elif code in seen:
            errs.append(
                (line, _("Code “%(code)s” already appears on line %(n)s.", code=code, n=seen[code]))
            )
        else:
            seen[code] = line
        if not row["name"]:
            errs.append((line, _("The name is empty.")))
        elif len(row["name"]) > 200:
            errs.append((line, _("The name is longer than 200 characters.")))
        elif problem := text_problem(row["name"], multiline=False):
            errs.append((line, problem))
        if row["block_name"] and (
            problem := text_problem(row["block_name"], max_length=200, multiline=False)
        ):
            errs.append((line, problem))
        if row.get("place") and (
            problem := text_problem(row["place"], max_length=100, multiline=False)
        ):
            errs.append((line, problem))
        if row.get("abbreviation") and not ABBREVIATION_RE.match(row["abbreviation"]):
            errs.append(
                (
                    line,
                    _(
                        "Abbreviation “%(text)s” may hold only letters, digits and - (max 20).",
                        text=row["abbreviation"],
                    ),
                )
            )
        report.warnings.extend((line, message) for message in formula_warnings(row))
        if not KIND_RE.match(row["kind"]):
            errs.append(
                (line, _("Kind must be one lowercase word such as department, commune or ward."))
            )
        if row["block_code"]:
            if not CODE_RE.match(row["block_code"]):
                errs.append(
                    (line, _("Block code “%(code)s” is not valid.", code=row["block_code"]))
                )
            elif row["block_code"] not in blocks and row["block_code"] not in named_blocks:
                errs.append(
                    (
                        line,
                        _("Block “%(code)s” is new: give its block_name.", code=row["block_code"]),
                    )
                )
        elif row["block_name"]:
            errs.append((line, _("A block_name needs a block_code.")))
        if row["parent_code"]:
            if row["parent_code"] == code:
                errs.append((line, _("A unit cannot be its own parent.")))
            elif row["parent_code"] not in existing and row["parent_code"] not in file_codes:
                errs.append(
                    (line, _("Parent “%(code)s” is not a known unit.", code=row["parent_code"]))
                )
            elif row["parent_code"] not in file_codes and not existing[row["parent_code"]].active:
                errs.append((line, _("Parent “%(code)s” is deactivated.", code=row["parent_code"])))
            else:
                parents[code] = row["parent_code"]
    report.errors.extend(_cycles(rows, parents, existing))
    if report.errors:
        report.errors.sort()
        return report

    by_code = dict(existing)
    for row in rows:
        block = None
        if row["block_code"]:
            block = blocks.get(row["block_code"]) if not row["block_name"] else None
            block = block or get_or_create_block(row["block_code"], row["block_name"] or None)
            blocks[block.code] = block
        unit = by_code.get(row["code"])
        if unit is None:
            unit = Unit(code=row["code"], name=row["name"], kind=row["kind"], block=block)
            db.session.add(unit)
            by_code[unit.code] = unit
            report.created += 1
        else:
            unit.name, unit.kind, unit.block, unit.active = row["name"], row["kind"], block, True
            report.updated += 1
        # An empty cell clears the setting; a file without the column keeps it.
        for column in OPTIONAL_COLUMNS:
            if column in row:
                setattr(unit, column, row[column] or None)
    for row in rows:
        parent_code = row["parent_code"]
        by_code[row["code"]].parent = by_code[parent_code] if parent_code else None
    db.session.commit()
    return report


def _cycles(
    rows: list[dict[str, str]], parents: dict[str, str], existing: dict[str, Unit]
) -> list[tuple[int, str]]:
    """Rows whose parent chain (file first, then database) comes back to themselves."""

    def parent_of(code: str) -> str | None:
        if code in parents:
            return parents[code]
        unit = existing.get(code)
        return unit.parent.code if unit is not None and unit.parent is not None else None

    errors = []
    for row in rows:
        code, node, steps = row["code"], parents.get(row["code"]), 0
        while node is not None and steps <= len(rows) + len(existing):
            if node == code:
                errors.append(
                    (row["_line"], _("Unit “%(code)s” would be its own ancestor.", code=code))
                )
                break
            node, steps = parent_of(node), steps + 1
    return errors


def related_unit_ids(unit_id: int | None) -> set[int]:
    """The unit, its ancestors and its descendants, in one query (UNION stops on cycles)."""
    if unit_id is None:
        return set()
    down = select(Unit.id).where(Unit.id == unit_id).cte("down", recursive=True)
    down = down.union(select(Unit.id).where(Unit.parent_id == down.c.id))
    up = select(Unit.id, Unit.parent_id).where(Unit.id == unit_id).cte("up", recursive=True)
    up = up.union(select(Unit.id, Unit.parent_id).where(Unit.id == up.c.parent_id))
    return set(db.session.scalars(select(down.c.id).union(select(up.c.id))))
