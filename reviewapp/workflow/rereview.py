"""A retraction list import, and what it means for published articles: an
approved article whose public revision cites a retracted work is flagged for
re-review (the public page says so until a new revision is approved)."""

import io
from collections.abc import Callable

from sqlalchemy import or_, select

from reviewapp.articles.models import Article, Reference
from reviewapp.audit.services import record
from reviewapp.citations.retractions import ImportResult, read_retractions
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.lifecycle.states import APPROVED
from reviewapp.publication_versions import SITE, bump


def import_retractions(binary: io.BufferedIOBase, actor=None,
                       progress: Callable[[int], None] | None = None) -> ImportResult:
    """Read the list in one transaction (the caller commits), flag the approved
    articles citing a work whose notice is new or changed, and record both."""
    result, flag_dois, flag_pmids = read_retractions(binary, progress)
    result.flagged_articles = flag_citing_articles(flag_dois, flag_pmids, actor)
    if result.added or result.updated:
        # A notice shows on the page of every article citing the work: the site's
        # pages are outdated (an import is daily at most; precision is not worth it).
        bump(SITE)
    record("retractions.imported", actor=actor, object_type="retraction",
           details={"rows": result.rows, "added": result.added, "updated": result.updated,
                    "unchanged": result.unchanged, "skipped": result.skipped,
                    "flagged_articles": result.flagged_articles})
    return result


def flag_citing_articles(dois: set[str], pmids: set[str], actor=None) -> list[int]:
    """Approved articles whose public revision cites one of these works."""
    flagged: set[int] = set()
    dois_list, pmids_list = sorted(dois), sorted(pmids)
    for start in range(0, max(len(dois_list), len(pmids_list)), 500):
        chunk_dois, chunk_pmids = dois_list[start:start + 500], pmids_list[start:start + 500]
        rows = db.session.execute(
            select(Article.id, Reference.position, Reference.doi, Reference.pmid)
            .join(Reference, Reference.revision_id == Article.approved_revision_id)
            .where(Article.state == APPROVED,
                   or_(Reference.doi.in_(chunk_dois), Reference.pmid.in_(chunk_pmids)))).all()
        for article_id, position, doi, pmid in rows:
            if article_id in flagged:
                continue
            article = db.session.get(Article, article_id)
            article.rereview_reason = (f"Reference {position} ({doi or 'PMID ' + pmid}) "
                                       "has been retracted or has an expression of concern.")
            article.rereview_flagged_at = utcnow()
            record("article.rereview_flagged", actor=actor, object_type="article",
                   object_id=article_id, article_id=article_id,
                   reason=article.rereview_reason)
            flagged.add(article_id)
    db.session.flush()
    return sorted(flagged)
