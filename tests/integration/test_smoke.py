from tests.conftest import audit_actions


def test_author_logs_in_and_sees_my_articles(client, make_user, login_as, app):
    author = make_user(roles=["author"])
    login_as(author)
    page = client.get("/desk/articles/")
    assert page.status_code == 200
    assert "My articles" in page.get_data(as_text=True)
    assert audit_actions(app) == ["user.created", "user.login"]
