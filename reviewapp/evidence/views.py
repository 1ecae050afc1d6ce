"""The desk's download of an article's evidence bag (editors and admins)."""

from flask import Blueprint, Response
from flask_login import current_user

from reviewapp.accounts.access import role_required
from reviewapp.evidence import export

bp = Blueprint("evidence", __name__, url_prefix="/desk/articles")


@bp.route("/<int:article_id>/evidence")
@role_required("editor", "admin")
def download(article_id: int):
    """The ZIP, sent once its export is recorded (404 for no such article)."""
    bag_zip = export.export(article_id, actor=current_user._get_current_object())
    response = Response(bag_zip.data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{bag_zip.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
