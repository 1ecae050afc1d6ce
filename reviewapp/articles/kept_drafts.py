"""Edit forms that outlive their session: the form carries a signed key naming
the author who opened it; sent after that author's session ended (its CSRF
token gone with it), the form's texts are kept under a random token until the
same author logs in and sees them again in the form — never saved for them."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, select

from reviewapp.articles.audiences import parse_audiences
from reviewapp.articles.change_notes import MAX_LENGTH as CHANGE_NOTE_LENGTH
from reviewapp.articles.models import KeptDraft
from reviewapp.articles.versions import PARTS, field_name
from reviewapp.db import utcnow
from reviewapp.extensions import db

_SALT = "draft-key"
# The texts a kept form may hold, each with its length limit (or the setting of it).
LIMITS = {"title": "MAX_TITLE_LENGTH", "body": "MAX_BODY_LENGTH",
          "references": "MAX_REFERENCES_LENGTH", "tags": 500,
          "change_note": CHANGE_NOTE_LENGTH}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def draft_key(user_id: int, article_id: int) -> str:
    """Signed: this author opened an edit form of this article."""
    return _serializer().dumps([user_id, article_id])


def key_owner(key: str | None, article_id: int) -> int | None:
    """The author a form's key names, when it is genuine, for this article, and
    not older than a session plus the time a form is kept."""
    hours = current_app.config["SESSION_MAX_HOURS"] + current_app.config["KEPT_DRAFT_HOURS"]
    try:
        user_id, key_article_id = _serializer().loads(key or "", max_age=hours * 3600)
    except (BadData, TypeError, ValueError):
        return None
    return user_id if key_article_id == article_id and isinstance(user_id, int) else None


def limits() -> dict[str, str | int]:
    """LIMITS and those of each audience's version (title, key points, body)."""
    found = dict(LIMITS)
    for audience in parse_audiences(current_app.config["AUDIENCES"]):
        for part in PARTS:
            found[field_name(audience.key, part)] = (
                "MAX_TITLE_LENGTH" if part == "title" else "MAX_BODY_LENGTH")
    return found


def fits(texts: dict[str, str]) -> bool:
    """Each text (typed, and opened on) within its field's limit."""
    config = current_app.config
    return all(len(texts.get(prefix + name) or "")
               <= (limit if isinstance(limit, int) else config[limit])
               for name, limit in limits().items() for prefix in ("", "opened_"))


def keep(user_id: int, article_id: int, version: int | None, texts: dict[str, str]) -> str:
    """Keep a form's texts; the token that finds them again. Forms kept longer
    than KEPT_DRAFT_HOURS are deleted on the way."""
    db.session.execute(delete(KeptDraft).where(KeptDraft.created_at < _oldest_kept()))
    token = secrets.token_urlsafe(32)
    db.session.add(KeptDraft(token_hash=_hash(token), user_id=user_id, article_id=article_id,
                             version=version or 0, texts=texts))
    db.session.flush()
    return token


def kept(token: str, user_id: int, article_id: int) -> KeptDraft | None:
    """The form kept under `token`, only for the author who sent it."""
    return db.session.scalar(select(KeptDraft).where(
        KeptDraft.token_hash == _hash(token), KeptDraft.user_id == user_id,
        KeptDraft.article_id == article_id, KeptDraft.created_at >= _oldest_kept()))


def forget(user_id: int, article_id: int) -> None:
    """The author saved the article: the forms kept for them are done with."""
    db.session.execute(delete(KeptDraft).where(KeptDraft.user_id == user_id,
                                               KeptDraft.article_id == article_id))


def _oldest_kept():
    return utcnow() - timedelta(hours=current_app.config["KEPT_DRAFT_HOURS"])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
