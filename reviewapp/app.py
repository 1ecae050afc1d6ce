"""Application factory: config → extensions → blueprints → errors → CLI."""

import gc
import json
import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask

ENV_PREFIX = "REVIEWAPP_"
# Where instance/ is (config.py, the generated secret_key, the SQLite file);
# default: instance/ beside the package. Each server may have its own.
INSTANCE_PATH_ENV = "REVIEWAPP_INSTANCE_PATH"


class ConfigurationError(RuntimeError):
    """A setting that makes the app unsafe to start; the message says which."""


def create_app(test_config=None):
    instance_path = os.environ.get(INSTANCE_PATH_ENV)
    app = Flask("reviewapp", instance_relative_config=True,
                instance_path=str(Path(instance_path).resolve()) if instance_path else None)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    load_config(app, test_config)

    _init_extensions(app)
    _register_blueprints(app)

    from reviewapp.ops import register_ops

    register_ops(app)  # /healthz, and /metrics when enabled

    from reviewapp.error_pages import register_error_handlers
    from reviewapp.security import register_security

    register_error_handlers(app)
    register_security(app)

    from reviewapp.cli import register_cli

    register_cli(app)

    from reviewapp.templating import register_templating

    register_templating(app)
    return app


def _init_extensions(app: Flask) -> None:
    from reviewapp import extensions
    from reviewapp.db import register_session_cleanup
    from reviewapp.extensions import cache, csrf, db, login_manager, migrate

    db.init_app(app)
    register_session_cleanup(app, db)  # after init_app: it must run first
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    cache.init_app(app, config=_cache_config(app.config))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    from reviewapp.accounts.services import load_user_by_session_token

    login_manager.user_loader(load_user_by_session_token)
    del extensions


