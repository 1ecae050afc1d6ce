"""Users of every role for the generated archive: authors, reviewers, editors, one admin."""

import random
import secrets
from datetime import datetime, timedelta

from reviewapp.accounts.models import User, UserRole, UserSpecialty
from reviewapp.accounts.passwords import hash_password

from .bulk import PendingRows

SCALE_PASSWORD = "scale-password-2026"
SPECIALTIES = ("pain medicine", "cardiology", "oncology", "paediatrics", "dermatology",
               "infectious disease", "neurology", "endocrinology", "nephrology", "psychiatry")


def write_users(articles: int, rng: random.Random, now: datetime) -> dict[str, list[tuple]]:
    """{role: [(id, name, email)]}, in proportion to the number of articles."""
    counts = {"author": max(4, articles // 20), "reviewer": max(6, articles // 40),
              "editor": max(2, articles // 1000), "admin": 1}
    password = hash_password(SCALE_PASSWORD)  # one hash for all: argon2 is slow on purpose
    pending = PendingRows([User, UserRole, UserSpecialty])
    users: dict[str, list[tuple]] = {}
    for role, count in counts.items():
        users[role] = []
        for _ in range(count):
            uid = pending.ids[User]
            name = f"{'Dr. ' if role == 'reviewer' else ''}{role.title()} {uid}"
            email = f"{role}{uid}@scale.example.org"
            users[role].append((uid, name, email))
            pending.add(User, email=email, display_name=name, password_hash=password,
                        active=uid % 97 != 0, session_token=secrets.token_urlsafe(32),
                        failed_login_count=0, created_at=now - timedelta(days=800),
                        password_changed_at=now - timedelta(days=800))
            pending.add(UserRole, user_id=uid, role=role)
            if role == "reviewer":
                for specialty in rng.sample(SPECIALTIES, 2):
                    pending.add(UserSpecialty, user_id=uid, name=specialty)
    pending.flush()
    pending.reset_sequences()
    return users
