"""Application factory: config → extensions → blueprints → errors → CLI."""

import gc
import os
import secrets
from pathlib import Path

from flask import Flask

ENV_PREFIX = "REVIEWAPP_"


def create_app(test_config=None):
    app = Flask("reviewapp", instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    load_config(app, test_config)

    from reviewapp import extensions
    from reviewapp.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    from reviewapp.accounts.services import load_user_by_session_token

    login_manager.user_loader(load_user_by_session_token)
    del extensions

    from reviewapp.accounts import models as _accounts  # noqa: F401  (registers models)
    from reviewapp.accounts.views import admin_bp
    from reviewapp.accounts.views import bp as accounts_bp
    from reviewapp.articles import models as _articles  # noqa: F401
    from reviewapp.articles.views import bp as articles_bp
    from reviewapp.audit import models as _audit  # noqa: F401
    from reviewapp.audit.views import bp as audit_bp
    from reviewapp.citations import models as _citations  # noqa: F401
    from reviewapp.mail import models as _mail  # noqa: F401
    from reviewapp.main import bp as main_bp
    from reviewapp.public import models as _public  # noqa: F401
    from reviewapp.public.api import bp as api_bp
    from reviewapp.public.views import bp as public_bp
    from reviewapp.reviews import models as _reviews  # noqa: F401
    from reviewapp.workflow.views import bp as workflow_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(articles_bp)
    app.register_blueprint(workflow_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)

    from reviewapp.errors import register_error_handlers
    from reviewapp.security import register_security

    register_error_handlers(app)
    register_security(app)

    from reviewapp.cli import register_cli

    register_cli(app)

    from reviewapp.templating import register_templating

    register_templating(app)
    return app


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
    for name in ("DATABASE_URL", "SECRET_KEY"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config:
        app.config.update(test_config)

    url = app.config.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(app.instance_path) / "reviewapp.sqlite3"))
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; plain URLs would ask for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(url, app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)


def _coerce(raw: str, default):
    """Environment values are strings; give them the type of the default."""
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, (list, tuple)):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def _engine_options(url: str, config) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": config["SQLITE_BUSY_TIMEOUT"],
                                 "check_same_thread": False}}
    return {"pool_pre_ping": True}


def _instance_secret_key(app: Flask) -> str:
    """Generated once into the instance folder, readable by the owner only."""
    path = Path(app.instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
