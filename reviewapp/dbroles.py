"""The least-privileged PostgreSQL role the app can run as (docs/database-roles.md):
the statements that create and grant it, and a check of what it can really do."""

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

# Tables the app may change only in part; every other table gets READ_WRITE.
NARROW_TABLES = {
    "audit_event": ("SELECT", "INSERT"),   # append-only: never UPDATE, DELETE, TRUNCATE
    "audit_head": ("SELECT", "UPDATE"),    # appends lock the one row and move it on
    "published_head": ("SELECT", "INSERT"),  # the transparency log: append-only too
    "alembic_version": ("SELECT",),        # read to tell whether the schema is at head
}
READ_WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES",
                    "TRIGGER")
# Privileges a column grant can also give; has_any_column_privilege() sees those too.
COLUMN_PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "REFERENCES"}
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleRefused(Exception):
    """The role cannot be made least-privileged from here; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sqlalchemy_url(url: str) -> str:
    """postgresql:// asks for psycopg2; psycopg 3 is the driver we ship."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def migration_engine(app) -> sa.Engine | None:
    """An engine on MIGRATION_DATABASE_URL (the tables' owner), if it is set."""
    url = app.config.get("MIGRATION_DATABASE_URL")
    return sa.create_engine(sqlalchemy_url(url), poolclass=NullPool) if url else None


def owner_engine(app) -> sa.Engine:
    """MIGRATION_DATABASE_URL, else the app's own URL (a setup run as the owner)."""
    return migration_engine(app) or sa.create_engine(
        app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)


@dataclass
class Plan:
    role: str
    owner: str
    schema: str
    creates_role: bool
    statements: list[str] = field(default_factory=list)
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sequences: list[str] = field(default_factory=list)


def allowed(table: str) -> tuple[str, ...]:
    return NARROW_TABLES.get(table, READ_WRITE)


def plan_app_role(conn: sa.Connection, role: str, password: str | None) -> Plan:
    """The statements that make `role` able to run the app and nothing more.

    Idempotent: the role is created if missing (its password set when one is
    given), every grant on the schema's tables and sequences is revoked and
    granted afresh, and default privileges cover tables that later migrations
    create. Raises RoleRefused when the role could not be made least-privileged."""
    if conn.dialect.name != "postgresql":
        raise RoleRefused("Database roles are for PostgreSQL; SQLite has none.")
    if not ROLE_NAME.fullmatch(role):
        raise RoleRefused("A role name is lower-case letters, digits and underscores, "
                          "not starting with a digit (at most 63).")
    schema, current = conn.execute(sa.text("SELECT current_schema(), current_user")).one()
    owner = conn.scalar(sa.text(
        "SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename = 'audit_event'"))
    if owner is None:
        raise RoleRefused("The database has no audit_event table: run `flask db upgrade` "
                          "first, as the owner.")
    if role in (owner, current):
        raise RoleRefused(f"{role} owns the tables or runs this command; the app's role "
                          "must be another one.")
    _refuse_powerful(conn, role, owner)
    plan = Plan(role=role, owner=owner, schema=schema, creates_role=not _exists(conn, role))
    quote = _Quoter(conn)
    name, schema_q, owner_q = quote.ident(role), quote.ident(schema), quote.ident(owner)
    attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    secret = f" PASSWORD {quote.literal(_verifier(conn, role, password))}" if password else ""
    if plan.creates_role:
        plan.statements.append(f"CREATE ROLE {name} {attributes}{secret}")
    elif secret:
        plan.statements.append(f"ALTER ROLE {name}{secret}")
    database = conn.scalar(sa.text("SELECT current_database()"))
    plan.statements += [
        f"GRANT CONNECT ON DATABASE {quote.ident(database)} TO {name}",
        f"GRANT USAGE ON SCHEMA {schema_q} TO {name}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema_q} FROM {name}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema_q} FROM {name}",
    ]
    for table in _relations(conn, "r", "p"):
        plan.tables[table] = allowed(table)
        plan.statements.append(f"GRANT {', '.join(allowed(table))} ON TABLE "
                               f"{schema_q}.{quote.ident(table)} TO {name}")
    # Serial ids: INSERT needs nextval(), which USAGE allows (setval() needs UPDATE).
    plan.sequences = _relations(conn, "S")
    plan.statements += [
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema_q} TO {name}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {schema_q} "
        f"GRANT {', '.join(READ_WRITE)} ON TABLES TO {name}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {schema_q} "
        f"GRANT USAGE ON SEQUENCES TO {name}",
    ]
    return plan


