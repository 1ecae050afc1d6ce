"""`citations check` and `retractions import`."""

import json
import os
import sys

import click
from flask.cli import AppGroup

from reviewapp.errors import DomainError
from reviewapp.extensions import db

citations_cli = AppGroup("citations", help="Check citations in a document.")
retractions_cli = AppGroup("retractions",
                           help="The retraction list that citations are screened against.")


@citations_cli.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text")
def check_command(path, output):
    """Check a Markdown file (references as a numbered list under a final
    "References" heading) or a JATS XML file; exit 1 when there are errors."""
    from reviewapp.citations.documents import read_document
    from reviewapp.citations.services import run_check

    try:
        body, references, notes = read_document(path)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    for note in notes:
        click.echo(f"note: {note}", err=True)
    report = run_check(body, references)
    db.session.rollback()  # a check writes nothing
    if output == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            where = ", ".join(part for part in (
                f"marker {finding.marker}" if finding.marker else "",
                f"reference {finding.reference}" if finding.reference else "") if part)
            click.echo(f"{finding.severity:7} {finding.code}: {finding.message}"
                       + (f" ({where})" if where else ""))
        summary = report.summary()
        click.echo(f"{summary['error']} errors, {summary['warning']} warnings, "
                   f"{summary['info']} notes.")
    sys.exit(1 if report.errors else 0)


@retractions_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    """Load a Retraction Watch CSV (re-importing updates rows)."""
    from reviewapp.workflow.rereview import import_retractions

    with open(path, "rb") as binary, click.progressbar(
            length=os.path.getsize(path), label="Importing", file=sys.stderr) as bar:
        done = 0

        def progress(position):
            nonlocal done
            bar.update(position - done)
            done = position

        try:
            result = import_retractions(binary, progress=progress)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(result.message)