def _cache_config(config) -> dict:
    """Flask-Caching: Redis when CACHE_REDIS_URL is set (shared by every instance),
    else a cache in each process (the embedded `make run` setup)."""
    common = {"CACHE_KEY_PREFIX": config["CACHE_KEY_PREFIX"],
              "CACHE_DEFAULT_TIMEOUT": config["PAGE_CACHE_SECONDS"]}
    if config.get("CACHE_REDIS_URL"):
        # A cache that does not answer within half a second is passed by (page_cache.py).
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": config["CACHE_REDIS_URL"],
                "CACHE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}}
    return {**common, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": config["PAGE_CACHE_ENTRIES"]}


def _register_blueprints(app: Flask) -> None:
    from reviewapp.routing import register_converters

    register_converters(app)  # before the blueprints add their rules

    from reviewapp import publication_versions as _publication  # noqa: F401
    from reviewapp.accounts import models as _accounts  # noqa: F401  (registers models)
    from reviewapp.accounts.recovery_views import bp as recovery_bp
    from reviewapp.accounts.two_factor_views import bp as two_factor_bp
    from reviewapp.accounts.views import admin_bp
    from reviewapp.accounts.views import bp as accounts_bp
    from reviewapp.articles import models as _articles  # noqa: F401
    from reviewapp.articles.views import bp as articles_bp
    from reviewapp.audit import models as _audit  # noqa: F401
    from reviewapp.audit.transparency_views import bp as transparency_bp
    from reviewapp.audit.views import bp as audit_bp
    from reviewapp.citations import models as _citations  # noqa: F401
    from reviewapp.evidence.views import bp as evidence_bp
    from reviewapp.mail import models as _mail  # noqa: F401
    from reviewapp.main import bp as main_bp
    from reviewapp.public import models as _public  # noqa: F401
    from reviewapp.public.api import bp as api_bp
    from reviewapp.public.provenance_views import bp as provenance_bp
    from reviewapp.public.views import bp as public_bp
    from reviewapp.questions import models as _questions  # noqa: F401
    from reviewapp.questions.views import bp as questions_bp
    from reviewapp.reports import models as _reports  # noqa: F401
    from reviewapp.reviews import models as _reviews  # noqa: F401
    from reviewapp.reviews.claim_views import bp as claims_bp
    from reviewapp.reviews.comment_views import bp as comments_bp
    from reviewapp.reviews.views import bp as reviews_bp
    from reviewapp.workflow.schedule_views import bp as scheduling_bp
    from reviewapp.workflow.views import bp as workflow_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(recovery_bp)
    app.register_blueprint(two_factor_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(articles_bp)
    app.register_blueprint(workflow_bp)
    app.register_blueprint(scheduling_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(claims_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(transparency_bp)
    app.register_blueprint(provenance_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(evidence_bp)


def freeze_startup_objects() -> None:
    """Move what start-up built (modules, mappers, settings), which lives as long
    as the process, out of the cyclic collector's full passes. Without this every
    full collection walks it all and stalls the request that set it off (the
    editor dashboard's p95 was four times its median). For a long-running server
    process only (reviewapp.wsgi), not for an app made per test."""
    gc.collect()
    gc.freeze()


def load_config(app: Flask, test_config=None) -> None:
    from reviewapp import config as defaults

    app.config.from_object(defaults)
    app.config.from_pyfile("config.py", silent=True)
    for name, value in os.environ.items():
        if name.startswith(ENV_PREFIX):
            key = name[len(ENV_PREFIX):]
            app.config[key] = _coerce(value, app.config.get(key))
    for name in ("DATABASE_URL", "SECRET_KEY", "SIGNING_KEY", "CACHE_REDIS_URL"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config:
        app.config.update(test_config)
    from reviewapp.articles.audiences import parse_audiences

    try:
        parse_audiences(app.config["AUDIENCES"])
    except ValueError as error:
        raise ConfigurationError(str(error)) from None

    url = app.config.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(app.instance_path) / "reviewapp.sqlite3"))
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; plain URLs would ask for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(url, app.config)
    app.config["SECRET_KEY"] = _secret_key(app, shared_database=not url.startswith("sqlite"))
    app.extensions["site_keys"] = _site_keys(app, shared_database=not url.startswith("sqlite"))
    if app.config.get("AUDIT_HMAC_KEY") is not None and not str(
            app.config["AUDIT_HMAC_KEY"]).strip():
        # Empty would silently mean "no key": a chain unkeyed on one server and
        # keyed on another, which then fails to verify.
        raise ConfigurationError("AUDIT_HMAC_KEY is set but empty. Leave it unset for an "
                                 "unkeyed chain, or set the same key on every server.")
    _check_changes_decision(app.config)


def _check_changes_decision(config) -> None:
    """Review rounds: CHANGES_DECISION names who sends an article back."""
    from reviewapp.lifecycle.events import CHANGES_DECISIONS

    value = config.get("CHANGES_DECISION")
    if value not in CHANGES_DECISIONS:
        raise ConfigurationError(
            "CHANGES_DECISION must be \"editor\" (the editor decides on a reviewer's "
            "request for changes) or \"reviewer\" (a reviewer's request sends the article "
            f"back at once), not {value!r}.")


def _coerce(raw: str, default):
    """Environment values are strings; give them the type of the default."""
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, (list, tuple)):
        if raw.lstrip().startswith("["):
            return json.loads(raw)  # a list of settings, such as AUDIENCES
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def _engine_options(url: str, config) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": config["SQLITE_BUSY_TIMEOUT"],
                                 "check_same_thread": False}}
    return {"pool_pre_ping": True}


GENERATE_KEY = "python -c 'import secrets; print(secrets.token_hex(32))'"


def _secret_key(app: Flask, shared_database: bool) -> str:
    """The configured SECRET_KEY; or, on SQLite only, one generated into the
    instance folder. A database server may be shared by several app servers,
    whose sessions and CSRF tokens are only valid on each other with one key,
    so there the key must be configured; an empty one is never accepted."""
    key = app.config.get("SECRET_KEY")
    if key is None and os.environ.get("SECRET_KEY") == "":
        key = ""  # exported but empty: a mistake, not "unset"
    if key is not None:
        if not str(key).strip():
            raise ConfigurationError(
                "SECRET_KEY is set but empty. Set it to a long random value, the same on "
                f"every server (for example the output of {GENERATE_KEY}).")
        return key
    if shared_database:
        raise ConfigurationError(
            "SECRET_KEY is not set. With a PostgreSQL DATABASE_URL every server must sign "
            "sessions and forms with the same key: set the SECRET_KEY environment variable "
            "(or SECRET_KEY in instance/config.py) to one long random value on all of "
            f"them (for example the output of {GENERATE_KEY}).")
    return _instance_secret_key(app)


def _site_keys(app: Flask, shared_database: bool):
    """The Ed25519 key that signs provenance and published chain heads: configured
    (SIGNING_KEY, the same on every server, like SECRET_KEY); on SQLite, generated once
    into the instance folder; in tests (TESTING) without one, made for the process."""
    from reviewapp.site_keys import (
        HOW_TO_MAKE_ONE,
        KeySettingError,
        new_private_key_text,
        site_keys,
    )

    configured = app.config.get("SIGNING_KEY")
    if configured is None and os.environ.get("SIGNING_KEY") == "":
        configured = ""
    if configured is None:
        if shared_database and not app.config.get("TESTING"):
            raise ConfigurationError(
                "SIGNING_KEY is not set. With a PostgreSQL DATABASE_URL every server must "
                "sign provenance and published audit heads with the same Ed25519 key: set "
                "the SIGNING_KEY environment variable (or SIGNING_KEY in instance/config.py) "
                f"on all of them to the key `{HOW_TO_MAKE_ONE}` prints.")
        configured = (new_private_key_text() if shared_database
                      else _instance_secret(app, "signing_key", new_private_key_text))
    try:
        return site_keys(configured, app.config.get("SIGNING_KEYS_RETIRED"))
    except KeySettingError as error:
        raise ConfigurationError(str(error)) from None


def _instance_secret_key(app: Flask) -> str:
    return _instance_secret(app, "secret_key", lambda: secrets.token_hex(32))


def _instance_secret(app: Flask, name: str, make) -> str:
    """Generated once into the instance folder, readable by the owner only.

    Written whole before it gets its name: a temporary file, fsynced, then
    hard-linked as secret_key, which fails if another process got there first
    (its key is then read). So a process starting at the same moment never
    reads a half-written or empty file. An empty file found there (left by an
    older version or a full disk) is refused rather than replaced: two
    processes replacing it at once could each keep a different key."""
    instance = Path(app.instance_path)
    path = instance / name
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=f".{name}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process linked its key first: use that one
            else:
                _fsync_directory(instance)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if not key:
        raise ConfigurationError(
            f"The generated key file {path} is empty. Delete it to have a new key "
            "generated at the next start (what the old key signed no longer verifies), or "
            f"set {name.upper()}.")
    return key


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
