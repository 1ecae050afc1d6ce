"""Mail written from templates (templates/mail/*.txt); links in it come from
reviewapp.urls.site_url (SITE_URL, never the request's Host header)."""

from flask import render_template

from reviewapp.mail.models import OutboxMessage
from reviewapp.mail.services import enqueue


def render_mail(template: str, **context) -> tuple[str, str]:
    """(subject, body) of a mail template. Its first line is `Subject: …` and a
    blank line follows it, as in a message on the wire; the rest is the body."""
    text = render_template(f"mail/{template}", **context)
    head, separator, body = text.partition("\n\n")
    if not head.startswith("Subject: ") or "\n" in head or not separator:
        raise ValueError(f"mail/{template} must start with one 'Subject: …' line and a "
                         "blank line")
    return head.removeprefix("Subject: ").strip(), body.lstrip("\n")


def enqueue_mail(recipient: str, template: str, *, article_id: int | None = None,
                 dedupe_key: str | None = None, **context) -> OutboxMessage | None:
    """Render a mail template and queue it in the outbox (the caller commits)."""
    subject, body = render_mail(template, **context)
    return enqueue(recipient, subject, body, article_id=article_id, dedupe_key=dedupe_key)
