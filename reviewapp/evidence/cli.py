"""`evidence export`: one article's evidence bag to a ZIP file, or the bags of N
approved articles picked at random (an assessor's random job bags) into a
directory. Each export is audited ("evidence.exported")."""

import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from reviewapp.errors import NotFound
from reviewapp.evidence import export

evidence_cli = AppGroup("evidence", help="Evidence bags for assessors (PIF TICK, NHS standard).")


def _since(ctx, param, value):
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-31.") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@evidence_cli.command("export")
@click.argument("article_id", type=int, required=False)
@click.option("--output", "output", required=True,
              help="The ZIP file to write (one article), or the directory (with --random).")
@click.option("--random", "count", type=int,
              help="Pick this many approved articles at random, one ZIP each.")
@click.option("--since", "since", callback=_since, metavar="DATE",
              help="With --random: only articles approved on or after this day (UTC).")
def export_command(article_id, output, count, since):
    """Write ARTICLE_ID's evidence bag to --output, or with --random N the bags of
    N approved articles (approved since --since) into the directory --output."""
    if (article_id is None) == (count is None):
        raise click.UsageError("Give either an ARTICLE_ID or --random N, not both.")
    if count is None:
        if since is not None:
            raise click.UsageError("--since goes with --random.")
        _export_one(article_id, Path(output))
    else:
        _export_random(count, since, Path(output))


def _export_one(article_id: int, path: Path) -> None:
    try:
        handle = path.open("xb")  # refused now, before anything is recorded
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror}.") from None
    try:
        with handle:
            bag_zip = export.export(article_id, file_name=path.name)
            handle.write(bag_zip.data)
    except BaseException as error:
        path.unlink(missing_ok=True)  # no empty or half-written file is left
        if isinstance(error, NotFound):
            raise click.ClickException(f"There is no article {article_id}.") from None
        raise
    click.echo(f"Wrote {path} ({len(bag_zip.data)} bytes): the evidence bag of "
               f"{bag_zip.slug}, {bag_zip.revisions} revision(s).")


def _export_random(count: int, since: datetime | None, directory: Path) -> None:
    if count < 1:
        raise click.BadParameter("must be 1 or more.", param_hint="--random")
    if not directory.is_dir():
        raise click.ClickException(f"{directory} is not a directory.")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise click.ClickException(f"{directory} is not writable.")
    candidates = export.approved_since(since or datetime(1970, 1, 1, tzinfo=UTC))
    since_text = f" since {since:%Y-%m-%d}" if since else ""
    if not candidates:
        raise click.ClickException(f"No article was approved{since_text}.")
    picked = export.pick(candidates, count)
    if len(picked) < count:
        click.echo(f"Only {len(picked)} article(s) were approved{since_text}, fewer than "
                   f"{count}: exporting those.", err=True)
    for article_id, slug in picked:
        path = directory / f"evidence-{slug}.zip"
        try:
            handle = path.open("xb")
        except OSError as error:
            click.echo(f"Cannot write {path}: {error.strerror}.", err=True)
            sys.exit(1)
        with handle:
            bag_zip = export.export(article_id, file_name=path.name)
            handle.write(bag_zip.data)
        click.echo(f"Wrote {path} ({len(bag_zip.data)} bytes): {bag_zip.slug}, "
                   f"{bag_zip.revisions} revision(s).")
