"""Demo users and articles for `make run`: one article in each state a new user wants to
see (demo_articles.py holds their text)."""

from datetime import timedelta

from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.accounts.profiles import PublicProfile, update_public_profile
from reviewapp.accounts.services import create_user
from reviewapp.articles.services import DraftContent, create_article, site_audiences
from reviewapp.citations.services import report_of, waivers_of
from reviewapp.db import utcnow
from reviewapp.demo_articles import (
    APPROVED,
    CHANGES_REQUESTED,
    DEMO_ARTICLES,
    DRAFT,
    PARACETAMOL,
    DemoArticle,
)
from reviewapp.extensions import db
from reviewapp.lifecycle.states import UNDER_REVIEW
from reviewapp.reviews.claims import claims_of, open_warnings, save_verdicts
from reviewapp.reviews.comments import Passage, add_comment
from reviewapp.reviews.signing import SUPPORTED
from reviewapp.workflow.review_commands import (
    accept_assignment,
    approve_revision,
    assign_reviewer,
    request_changes,
)
from reviewapp.workflow.services import decide_changes, submit_article

DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = [
    ("author@example.org", "Alice Author", ["author"], []),
    ("reviewer@example.org", "Dr. Rita Reviewer", ["reviewer"],
     ["pain medicine", "gastroenterology"]),
    ("reviewer2@example.org", "Dr. Raj Second", ["reviewer"], ["pain medicine", "allergy"]),
    ("editor@example.org", "Eddie Editor", ["editor"], []),
    ("admin@example.org", "Ada Admin", ["admin"], []),
]
# Public profiles (credentials, specialty; readers see them with each article).
# The ORCID iD is ORCID's own fictional test record (Josiah Carberry).
DEMO_PROFILES = {
    "author@example.org": PublicProfile(
        credentials="MB ChB, MRCP", specialty="Clinical pharmacology",
        biography="Writes the pain medicine pages; a specialty registrar in clinical "
                  "pharmacology."),
    "reviewer@example.org": PublicProfile(
        credentials="MD, FRCA", specialty="Anaesthesia and pain medicine",
        orcid="0000-0002-1825-0097",
        biography="Consultant in anaesthesia and pain medicine, with a special interest in "
                  "analgesia in liver disease."),
    "reviewer2@example.org": PublicProfile(
        credentials="MBBS, FRCP", specialty="Allergy and immunology",
        biography="Consultant allergist; reviews articles on drug allergy and analgesics."),
}

# A medically sound article for load tests to copy (tests/soak seeds with it).
DEMO_BODY, DEMO_REFERENCES = PARACETAMOL.body, PARACETAMOL.references


def load_demo() -> bool:
    """False, and nothing written, when the database already has users."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return False
    users = {email: create_user(email=email, display_name=name, password=DEMO_PASSWORD,
                                roles=roles, specialties=specialties)
             for email, name, roles, specialties in DEMO_USERS}
    for email, profile in DEMO_PROFILES.items():
        update_public_profile(users[email], profile, actor=users[email])
    for demo in DEMO_ARTICLES:
        _put_in_state(demo, users)
    return True


def _put_in_state(demo: DemoArticle, users: dict[str, User]) -> None:
    """Create the article and take it, as its people would, to the state it shows."""
    author, editor = users["author@example.org"], users["editor@example.org"]
    first, second = users["reviewer@example.org"], users["reviewer2@example.org"]
    audiences = {a.key for a in site_audiences()}  # a site may have others, or none
    article = create_article(author, DraftContent(
        title=demo.title, body=demo.body, references_text=demo.references,
        tags=list(demo.tags),
        versions={v.audience: v for v in demo.versions if v.audience in audiences}))
    if demo.state == DRAFT:
        return
    submit_article(article.id, author, None)
    due = utcnow() + timedelta(days=14)
    for reviewer in (first, second):
        assignment = assign_reviewer(article.id, editor, None, reviewer.id, due)
        accept_assignment(assignment.id, reviewer, "none")
    _sign(article, first)
    if demo.state == APPROVED:
        _sign(article, second)
    elif demo.state == CHANGES_REQUESTED:
        revision = article.current_revision
        add_comment(article.id, second, revision.id, demo.comment, False,
                    Passage(quote=demo.passage,
                            position=round(1000 * revision.body.index(demo.passage)
                                           / len(revision.body))))
        request_changes(article.id, second, None, demo.report)
        # With CHANGES_DECISION=reviewer the report has sent it back already.
        if article.state == UNDER_REVIEW:
            decide_changes(article.id, editor, None, demo.letter)


def _sign(article, reviewer) -> None:
    """As a reviewer signs: every claim "Supported", every open warning acknowledged."""
    revision = article.current_revision
    save_verdicts(article.id, reviewer, revision.content_hash,
                  {claim.key: (SUPPORTED, "") for claim in claims_of(revision)})
    warnings = open_warnings(report_of(revision.id), waivers_of(article.id))
    approve_revision(article.id, reviewer, None, DEMO_PASSWORD,
                     acknowledged=[finding.key for finding in warnings])
