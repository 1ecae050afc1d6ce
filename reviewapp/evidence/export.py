"""An article's evidence bag as a ZIP (index.html and evidence.json, the same
facts), and the audit event that records each export.

Like the audit log's export (audit/export.py), the event "evidence.exported" is
recorded and committed before a byte leaves: the desk sends the ZIP only after
the commit, and the CLI writes its file after it.
"""

import io
import json
import random
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from sqlalchemy import select

from reviewapp.articles.models import Article, Revision
from reviewapp.audit.services import record
from reviewapp.db import utcnow
from reviewapp.evidence.bag import gather
from reviewapp.extensions import db

# A fixed time for every member, so the same facts make the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class EvidenceZip:
    article_id: int
    slug: str
    revisions: int
    data: bytes

    @property
    def filename(self) -> str:
        return f"evidence-{self.slug}-{utcnow():%Y%m%dT%H%M%SZ}.zip"


def build(article_id: int) -> EvidenceZip:
    """The ZIP of the article's bag (NotFound when there is no such article)."""
    bag = gather(article_id)
    html = render_template("evidence/index.html", bag=bag)
    text = json.dumps(bag, ensure_ascii=False, indent=2, sort_keys=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (("index.html", html), ("evidence.json", text)):
            member = zipfile.ZipInfo(name, _ZIP_TIME)
            member.external_attr = 0o644 << 16  # readable once unpacked
            archive.writestr(member, content.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return EvidenceZip(article_id, bag["article"]["slug"], len(bag["revisions"]),
                       buffer.getvalue())


def export(article_id: int, actor=None, file_name: str | None = None) -> EvidenceZip:
    """Build the bag, record "evidence.exported" and commit; the caller then sends
    or writes the bytes."""
    bag_zip = build(article_id)
    db.session.rollback()  # the reads' transaction ends; the record is a short one
    details = {"article": bag_zip.slug, "revisions": bag_zip.revisions,
               "bytes": len(bag_zip.data)}
    if file_name:
        details["file"] = file_name
    record("evidence.exported", actor=actor, object_type="article", object_id=article_id,
           article_id=article_id, details=details)
    db.session.commit()
    return bag_zip


def approved_since(since: datetime) -> list[tuple[int, str]]:
    """(id, slug) of the articles whose public revision was approved at or after `since`."""
    return [tuple(row) for row in db.session.execute(
        select(Article.id, Article.slug)
        .join(Revision, Revision.id == Article.approved_revision_id)
        .where(Revision.approved_at >= since).order_by(Article.id))]


def pick(articles: list, count: int) -> list:
    """Up to `count` of them at random (the assessor's random job bags)."""
    return random.SystemRandom().sample(articles, min(count, len(articles)))
