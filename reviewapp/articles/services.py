"""Article rules: creating drafts, saving them, who may see which article."""

from dataclasses import dataclass, field

from flask import current_app
from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from reviewapp import publication_versions
from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import (
    can_create_article,
    can_edit_draft,
    can_see_all_articles,
)
from reviewapp.articles import change_notes, kept_drafts
from reviewapp.articles.audiences import parse_audiences
from reviewapp.articles.merge import Merged, merge_text
from reviewapp.articles.models import (
    Article,
    ArticleTag,
    AudienceVersion,
    Reference,
    Revision,
    listed_revision,
)
from reviewapp.articles.versions import (
    VersionText,
    texts_of_versions,
    version_problems,
    versions_from_texts,
)
from reviewapp.audit.services import record
from reviewapp.citations.identifiers import parse_reference
from reviewapp.citations.reference_list import number_reference_list, split_reference_list
from reviewapp.citations.services import (
    check_revision,
    count_citation_errors,
)
from reviewapp.db import transaction_lock
from reviewapp.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TransitionRefused,
)
from reviewapp.extensions import db
from reviewapp.lifecycle.states import STATES, state_label
from reviewapp.normalize import normalize_tags


@dataclass
class DraftContent:
    title: str
    body: str
    references_text: str
    tags: list[str]
    # The audience versions by AUDIENCES key; an audience left out has none.
    versions: dict[str, VersionText] = field(default_factory=dict)
    change_note: str = ""  # "What changed", on an update (articles/change_notes.py)

    @classmethod
    def of(cls, texts: dict[str, str]) -> "DraftContent":
        """From the form's texts (title, body, references, tags, change_note, and
        each audience's version: versions.py)."""
        return cls(title=texts["title"], body=texts["body"],
                   references_text=texts["references"], tags=normalize_tags(texts["tags"]),
                   versions=versions_from_texts(site_audiences(), texts),
                   change_note=texts.get("change_note", ""))

    def checked_versions(self) -> list[VersionText]:
        """The versions in the site's audience order; InvalidInput naming the
        first problem (an unknown audience, a missing title or body, a limit)."""
        config = current_app.config
        audiences = {a.key: a for a in site_audiences()}
        for key, version in self.versions.items():
            if key not in audiences:
                raise InvalidInput(f"There is no audience {key!r} on this site.")
            for _part, message in version_problems(audiences[key], version,
                                                   config["MAX_TITLE_LENGTH"],
                                                   config["MAX_BODY_LENGTH"]):
                raise InvalidInput(message)
        return [self.versions[key] for key in audiences if key in self.versions]

    def references(self) -> list[str]:
        entries = split_reference_list(self.references_text).entries
        limit = current_app.config["MAX_REFERENCES"]
        if len(entries) > limit:
            raise InvalidInput(f"A reference list can hold at most {limit:,} references "
                               f"(this one has {len(entries):,}).")
        return entries

    def reference_notes(self) -> list[str]:
        """What the author should check in the pasted list: a DOI or link a line break may
        have cut, numbers that do not follow on."""
        return split_reference_list(self.references_text).notes


def site_audiences():
    return parse_audiences(current_app.config["AUDIENCES"])


def version_rows(versions) -> list[AudienceVersion]:
    """AudienceVersion rows for versions (anything with audience, title, key_points, body)."""
    return [AudienceVersion(audience=v.audience, title=v.title, key_points=v.key_points,
                            body=v.body) for v in versions]


def reference_rows(texts: list[str]) -> list[Reference]:
    """Reference rows with the identifiers parsed from each text."""
    rows = []
    for number, text in enumerate(texts, start=1):
        parsed = parse_reference(number, text)
        rows.append(Reference(position=number, raw_text=text, doi=parsed.doi,
                              pmid=parsed.pmid, pmcid=parsed.pmcid, isbn=parsed.isbn,
                              url=parsed.urls[0] if parsed.urls else None, year=parsed.year))
    return rows


