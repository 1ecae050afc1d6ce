"""The whole review round of issue 14 in Chromium, once with each setting of
CHANGES_DECISION, every person in a browser of their own and every step
through the UI (only the users are made through the services).

The author writes and submits a metformin article; the editor invites two
board members. Dr. Rita Reviewer reads the invitation before accepting it and
declares a competing interest; Dr. Sam Second accepts from the queue with none.
Sam comments on a selected passage, gives his verdicts and signs revision 1;
Rita comments on another selected passage, gives her verdicts ("Needs change"
on the dose) and requests changes. With "editor" the article waits: the editor
sees "Decision needed", reads both reports side by side and sends "Request
changes" with a letter that carries the reviewers' comments; with "reviewer"
Rita's request sends the article back at once. The author reads the letter,
revises the dose, answers each open comment ("Addressed", a reply) and
resubmits with a general response. Each reviewer sees the answers beside a
word-level diff, gives "Supported" on every claim, ticks the open warning and
signs: "1 of 2 approvals" after the first, Approved after the second, and the
public page names both reviewers with their competing-interest statements.
Screenshots go to /tmp/reviewapp-whole-round-<setting>-*.png."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    SIGNATURE_MEANING,
    accept_declaring,
    accept_from_queue,
    approve,
    flash,
    give_verdicts,
    invite,
    nav,
    open_decision,
    open_review,
    read_invitation,
    select_passage,
    still_needed,
    thread,
    write_and_submit,
)

pytestmark = pytest.mark.browser

TITLE = "Metformin for type 2 diabetes"
BODY = """Metformin is the **first-line** treatment for type 2 diabetes [1].

Start with 500 mg once daily with meals [1].

Avoid metformin in severe kidney disease."""
ADDED = "then add 500 mg each week up to 2000 mg a day"
REVISED = BODY.replace("with meals [1]", f"with meals, {ADDED} [1]")
REFERENCES = "1. Doe J. Metformin trial. BMJ. 2020. doi:10.1136/bmj.m1"
RITA, SAM = "Dr. Rita Reviewer", "Dr. Sam Second"
INTERESTS = "Speaker fees from a metformin manufacturer"
# Rita's comment on the dose (a list, kept as one), Sam's on the kidney warning.
DOSE_PASSAGE = "500 mg once daily with meals"
DOSE_QUESTION = "How is the dose raised after the first week?"
DOSE_COMMENT = f"{DOSE_QUESTION}\nPlease give:\n- the weekly step\n- the maximum dose"
KIDNEY_PASSAGE = "severe kidney disease"
KIDNEY_COMMENT = "Which eGFR threshold counts as severe here?"
# Rita's report, numbered over two lines (that must stay two lines).
REPORT = ("1. The dose needs its titration: see my comment on the passage.\n"
          "2. Say which kidney function rules metformin out, as Dr. Second asks.")
LETTER_LINE = "Please answer each reviewer's comment when you resubmit."
KIDNEY_REPLY = "Below 30 mL/min per 1.73 m², as in the trial."
GENERAL = "Thank you both: the titration is now in the text."
# The recommendation to avoid metformin cites nothing: a warning, ticked at each signature.
WARNING = "makes a recommendation (“Avoid”) but cites no reference"
ALL_SUPPORTED = ["Supported"] * 3


@pytest.fixture(params=["editor", "reviewer"])
def app_config(request, app_config):
    """CHANGES_DECISION: the editor decides on a round (the default), or a
    reviewer's request sends the article back at once."""
    return {**app_config, "CHANGES_DECISION": request.param}


def comment_on(page: Page, passage: str, text: str) -> None:
    """On the review page: select the passage and comment on it."""
    select_passage(page, passage)
    page.get_by_label("Comment", exact=True).fill(text)
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(flash(page)).to_have_text("Comment added.")
    expect(thread(page, text.splitlines()[0]).locator("blockquote")).to_have_text(passage)


def sees_answers_and_diff(page: Page) -> None:
    """Round 2 on the review page: the author's answers beside the word diff
    against revision 1, the revision the reviewer last reviewed."""
    open_review(page, TITLE)
    changes = page.get_by_role("region", name="Changes since the revision you last reviewed")
    expect(changes.get_by_role("heading", level=2)).to_have_text(
        "Changes since the revision you last reviewed (revision 1)")
    inserted = changes.locator(".word-diff-sides").first.locator("ins")
    expect(inserted).to_have_text([re.compile(rf"\[inserted:\s*,?\s*{ADDED}\s*\]")])
    response = page.get_by_role("region", name="The author's response")
    expect(response.locator("#general-response")).to_have_text(GENERAL)
    answers = response.locator("li.answer-to-comment")
    expect(answers).to_have_count(2)
    expect(answers.filter(has_text=f"{RITA}’s comment")).to_contain_text(
        f"“{DOSE_PASSAGE}”: Addressed")
    expect(answers.filter(has_text=f"{SAM}’s comment")).to_contain_text(
        f"“{KIDNEY_PASSAGE}”: Replied — {KIDNEY_REPLY}")


