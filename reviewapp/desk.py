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


def done(article_id: int, message: str):
    """Commit the request once and go back to the article (Post/Redirect/Get)."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("articles.show", article_id=article_id))
