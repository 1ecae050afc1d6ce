"""Base form: every text field refuses NUL bytes and lone surrogates, which
PostgreSQL cannot store and no person types."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, widgets
from wtforms.fields import SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput


def bad_character(text: str) -> str | None:
    for ch in text:
        if ch == "\x00":
            return "a NUL byte"
        if "\ud800" <= ch <= "\udfff":
            return "an unpaired surrogate"
    return None


# Every form that changes an article carries the version it was made from.
MISSING_VERSION = "The form is missing the article version; reload the page. Nothing was saved."


class BaseForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str):
                bad = bad_character(field.data)
                if bad:
                    field.errors = [*field.errors, f"{field.label.text} contains {bad}, "
                                    "which is not allowed."]
                    ok = False
        return ok


class VersionedForm(BaseForm):
    """The version the page was made from: a change made meanwhile refuses the
    form, and a form without it is refused whole (never applied unchecked)."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(MISSING_VERSION)])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def render_form(template: str, form: FlaskForm, status: int | None = None, **context):
    """Render a form page: 400 when a sent form had errors, so nothing looks saved."""
    from flask import render_template

    if status is None:
        status = 400 if form.errors else 200
    return render_template(template, form=form, **context), status


MAX_TAG_LENGTH = 80  # article_tag.name and user_specialty.name are VARCHAR(80)


def tag_lengths(form, field):
    """Each comma-separated tag fits its column: a longer one would fail on
    PostgreSQL (a 500) rather than get a message."""
    from wtforms.validators import ValidationError

    from reviewapp.normalize import normalize_tags

    for tag in normalize_tags(field.data or ""):
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(f"{field.label.text}: each can be at most {MAX_TAG_LENGTH} "
                                  f"characters (\u201c{tag[:20]}\u2026\u201d has {len(tag):,}).")
