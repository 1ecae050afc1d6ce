"""Template filters and globals."""

from reviewapp.accounts.permissions import has_role
from reviewapp.rendering import render_markdown
from reviewapp.workflow.states import state_label, waiting_for


def register_templating(app):
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["state_label"] = state_label
    app.jinja_env.filters["waiting_for"] = waiting_for
    app.jinja_env.filters["utc"] = lambda moment: (
        moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "")
    app.jinja_env.globals["has_role"] = has_role
