"""Hardening 2, item 4: a connection lost after the request committed must not
replace the real answer. An author saving a draft whose COMMIT went through
got a 500 (the teardown's rollback failed on the dead connection) and, trying
again, would have saved it twice."""

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import func, select

from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.extensions import db
from tests.integration.test_concurrency import chain_is_intact
from tests.integration.test_hardening_faults import connection_dropper, draft_form


def test_connection_lost_right_after_commit_keeps_the_saved_answer(
        app, client, make_user, login_as, rows, database_url):
    author = make_user(roles=["author"])
    login_as(author)
    form = draft_form(client)
    drop, admin = connection_dropper(database_url)
    committed, dropped = [], []

    def after_commit(session):
        if has_request_context() and request.path == "/desk/articles/new":
            committed.append(True)

    def on_rollback(connection):
        # The first rollback after the COMMIT is the one that ends the request's
        # session (the view read the new article's id after committing).
        if committed and not dropped:
            dropped.append(True)
            drop(connection)

    with app.app_context():
        engine = db.engine
    sa.event.listen(sa.orm.Session, "after_commit", after_commit)
    sa.event.listen(engine, "rollback", on_rollback)
    try:
        response = client.post("/desk/articles/new", data=form)
    finally:
        sa.event.remove(sa.orm.Session, "after_commit", after_commit)
        sa.event.remove(engine, "rollback", on_rollback)
        if admin is not None:
            admin.dispose()
    assert dropped, "the connection was never dropped after the commit"

    assert response.status_code == 302, response.get_data(as_text=True)
    with rows() as session:
        article_id = session.scalars(select(Article.id)).one()
        assert response.headers["Location"] == f"/desk/articles/{article_id}"
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "article.created")) == 1
    chain_is_intact(app)
    assert client.get(f"/desk/articles/{article_id}").status_code == 200  # next one works
