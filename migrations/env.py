"""Alembic environment for reviewapp, run through Flask-Migrate (`flask db ...`)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from reviewapp.dbroles import migration_engine

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
# The tables' owner (MIGRATION_DATABASE_URL) when set; else the app's own engine.
engine = migration_engine(current_app) or target_db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_db.metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # `flask db migrate` with no changes writes no empty file.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_as_batch", True)  # SQLite needs batch ALTERs

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a column by rebuilding its table (batch mode): with
            # foreign keys enforced, dropping the old table would orphan the rows
            # that point at it. As the SQLite manual's procedure says, they are
            # turned off outside the transaction; a migration that rebuilds a
            # referenced table checks them (PRAGMA foreign_key_check) before its end.
            _sqlite_foreign_keys(connection, "OFF")
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata,
                              **conf_args)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, "ON")
    if engine is not target_db.engine:
        engine.dispose()


def _sqlite_foreign_keys(connection, on_off: str) -> None:
    """Outside any transaction (a PRAGMA foreign_keys inside one does nothing)."""
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys = {on_off}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
