"""Commands of commendation: import and export the catalogue of titles and awards."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from reform.extensions import db


@click.command("import-catalogue")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_catalogue(file: Path) -> None:
    """Import a catalogue of titles and awards (YAML) as a new version; any problem refuses the
    whole file."""
    from reform.services.commendation.catalogue import CatalogueRefused
    from reform.services.commendation.catalogue import import_catalogue as run_import

    try:
        version = run_import(file.read_bytes(), reason=file.name)
    except CatalogueRefused as refused:
        db.session.rollback()
        for code, message in refused.problems:
            click.echo(f"{file.name}: {code or '-'}: {message}", err=True)
        raise click.ClickException(
            f"{len(refused.problems)} problem(s); nothing was imported."
        ) from refused
    click.echo(f"Catalogue version {version.version}: {len(version.entries)} titles and awards.")


@click.command("export-catalogue")
@click.option("--version", "number", type=int, default=None, help="Default: the one in force.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def export_catalogue(number: int | None, output: Path | None) -> None:
    """Write a catalogue version (the one in force by default) as YAML."""
    from reform.services.commendation.catalogue import export_yaml, get_version

    version = get_version(number)
    if version is None:
        raise click.ClickException(
            "No catalogue version" + (f" {number}" if number is not None else " yet")
        )
    text = export_yaml(version)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")


COMMANDS = (import_catalogue, export_catalogue)