def unique_slug(title: str) -> str:
    """A free slug for the title. On PostgreSQL two authors choosing the same
    one at once queue on a transaction lock; SQLite's write lock does it there."""
    base = slugify(title, max_length=100, word_boundary=True) or "article"
    transaction_lock(db.session, f"slug:{base}")
    taken = set(db.session.scalars(select(Article.slug).where(Article.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_article(author: User, content: DraftContent, *,
                   commissioned_by: User | None = None, slug_base: str | None = None) -> Article:
    """A new draft owned by `author`; `commissioned_by`, an editor who asked the
    author to write it (from a reader's question), is then the audit event's actor;
    `slug_base`, when given, names the slug instead of the title (which may change)."""
    if not can_create_article(author):
        raise PermissionDenied("Only authors can write articles.")
    title = content.title.strip()
    if not title:
        raise InvalidInput("Enter a title.")
    references = content.references()
    versions = content.checked_versions()
    article = Article(slug=unique_slug(slug_base or title), author=author,
                      tags=[ArticleTag(name=t) for t in content.tags])
    revision = Revision(article=article, number=1, title=title, body=content.body,
                        created_by_id=author.id, references=reference_rows(references),
                        audience_versions=version_rows(versions))
    db.session.add_all([article, revision])
    db.session.flush()
    article.current_revision = revision
    check_revision(revision)
    record("article.created", actor=commissioned_by or author, object_type="article",
           object_id=article.id, article_id=article.id,
           details={"slug": article.slug, "title": title, "revision": 1,
                    "references": len(references), "tags": content.tags,
                    **({"author": author.id} if commissioned_by else {}),
                    **({"versions": [v.audience for v in versions]} if versions else {})})
    return article


def lock_article(article_id: int) -> Article:
    """Load the article for a change, holding its row lock until commit."""
    article = db.session.execute(
        select(Article).where(Article.id == article_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if article is None:
        raise NotFound("There is no such article.")
    return article


def check_may_edit(actor: User, article: Article) -> None:
    """Only the author edits (403 for anyone else), and only a draft or after
    changes were requested (409 in any other state)."""
    if article.author_id != actor.id:
        raise PermissionDenied("Only the author can edit this article.")
    if not can_edit_draft(actor, article):
        raise TransitionRefused(f"This article can be edited only as a draft or after "
                                f"changes were requested (it is "
                                f"{state_label(article.state)}).")


def save_draft(article_id: int, actor: User, version: int, content: DraftContent) -> Article:
    article = lock_article(article_id)
    if article.author_id != actor.id and not can_see_all_articles(actor):
        raise PermissionDenied("You do not have access to this article.")
    if article.version != version:
        raise StaleVersion()
    check_may_edit(actor, article)
    title = content.title.strip()
    if not title:
        raise InvalidInput("Enter a title.")
    references = content.references()
    versions = content.checked_versions()
    note = change_notes.note_to_keep(article, content.change_note)
    revision = article.current_revision
    changes = {}
    if revision.is_frozen:
        # Submitted revisions never change: editing starts the next one.
        revision = new_revision_from(article, actor)
        changes["revision"] = {"before": revision.number - 1, "after": revision.number}
    if revision.title != title:
        changes["title"] = {"before": revision.title, "after": title}
        revision.title = title
    if revision.body != content.body:
        changes["body"] = {"before_chars": len(revision.body), "after_chars": len(content.body)}
        revision.body = content.body
    if revision.reference_texts != references:
        changes["references"] = {"before": len(revision.references), "after": len(references)}
        revision.references = []
        db.session.flush()
        revision.references = reference_rows(references)
    if version_changes := _replace_versions(revision, versions):
        changes["versions"] = version_changes
    if article.tag_names != sorted(content.tags):
        changes["tags"] = {"before": article.tag_names, "after": sorted(content.tags)}
        # Tags show at once on a public article and choose related articles.
        publication_versions.bump(*publication_versions.article_scopes(
            article.id, {*article.tag_names, *content.tags}))
        article.tags = []
        db.session.flush()
        article.tags = [ArticleTag(name=t) for t in content.tags]
    if revision.change_note != note:
        changes["change_note"] = {"before_chars": len(revision.change_note or ""),
                                  "after_chars": len(note or "")}
        revision.change_note = note
    kept_drafts.forget(actor.id, article.id)  # a form kept through a login is done with
    if changes:
        article.version += 1
        check_revision(revision)
        record("article.draft_saved", actor=actor, object_type="revision",
               object_id=revision.id, article_id=article.id,
               details={"revision": revision.number, "changes": changes})
    db.session.flush()
    return article


def _replace_versions(revision: Revision, versions: list[VersionText]) -> dict:
    """The revision's versions for the site's audiences made `versions` (a version
    for an audience the site no longer has is kept as it is); the audiences whose
    version was added, removed or changed."""
    audiences = {a.key for a in site_audiences()}
    before = {v.audience: v.texts for v in revision.audience_versions
              if v.audience in audiences}
    after = {v.audience: v.texts for v in versions}
    if before == after:
        return {}
    changes = {"added": sorted(after.keys() - before.keys()),
               "removed": sorted(before.keys() - after.keys()),
               "changed": sorted(k for k in before.keys() & after.keys()
                                 if before[k] != after[k])}
    kept = [v for v in revision.audience_versions if v.audience not in audiences]
    revision.audience_versions = kept
    db.session.flush()  # the old rows go before their (revision, audience) is used again
    revision.audience_versions = kept + version_rows(versions)
    return {name: keys for name, keys in changes.items() if keys}


def draft_texts(article: Article) -> dict[str, str]:
    """The saved draft as its form shows it (with each audience's version)."""
    revision = article.current_revision
    return {"title": revision.title, "body": revision.body,
            "references": number_reference_list(revision.reference_texts),
            "tags": ", ".join(article.tag_names),
            "change_note": change_notes.draft_note(article),
            **texts_of_versions(site_audiences(), revision.audience_versions)}


def merge_draft(article_id: int, actor: User, version: int, opened: dict[str, str],
                mine: dict[str, str]) -> dict[str, Merged]:
    """Apply the author's changes (from the `opened` texts to `mine`) to the
    draft saved as `version`, field by field, and save the result as one change
    when every change applied. Nothing is saved when one did not: the merge of
    each field is returned either way."""
    article = lock_article(article_id)
    if article.version != version:
        raise StaleVersion()
    latest = draft_texts(article)
    merged = {name: merge_text(opened[name], mine[name], latest[name]) for name in latest}
    if all(m.clean for m in merged.values()):
        save_draft(article_id, actor, version,
                   DraftContent.of({name: m.text for name, m in merged.items()}))
    return merged


def new_revision_from(article: Article, actor: User) -> Revision:
    """The next revision, a copy of the current one, for the author to edit."""
    current = article.current_revision
    revision = Revision(article=article, number=current.number + 1, title=current.title,
                        body=current.body, created_by_id=actor.id,
                        references=reference_rows(current.reference_texts),
                        audience_versions=version_rows(current.audience_versions))
    db.session.add(revision)
    db.session.flush()
    article.current_revision = revision
    count_citation_errors(article)
    return revision


def _list_query():
    return select(Article).options(listed_revision(joinedload(Article.current_revision)),
                                   joinedload(Article.author), selectinload(Article.tags))


def list_articles_by(author: User, state: str | None = None) -> list[Article]:
    query = _list_query().where(Article.author_id == author.id)
    if state in STATES:
        query = query.where(Article.state == state)
    return list(db.session.scalars(query.order_by(Article.updated_at.desc(), Article.id.desc())))


def list_all_articles(viewer: User, state: str | None = None,
                      before_id: int | None = None) -> tuple[list[Article], int | None]:
    """One page, newest first, and the id to continue from (keyset pagination)."""
    if not can_see_all_articles(viewer):
        raise PermissionDenied("Only editors and admins can see all articles.")
    page_size = current_app.config["PAGE_SIZE"]
    query = _list_query()
    if state in STATES:
        query = query.where(Article.state == state)
    if before_id:
        query = query.where(Article.id < before_id)
    rows = list(db.session.scalars(query.order_by(Article.id.desc()).limit(page_size + 1)))
    next_before = rows[page_size - 1].id if len(rows) > page_size else None
    return rows[:page_size], next_before
