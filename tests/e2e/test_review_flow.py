"""The whole review workflow in Chromium, each person in a browser of their own:
the author submits, the editor assigns two reviewers, one reads the invitation
and accepts it declaring a competing interest, the other accepts from the queue,
one asks for changes, the author revises, attaches the source passage of a claim
and resubmits, the reviewers see a word-level diff (side by side, inline on a
phone), both give a verdict on every claim, tick the open warning and sign, the
article is approved with the verdicts shown beside the signatures, and its
public page shows each reviewer's declaration."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from reviewapp.articles.models import Article
from tests.conftest import PASSWORD
from tests.e2e.conftest import (
    SIGNATURE_MEANING,
    accept_declaring,
    accept_from_queue,
    approve,
    approve_form,
    flash,
    give_verdicts,
    invite,
    nav,
    open_review,
    read_invitation,
    still_needed,
    write_and_submit,
)

pytestmark = pytest.mark.browser

TITLE = "Ibuprofen for acute low back pain"
BODY = "Ibuprofen reduces pain [1]."
REVISED_BODY = ("Ibuprofen 400 mg three times a day reduces pain [1]. "
                "Avoid it in kidney disease.")
DOSE_CLAIM = "Ibuprofen 400 mg three times a day reduces pain [1]."
QUOTE = "Pain scores fell with ibuprofen 400 mg taken three times daily."
REFERENCES = "1. Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1"
COMMENT = "Please give the dose and how often to take it."
INTERESTS = "Speaker fees from a maker of ibuprofen"
SCREENSHOTS = "/tmp/reviewapp-review-flow"


@pytest.fixture
def app_config(app_config):
    """This flow sends the article back on the reviewer's request, as before
    review rounds (CHANGES_DECISION=reviewer); tests/e2e/test_editor_decision.py
    and test_whole_round.py walk the editor's decision, the default."""
    return {**app_config, "CHANGES_DECISION": "reviewer"}


def read_and_accept_declaring(page: Page, due: date) -> None:
    """Open the invitation by its title, read the article and its citation
    check, try to accept without describing the interest, then declare it."""
    read_invitation(page, TITLE, BODY, due)
    expect(page.get_by_text("Eddie Editor on")).to_be_visible()
    answer = page.get_by_role("region", name="Answer the invitation")
    answer.get_by_label("I have competing interests to declare", exact=True).check()
    answer.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_have_text(
        "You chose “I have competing interests to declare”: describe them.")
    expect(page.get_by_role("heading", name=f"Invitation to review: {TITLE}")).to_be_visible()
    expect(page.get_by_role("region", name="Answer the invitation").get_by_label(
        "I have competing interests to declare", exact=True)).to_be_checked()
    accept_declaring(page, TITLE, INTERESTS)


def attach_passage(page: Page) -> None:
    """The author quotes the source supporting the dose, from the desk article page."""
    claim = page.get_by_role("region", name="Claims").get_by_role("listitem").filter(
        has_text=DOSE_CLAIM)
    claim.get_by_text("Attach the supporting passage").click()
    claim.get_by_label("Quoted passage", exact=True).fill(QUOTE)
    claim.get_by_label("Where in the source", exact=True).fill("p. 4, Results")
    claim.get_by_role("button", name="Save passage").click()
    expect(flash(page)).to_have_text("Passage saved.")


def judge_claims(page: Page) -> None:
    """Every claim "Supported", after reading the author's passage beside the dose."""
    claims = page.get_by_role("region", name="Claims")
    expect(claims.locator("li.claim").filter(has_text=DOSE_CLAIM)).to_contain_text(QUOTE)
    give_verdicts(page, ["Supported", "Supported"])


