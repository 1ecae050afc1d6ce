""""What changed" (issue 17): the author's note for readers on an update. Which
revision is an update, and what of a typed note is kept. The rule that an update
needs its note lives in lifecycle/machine.py (submit, resubmit and approve)."""

from reviewapp.articles.content import revision_content_hash
from reviewapp.articles.models import Article
from reviewapp.errors import InvalidInput

LABEL = "What changed"
HINT = "A sentence or two for readers: what is new or corrected in this update."
MAX_LENGTH = 1000


def updates_approved(article: Article) -> bool:
    """The current revision would replace the approved one with other text. A
    re-review's copy of the approved text (or a draft left as it was) is no
    update and needs no note."""
    approved, revision = article.approved_revision, article.current_revision
    if approved is None or revision is None or revision.id == approved.id:
        return False
    return (revision.content_hash or revision_content_hash(revision)) != approved.content_hash


def asks_for_note(article: Article | None) -> bool:
    """The edit form offers "What changed": the article has an approved
    revision, so this draft will be an update."""
    return article is not None and article.approved_revision_id is not None


def note_to_keep(article: Article, typed: str | None) -> str | None:
    """The note as stored on the draft: trimmed, None when blank or when the
    article was never approved (a first revision has nothing to tell readers
    about); too long is refused."""
    note = (typed or "").strip()
    if len(note) > MAX_LENGTH:
        raise InvalidInput(f"“{LABEL}” can be at most {MAX_LENGTH:,} characters "
                           f"(this one has {len(note):,}).")
    return note if note and asks_for_note(article) else None


def draft_note(article: Article) -> str:
    """The note the edit form opens with: the draft's own, never the one of the
    approved revision a new draft is about to replace."""
    revision = article.current_revision
    if revision is None or revision.id == article.approved_revision_id:
        return ""
    return revision.change_note or ""
