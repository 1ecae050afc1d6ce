"""Demo users and articles for `make run`."""

from datetime import timedelta

from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.accounts.services import create_user
from reviewapp.articles.services import DraftContent, create_article
from reviewapp.citations.services import report_of, waivers_of
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.reviews.claims import claims_of, open_warnings, save_verdicts
from reviewapp.reviews.signing import SUPPORTED
from reviewapp.workflow.review_commands import accept_assignment, approve_revision, assign_reviewer
from reviewapp.workflow.services import submit_article

DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = [
    ("author@example.org", "Alice Author", ["author"], []),
    ("reviewer@example.org", "Dr. Rita Reviewer", ["reviewer"], ["pain medicine"]),
    ("reviewer2@example.org", "Dr. Raj Second", ["reviewer"], ["pain medicine"]),
    ("editor@example.org", "Eddie Editor", ["editor"], []),
    ("admin@example.org", "Ada Admin", ["admin"], []),
]

DEMO_BODY = """Acetaminophen is a common first-line analgesic for mild pain [1].

For adults the usual dose is 500 mg to 1 g every 6 hours, not exceeding
4 g per day [1,2].
"""
DEMO_REFERENCES = "\n".join([
    "1. Smith J, Jones K. Acetaminophen for acute pain. BMJ. 2021;372:n1. doi:10.1136/bmj.n1",
    "2. Doe A. Paracetamol dosing in adults. Lancet. 2020;395:10. PMID: 31000001",
])


def load_demo() -> bool:
    """False, and nothing written, when the database already has users."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return False
    users = {email: create_user(email=email, display_name=name, password=DEMO_PASSWORD,
                                roles=roles, specialties=specialties)
             for email, name, roles, specialties in DEMO_USERS}
    author, editor = users["author@example.org"], users["editor@example.org"]
    reviewers = [users["reviewer@example.org"], users["reviewer2@example.org"]]
    # One article of each kind a new user wants to see: a draft, one waiting
    # for reviews, one approved with two signatures.
    create_article(author, DraftContent(
        title="Ibuprofen for acute low back pain", body=DEMO_BODY.replace("Acetaminophen",
                                                                      "Ibuprofen"),
        references_text=DEMO_REFERENCES, tags=["pain medicine"]))
    for title, approve in (("Paracetamol for fever in adults", False),
                           ("Acetaminophen for mild pain in adults", True)):
        article = create_article(author, DraftContent(
            title=title, body=DEMO_BODY, references_text=DEMO_REFERENCES,
            tags=["pain medicine"]))
        submit_article(article.id, author, None)
        due = utcnow() + timedelta(days=14)
        for reviewer in reviewers:
            assignment = assign_reviewer(article.id, editor, None, reviewer.id, due)
            accept_assignment(assignment.id, reviewer, "none")
            if approve:
                _sign(article, reviewer)
    return True


def _sign(article, reviewer) -> None:
    """As a reviewer signs: every claim "Supported", every open warning acknowledged."""
    revision = article.current_revision
    save_verdicts(article.id, reviewer, revision.content_hash,
                  {claim.key: (SUPPORTED, "") for claim in claims_of(revision)})
    warnings = open_warnings(report_of(revision.id), waivers_of(article.id))
    approve_revision(article.id, reviewer, None, DEMO_PASSWORD,
                     acknowledged=[finding.key for finding in warnings])
