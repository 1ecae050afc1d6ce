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
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from reviewapp.articles.models import Article
from tests.conftest import PASSWORD
from tests.e2e.conftest import TIMEOUT_MS, flash, log_in, watch_problems

pytestmark = pytest.mark.browser

TITLE = "Ibuprofen for acute low back pain"
BODY = "Ibuprofen reduces pain [1]."
REVISED_BODY = ("Ibuprofen 400 mg three times a day reduces pain [1]. "
                "Avoid it in kidney disease.")
DOSE_CLAIM = "Ibuprofen 400 mg three times a day reduces pain [1]."
QUOTE = "Pain scores fell with ibuprofen 400 mg taken three times daily."
REFERENCES = "1. Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1"
COMMENT = "Please give the dose and how often to take it."
MEANING = "I have reviewed this revision for medical accuracy and approve it."
INTERESTS = "Speaker fees from a maker of ibuprofen"
SCREENSHOTS = "/tmp/reviewapp-review-flow"


@pytest.fixture
def app_config(app_config):
    """This flow sends the article back on the reviewer's request, as before
    review rounds (CHANGES_DECISION=reviewer); tests/e2e/test_editor_decision.py
    walks the editor's decision, the default."""
    return {**app_config, "CHANGES_DECISION": "reviewer"}


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()


def assign(page: Page, reviewer_name: str, due: date) -> None:
    reviewer = page.get_by_label("Reviewer", exact=True)
    option = reviewer.locator("option", has_text=reviewer_name)
    reviewer.select_option(option.get_attribute("value"))
    page.get_by_label("Due date", exact=True).fill(due.isoformat())
    page.get_by_role("button", name="Assign reviewer").click()
    expect(flash(page)).to_have_text(f"{reviewer_name} was invited to review.")


def accept_invitation(page: Page) -> None:
    """From the queue, declaring no competing interests."""
    nav(page, "My reviews")
    invitations = page.get_by_role("region", name="Invitations")
    expect(invitations).to_contain_text(TITLE)
    expect(invitations.get_by_label("No competing interests", exact=True)).not_to_be_checked()
    invitations.get_by_label("No competing interests", exact=True).check()
    invitations.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_have_text("Thank you: the review is in your queue.")


def read_and_accept_declaring(page: Page, due: date) -> None:
    """Open the invitation by its title, read the article and its citation
    check, try to accept without describing the interest, then declare it."""
    nav(page, "My reviews")
    page.get_by_role("region", name="Invitations").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=f"Invitation to review: {TITLE}")).to_be_visible()
    expect(page.get_by_role("region", name="Revision under review")).to_contain_text(BODY)
    expect(page.get_by_role("region", name="Citation check")).to_contain_text("0 errors")
    expect(page.locator("#due-date")).to_contain_text(due.isoformat())
    expect(page.get_by_text("Eddie Editor on")).to_be_visible()
    answer = page.get_by_role("region", name="Answer the invitation")
    answer.get_by_label("I have competing interests to declare", exact=True).check()
    answer.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_have_text(
        "You chose “I have competing interests to declare”: describe them.")
    expect(page.get_by_role("heading", name=f"Invitation to review: {TITLE}")).to_be_visible()
    answer = page.get_by_role("region", name="Answer the invitation")
    expect(answer.get_by_label("I have competing interests to declare", exact=True)
           ).to_be_checked()
    answer.get_by_label("Your competing interests", exact=True).fill(INTERESTS)
    answer.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_have_text("Thank you: the review is in your queue.")
    expect(page.get_by_role("heading", name=f"Review: {TITLE}")).to_be_visible()


def open_review(page: Page) -> None:
    nav(page, "My reviews")
    page.get_by_role("region", name="Accepted reviews").get_by_role(
        "link", name=TITLE).click()
    expect(page.get_by_role("heading", name=f"Review: {TITLE}")).to_be_visible()


def attach_passage(page: Page) -> None:
    """The author quotes the source supporting the dose, from the desk article page."""
    claim = page.get_by_role("region", name="Claims").get_by_role("listitem").filter(
        has_text=DOSE_CLAIM)
    claim.get_by_text("Attach the supporting passage").click()
    claim.get_by_label("Quoted passage", exact=True).fill(QUOTE)
    claim.get_by_label("Where in the source", exact=True).fill("p. 4, Results")
    claim.get_by_role("button", name="Save passage").click()
    expect(flash(page)).to_have_text("Passage saved.")


def give_verdicts(page: Page) -> None:
    """Every claim "Supported", after reading the author's passage beside the dose."""
    claims = page.get_by_role("region", name="Claims")
    expect(claims.locator("li.claim")).to_have_count(2)
    expect(claims.locator("li.claim").filter(has_text=DOSE_CLAIM)).to_contain_text(QUOTE)
    for claim in claims.locator("li.claim").all():
        claim.get_by_label("Supported", exact=True).check()
    claims.get_by_role("button", name="Save verdicts").click()
    expect(flash(page)).to_have_text("Verdicts saved: 2 of 2 claims “Supported”.")


def approve_form(page: Page):
    return page.locator("form").filter(
        has=page.get_by_role("heading", name="Approve with your signature"))


def approve(page: Page) -> None:
    form = approve_form(page)
    expect(form).to_contain_text(f"By entering your password you sign: “{MEANING}”")
    warning = form.locator("li.sign-warning")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("cites no reference")
    warning.get_by_label("I have checked this", exact=True).check()
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Approve").click()
    expect(flash(page)).to_have_text("Approved and signed.")


