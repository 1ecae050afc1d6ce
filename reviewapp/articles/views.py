"""Author and editor pages for articles (the public pages live in public/)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from reviewapp.accounts.access import role_required
from reviewapp.accounts.permissions import can_edit_draft
from reviewapp.articles import change_notes, kept_drafts, services, versions
from reviewapp.articles.forms import DraftForm, JatsImportForm
from reviewapp.articles.pages import article_context
from reviewapp.articles.word_diff import word_diff
from reviewapp.citations import services as citations
from reviewapp.citations.importers import ReferenceImportError, import_references
from reviewapp.citations.jats import JatsImportError, parse_jats
from reviewapp.citations.reference_list import number_reference_list
from reviewapp.errors import InvalidInput, StaleVersion
from reviewapp.extensions import db
from reviewapp.forms import MISSING_VERSION, render_form
from reviewapp.lifecycle.states import STATE_LABELS
from reviewapp.reviews import access, rounds
from reviewapp.routing import id_argument

bp = Blueprint("articles", __name__, url_prefix="/desk/articles")


def _content(form: DraftForm) -> services.DraftContent:
    return services.DraftContent.of(form.texts())


def _imported_references(form: DraftForm) -> bool:
    """When a reference file came with the form, put its references in the
    References field (nothing is saved) and say so; False when there was none.
    A bad file leaves a field error and the draft untouched."""
    upload = form.reference_file.data
    if not upload or not getattr(upload, "filename", ""):
        return False
    try:
        entries = import_references(upload.read(), upload.filename)
    except ReferenceImportError as error:
        form.reference_file.errors = [str(error)]
        return True
    form.references.data = number_reference_list(entries)
    flash(f"Imported {len(entries)} references from {upload.filename}. Check them, then "
          "save the draft.", "info")
    return True


def _flash_reference_notes(content: services.DraftContent) -> None:
    for note in content.reference_notes():
        flash(note, "warning")


def _edit_page(form: DraftForm, article, preview: bool = False, status: int | None = None,
               stale: dict | None = None, resumed: bool = False):
    """The draft form, with the citation report: of the text just previewed, or
    of the saved draft."""
    if article is not None:
        form.draft_key.data = kept_drafts.draft_key(current_user.id, article.id)
        form.draft_key.raw_data = None
    if preview:
        content = _content(form)
        _flash_reference_notes(content)
        report = citations.preview_report(content.body, content.references(),
                                          list(content.versions.values()))
    else:
        report = (citations.report_of(article.current_revision_id)
                  if article and not article.current_revision.is_frozen else None)
    return render_form("articles/edit.html", form, status, article=article,
                       preview=_content(form) if preview else None, report=report,
                       waivers={}, waive_forms={}, blocking=[], stale=stale,
                       resumed=resumed, asks_for_note=change_notes.asks_for_note(article),
                       audience_labels={a.key: a.label for a in form.audiences},
                       letter_round=rounds.letter_round_of(article) if article else None)


@bp.route("/")
@role_required("author")
def mine():
    state = request.args.get("state")
    articles = services.list_articles_by(current_user, state)
    return render_template("articles/mine.html", articles=articles, state=state,
                           states=STATE_LABELS)


@bp.route("/all")
@role_required("editor", "admin")
def all_articles():
    state = request.args.get("state")
    before = id_argument("before")
    articles, next_before = services.list_all_articles(current_user, state, before)
    return render_template("articles/all.html", articles=articles, state=state,
                           states=STATE_LABELS, next_before=next_before)


@bp.route("/new", methods=["GET", "POST"])
@role_required("author")
def new():
    form = DraftForm()
    if form.validate_on_submit():
        if _imported_references(form):
            return _edit_page(form, None)
        try:
            if form.preview.data:
                return _edit_page(form, None, preview=True)
            content = _content(form)
            article = services.create_article(current_user, content)
        except InvalidInput as error:
            db.session.rollback()
            form.references.errors.append(error.message)
        else:
            db.session.commit()
            flash("Draft saved.", "success")
            _flash_reference_notes(content)
            return redirect(url_for("articles.show", article_id=article.id))
    return _edit_page(form, None)


@bp.route("/<int:article_id>")
@login_required
def show(article_id: int):
    article = access.get_article(article_id, current_user)
    return render_template("articles/show.html", **article_context(article))


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
def edit(article_id: int):
    if request.method == "POST" and not current_user.is_authenticated:
        return _keep_until_login(article_id)
    return _edit(article_id)


@role_required("author")
def _edit(article_id: int):
    article = access.get_draft_for_edit(article_id, current_user)
    form = DraftForm()
    if request.method == "GET":
        kept = _kept_form(form, article)
        if not kept:
            texts = services.draft_texts(article)
            form.fill(texts, texts)
            form.version.data = article.version
        return _edit_page(form, article, resumed=kept)
    if form.validate_on_submit():
        if _imported_references(form):
            return _edit_page(form, article)
        if form.version.data is None:
            flash(MISSING_VERSION, "danger")
            return _edit_page(form, article, status=400)
        try:
            if form.preview.data:
                return _edit_page(form, article, preview=True)
            if form.merge.data:
                return _merge(form, article)
            content = _content(form)
            services.save_draft(article.id, current_user, form.version.data, content)
        except StaleVersion as error:
            db.session.rollback()
            flash(error.message, "danger")
            return _stale_page(form, article)
        except InvalidInput as error:
            db.session.rollback()
            form.references.errors.append(error.message)
        else:
            db.session.commit()
            flash("Draft saved.", "success")
            _flash_reference_notes(content)
            return redirect(url_for("articles.show", article_id=article.id))
    return _edit_page(form, article)


def _keep_until_login(article_id: int):
    """An edit form sent after its author's session ended: its texts kept for
    the author the form's signed key names, to be shown to them after login.
    Nothing is saved to the article."""
    form = DraftForm(meta={"csrf": False})
    texts = {**form.texts(), **{"opened_" + k: v for k, v in form.texts("opened_").items()}}
    owner = kept_drafts.key_owner(form.draft_key.data, article_id)
    if owner is None or not kept_drafts.fits(texts):
        flash("Please log in to see this page.", "warning")
        return redirect(url_for("accounts.login",
                                next=url_for("articles.edit", article_id=article_id)))
    token = kept_drafts.keep(owner, article_id, form.version.data, texts)
    db.session.commit()
    hours = current_app.config["KEPT_DRAFT_HOURS"]
    flash(f"You were signed out before your changes were saved. Log in again to save them: "
          f"your text is kept for {hours} hours.", "warning")
    return redirect(url_for("accounts.login", next=url_for(
        "articles.edit", article_id=article_id, kept=token)))


def _kept_form(form: DraftForm, article) -> bool:
    """Fill the form with the one kept when its author was signed out (named by
    the `kept` argument); False when there is none for this author."""
    token = request.args.get("kept")
    if not token:
        return False
    kept = kept_drafts.kept(token, current_user.id, article.id)
    if kept is None:
        flash("The text kept when you were signed out is no longer there: it was saved, "
              "or kept longer than allowed. The form shows the saved draft.", "warning")
        return False
    texts = kept.texts
    form.fill(texts, {name: texts.get("opened_" + name, "") for name in form.text_fields})
    form.version.data = kept.version
    return True


@bp.errorhandler(CSRFError)
def _refused_form(error: CSRFError):
    """An edit form whose CSRF token is gone: its session ended (kept until
    login), or it was open longer than a token lasts (shown again, unsaved).
    Either way only for the author its signed key names."""
    article_id = (request.view_args or {}).get("article_id")
    if request.endpoint == "articles.edit" and request.method == "POST" and article_id:
        if not current_user.is_authenticated:
            return _keep_until_login(article_id)
        form = DraftForm()
        if kept_drafts.key_owner(form.draft_key.data, article_id) == current_user.id:
            article = access.get_draft_for_edit(article_id, current_user)
            flash("This form was open too long to be saved safely. Your text is in the form "
                  "below, not saved yet: save it now.", "warning")
            return _edit_page(form, article, status=400)
    db.session.rollback()
    return render_template("error.html", status=400, message=error.description), 400


def _merge(form: DraftForm, article):
    """Apply my changes to the latest version: saved when none collides with a
    change made meanwhile; otherwise nothing is saved and the typed text stays."""
    merged = services.merge_draft(article.id, current_user, form.version.data,
                                  form.texts("opened_"), form.texts())
    labels = _labels(form)
    refused = [(labels[name], passage) for name, m in merged.items() for passage in m.refused]
    if refused:
        db.session.rollback()
        flash("Nothing was saved: some of your changes are in places that were also "
              "changed since you opened the form. Your text is still in the form below; "
              "change it as needed and save it, or copy what you need.", "danger")
        return _stale_page(form, article, refused=refused)
    db.session.commit()
    flash("Your changes were applied to the latest version and saved.", "success")
    return redirect(url_for("articles.show", article_id=article.id))


LABELS = {"title": "Title", "body": "Body", "references": "References", "tags": "Tags",
          "change_note": "What changed"}


def _labels(form: DraftForm) -> dict[str, str]:
    """Each text field's name as the stale page says it (the versions' name their audience)."""
    return {**LABELS, **versions.field_labels(form.audiences)}


def _stale_page(form: DraftForm, article, refused=()):
    """The form kept as typed, what changed since it was opened, and the latest
    version to check the next save against (409)."""
    db.session.refresh(article)
    latest = services.draft_texts(article)
    opened = form.texts("opened_")
    labels = _labels(form)
    changes = [(labels[name], word_diff(opened[name], latest.get(name, "")))
               for name in form.text_fields]
    form.show_version(article.version)
    return _edit_page(form, article, status=409,
                      stale={"changes": [(label, diff) for label, diff in changes
                                         if diff.changed],
                             "refused": refused,
                             "editable": can_edit_draft(current_user, article)})


@bp.route("/import", methods=["GET", "POST"])
@role_required("author")
def import_jats():
    """A new draft from a JATS XML article: title, body with markers, references."""
    form = JatsImportForm()
    if form.validate_on_submit():
        try:
            imported = parse_jats(form.jats_file.data.read())
            article = services.create_article(current_user, services.DraftContent(
                title=imported.title, body=imported.body,
                references_text=number_reference_list(imported.references), tags=[]))
        except JatsImportError as error:
            db.session.rollback()
            form.jats_file.errors = [str(error)]
        except InvalidInput as error:
            db.session.rollback()
            form.jats_file.errors = [error.message]
        else:
            db.session.commit()
            flash(f"Imported \u201c{imported.title}\u201d with {len(imported.references)} "
                  "references as a draft.", "success")
            return redirect(url_for("articles.show", article_id=article.id))
    return render_form("articles/import.html", form)
