"""Who may do what: can_* predicates over users and articles. Pure module."""

ROLES = ("author", "reviewer", "editor", "admin")
ROLE_LABELS = {"author": "Author", "reviewer": "Reviewer (advisory board)",
               "editor": "Editor", "admin": "Admin"}


def has_role(user, role: str) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False) and role in user.role_names


def can_manage_users(user) -> bool:
    return has_role(user, "admin")


def can_see_all_articles(user) -> bool:
    return has_role(user, "editor") or has_role(user, "admin")


def can_schedule_publication(user) -> bool:
    """Editors and admins set or clear an article's "Publish at" time."""
    return has_role(user, "editor") or has_role(user, "admin")


def can_create_article(user) -> bool:
    return has_role(user, "author")


def can_view_article(user, article, reviewer_ids=frozenset()) -> bool:
    """The author, editors and admins, and reviewers assigned to it."""
    return (article.author_id == user.id or can_see_all_articles(user)
            or (has_role(user, "reviewer") and user.id in reviewer_ids))


def can_edit_draft(user, article) -> bool:
    """Only the author edits: a draft, or a new revision after changes were requested."""
    return article.author_id == user.id and article.state in ("draft", "changes_requested")


def can_handle_reader_questions(user) -> bool:
    """The "Reader questions" inbox: editors and admins."""
    return has_role(user, "editor") or has_role(user, "admin")
