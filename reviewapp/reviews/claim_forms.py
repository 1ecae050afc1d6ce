"""Forms on the claims of a revision: a reviewer's verdicts (one entry per claim, bound to
the revision's content hash) and the author's supporting passage for one claim."""

from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from reviewapp.forms import BaseForm, VersionedForm, bad_character
from reviewapp.reviews.signing import VERDICT_LABELS

MAX_CLAIMS = 2000  # entries read from one form; an article with more is not a web page


def no_bad_characters(form, field):
    """BaseForm checks its own fields; entries of a FieldList are checked here."""
    bad = bad_character(field.data or "")
    if bad:
        raise ValidationError(f"{field.label.text} contains {bad}, which is not allowed.")


class ClaimVerdictEntry(Form):
    claim_key = HiddenField(validators=[DataRequired("A claim is missing its key; reload the "
                                                     "page."), Length(max=40)])
    verdict = RadioField("Verdict", choices=[SelectChoice(value, label)
                                             for value, label in VERDICT_LABELS.items()],
                         validators=[Optional()])
    note = TextAreaField("Note", validators=[Length(max=5000), no_bad_characters])


class VerdictsForm(BaseForm):
    content_hash = HiddenField(validators=[DataRequired("The form is missing the revision "
                                                        "its verdicts are on; reload the "
                                                        "page."), Length(max=64)])
    claims = FieldList(FormField(ClaimVerdictEntry), max_entries=MAX_CLAIMS)

    def given(self) -> dict[str, tuple[str | None, str]]:
        """claim key -> (verdict or None, note), as the service takes them."""
        return {entry.claim_key.data: (entry.verdict.data or None, entry.note.data or "")
                for entry in self.claims}

    def typed(self) -> dict[str, dict]:
        """What was typed per claim key, to show again on a refused page."""
        return {entry.claim_key.data: {"verdict": entry.verdict.data,
                                       "note": entry.note.data or ""}
                for entry in self.claims if entry.claim_key.data}


def error_messages(errors) -> list[str]:
    """A form's messages, those of its FieldList entries included, each once."""
    if isinstance(errors, str):
        return [errors]
    items = errors.values() if isinstance(errors, dict) else errors
    return list(dict.fromkeys(m for item in items for m in error_messages(item)))


class SupportForm(VersionedForm):
    """Posted to the claim's own address (its key); prefixed with it on the page."""

    quote = TextAreaField("Quoted passage", validators=[Length(max=10000)],
                          description="The words of the cited source that support this claim, "
                                      "quoted exactly. Leave both fields empty to remove it.")
    location = StringField("Where in the source", validators=[Length(max=300)],
                           description="Page, section, table or figure.")
