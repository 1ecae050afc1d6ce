"""Command-line interface: `flask --app reviewapp <group> <command>`."""

import sys
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from reviewapp.errors import DomainError
from reviewapp.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
audit_cli = AppGroup("audit", help="Check and export the audit log.")
demo_cli = AppGroup("demo", help="Demo data for trying the app.")
reminders_cli = AppGroup("reminders", help="Mail reminders of reviews falling due.")
# Messages deliver_pending() takes at a time; the command repeats until the outbox is empty.
DELIVERY_BATCH = 500


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.command("create-app-role")
@click.argument("name")
@click.option("--no-password", is_flag=True,
              help="Set no password (peer, trust or certificate authentication); an "
                   "existing role keeps its own.")
@click.option("--sql", "print_only", is_flag=True,
              help="Print the statements instead of running them.")
def create_app_role_command(name, no_password, print_only):
    """Create or update the PostgreSQL role NAME the app runs as, and grant it.

    It may read and write what the app needs but only SELECT and INSERT on
    audit_event, and it owns nothing, so it can neither disable the audit
    triggers nor rewrite the log. Runs as the tables' owner (MIGRATION_DATABASE_URL,
    else DATABASE_URL); idempotent: run it again after every `flask db upgrade`.
    The password comes from a prompt, or from stdin when piped."""
    from reviewapp.dbroles import (
        NARROW_TABLES,
        RoleRefused,
        apply_plan,
        owner_engine,
        plan_app_role,
        privilege_problems,
    )

    password = None if no_password else _read_password()
    if password == "":
        raise click.ClickException("Empty password; use --no-password for none.")
    engine = owner_engine(current_app)
    try:
        with engine.connect() as conn:
            plan = plan_app_role(conn, name, password)
            if print_only:  # the connection's end rolls back what planning read
                click.echo("".join(f"{statement};\n" for statement in plan.statements),
                           nl=False)
                return
            apply_plan(conn, plan)
            problems = privilege_problems(conn, name)
            conn.commit()
    except RoleRefused as error:
        raise click.ClickException(error.message) from None
    except DBAPIError as error:
        raise click.ClickException(str(error.orig).strip()) from None
    finally:
        engine.dispose()
    others = sum(table not in NARROW_TABLES for table in plan.tables)
    click.echo(f"{'Created' if plan.creates_role else 'Updated'} role {name}: "
               + "; ".join(f"{', '.join(granted)} on {table}"
                           for table, granted in NARROW_TABLES.items())
               + f"; SELECT, INSERT, UPDATE, DELETE on {_counted(others, 'other table')}; "
               f"USAGE on {_counted(len(plan.sequences), 'sequence')}. Tables that "
               f"{plan.owner} creates later get SELECT, INSERT, UPDATE, DELETE: run this "
               "again after each `flask db upgrade`.")
    if problems:
        click.echo(f"{name} can still do more or less than the app needs:\n  "
                   + "\n  ".join(problems), err=True)
        sys.exit(1)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="Display name.")
@click.option("--role", "roles", multiple=True, required=True,
              help="author, reviewer, editor or admin; repeat for several.")
@click.option("--specialty", "specialties", multiple=True, help="Repeat for several.")
def create_user_command(email, name, roles, specialties):
    """Create a user; the password comes from a prompt, or from stdin when piped."""
    from reviewapp.accounts.services import create_user

    password = _read_password()
    try:
        user = create_user(email=email, display_name=name, password=password,
                           roles=list(roles), specialties=list(specialties))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.email} ({', '.join(user.role_names)})")


@audit_cli.command("verify")
@click.option("--expect-head", help="SEQ:HASH of a checkpoint kept outside the database.")
@click.option("--against", help="File or URL of the published heads (/transparency/heads): "
                                "the log must still contain every one.")
@click.option("--keys", "keys_source",
              help="File or URL of the key set the heads are signed with (default: the "
                   "one fetched heads name; for a file, this site's own keys).")
