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


def can_create_article(user) -> bool:
    return has_role(user, "author")


def can_view_article(user, article) -> bool:
    return article.author_id == user.id or can_see_all_articles(user)


def can_edit_draft(user, article) -> bool:
    """Only the author edits, and only while the article is a draft."""
    return article.author_id == user.id and article.state == "draft"
