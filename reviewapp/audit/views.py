"""The audit browser for admins: filtered keyset pages, one page per event, exports."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from reviewapp.accounts.access import role_required
from reviewapp.audit import actions, export, queries
from reviewapp.audit.forms import AuditFilterForm
from reviewapp.audit.pages import event_changes, object_labels
from reviewapp.audit.services import link_problems
from reviewapp.db import utcnow
from reviewapp.routing import MAX_BIGINT, id_argument

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

# Objects whose page is the article's page.
ARTICLE_OBJECTS = {"article", "revision", "assignment", "review", "citation_waiver"}


@bp.app_template_global("audit_changes")
def audit_changes(event, labels=None):
    """An event's details as change lines and facts, names from the page's labels."""
    return event_changes(event, labels or {})


@bp.app_template_global("audit_object_link")
def audit_object_link(event, labels=None) -> tuple[str, str | None]:
    """(label, url or None) of the object an event is about."""
    labels = labels or {}
    if not event.object_type:
        return "", None
    label = f"{event.object_type.replace('_', ' ')} {event.object_id or ''}".strip()
    if event.object_type == "user" and (event.object_id or "").isdigit():
        name = labels.get(("user", int(event.object_id)))
        return (f"{label}: {name}" if name else label,
                url_for("admin.user", user_id=int(event.object_id)))
    if event.object_type in ARTICLE_OBJECTS and event.article_id is not None:
        return label, url_for("articles.show", article_id=event.article_id)
    return label, None


@bp.app_template_global("audit_describe")
def audit_describe(action: str) -> str:
    return actions.describe(action)


@bp.route("")
@role_required("admin")
def index():
    form = AuditFilterForm(formdata=request.args)
    before = id_argument("before", MAX_BIGINT)
    status = 200
    if form.validate():
        page = queries.page_of_events(form.to_filter(), before,
                                      current_app.config["PAGE_SIZE"])
    else:
        page, status = queries.Page([], None), 400
    return render_template("audit/index.html", form=form, page=page, before=before,
                           labels=object_labels(page.events),
                           filter_args=form.query_args(), action_choices=_action_choices()
                           ), status


@bp.route(f"/<int(max={MAX_BIGINT}):seq>")  # seq is a BIGINT
@role_required("admin")
def event(seq: int):
    found = queries.get_event(seq)
    if found is None:
        abort(404)
    return render_template("audit/event.html", event=found,
                           labels=object_labels([found]),
                           problems=link_problems(found),
                           details_json=json.dumps(found.details or {}, indent=2,
                                                   ensure_ascii=False, sort_keys=True))


@bp.route("/export.<fmt>")
@role_required("admin")
def export_events(fmt: str):
    """The filtered set, oldest first, streamed; recorded before the first byte."""
    if fmt not in export.FORMATS:
        abort(404)
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("audit/index.html", form=form, page=queries.Page([], None),
                               before=None, labels={}, filter_args=form.query_args(),
                               action_choices=_action_choices()), 400
    started = export.start_export(form.to_filter(), fmt, actor=current_user._get_current_object())
    response = Response(stream_with_context(export.chunks(started)),
                        mimetype=export.FORMATS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="audit-{utcnow():%Y%m%dT%H%M%SZ}.{fmt}"')
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Audit-Export-Rows"] = str(started.rows)
    return response


def _action_choices() -> list[tuple[str, str]]:
    """Suggestions for the action field: each group prefix, then each action."""
    return ([(prefix, f"every {prefix[:-1]} action") for prefix in actions.groups()]
            + [(name, description) for name, description in sorted(actions.ACTIONS.items())])
