"""What reviewers compare and what the article still needs: word-level diffs
on the review page, references compared by number, and the sentences saying
what still blocks approval on the review page and the desk article page."""

import re

import pytest

from tests.integration.test_workflow import Desk

REFERENCE = "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1"


@pytest.fixture
def desk(app, make_user, make_article):
    return Desk(app, make_user, make_article)


def page_of(desk, user, path=""):
    return desk.client(user).get(f"/desk/articles/{desk.article_id}{path}").get_data(
        as_text=True)


def still_needed(page: str) -> list[str]:
    """The sentences of the "Still needed" section, or [] when it is absent."""
    match = re.search(r'<section[^>]*id="still-needed".*?</section>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(0), re.S) if match else []


def resubmit(desk, body, references):
    edit = desk.post(desk.author, "/desk/articles/{a}/edit", {
        "title": "Ibuprofen for back pain", "body": body, "references": references,
        "save": "Save draft"})
    assert edit.status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302


def test_the_review_page_compares_word_by_word_and_references_by_number(desk):
    desk.under_review()
    desk.send_back(desk.reviewers[0])
    resubmit(desk, "Ibuprofen 400 mg helps <b>most</b> people [1][2].",
             REFERENCE.replace("2020", "2021") + "\n2. Roe R. Rest. Lancet. 2019.")
    page = page_of(desk, desk.reviewers[0], "/review")
    section = page[page.index('aria-label="Changes since the revision you last reviewed"'):]
    section = section[:section.index("</section>")]
    assert "Changes since the revision you last reviewed (revision 1)" in section
    inserted = '<ins><span class="visually-hidden">[inserted: </span>'
    # the body: whole words inserted, the rest unchanged, HTML shown as text
    assert f"Ibuprofen {inserted}400 mg " in section
    assert "&lt;b&gt;most&lt;/b&gt;" in section and "<b>most</b>" not in section
    # side by side (old | new) and inline, the screen width choosing (app.css)
    assert 'class="word-diff-sides"' in section and 'class="word-diff-inline' in section
    assert "Revision 1</p>" in section and "Revision 2 (under review)</p>" in section
    # references by number: 1 changed (its year), 2 added
    assert "Reference 1 changed" in section and "Reference 2 added" in section
    assert re.search(r'<del><span class="visually-hidden">\[deleted: </span>2020<', section)
    assert re.search(rf"{re.escape(inserted)}2021<", section)
    assert "No change." in section  # the title


def test_an_unchanged_part_says_so(desk):
    desk.under_review()
    desk.send_back(desk.reviewers[0])
    resubmit(desk, "Ibuprofen helps [1]. It is cheap.", REFERENCE)
    section = page_of(desk, desk.reviewers[0], "/review")
    section = section[section.index('aria-label="Changes since'):]
    section = section[:section.index("</section>")]
    assert section.count("No change.") == 2  # title and references
    assert "It is cheap." in section


def test_after_a_signature_everyone_sees_the_approvals_still_needed(desk):
    desk.under_review()
    assert still_needed(page_of(desk, desk.author)) == ["0 of 2 approvals"]
    response = desk.approve(desk.reviewers[0])
    assert response.status_code == 302
    landing = desk.client(desk.reviewers[0]).get(response.headers["Location"]).get_data(
        as_text=True)
    assert "Approved and signed." in landing
    assert still_needed(landing) == ["1 of 2 approvals"]
    assert still_needed(page_of(desk, desk.author)) == ["1 of 2 approvals"]
    assert still_needed(page_of(desk, desk.editor)) == ["1 of 2 approvals"]
    assert still_needed(page_of(desk, desk.reviewers[0], "/review")) == ["1 of 2 approvals"]
    assert desk.approve(desk.reviewers[1]).status_code == 302
    assert desk.state() == "approved"
    assert still_needed(page_of(desk, desk.author)) == []


def test_two_signatures_and_an_unwaived_error_say_what_blocks(app, make_user, make_article):
    desk = Desk(app, make_user, make_article, body="Ibuprofen helps [7].")
    desk.under_review()
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.state() == "under_review"
    expected = ["Blocked by 1 citation error: Marker [7] points at no reference (the list "
                "has 1)."]
    for user, path in ((desk.reviewers[1], ""), (desk.author, ""), (desk.editor, ""),
                       (desk.reviewers[0], "/review")):
        assert still_needed(page_of(desk, user, path)) == expected, user.display_name


def test_nothing_is_said_before_the_article_is_under_review(desk):
    assert still_needed(page_of(desk, desk.author)) == []
    desk.submit()
    assert still_needed(page_of(desk, desk.editor)) == []
