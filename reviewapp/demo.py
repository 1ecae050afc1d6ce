"""Demo users and articles for `make run`."""

from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.accounts.services import create_user
from reviewapp.articles.services import DraftContent, create_article
from reviewapp.extensions import db

DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = [
    ("author@example.org", "Alice Author", ["author"], []),
    ("reviewer@example.org", "Dr. Rita Reviewer", ["reviewer"], ["pain medicine"]),
    ("reviewer2@example.org", "Dr. Raj Second", ["reviewer"], ["anesthesiology"]),
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
    users = {}
    for email, name, roles, specialties in DEMO_USERS:
        users[roles[0]] = create_user(email=email, display_name=name, password=DEMO_PASSWORD,
                                      roles=roles, specialties=specialties)
    create_article(users["author"], DraftContent(
        title="Acetaminophen for mild pain in adults", body=DEMO_BODY,
        references_text=DEMO_REFERENCES, tags=["pain medicine"]))
    return True
