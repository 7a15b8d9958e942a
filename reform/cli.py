"""The `reform` command group (also available as `flask --app reform ...`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import ROLES, Unit, User


def main() -> None:
    """Entry point of the `reform` console script."""
    from reform import ConfigurationError, create_app

    cli = FlaskGroup(create_app=create_app, add_default_commands=True, help="reform: PAR scoring.")
    try:
        result = cli.main(prog_name="reform", standalone_mode=False)
    except ConfigurationError as refused:
        click.echo(f"Error: {refused}", err=True)
        sys.exit(1)
    except click.ClickException as failure:
        failure.show()
        sys.exit(failure.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)


def register(app: Flask) -> None:
    """Attach every command to the application."""
    from reform.commendation.cli import COMMANDS as commendation_commands

    for command in (
        init_db,
        load_titles,
        demo,
        create_user,
        set_password,
        import_units,
        import_clusters,
        import_framework,
        export_framework,
        create_campaign,
        import_scores,
        import_history,
        recompute,
        remind,
        publish,
        results,
        *commendation_commands,
    ):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")
    from reform.services.emulation.titles import catalogue_is_empty, load_default_titles

    # A new database starts with the law's titles; an existing catalogue is the secretariat's.
    if catalogue_is_empty():
        click.echo(f"Titles and awards catalogue: {load_default_titles()} default entries added.")
    from reform.services.commendation.catalogue import load_default

    # The conditions of each title come with the first catalogue version, the shipped one.
    loaded = load_default()
    if loaded is not None:
        click.echo(f"Catalogue of titles and awards: version {loaded.version} loaded.")


@click.command("load-titles")
@with_appcontext
def load_titles() -> None:
    """Add the default titles and awards of the Law on Emulation and Commendation that are
    missing from the catalogue (by code); entries already there are left as they are."""
    from reform.services.emulation.titles import load_default_titles

    added = load_default_titles()
    click.echo(f"Titles and awards catalogue: {added} default entries added.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load the demo province and its demo accounts (refused in production)."""
    from reform.services.demo import DEMO_PASSWORD, DemoRefused, load_demo

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        demo_users = db.session.scalars(
            select(User).where(User.is_demo.is_(True), User.active.is_(True)).order_by(User.id)
        ).all()
        if demo_users:
            click.echo(f"Demo data is loaded. Accounts (password {DEMO_PASSWORD}):")
            for user in demo_users:
                click.echo(f"  {user.username:<12} {', '.join(user.roles)}")
        else:
            click.echo("The database already has users; demo data not loaded.")
        return
    try:
        accounts = load_demo()
    except DemoRefused as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(f"Demo data loaded. Accounts (password {DEMO_PASSWORD}):")
    for username, role in accounts:
        click.echo(f"  {username:<12} {role}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--unit", "unit_code", default=None, help="Code of the user's unit.")
@click.option("--name", "full_name", default=None, help="Full name (defaults to the username).")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@with_appcontext
def create_user(
    username: str,
    roles: tuple[str, ...],
    unit_code: str | None,
    full_name: str | None,
    password_stdin: bool,
) -> None:
    """Create a user with one or more roles."""
    from reform.services.users import UserProblem
    from reform.services.users import create_user as create

    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise click.ClickException(f"Unknown unit code: {unit_code}")
    password = _read_password(password_stdin)
    try:
        user, _ = create(username, full_name or username, list(roles), unit=unit, password=password)
    except UserProblem as problem:
        raise click.ClickException(problem.message) from problem
    click.echo(f"Created user {user.username} ({', '.join(user.roles)}).")


@click.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@with_appcontext
def set_password(username: str, password_stdin: bool) -> None:
    """Set a user's password (ends their sessions); for a locked-out administrator."""
    from reform.services.accounts import find_user
    from reform.services.accounts import set_password as store

    user = find_user(username)
    if user is None:
        raise click.ClickException(f"No user {username}")
    password = _read_password(password_stdin)
    store(user, password)
    click.echo(f"Password of {user.username} changed; their sessions have ended.")


