"""How the desk's form views end: a refusal re-rendered on the page the form
came from (with what was typed kept), or one commit and a redirect."""

from flask import flash, redirect, render_template, url_for

from reviewapp.error_pages import roll_back
from reviewapp.errors import InvalidInput, RefusalOnRecord, StaleVersion, TransitionRefused
from reviewapp.extensions import db

# Refusals shown on the page the form came from, with what was typed kept.
REFUSALS = (InvalidInput, StaleVersion, TransitionRefused, RefusalOnRecord)


def form_refusal(form) -> InvalidInput:
    """A form that did not validate, refused with its own messages."""
    return InvalidInput(" ".join(e for errors in form.errors.values() for e in errors))


def refused_page(error, template: str, build_context, *args, **kwargs):
    """Roll the request back (keeping what a RefusalOnRecord asks for), then
    show the page again; its context is built after the rollback."""
    roll_back(error)
    flash(error.message, "danger")
    return render_template(template, **build_context(*args, **kwargs)), error.status_code


def run_form(form, command, refused, article_id: int | None, notice, back: str | None = None):
    """The shape of every desk form view: validate the form, run its one service
    call, then commit and go back to the article (or to `back`) with `notice` (a
    text, or a function of what the service returned); a refusal goes to
    `refused(error)`, which shows the page again with what was typed."""
    if not form.validate_on_submit():
        return refused(form_refusal(form))
    try:
        result = command()
    except REFUSALS as error:
        return refused(error)
    return done(article_id, notice(result) if callable(notice) else notice, back)


def done(article_id: int | None, message: str, back: str | None = None):
    """Commit the request once and go back to the article, or to `back`
    (Post/Redirect/Get)."""
    db.session.commit()
    flash(message, "success")
    return redirect(back or url_for("articles.show", article_id=article_id))
