"""A refused signature is told at the top of the signature form (issue 16): the
message comes before the password field, inside the form, and the form posts to
#sign-refusal, so the answer opens at the message with the focus on it (a
focusable fragment target; autofocus as well); a wrong password says it counts
towards the account lock, with how many are left. tests/e2e/test_accessibility.py
sees the focus and the scrolling in Chromium."""

import lxml.html
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.reviews.models import Signature
from tests.conftest import PASSWORD, audit_actions
from tests.integration.test_workflow import Desk

WRONG = ("The password is not correct. Nothing was signed. Failed signatures count "
         "towards locking your account, as wrong passwords at login do: ")


def signature_form(response):
    """The signature form of the review page and the elements of it in document order."""
    page = lxml.html.fromstring(response.get_data(as_text=True))
    form = page.get_element_by_id("sign")
    return page, form, list(form.iter())


def test_wrong_password_is_told_first_in_the_form_with_the_lock_countdown(
        app, make_user, make_article, rows):
    desk = Desk(app, make_user, make_article)
    desk.submit()
    reviewer = desk.reviewers[0]
    desk.assign(reviewer)
    desk.accept(reviewer)
    review_page = lxml.html.fromstring(desk.client(reviewer).get(
        f"/desk/articles/{desk.article_id}/review").get_data(as_text=True))
    assert review_page.get_element_by_id("sign").get("action") == \
        f"/desk/articles/{desk.article_id}/approve#sign-refusal"
    assert review_page.xpath("//*[@id='sign-refusal']") == []
    before = audit_actions(app)

    response = desk.approve(reviewer, password="not my password")

    assert response.status_code == 400
    page, form, inside = signature_form(response)
    message = page.get_element_by_id("sign-refusal")
    assert message.text_content() == WRONG + "after 4 more, it is locked for 15 minutes."
    assert message in inside
    assert inside.index(message) < inside.index(form.xpath(".//input[@name='password']")[0])
    assert message.get("role") == "alert"
    assert message.get("tabindex") == "-1" and message.get("autofocus") is not None
    # Told once, at the form, not also as a notice at the top of the page.
    assert len(page.xpath("//*[@role='alert']")) == 1
    assert audit_actions(app) == before + ["user.login_failed"]

    for left in (3, 2, 1):
        response = desk.approve(reviewer, password="not my password")
        assert signature_form(response)[0].get_element_by_id("sign-refusal").text_content() \
            == WRONG + f"after {left} more, it is locked for 15 minutes."
    response = desk.approve(reviewer, password="not my password")
    assert signature_form(response)[0].get_element_by_id("sign-refusal").text_content() \
        == WRONG + "it is now locked for 15 minutes."
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Signature)) == 0
        assert session.get(User, reviewer.id).locked_until is not None


def test_every_refused_signature_is_told_at_the_form(app, make_user, make_article):
    desk = Desk(app, make_user, make_article,
                body="Take ibuprofen 400 mg three times a day [1].")
    desk.submit()
    reviewer = desk.reviewers[0]
    desk.assign(reviewer)
    desk.accept(reviewer)

    response = desk.approve(reviewer, password=PASSWORD, verdicts=False)

    assert response.status_code == 409
    page, form, inside = signature_form(response)
    message = page.get_element_by_id("sign-refusal")
    assert message.text_content().startswith(
        "1 claim of this revision lacks a “Supported” verdict from you.")
    assert inside.index(message) < inside.index(form.xpath(".//input[@name='password']")[0])