def _read_password(from_stdin: bool) -> str:
    """A new password from one stdin line or a confirmed prompt, long enough."""
    from reform.services.passwords import MIN_PASSWORD_LENGTH

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return password


@click.command("import-units")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_units(file: Path) -> None:
    """Create or update units from a CSV file (all rows or none)."""
    from reform.services.units import import_units as run_import

    report = run_import(file.read_bytes())
    for line, message in report.warnings:
        click.echo(f"{file.name}:{line}: warning: {message}", err=True)
    if not report.ok:
        db.session.rollback()
        for line, message in report.errors:
            click.echo(f"{file.name}:{line}: {message}", err=True)
        raise click.ClickException(f"{len(report.errors)} error(s); nothing was imported.")
    click.echo(f"Imported {file.name}: {report.created} created, {report.updated} updated.")


@click.command("import-clusters")
@click.argument("campaign_code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_clusters(campaign_code: str, file: Path) -> None:
    """Set an emulation campaign's clusters from a CSV (unit_code, cluster_code, cluster_name,
    role); all lines or none."""
    from reform.services.emulation.cluster_admin import import_clusters as run_import

    campaign = _campaign(campaign_code)
    report = run_import(campaign, file.read_bytes(), actor=None, filename=file.name)
    if not report.ok:
        db.session.rollback()
        for line, message in report.errors:
            click.echo(f"{file.name}:{line}: {message}", err=True)
        raise click.ClickException(f"{len(report.errors)} error(s); nothing was imported.")
    click.echo(
        f"Imported {file.name}: {report.clusters_created} clusters created, "
        f"{report.members} units placed."
    )


@click.command("import-framework")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_framework(file: Path) -> None:
    """Import a framework file (YAML); any problem refuses the whole file."""
    from reform.services.frameworks import FrameworkRefused
    from reform.services.frameworks import import_framework as run_import

    try:
        framework = run_import(file.read_bytes())
    except FrameworkRefused as refused:
        db.session.rollback()
        for code, message in refused.problems:
            click.echo(f"{file.name}: {code or '-'}: {message}", err=True)
        raise click.ClickException(
            f"{len(refused.problems)} problem(s); nothing was imported."
        ) from refused
    click.echo(f"{framework.code} {framework.version}")


@click.command("export-framework")
@click.argument("code")
@click.option("--version", "version", type=int, default=None, help="Default: the latest.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def export_framework(code: str, version: int | None, output: Path | None) -> None:
    """Write a framework version as YAML (to standard output or a file)."""
    from reform.services.frameworks import export_yaml, get_version

    framework = get_version(code, version)
    if framework is None:
        raise click.ClickException(
            f"No framework {code}" + (f" version {version}" if version else "")
        )
    text = export_yaml(framework)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")


def _campaign(code: str):
    from reform.models import Campaign

    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
    if campaign is None:
        raise click.ClickException(f"No campaign {code}")
    return campaign


@click.command("create-campaign")
@click.argument("code")
@click.option("--framework", "framework_code", required=True, help="Framework code.")
@click.option("--version", type=int, default=None, help="Default: the latest version.")
@click.option("--name", default=None, help="Default: the framework's name.")
@click.option(
    "--self-opens",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day of self-assessment (default: today).",
)
@click.option(
    "--self-closes",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Last day of self-assessment (default: 30 days later).",
)
@with_appcontext
def create_campaign(code, framework_code, version, name, self_opens, self_closes) -> None:
    """Create a campaign; participants are the active units of the framework's kinds."""
    from datetime import timedelta

    from reform.services.campaigns import CampaignProblem, PhaseDates
    from reform.services.campaigns import create_campaign as create
    from reform.services.frameworks import get_version
    from reform.services.phases import today

    framework = get_version(framework_code, version)
    if framework is None:
        raise click.ClickException(f"No framework {framework_code}")
    opens = self_opens.date() if self_opens else today()
    closes = self_closes.date() if self_closes else opens + timedelta(days=30)
    try:
        campaign = create(code, name or framework.name, framework, PhaseDates(opens, closes))
    except CampaignProblem as problem:
        raise click.ClickException(problem.message) from problem
    count = len(campaign.blocks)
    click.echo(
        f"Campaign {campaign.code}: {framework.code} {framework.version}, "
        f"{_participants(campaign)} units in {count} blocks."
    )


def _participants(campaign) -> int:
    from reform.models import Submission

    return db.session.scalar(
        select(func.count()).select_from(Submission).where(Submission.campaign_id == campaign.id)
    )


@click.command("import-scores")
@click.argument("campaign_code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stage", type=click.Choice(["self", "appraisal", "survey"]), required=True)
@with_appcontext
def import_scores(campaign_code: str, file: Path, stage: str) -> None:
    """Set stage values from a CSV (unit_code, criterion_code, value, note); all or nothing."""
    from reform.services.scores_import import import_scores as run_import

    campaign = _campaign(campaign_code)
    report = run_import(campaign, file.read_bytes(), stage=stage, filename=file.name)
    if not report.ok:
        db.session.rollback()
        for line, message in report.errors:
            click.echo(f"{file.name}:{line}: {message}", err=True)
        raise click.ClickException(f"{len(report.errors)} error(s); nothing was imported.")
    click.echo(
        f"Imported {file.name}: {report.changed} changed, {report.unchanged} unchanged, "
        f"{report.created_submissions} submissions created."
    )


@click.command("import-history")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--framework", "framework_code", required=True, help="Framework code, e.g. PAR-DEPT.")
@with_appcontext
def import_history(file: Path, framework_code: str) -> None:
    """Store past years' published results (year, unit_code, points, index, rank); all or none."""
    from reform.services.history import import_history as run_import

    report = run_import(file.read_bytes(), framework_code=framework_code, filename=file.name)
    if not report.ok:
        db.session.rollback()
        for line, message in report.errors:
            where = f"{file.name}:{line}" if line else file.name
            click.echo(f"{where}: {message}", err=True)
        raise click.ClickException(f"{len(report.errors)} error(s); nothing was stored.")
    click.echo(f"{report.stored} rows stored ({framework_code}, {file.name}).")


@click.command("recompute")
@click.argument("campaign_code")
@click.option("--check", is_flag=True, help="Only report stored figures that differ.")
@with_appcontext
def recompute(campaign_code: str, check: bool) -> None:
    """Rebuild stored totals from the entries (or, with --check, report drift)."""
    from reform.models import Submission
    from reform.services.assessment import recompute_submission

    campaign = _campaign(campaign_code)
    drift = 0
    for submission in db.session.scalars(
        select(Submission).where(Submission.campaign_id == campaign.id)
    ):
        for what, stored, fresh in recompute_submission(submission):
            drift += 1
            click.echo(f"{submission.unit.code}: {what} stored {stored}, computed {fresh}")
    if check:
        db.session.rollback()
        if drift:
            raise click.ClickException(f"{drift} stored figure(s) differ from the entries.")
        click.echo("No drift: stored figures match the entries.")
    else:
        db.session.commit()
        click.echo(f"Recomputed {campaign.code}: {drift} figure(s) corrected.")


@click.command("remind")
@click.option("--days", type=click.IntRange(min=0), default=3, show_default=True)
@click.option("--dry-run", is_flag=True, help="List who would be reminded; send nothing.")
@with_appcontext
def remind(days: int, dry_run: bool) -> None:
    """Remind units not yet submitted when self-assessment closes in exactly N days (cron)."""
    from datetime import timedelta

    from reform.models import Campaign
    from reform.services.notices import deadline_soon
    from reform.services.phases import phase_of, today

    closes = today() + timedelta(days=days)
    campaigns = [
        c
        for c in db.session.scalars(
            select(Campaign).where(Campaign.self_closes_on == closes).order_by(Campaign.code)
        )
        if phase_of(c).self_open
    ]
    if not campaigns:
        click.echo(f"No campaign closes its self-assessment on {closes:%d/%m/%Y}.")
        return
    people = mails = skipped = 0
    for campaign in campaigns:
        for sent in deadline_soon(campaign, days, dry_run=dry_run):
            if not sent.recipients:
                # Already reminded today, or the unit has no account: nothing to report per unit.
                skipped += 1
                continue
            names = ", ".join(u.username for u in sent.recipients)
            verb = "would remind" if dry_run else "reminded"
            click.echo(f"{campaign.code} {sent.submission.unit.code}: {verb} {names}")
            people += len(sent.recipients)
            mails += sent.mails
    if dry_run:
        click.echo(f"Dry run: {people} people would be reminded; nothing sent.")
    else:
        click.echo(f"Reminded {people} people ({mails} e-mails) for {len(campaigns)} campaign(s).")
    if skipped:
        click.echo(f"{skipped} unit(s) had nobody left to remind today.")


@click.command("publish")
@click.argument("campaign_code")
@click.option(
    "--force",
    is_flag=True,
    help="Publish even when the readiness check finds problems (they are listed and the "
    "audit log records that publication was forced).",
)
@click.option("--reason", default=None, help="Why; kept with the version and in the audit log.")
@with_appcontext
def publish(campaign_code: str, force: bool, reason: str | None) -> None:
    """Freeze the campaign's results as an immutable version; print its number and hash.

    The first publication needs every submission submitted, its appraisal closed and the survey
    complete (or --force). On a published campaign it publishes the next version after appeal
    decisions (--reason required), with the change log against the previous one.
    """
    from reform.services.appeals import AppealRefused, republish
    from reform.services.publication import NotReady, PublicationRefused, readiness
    from reform.services.publication import publish as run_publish

    campaign = _campaign(campaign_code)
    try:
        if campaign.published_at is not None:
            version = republish(campaign, actor=None, reason=reason or "")
        else:
            problems = readiness(campaign)
            for problem in problems:
                click.echo(f"{problem.unit_code}: {problem.english}", err=True)
            version = run_publish(campaign, actor=None, reason=reason, force=force)
    except NotReady as refused:
        db.session.rollback()
        raise click.ClickException(
            f"not ready: {len(refused.problems)} problem(s); nothing was published "
            "(--force publishes anyway)."
        ) from refused
    except AppealRefused as refused:
        db.session.rollback()
        raise click.ClickException(
            "already published: give --reason for the new version."
        ) from refused
    except PublicationRefused as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from refused
    click.echo(f"{campaign.code} version {version.version}")
    click.echo(f"sha256 {version.content_hash}")


@click.command("results")
@click.argument("campaign_code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "xlsx"]),
    default="json",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (required for xlsx); default: standard output.",
)
@with_appcontext
def results(campaign_code: str, fmt: str, output: Path | None) -> None:
    """The campaign's results (contract 3.3): the latest published version, else live values."""
    from reform.services.publication import (
        results_csv,
        results_document,
        results_json,
        results_xlsx,
    )

    campaign = _campaign(campaign_code)
    found = results_document(campaign)
    if found.version is not None:
        about = f"published version {found.version.version}, sha256 {found.version.content_hash}"
    else:
        about = "live results, not published"
    if fmt == "xlsx":
        if output is None:
            raise click.ClickException("--format xlsx writes a binary file: give --output FILE.")
        output.write_bytes(results_xlsx(found.document, found.version))
    else:
        text = results_json(found.document) if fmt == "json" else results_csv(found.document)
        if output is None:
            click.echo(text, nl=False)
            click.echo(f"{campaign.code}: {about}", err=True)
            return
        output.write_text(text, encoding="utf-8", newline="")
    click.echo(f"Wrote {output} ({campaign.code}: {about})")
