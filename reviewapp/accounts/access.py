"""View decorators that turn role rules into refusals."""

from functools import wraps

from flask_login import current_user, login_required

from reviewapp.accounts.permissions import ROLE_LABELS, has_role
from reviewapp.errors import PermissionDenied


def role_required(*roles: str):
    """Logged in and holding at least one of `roles`."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(has_role(current_user, role) for role in roles):
                needed = " or ".join(ROLE_LABELS[r].lower() for r in roles)
                raise PermissionDenied(f"This page is for users with the {needed} role.")
            return view(*args, **kwargs)
        return wrapped
    return decorator
