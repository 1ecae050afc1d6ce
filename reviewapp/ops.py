"""Operations: /healthz for load balancers, and the metrics endpoint
(reviewapp.metrics) when METRICS_ENABLED."""

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from reviewapp.extensions import db

bp = Blueprint("ops", __name__)
HEADS = "reviewapp.migration_heads"


def register_ops(app) -> None:
    """The health check (no login: a load balancer has none) and, when enabled,
    the metrics. The migration scripts' head is read here, once: the scripts
    cannot change under a running process, the database can."""
    app.extensions[HEADS] = migration_heads(str(Path(app.root_path).parent / "migrations"))
    app.register_blueprint(bp)
    if app.config["METRICS_ENABLED"]:
        from reviewapp.metrics import register_metrics

        register_metrics(app)


@lru_cache
def migration_heads(directory: str) -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(directory).get_heads())


@bp.get("/healthz")
def healthz():
    """200 when the database answers and its schema is at the scripts' head,
    else 503. Says which of the two failed, nothing more: no versions, no
    driver message, no user data; it reads no session and writes nothing."""
    try:
        applied = frozenset(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        applied = None
    finally:
        _rollback_quietly()
    if applied is None:
        return _answer(503, "database unavailable")
    if applied != current_app.extensions[HEADS]:
        return _answer(503, "migrations not at head")
    return _answer(200, "ok")


def _answer(status: int, message: str):
    response = jsonify(status=message)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone; the pool replaces it
        db.session.invalidate()
