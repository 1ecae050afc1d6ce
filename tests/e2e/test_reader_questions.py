"""A reader's question answered through review (issue 17), in Chromium, every
person in a browser of their own and every step through the UI (the users and
the prompting article are made through the services).

A reader, not logged in, asks "Have a follow-up question?" under an approved
article, leaving an email and ticking the consent. The editor finds it in
"Reader questions" (the menu says one is open) and commissions an article from
it for an author. The author finds the draft titled with the question, writes
it (with a title of their own) and submits it; the editor invites two board
members, who accept, give their verdicts and sign. The asker's mail ("Your
question has been answered: <link>") is then in the outbox, once; the
prompting article lists the new one under "Readers also asked", and the
reader's words appear on no public page."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import (
    accept_from_queue,
    approve,
    flash,
    give_verdicts,
    invite,
    nav,
    open_menu,
    open_review,
)
from tests.integration.test_public_pages import Publisher

pytestmark = pytest.mark.browser

QUESTION = "Can I keep taking ibuprofen while breastfeeding my six-week-old daughter?"
ASKER = "new.mother@example.org"
TITLE = "Ibuprofen while breastfeeding"
BODY = ("Ibuprofen is the first-line painkiller while breastfeeding [1].\n\n"
        "Take 400 mg three times daily with meals [1].")
REFERENCES = "1. Doe J. Ibuprofen in lactation. BMJ. 2020. doi:10.1136/bmj.m1"
RITA, SAM = "Dr. Rita Reviewer", "Dr. Sam Second"


def ask(reader: Page, slug: str) -> None:
    reader.goto(f"/articles/{slug}")
    form = reader.get_by_role("region", name="Have a follow-up question?")
    expect(form).to_contain_text("Questions are never published.")
    # The honeypot takes no room on the screen and no Tab stop.
    honeypot = reader.locator("input[name=website]")
    box = reader.locator("div[aria-hidden=true]", has=honeypot).bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1  # clipped to nothing
    expect(honeypot).to_have_attribute("tabindex", "-1")
    form.get_by_label("Your question", exact=True).fill(QUESTION)
    form.get_by_label("Your email (optional)", exact=True).fill(ASKER)
    form.get_by_role("button", name="Send question").click()
    # Without the consent the email is refused, and what was typed stays.
    expect(reader.get_by_text("Tick the box to let us email you a reply, or leave the "
                              "email empty.")).to_be_visible()
    form = reader.get_by_role("region", name="Have a follow-up question?")
    expect(form.get_by_label("Your question", exact=True)).to_have_value(QUESTION)
    form.get_by_label(re.compile("^You may email me a reply to this question")).check()
    form.get_by_role("button", name="Send question").click()
    expect(flash(reader)).to_contain_text("Thank you for your question.")
    expect(reader.get_by_text(QUESTION)).to_have_count(0)


def commission(editor: Page, author_name: str) -> None:
    nav(editor, "Editor dashboard")  # a page loaded after the question came in
    open_menu(editor).get_by_role("link", name="Reader questions 1 open").click()
    card = editor.get_by_role("article").filter(has_text=QUESTION)
    expect(card).to_contain_text(ASKER)
    card.locator("summary", has_text="Commission an article").click()
    card.get_by_label("Author", exact=True).select_option(label=author_name)
    card.get_by_role("button", name="Commission an article").click()
    expect(flash(editor)).to_have_text(f"A draft titled “{QUESTION}” was created for "
                                       f"{author_name}, who was mailed about it.")
    handled = editor.get_by_role("region", name="Handled")
    expect(handled).to_contain_text("Article commissioned")
    expect(editor.get_by_text("No open questions.")).to_be_visible()


def write_commissioned(author: Page) -> None:
    nav(author, "My articles")
    author.get_by_role("link", name=QUESTION).click()
    author.get_by_role("link", name="Edit draft").click()
    expect(author.get_by_label("Title", exact=True)).to_have_value(QUESTION)
    author.get_by_label("Title", exact=True).fill(TITLE)
    author.get_by_label("Body", exact=True).fill(BODY)
    author.get_by_label("References", exact=True).fill(REFERENCES)
    author.get_by_role("button", name="Save draft").click()
    expect(flash(author)).to_have_text("Draft saved.")
    author.get_by_role("button", name="Submit for review").click()
    expect(flash(author)).to_have_text("Submitted for review.")


def test_a_reader_question_commissioned_into_an_article_and_answered(app, rows, make_user,
                                                                     browsers, page):
    from reviewapp.mail.models import OutboxMessage

    slug = Publisher(app, rows).approved(title="Ibuprofen for back pain",
                                        reviewer_names=("Dr. Ann Earlier", "Dr. Ben Earlier"))
    author_user = make_user(roles=["author"], name="Carla Commissioned")
    editor = browsers(make_user(roles=["editor"], name="Eddie Editor"))
    author = browsers(author_user)
    rita, sam = (browsers(make_user(roles=["reviewer"], name=name)) for name in (RITA, SAM))

    ask(page, slug)
    commission(editor, "Carla Commissioned")
    write_commissioned(author)
    invite(editor, TITLE, [RITA, SAM], date.today() + timedelta(days=14))
    for reviewer in (rita, sam):
        accept_from_queue(reviewer, TITLE)
        open_review(reviewer, TITLE)
        give_verdicts(reviewer, ["Supported", "Supported"])
        approve(reviewer)
    expect(sam.get_by_text("Approved", exact=True).first).to_be_visible()

    with rows() as session:
        mails = session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == ASKER)).all()
        assert len(mails) == 1
        assert mails[0].subject == f"Your question has been answered: {TITLE}"
        link = re.search(r"Your question has been answered: (\S+)", mails[0].body)[1]
    new_path = link.removeprefix(app.config["SITE_URL"])
    assert new_path.startswith("/articles/reader-question-")

    # The reader finds the answer under the article they asked on.
    page.goto(f"/articles/{slug}")
    also = page.get_by_role("region", name="Readers also asked")
    also.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(re.compile(re.escape(new_path) + "$"))
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    for path in (f"/articles/{slug}", new_path, "/articles"):
        page.goto(path)
        expect(page.get_by_text("six-week-old")).to_have_count(0)
