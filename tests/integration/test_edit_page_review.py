"""What the reviewers asked for, beside the author's editor (issue 16): the
decision letter and the open comments with their passages, once the editor
decided; never while the round is open."""

import lxml.html

from tests.integration.test_comments import desk  # noqa: F401  (the fixture)

LETTER = "Dear Alice,\n\nPlease say how rare lactic acidosis is.\n\nEddie"


def beside_editor(page: str) -> str:
    """The text of the column beside the draft form (empty when there is none)."""
    found = lxml.html.fromstring(page).xpath(
        "//aside[@aria-label='What the reviewers asked for']")
    return " ".join(found[0].text_content().split()) if found else ""


def test_comments_and_letter_wait_for_the_decision_then_sit_beside_the_editor(
        app, desk):  # noqa: F811
    assert desk.comment(desk.reviewers[0], "How rare?", paragraph=2).status_code == 302
    assert desk.request_changes(desk.reviewers[0], "See my comment.").status_code == 302
    # The round is open: the author reads neither the comment nor a letter, and
    # cannot edit the text under review.
    assert "How rare?" not in desk.seen(desk.author)
    assert desk.client(desk.author).get(
        f"/desk/articles/{desk.article_id}/edit").status_code == 409
    assert desk.decide_changes(LETTER).status_code == 302
    page = desk.page(desk.author, "/edit")
    aside = beside_editor(page)
    assert aside.startswith("Decision letter (round 1, Eddie Editor)")
    assert "Please say how rare lactic acidosis is." in aside
    assert "Paragraph 3 of revision 1" in aside and "How rare?" in aside
    # The form and the column are side by side on a wide screen.
    root = lxml.html.fromstring(page)
    form_column = root.xpath("//form[.//textarea[@name='body']]/parent::div")[0]
    assert "col-lg-8" in form_column.get("class")


def test_resolved_comments_leave_the_column_beside_the_editor(app, desk):  # noqa: F811
    reviewer = desk.reviewers[0]
    assert desk.comment(reviewer, "How rare?", paragraph=2).status_code == 302
    assert desk.comment(reviewer, "Which dose?", paragraph=1).status_code == 302
    first, second = desk.comment_ids()
    desk.send_back(reviewer, "See my comments.")
    assert desk.thread(desk.author, second, "addressed", "Dose given.").status_code == 302
    assert desk.thread(reviewer, second, "resolve").status_code == 302
    threads = lxml.html.fromstring(desk.page(desk.author, "/edit")).xpath(
        "//aside//section[@id='passage-comments']//*[@class='comment-body']")
    assert [t.text_content().strip() for t in threads] == ["How rare?"]
    assert "Which dose?" in desk.seen(desk.author)  # still on the article page


def test_a_draft_never_reviewed_is_edited_full_width(app, make_user, make_article):
    from tests.integration.test_edit_conflicts import log_in

    author = make_user(roles=["author"])
    article_id = make_article(author)
    page = log_in(app, author).get(f"/desk/articles/{article_id}/edit").get_data(as_text=True)
    assert beside_editor(page) == ""
    form_column = lxml.html.fromstring(page).xpath(
        "//form[.//textarea[@name='body']]/parent::div")[0]
    assert form_column.get("class") == "col-12"