def test_whole_round(app, make_user, browsers):
    editor_decides = app.config["CHANGES_DECISION"] == "editor"
    shots = f"/tmp/reviewapp-whole-round-{app.config['CHANGES_DECISION']}"
    author = browsers(make_user(roles=["author"], name="Alice Author"))
    editor = browsers(make_user(roles=["editor"], name="Eddie Editor"))
    rita, sam = (browsers(make_user(roles=["reviewer"], name=name)) for name in (RITA, SAM))

    # Invite: the author submits, the editor invites both board members.
    article_url = write_and_submit(author, TITLE, BODY, REFERENCES)
    due = date.today() + timedelta(days=14)
    invite(editor, TITLE, [RITA, SAM], due)

    # Read, then accept with a declared interest; the other accepts from the queue.
    read_invitation(rita, TITLE, "Start with 500 mg once daily with meals [1].", due)
    accept_declaring(rita, TITLE, INTERESTS)
    accept_from_queue(sam, TITLE)
    nav(editor, "Editor dashboard")
    declared = editor.get_by_role("region", name="Competing interests declared")
    expect(declared.locator(".declared-interest")).to_have_text(
        re.compile(rf"^{re.escape(f'{TITLE} — {RITA} (')}.+\): {re.escape(INTERESTS)}$"))

    # Round 1. Sam comments on a passage, judges every claim and signs revision 1.
    open_review(sam, TITLE)
    comment_on(sam, KIDNEY_PASSAGE, KIDNEY_COMMENT)
    give_verdicts(sam, ALL_SUPPORTED)
    approve(sam, WARNING)
    expect(still_needed(sam)).to_contain_text("1 of 2 approvals")

    # Rita comments on the dose, says it needs a change, and requests changes.
    open_review(rita, TITLE)
    comment_on(rita, DOSE_PASSAGE, DOSE_COMMENT)
    mine = thread(rita, DOSE_QUESTION)
    expect(mine).to_contain_text("Paragraph 2 of revision 1")
    expect(mine.get_by_role("listitem")).to_have_text(["the weekly step", "the maximum dose"])
    give_verdicts(rita, ["Supported", "Needs change", "Supported"])
    rita.get_by_label("Comments", exact=True).fill(REPORT)
    rita.screenshot(path=f"{shots}-1-rita-round-1.png", full_page=True)
    rita.get_by_role("button", name="Request changes").click()

    if editor_decides:
        # The request is a recommendation: the editor decides, with a letter.
        expect(flash(rita)).to_have_text("Changes requested: your recommendation is with "
                                         "the editor, who decides on the round.")
        expect(rita.get_by_text("Under Review", exact=True)).to_be_visible()
        open_decision(editor, TITLE, 1)
        reports = editor.get_by_role("region", name="Reports of this round")
        expect(reports.get_by_role("article", name=f"Report by {RITA}")).to_contain_text(REPORT)
        expect(reports.get_by_role("article", name=f"Report by {SAM}")).to_contain_text(
            "Signed by")
        letter = editor.get_by_label("Decision letter", exact=True)
        # Rita's report, then every comment on a passage (in the order made), whole.
        expect(letter).to_have_value(re.compile(re.escape(
            f"{RITA}:\n{REPORT}\n\nTheir comments on passages of the text:\n\n"
            f"{SAM}, on \"{KIDNEY_PASSAGE}\":\n{KIDNEY_COMMENT}\n\n"
            f"{RITA}, on \"{DOSE_PASSAGE}\":\n{DOSE_COMMENT}\n")))
        letter.fill(letter.input_value() + "\n" + LETTER_LINE)
        editor.screenshot(path=f"{shots}-2-decision.png", full_page=True)
        editor.get_by_role("button", name="Request changes").click()
        expect(flash(editor)).to_have_text(
            "Changes requested: the decision letter was mailed to the author.")
        expect(editor.get_by_role("region", name="Status").get_by_text(
            "Changes Requested", exact=True)).to_be_visible()
    else:
        # No decision step: the article goes back to the author at once.
        expect(flash(rita)).to_have_text("Changes requested: the author has been told.")
        expect(rita.get_by_text("Changes Requested", exact=True)).to_be_visible()
        nav(editor, "Editor dashboard")
        expect(editor.get_by_role("heading", name="Editor dashboard")).to_be_visible()
        expect(editor.get_by_text("Decision needed")).to_have_count(0)

    # The author reads the letter and the comments, revises the dose, answers
    # each open comment and resubmits with a general response.
    author.goto(article_url)
    expect(author.get_by_text("Changes Requested", exact=True)).to_be_visible()
    letter = author.get_by_role("region", name="Decision letter")
    expect(letter).to_contain_text(REPORT)
    if editor_decides:
        expect(letter).to_contain_text("changes requested by Eddie Editor")
        for text in (KIDNEY_COMMENT, DOSE_QUESTION, LETTER_LINE):
            expect(letter).to_contain_text(text)
    else:  # the reviewer's report is the letter; the comments are on their passages
        expect(letter).to_contain_text(f"changes requested by {RITA}")
    report = author.get_by_role("region", name="Round 1").locator(".review-comment")
    assert report.inner_text() == REPORT  # as rendered: its line breaks kept
    author.get_by_role("link", name="Edit draft").click()
    if editor_decides:
        expect(author.get_by_role("group", name="Decision letter")).to_contain_text(LETTER_LINE)
    author.get_by_label("Body", exact=True).fill(REVISED)
    author.get_by_role("button", name="Save draft").click()
    expect(flash(author)).to_have_text("Draft saved.")
    answer = author.get_by_role("region", name="Answer the reviewers")
    expect(answer.get_by_role("article")).to_have_count(2)
    thread(answer, DOSE_QUESTION).get_by_label("Addressed", exact=True).check()
    thread(answer, KIDNEY_COMMENT).get_by_label("Reply", exact=True).fill(KIDNEY_REPLY)
    answer.get_by_label("General response to reviewers").fill(GENERAL)
    author.screenshot(path=f"{shots}-3-author-answers.png", full_page=True)
    answer.get_by_role("button", name="Resubmit").click()
    expect(flash(author)).to_have_text("Resubmitted: the reviewers can see the new revision.")
    expect(author.get_by_text("Under Review", exact=True)).to_be_visible()

    # Round 2. Rita sees the answers beside the word diff, resolves her
    # comment, finds every claim supported, ticks the warning and signs.
    sees_answers_and_diff(rita)
    rita.screenshot(path=f"{shots}-4-rita-round-2.png", full_page=True)
    mine = thread(rita, DOSE_QUESTION)
    expect(mine).to_contain_text("Alice Author marked it addressed")
    mine.get_by_role("button", name="Resolve").click()
    expect(flash(rita)).to_have_text("Comment resolved.")
    expect(thread(rita, DOSE_QUESTION).locator(".comment-state")).to_have_text("Resolved")
    give_verdicts(rita, ALL_SUPPORTED)
    approve(rita, WARNING)
    expect(still_needed(rita)).to_have_text(
        re.compile(r"Before this article can be approved\s+1 of 2 approvals"))
    author.reload()
    expect(still_needed(author)).to_contain_text("1 of 2 approvals")

    # Sam too; his signature approves the article.
    sees_answers_and_diff(sam)
    expect(thread(sam, KIDNEY_COMMENT)).to_contain_text(KIDNEY_REPLY)
    give_verdicts(sam, ALL_SUPPORTED)
    approve(sam, WARNING)
    expect(sam.get_by_text("Approved", exact=True)).to_be_visible()
    expect(still_needed(sam)).to_have_count(0)

    # The author sees Approved and round 2's two signatures, with what each covers.
    author.goto(article_url)
    expect(author.get_by_text("Approved", exact=True)).to_be_visible()
    signatures = author.get_by_role("region", name="Round 2").get_by_text("Signed by")
    expect(signatures).to_have_count(2)
    for name in (RITA, SAM):
        signature = signatures.filter(has_text=name)
        expect(signature).to_contain_text(f"“{SIGNATURE_MEANING}”")
        expect(signature.locator("details.signed-verdicts summary")).to_have_text(
            "3 claims checked, 1 warning acknowledged")
    author.screenshot(path=f"{shots}-5-approved.png", full_page=True)

    # Readers see both reviewers, each with their competing-interest statement.
    nav(author, "Articles")
    author.get_by_role("link", name=TITLE).click()
    expect(author.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    reviewed_by = author.locator(".reviewer-list li")
    expect(reviewed_by).to_have_count(2)
    expect(reviewed_by.filter(has_text=RITA)).to_contain_text(f"Competing interests: {INTERESTS}")
    expect(reviewed_by.filter(has_text=SAM)).to_contain_text("Competing interests: none declared")

    assert browsers.unexpected() == {}
