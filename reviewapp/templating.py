"""Template filters and globals."""

from flask import url_for

from reviewapp.accounts.permissions import has_role
from reviewapp.articles.summary import article_summary
from reviewapp.citations import finding_advice
from reviewapp.citations.identifier_links import links_of_text
from reviewapp.lifecycle.events import EVENTS, SIMPLE_EVENTS
from reviewapp.lifecycle.states import AUTHOR, BOARD, EDITOR, state_badge, state_label, waiting_for
from reviewapp.rendering import render_markdown
from reviewapp.reviews.signing import VERDICT_LABELS
from reviewapp.urls import site_url


def register_templating(app):
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["state_label"] = state_label
    app.jinja_env.globals["waiting_for"] = waiting_for_viewer
    app.jinja_env.filters["state_badge"] = state_badge
    # A mail's subject line stays one line whatever a title holds.
    app.jinja_env.filters["oneline"] = lambda text: " ".join(str(text).split())
    app.jinja_env.globals["simple_events"] = [EVENTS[name] for name in SIMPLE_EVENTS]
    app.jinja_env.globals["site_url"] = site_url  # absolute links in mail templates
    app.jinja_env.filters["utc"] = lambda moment: (
        moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "")
    app.jinja_env.globals["has_role"] = has_role
    app.jinja_env.globals["verdict_labels"] = VERDICT_LABELS  # claim verdicts (issue 14)
    app.jinja_env.filters["summary"] = article_summary  # a body's gist, plain text (mail)
    # Citation findings as people read them, and where a reference's identifiers lead.
    app.jinja_env.globals["shown_findings"] = finding_advice.shown_findings
    app.jinja_env.globals["count_phrase"] = finding_advice.count_phrase
    app.jinja_env.globals["blocking_phrase"] = finding_advice.blocking_phrase
    app.jinja_env.globals["reference_links"] = links_of_text
    app.jinja_env.globals["id_url"] = id_url


# An id no row has, standing for the id in a URL built once (id_url).
_PLACEHOLDER = 2_147_483_647


def id_url(endpoint: str, argument: str):
    """url_for(endpoint, argument=id) for the many rows of a list at the cost of one:
    the URL is built once with a placeholder id, which each call replaces (werkzeug
    builds a URL in some 15 µs; the editor dashboard links some 250 rows)."""
    built = url_for(endpoint, **{argument: _PLACEHOLDER})
    head, _, tail = built.rpartition(str(_PLACEHOLDER))
    return lambda value: f"{head}{int(value)}{tail}"


def waiting_for_viewer(article, viewer, facts=None) -> str:
    """What `article` waits for, said to `viewer` ("You: …" only when it waits
    for them). `facts` (the article page's machine.ArticleFacts) add whether
    the viewer is a reviewer yet to report and whether the editor must decide."""
    parties = set()
    if getattr(viewer, "is_authenticated", False):
        if viewer.id == article.author_id:
            parties.add(AUTHOR)
        if has_role(viewer, "editor"):
            parties.add(EDITOR)
        if facts is not None and viewer.id in (
                facts.accepted - facts.approved_by - facts.changes_requested_by):
            parties.add(BOARD)
    return waiting_for(article.state, parties,
                       decision_needed=facts is not None and facts.decision_needed)