@click.option("--from-head", help="SEQ:HASH of a head verified before: check only the "
                                  "events after it.")
@click.option("--record", "record_it", is_flag=True,
              help='Append an "audit.verified" event with the outcome (for scheduled runs).')
def verify_command(expect_head, against, keys_source, from_head, record_it):
    """Recompute the whole hash chain; exit 1 naming the first broken event.

    Reads only, in one snapshot, with a progress bar on stderr when it is a
    terminal. With --record the outcome is then appended to the log in a
    transaction of its own."""
    from reviewapp.audit.services import current_head, record_verification, verify_chain
    from reviewapp.db import sqlite_begin_mode

    checkpoint = _head_option(expect_head, "--expect-head")
    start = _head_option(from_head, "--from-head")
    published = _published_heads(against, keys_source) if against else None
    token = sqlite_begin_mode.set("DEFERRED")  # a reader: SQLite writers need not wait
    try:
        with _progress_bar("Verifying", current_head()[0] - (start[0] if start else 0)) \
                as progress:
            result = verify_chain(checkpoint, progress=progress, published=published,
                                  start=start)
        db.session.rollback()
    finally:
        sqlite_begin_mode.reset(token)
    if record_it:
        record_verification(result, checkpoint)
    if not result.ok:
        click.echo(result.message, err=True)
        sys.exit(1)
    if published:
        click.echo(f"All {len(published)} published heads are in the log, the last at "
                   f"event {max(published)}.")
    click.echo(result.message)


def _head_option(value: str | None, name: str) -> tuple[int, str] | None:
    if not value:
        return None
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise click.BadParameter("expected SEQ:HASH", param_hint=name)
    return int(seq), digest.lower()


def _published_heads(against: str, keys_source: str | None) -> dict[int, str]:
    """{seq: hash} of the published heads, every signature checked; exit 1 if any fails."""
    from reviewapp.audit.heads import checked_heads
    from reviewapp.audit.published_heads_source import is_url, published_heads, read_json

    try:
        heads, named_keys = published_heads(against)
        # Fetched heads name their key set; a saved file is checked against this site's.
        source = keys_source or (named_keys if is_url(against) else None)
        jwks = read_json(source) if source else current_app.extensions["site_keys"].jwks()
    except DomainError as error:
        raise click.ClickException(error.message) from None
    found, problems = checked_heads(heads, jwks)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        sys.exit(1)
    return found


@audit_cli.command("publish-head")
def publish_head_command():
    """Sign the chain head with the site key and publish it at /transparency/heads
    (run it at least hourly from cron; every approval publishes one too)."""
    from reviewapp.audit.transparency import publish_head

    row = publish_head()
    db.session.commit()
    click.echo(f"Published head {row.seq}:{row.hash} (key {row.key_id}).")