def test_article_goes_from_draft_to_approved_with_two_signatures(
        app, page, browser, live_server, make_user, browser_problems):
    author = make_user(roles=["author"], name="Alice Author")
    editor = make_user(roles=["editor"], name="Eddie Editor")
    reviewer_names = ["Dr. Rita Reviewer", "Dr. Sam Second"]
    reviewers = [make_user(roles=["reviewer"], name=name) for name in reviewer_names]

    contexts: list[BrowserContext] = []
    problems: dict[str, list[str]] = {"author": browser_problems}

    def browser_of(user) -> Page:
        context = browser.new_context(base_url=live_server)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        person = context.new_page()
        problems[user.display_name] = watch_problems(person)
        log_in(person, user.email)
        return person

    try:
        # The author writes a draft with a citation and a reference, then submits it.
        log_in(page, author.email)
        nav(page, "New article")
        page.get_by_label("Title", exact=True).fill(TITLE)
        page.get_by_label("Body", exact=True).fill(BODY)
        page.get_by_label("References", exact=True).fill(REFERENCES)
        page.get_by_role("button", name="Save draft").click()
        expect(flash(page)).to_have_text("Draft saved.")
        page.get_by_role("button", name="Submit for review").click()
        expect(flash(page)).to_have_text("Submitted for review.")
        expect(page.get_by_text("Submitted", exact=True)).to_be_visible()
        article_url = page.url
        assert re.search(r"/desk/articles/\d+$", article_url)

        # The editor finds it on the dashboard and invites two reviewers.
        editor_page = browser_of(editor)
        nav(editor_page, "Editor dashboard")
        editor_page.get_by_role("region", name="Needing reviewers").get_by_role(
            "link", name=TITLE).click()
        expect(editor_page.get_by_role("heading", name=TITLE)).to_be_visible()
        due = date.today() + timedelta(days=10)
        for name in reviewer_names:
            assign(editor_page, name, due)
        reviewer_rows = editor_page.get_by_role("region", name="Reviewers").get_by_role("row")
        for name in reviewer_names:
            expect(reviewer_rows.filter(has_text=name)).to_contain_text("invited")
        expect(editor_page.get_by_text("Under Review", exact=True)).to_be_visible()
        editor_page.screenshot(path=f"{SCREENSHOTS}-1-editor-assigned.png", full_page=True)

        # Reviewer 1 reads the invitation first and declares a competing interest;
        # reviewer 2 accepts from the queue, declaring none.
        reviewer_pages = [browser_of(reviewer) for reviewer in reviewers]
        read_and_accept_declaring(reviewer_pages[0], due)
        accept_invitation(reviewer_pages[1])
        # the refused first try (no description) was a 400, as it should be
        refused = [seen for seen in problems[reviewer_names[0]]
                   if "status of 400" in seen and "/accept?from=invitation" in seen]
        assert len(refused) == 1
        problems[reviewer_names[0]].remove(refused[0])

        # The editor sees the declared interest beside the reviewer, before assigning more.
        editor_page.reload()
        expect(editor_page.locator("#declared-interests")).to_contain_text(
            f"{reviewer_names[0]}: {INTERESTS}")
        nav(editor_page, "Editor dashboard")
        expect(editor_page.get_by_role("region", name="Competing interests declared")
               ).to_contain_text(INTERESTS)

        # Reviewer 1 asks for changes.
        first, second = reviewer_pages
        open_review(first)
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
        open_review(first)
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
        give_verdicts(first)
        approve_form(first).get_by_label("Password", exact=True).fill(PASSWORD)
        approve_form(first).get_by_role("button", name="Approve").click()
        expect(flash(first)).to_contain_text("Tick “I have checked this” for every warning")
        expect(approve_form(first).get_by_label("Password", exact=True)).to_have_value("")
        # Those two refusals are the browser's only failed loads (409, then 400).
        seen = problems[reviewer_names[0]]
        refused = [p for p in seen if "/approve" in p and ("409" in p or "400" in p)]
        assert len(refused) == 2, seen
        seen[:] = [p for p in seen if p not in refused]
        # Signing; the page after it says what the article still needs.
        approve(first)
        expect(first.get_by_role("region", name="Still needed")).to_have_text(
            re.compile(r"Before this article can be approved\s+1 of 2 approvals"))

        open_review(second)
        expect(second.get_by_role("region", name="Revision under review")).to_contain_text(
            REVISED_BODY)
        give_verdicts(second)
        approve(second)

        # The article is approved and shows both valid signatures.
        page.goto(article_url)
        expect(page.get_by_text("Approved", exact=True)).to_be_visible()
        signatures = page.get_by_role("region", name="Reviews").get_by_text("Signed by")
        expect(signatures).to_have_count(2)
        for name in reviewer_names:
            signature = signatures.filter(has_text=name)
            expect(signature).to_contain_text(f"“{MEANING}”")
            expect(signature.get_by_text("valid", exact=True)).to_be_visible()
            verdicts = signature.locator("details.signed-verdicts")
            expect(verdicts.locator("summary")).to_have_text(
                "2 claims checked, 1 warning acknowledged")
            verdicts.locator("summary").click()
            expect(verdicts.get_by_role("listitem").filter(has_text=DOSE_CLAIM)).to_contain_text(
                "Supported")
        expect(page.get_by_text("invalid")).to_have_count(0)
        expect(page.get_by_role("region", name="Still needed")).to_have_count(0)
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
    finally:
        for context in contexts:
            context.close()

    assert browser_problems == []
    assert {who: seen for who, seen in problems.items() if seen} == {}
