"""Forms for reader questions: the reader's question under an article, and the
editor's three answers to it (answer by mail, dismiss, commission an article)."""

from flask import current_app
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from reviewapp.forms import BaseForm

CONSENT_LABEL = ("You may email me a reply to this question. My email address is used "
                 "only for that.")
PRIVACY_NOTE = ("Questions are never published. We keep your question, your email address "
                "if you give one, and a coded form of your network address (to limit "
                "automated messages); only the editors read them.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _limit(setting: str, what: str):
    def check(form, field):
        limit = current_app.config[setting]
        if len(field.data or "") > limit:
            raise ValidationError(f"Please keep {what} under {limit:,} characters "
                                  f"(it has {len(field.data):,}).")
    return check


class AskQuestionForm(BaseForm):
    class Meta:  # no session token: the page is shared (security.refuse_cross_site_form)
        csrf = False

    question = TextAreaField(
        "Your question", filters=[_strip],
        validators=[DataRequired("Write your question."),
                    _limit("QUESTION_MAX_LENGTH", "the question")],
        description="Please do not include personal medical details. We cannot give "
                    "individual medical advice.")
    email = EmailField(
        "Your email (optional)", filters=[_strip],
        validators=[Optional(), Length(max=320),
                    Email("Enter a valid email address, or leave it empty.",
                          check_deliverability=False)],
        description="Only if you would like a reply.")
    consent = BooleanField(CONSENT_LABEL)
    # The honeypot: hidden from people (visually hidden, aria-hidden, out of the
    # Tab order, no autofill); a bot that fills it is answered as if it worked.
    website = StringField("Leave this empty", filters=[_strip])

    def validate_consent(self, field):
        if self.email.data and not field.data:
            raise ValidationError("Tick the box to let us email you a reply, or leave the "
                                  "email empty.")

    @property
    def is_bot(self) -> bool:
        return bool(self.website.data)


class AnswerQuestionForm(BaseForm):
    answer = TextAreaField("Answer", filters=[_strip],
                           validators=[DataRequired("Write the answer to mail to the reader."),
                                       _limit("QUESTION_ANSWER_MAX_LENGTH", "the answer")])


class DismissQuestionForm(BaseForm):
    reason = TextAreaField("Reason", filters=[_strip],
                           validators=[DataRequired("Give the reason for dismissing the "
                                                    "question."), Length(max=5000)])


class CommissionForm(BaseForm):
    author = SelectField("Author", coerce=int, validate_choice=False,
                         validators=[DataRequired("Choose an author.")])