@contextmanager
def _progress_bar(label: str, length: int):
    """Yields progress(done, total) drawing a bar on stderr, if it is a terminal."""
    stderr = sys.stderr
    with click.progressbar(length=max(length, 1), label=label, file=stderr,
                           hidden=not stderr.isatty(), show_pos=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, done, 1)
            bar.update(done - bar.pos)

        yield progress


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Print the chain head as SEQ:HASH, to keep outside the database.

    Later, `audit verify --expect-head SEQ:HASH` fails if the log no longer
    contains that event with that hash (a truncated or rewritten log)."""
    from reviewapp.audit.services import current_head

    seq, digest = current_head()
    click.echo(f"{seq}:{digest}")


def _utc_date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date, YYYY-MM-DD (UTC)") from None


@audit_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), required=True)
@click.option("--action", help="An action, or a prefix such as article.")
@click.option("--article", "article_id", type=click.IntRange(min=1), help="Article id.")
@click.option("--since", callback=_utc_date, metavar="YYYY-MM-DD", help="From this UTC date.")
@click.option("--until", callback=_utc_date, metavar="YYYY-MM-DD",
              help="Up to and including this UTC date.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write; standard output when left out.")
def export_command(fmt, action, article_id, since, until, output):
    """Export the events that match, oldest first, as CSV or JSON Lines.

    Streams in constant memory. The export is recorded first, as an
    "audit.exported" event with the filters and the row count; the events
    written are those up to the head at that moment."""
    from reviewapp.audit.export import chunks, start_export
    from reviewapp.audit.queries import AuditFilter
    from reviewapp.db import sqlite_begin_mode

    if since and until and until < since:
        raise click.BadParameter("the end date is before the start date", param_hint="--until")
    audit_filter = AuditFilter(action=action or None, article_id=article_id, since=since,
                               until=until)
    started = start_export(audit_filter, fmt)
    token = sqlite_begin_mode.set("DEFERRED")
    try:
        with (open(output, "w", encoding="utf-8", newline="") if output
              else nullcontext(sys.stdout)) as out:
            for chunk in chunks(started):
                out.write(chunk)
        db.session.rollback()
    finally:
        sqlite_begin_mode.reset(token)
    if output:
        click.echo(f"Exported {_counted(started.rows, 'event')} to {output}.", err=True)


@demo_cli.command("load")
def demo_load_command():
    """Demo users (one per role) and articles, when the database has no users."""
    from reviewapp.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

    if load_demo():
        db.session.commit()
        click.echo("Demo data loaded.")
    else:
        click.echo("The database already has users; demo data not loaded.")
    click.echo(f"Demo logins (password for each: {DEMO_PASSWORD}):")
    for email, name, roles, _ in DEMO_USERS:
        click.echo(f"  {email:28} {name:22} {', '.join(roles)}")


def _utc_time(ctx, param, value) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected an ISO-8601 time, e.g. 2026-05-04T06:00:00Z"
                                 ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@reminders_cli.command("send")
@click.option("--now", callback=_utc_time, metavar="ISO-8601",
              help="Act as if it were this time (UTC unless an offset is given), "
                   "e.g. to catch up a missed day.")
def reminders_send_command(now):
    """Send review reminders and all queued mail.

    Reviewers whose review is due within REMINDER_HOURS_BEFORE_DUE hours or is
    overdue get one reminder per assignment per UTC day, and each editor a
    digest of the overdue reviews they assigned; then every queued mail is
    delivered. A second run the same day queues nothing. Exits 1 when a
    message could not be delivered; it stays queued for the next run."""
    from reviewapp.db import utcnow
    from reviewapp.mail.services import deliver_pending
    from reviewapp.workflow.reminders import exclusive_run, queue_reminders

    with exclusive_run() as alone:
        if not alone:
            click.echo("Another `reminders send` is running; this one did nothing.")
            return
        reminders, digests = queue_reminders(now or utcnow())
        db.session.commit()
        sent = failed = 0
        while True:  # in batches, until the outbox is empty or a delivery fails
            batch_sent, batch_failed = deliver_pending(limit=DELIVERY_BATCH)
            sent, failed = sent + batch_sent, failed + batch_failed
            if batch_failed or batch_sent < DELIVERY_BATCH:
                break
    click.echo(f"Queued {_counted(reminders, 'reminder')} and {_counted(digests, 'digest')};"
               f" sent {sent}, failed {failed}.")
    if failed:
        click.echo(f"{_counted(failed, 'message')} could not be sent and stay queued for "
                   "the next run.", err=True)
        sys.exit(1)


def register_cli(app):
    from flask_migrate.cli import db as db_group

    from reviewapp.citations.cli import citations_cli, retractions_cli
    from reviewapp.evidence.cli import evidence_cli
    from reviewapp.public.provenance_cli import provenance_cli
    from reviewapp.workflow.publish_cli import publish_cli

    # Beside `db upgrade`: both run as the tables' owner, and this one after each upgrade.
    db_group.add_command(create_app_role_command)

    for group in (users_cli, audit_cli, demo_cli, reminders_cli, citations_cli, provenance_cli,
                  retractions_cli, publish_cli, evidence_cli):
        app.cli.add_command(group)
