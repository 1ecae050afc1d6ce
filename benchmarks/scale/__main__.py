"""`python -m benchmarks.scale --articles N --events M [--force]`: fill the app's
configured database (DATABASE_URL, as the app reads it) with benchmark data."""

import sys

import click


@click.command()
@click.option("--articles", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--events", type=click.IntRange(min=0), default=10000, show_default=True,
              help="Audit events, continuing the hash chain.")
@click.option("--force", is_flag=True, help="Add to a database that already has articles.")
def main(articles: int, events: int, force: bool) -> None:
    """Bulk realistic data for benchmarks: users, articles in every state with
    revisions, references, citation reports, reviews, signatures, and a valid
    audit chain. Refuses a database that has articles, unless --force."""
    from reviewapp import create_app
    from reviewapp.extensions import db

    from . import SCALE_PASSWORD, DatabaseNotEmpty, generate

    app = create_app()
    with app.app_context():
        try:
            with click.progressbar(length=articles + events, label="Generating",
                                   file=sys.stderr, show_pos=True) as bar:
                counts = generate(articles, events, force=force, progress=bar.update)
        except DatabaseNotEmpty as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        finally:
            db.session.remove()
            db.engine.dispose()
    click.echo(f"Wrote {_counted(counts['users'], 'user')}, "
               f"{_counted(counts['articles'], 'article')} and "
               f"{_counted(counts['events'], 'audit event')} "
               f"(password for every user: {SCALE_PASSWORD}).")


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


if __name__ == "__main__":
    main()
