"""Forms of comments on passages: a new comment, an answer in a thread
(Reply, Addressed, Resolve), and the resubmission with the author's answers."""

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from reviewapp.forms import BaseForm, VersionedForm, bad_character
from reviewapp.routing import MAX_ID

MAX_TEXT = 20_000
# Where a comment form was sent from, to show that page again (names, not URLs).
PAGES = ("review", "article")


class PageField(HiddenField):
    def __init__(self, **kwargs):
        super().__init__(default="article", validators=[AnyOf(PAGES)], **kwargs)


class CommentForm(BaseForm):
    """A reviewer's comment on the revision shown. A script fills the selected
    passage in; without it the reviewer chooses a paragraph."""

    revision_id = IntegerField(widget=HiddenInput(), validators=[
        InputRequired("The form is missing the revision it comments on; reload the page."),
        NumberRange(min=1, max=MAX_ID)])
    quote = HiddenField(validators=[Length(max=5000)])
    prefix = HiddenField(validators=[Length(max=200)])
    suffix = HiddenField(validators=[Length(max=200)])
    position = IntegerField(widget=HiddenInput(), validators=[Optional(),
                                                              NumberRange(min=0, max=1000)])
    paragraph = SelectField("Paragraph", coerce=int, validate_choice=False,
                            validators=[Optional()])
    body = TextAreaField("Comment", validators=[DataRequired("Write a comment."),
                                                Length(max=MAX_TEXT)])
    confidential = BooleanField("Confidential comments to the editor")
    page = PageField()


class ThreadForm(BaseForm):
    """One form per thread; its buttons post it to Reply, Addressed or Resolve.
    It carries the thread's version, so a thread changed meanwhile is not
    closed unread."""

    reply = TextAreaField("Reply", validators=[Length(max=MAX_TEXT)])
    thread_version = IntegerField(widget=HiddenInput(), validators=[
        InputRequired("The form is missing the comment's version; reload the page."),
        NumberRange(min=1, max=MAX_ID)])
    page = PageField()


class AnswerForm(Form):
    """The author's answer to one open comment, in the resubmission."""

    comment_id = IntegerField(widget=HiddenInput(), validators=[
        InputRequired(), NumberRange(min=1, max=MAX_ID)])
    reply = TextAreaField("Reply", validators=[Length(max=MAX_TEXT)])
    addressed = BooleanField("Addressed")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        bad = bad_character(self.reply.data or "")
        if bad:
            self.reply.errors = [*self.reply.errors, f"Reply contains {bad}, which is not "
                                 "allowed."]
            ok = False
        return ok


class ResubmitForm(VersionedForm):
    answers = FieldList(FormField(AnswerForm), max_entries=500)
    general_response = TextAreaField("General response to reviewers",
                                     validators=[Length(max=MAX_TEXT)])
