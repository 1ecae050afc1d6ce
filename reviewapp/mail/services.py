"""Queue mail in the outbox (in the caller's transaction) and deliver it."""

import logging
import re
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.mail.models import OutboxMessage
from reviewapp.normalize import one_line

log = logging.getLogger(__name__)
# Characters that end a line in some log reader: C0/C1 controls and the Unicode
# line and paragraph separators.
_LINE_BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(text: str) -> str:
    """One log record stays one line, whatever a title or a comment holds."""
    return _LINE_BREAKERS.sub(lambda match: repr(match[0])[1:-1], text)


def enqueue(recipient: str, subject: str, body: str, *, article_id: int | None = None,
            dedupe_key: str | None = None) -> OutboxMessage | None:
    """Queue one message; None when a message with this dedupe key exists already."""
    if dedupe_key and db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboxMessage(recipient=recipient, subject=one_line(subject)[:300], body=body,
                            article_id=article_id, dedupe_key=dedupe_key)
    db.session.add(message)
    db.session.flush()
    return message


def deliver_pending(limit: int = 500) -> tuple[int, int]:
    """Send queued messages over SMTP (or to the log without MAIL_SERVER);
    each is marked sent and committed on its own. Returns (sent, failed)."""
    config = current_app.config
    ids = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)))
    db.session.commit()
    sent = failed = 0
    smtp = None
    try:
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id)
            if message is None or message.sent_at is not None:
                db.session.commit()
                continue
            try:
                if config["MAIL_SERVER"]:
                    smtp = smtp or _connect(config)
                    smtp.send_message(_email(message, config["MAIL_SENDER"]))
                else:
                    log.info("mail to %s: %s | %s", message.recipient,
                             _escaped(message.subject), _escaped(message.body))
            except (OSError, smtplib.SMTPException) as error:
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:1000]
                failed += 1
                if smtp is not None:
                    smtp.close()  # a broken connection is not reused
                smtp = None
            else:
                message.attempts += 1
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
            db.session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent, failed


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                        timeout=config["MAIL_TIMEOUT"])
    try:
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except (OSError, smtplib.SMTPException):
        smtp.close()
        raise
    return smtp


def _email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@reviewapp>"
    email.set_content(message.body)
    return email