def apply_plan(conn: sa.Connection, plan: Plan) -> None:
    for statement in plan.statements:
        conn.exec_driver_sql(statement)


def privilege_problems(conn: sa.Connection, role: str) -> list[str]:
    """What `role` can do beyond, or short of, what the app needs (empty when
    exact). Counts every way in: direct, column, PUBLIC and inherited grants."""
    problems = []
    oid = conn.scalar(sa.text("SELECT oid FROM pg_roles WHERE rolname = :r"), {"r": role})
    if oid is None:
        return [f"there is no role {role}"]
    checks = " UNION ALL ".join(
        f"SELECT c.relname, '{p}', "
        + ("has_any_column_privilege" if p in COLUMN_PRIVILEGES else "has_table_privilege")
        + f"(:oid, c.oid, '{p}')" + _RELATIONS.format(kinds="'r', 'p'")
        for p in TABLE_PRIVILEGES)
    for table, privilege, granted in conn.execute(sa.text(checks), {"oid": oid}):
        if granted != (privilege in allowed(table)):
            problems.append(f"{privilege} on {table}: "
                            f"{'granted, must not be' if granted else 'missing'}")
    for sequence, usage, update in conn.execute(sa.text(
            "SELECT c.relname, has_sequence_privilege(:oid, c.oid, 'USAGE'), "
            "has_sequence_privilege(:oid, c.oid, 'UPDATE')"
            + _RELATIONS.format(kinds="'S'")), {"oid": oid}):
        if not usage:
            problems.append(f"USAGE on sequence {sequence}: missing")
        if update:
            problems.append(f"UPDATE on sequence {sequence}: granted, must not be")
    if conn.scalar(sa.text("SELECT has_schema_privilege(:oid, current_schema(), 'CREATE')"),
                   {"oid": oid}):
        problems.append("CREATE on the schema: granted, must not be (before PostgreSQL 15 "
                        "PUBLIC has it: REVOKE CREATE ON SCHEMA public FROM PUBLIC)")
    owned = conn.scalar(sa.text(
        "SELECT (SELECT count(*) FROM pg_class WHERE relowner = :oid)"
        " + (SELECT count(*) FROM pg_proc WHERE proowner = :oid)"
        " + (SELECT count(*) FROM pg_namespace WHERE nspowner = :oid)"
        " + (SELECT count(*) FROM pg_database WHERE datdba = :oid)"), {"oid": oid})
    if owned:
        problems.append(f"owns {owned} object(s): it must own nothing")
    if conn.scalar(sa.text("SELECT current_setting('server_version_num')::int")) >= 150000 \
            and conn.scalar(sa.text(
                "SELECT has_parameter_privilege(:oid, 'session_replication_role', 'SET')"),
                {"oid": oid}):
        problems.append("may SET session_replication_role (which skips the audit triggers)")
    return problems


_RELATIONS = (" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
              " WHERE n.nspname = current_schema() AND c.relkind IN ({kinds})")


def _relations(conn: sa.Connection, *kinds: str) -> list[str]:
    return list(conn.scalars(sa.text(
        "SELECT c.relname" + _RELATIONS.format(kinds=", ".join(f"'{k}'" for k in kinds))
        + " ORDER BY c.relname")))


def _exists(conn: sa.Connection, role: str) -> bool:
    return conn.scalar(sa.text("SELECT count(*) FROM pg_roles WHERE rolname = :r"),
                       {"r": role}) == 1


def _refuse_powerful(conn: sa.Connection, role: str, owner: str) -> None:
    row = conn.execute(sa.text(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, "
        "pg_has_role(rolname, :owner, 'MEMBER') FROM pg_roles WHERE rolname = :r"),
        {"r": role, "owner": owner}).one_or_none()
    if row is None:
        return
    powers = [power for power, has in zip(
        ("SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS",
         f"membership of {owner}"), row, strict=True) if has]
    if powers:
        raise RoleRefused(f"{role} already exists with {', '.join(powers)}; take that away "
                          "first (ALTER ROLE, REVOKE) or choose another name.")


def _verifier(conn: sa.Connection, role: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier, computed here: the password itself never reaches
    the server, its logs or the printed SQL."""
    pgconn = conn.connection.driver_connection.pgconn
    return pgconn.encrypt_password(password.encode(), role.encode(),
                                   b"scram-sha-256").decode()


class _Quoter:
    def __init__(self, conn: sa.Connection):
        self.context = conn.connection.driver_connection

    def ident(self, name: str) -> str:
        from psycopg import sql

        return sql.Identifier(name).as_string(self.context)

    def literal(self, value: str) -> str:
        from psycopg import sql

        return sql.Literal(value).as_string(self.context)