def test_article_goes_from_draft_to_approved_with_two_signatures(app, make_user, browsers):
    reviewer_names = ["Dr. Rita Reviewer", "Dr. Sam Second"]
    reviewers = [make_user(roles=["reviewer"], name=name) for name in reviewer_names]
    # The author writes a draft with a citation and a reference, then submits it.
    page = browsers(make_user(roles=["author"], name="Alice Author"))
    article_url = write_and_submit(page, TITLE, BODY, REFERENCES)
    assert re.search(r"/desk/articles/\d+$", article_url)

    # The editor finds it on the dashboard and invites two reviewers.
    editor_page = browsers(make_user(roles=["editor"], name="Eddie Editor"))
    due = date.today() + timedelta(days=10)
    invite(editor_page, TITLE, reviewer_names, due)
    editor_page.screenshot(path=f"{SCREENSHOTS}-1-editor-assigned.png", full_page=True)

    # Reviewer 1 reads the invitation first and declares a competing interest;
    # reviewer 2 accepts from the queue, declaring none.
    reviewer_pages = [browsers(reviewer) for reviewer in reviewers]
    read_and_accept_declaring(reviewer_pages[0], due)
    accept_from_queue(reviewer_pages[1], TITLE)
    # the refused first try (no description) was a 400, as it should be
    refused = [seen for seen in browsers.problems[reviewer_names[0]]
               if "status of 400" in seen and "/accept?from=invitation" in seen]
    assert len(refused) == 1
    browsers.problems[reviewer_names[0]].remove(refused[0])

    # The editor sees the declared interest beside the reviewer, before assigning more.
    editor_page.reload()
    expect(editor_page.locator("#declared-interests")).to_contain_text(
        f"{reviewer_names[0]}: {INTERESTS}")
    nav(editor_page, "Editor dashboard")
    expect(editor_page.get_by_role("region", name="Competing interests declared")
           ).to_contain_text(INTERESTS)

    # Reviewer 1 asks for changes.
    first, second = reviewer_pages
    open_review(first, TITLE)
    first.get_by_label("Comments", exact=True).fill(COMMENT)
    first.get_by_role("button", name="Request changes").click()
    expect(flash(first)).to_have_text("Changes requested: the author has been told.")

    # The author sees the request, edits the draft and resubmits.
    page.goto(article_url)
    expect(page.get_by_text("Changes Requested", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Reviews")).to_contain_text(COMMENT)
    page.screenshot(path=f"{SCREENSHOTS}-2-author-changes-requested.png", full_page=True)
    page.get_by_role("link", name="Edit draft").click()
    expect(page.get_by_label("Body", exact=True)).to_have_value(BODY)
    page.get_by_label("Body", exact=True).fill(REVISED_BODY)
    page.get_by_role("button", name="Save draft").click()
    expect(flash(page)).to_have_text("Draft saved.")
    attach_passage(page)
    page.get_by_role("button", name="Resubmit").click()
    expect(flash(page)).to_contain_text("Resubmitted")
    expect(page.get_by_text("Under Review", exact=True)).to_be_visible()

    # Reviewer 1 sees, word by word, what changed since revision 1: old | new
    # side by side on a wide screen, one inline text on a phone.
    open_review(first, TITLE)
    changes = first.get_by_role("region", name="Changes since the revision you last reviewed")
    expect(changes.get_by_role("heading")).to_contain_text(["(revision 1)"])
    sides = changes.locator(".word-diff-sides").first
    expect(sides).to_be_visible()
    expect(changes.locator(".word-diff-inline").first).to_be_hidden()
    expect(sides.locator("ins")).to_have_text([
        re.compile(r"\[inserted: 400 mg three times a day\s*\]"),
        re.compile(r"\[inserted:\s*Avoid it in kidney disease\.\]")])
    expect(sides.locator("del")).to_have_count(0)
    assert sides.locator("ins").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine") == "underline"
    expect(first.get_by_role("region", name="Revision under review")).to_contain_text(
        REVISED_BODY)
    first.screenshot(path=f"{SCREENSHOTS}-3-review-diff.png", full_page=True)
    first.set_viewport_size({"width": 390, "height": 844})
    expect(sides).to_be_hidden()
    inline = changes.locator(".word-diff-inline").first
    expect(inline).to_be_visible()
    expect(inline).to_contain_text("Ibuprofen [inserted: 400 mg three times a day ]reduces")
    first.screenshot(path=f"{SCREENSHOTS}-3b-review-diff-phone.png", full_page=True)
    first.set_viewport_size({"width": 1280, "height": 800})

    # Signing before judging the claims and ticking the warning is refused.
    approve_form(first).get_by_label("Password", exact=True).fill(PASSWORD)
    approve_form(first).get_by_role("button", name="Approve").click()
    expect(flash(first)).to_contain_text(
        "2 claims of this revision lack a “Supported” verdict from you.")
    judge_claims(first)
    approve_form(first).get_by_label("Password", exact=True).fill(PASSWORD)
    approve_form(first).get_by_role("button", name="Approve").click()
    expect(flash(first)).to_contain_text("Tick “I have checked this” for every warning")
    expect(approve_form(first).get_by_label("Password", exact=True)).to_have_value("")
    # Those two refusals are the browser's only failed loads (409, then 400).
    seen = browsers.problems[reviewer_names[0]]
    refused = [p for p in seen if "/approve" in p and ("409" in p or "400" in p)]
    assert len(refused) == 2, seen
    seen[:] = [p for p in seen if p not in refused]
    # Signing; the page after it says what the article still needs.
    approve(first, "cites no reference")
    expect(still_needed(first)).to_have_text(
        re.compile(r"Before this article can be approved\s+1 of 2 approvals"))

    open_review(second, TITLE)
    expect(second.get_by_role("region", name="Revision under review")).to_contain_text(
        REVISED_BODY)
    judge_claims(second)
    approve(second, "cites no reference")

    # The article is approved and shows both valid signatures.
    page.goto(article_url)
    expect(page.get_by_text("Approved", exact=True)).to_be_visible()
    signatures = page.get_by_role("region", name="Reviews").get_by_text("Signed by")
    expect(signatures).to_have_count(2)
    for name in reviewer_names:
        signature = signatures.filter(has_text=name)
        expect(signature).to_contain_text(f"“{SIGNATURE_MEANING}”")
        expect(signature.get_by_text("valid", exact=True)).to_be_visible()
        verdicts = signature.locator("details.signed-verdicts")
        expect(verdicts.locator("summary")).to_have_text(
            "2 claims checked, 1 warning acknowledged")
        verdicts.locator("summary").click()
        expect(verdicts.get_by_role("listitem").filter(has_text=DOSE_CLAIM)).to_contain_text(
            "Supported")
    expect(page.get_by_text("invalid")).to_have_count(0)
    expect(still_needed(page)).to_have_count(0)
    page.screenshot(path=f"{SCREENSHOTS}-4-approved.png", full_page=True)

    # Readers see each reviewer's declaration beside their name.
    with app.app_context():
        from reviewapp.extensions import db

        slug = db.session.scalar(select(Article.slug))
    page.goto(f"/articles/{slug}")
    reviewed_by = page.locator(".reviewer-list li")
    expect(reviewed_by.filter(has_text=reviewer_names[0])).to_contain_text(
        f"Competing interests: {INTERESTS}")
    expect(reviewed_by.filter(has_text=reviewer_names[1])).to_contain_text(
        "Competing interests: none declared")

    assert browsers.unexpected() == {}
