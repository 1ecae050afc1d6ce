"""The draft form."""

from flask import current_app
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from reviewapp.articles import change_notes, versions
from reviewapp.articles.audiences import parse_audiences
from reviewapp.citations.identifiers import script_links
from reviewapp.citations.reference_list import split_reference_list
from reviewapp.forms import BaseForm, tag_lengths


def max_length(setting: str, what: str):
    """Length limit read from settings, with a message that names the limit."""
    def check(form, field):
        limit = current_app.config[setting]
        if field.data and len(field.data) > limit:
            raise ValidationError(f"{what} can be at most {limit:,} characters "
                                  f"(this one has {len(field.data):,}).")
    return check


def no_script_links(form, field):
    """A javascript:, vbscript: or data: link is an attack, not a citation."""
    for number, entry in enumerate(split_reference_list(field.data).entries, start=1):
        if found := script_links(entry):
            raise ValidationError(
                f"Reference {number} contains the link {found[0]}, which is not a web "
                f"address. References may link only to http:// or https:// addresses.")
    return None


def note_length(form, field):
    if field.data and len(field.data) > change_notes.MAX_LENGTH:
        raise ValidationError(f"“{change_notes.LABEL}” can be at most "
                              f"{change_notes.MAX_LENGTH:,} characters "
                              f"(this one has {len(field.data):,}).")


class DraftForm(BaseForm):
    title = StringField("Title", validators=[DataRequired("Enter a title."),
                                             max_length("MAX_TITLE_LENGTH", "The title")])
    body = TextAreaField("Body", validators=[max_length("MAX_BODY_LENGTH", "The body")],
                         description="Markdown. Cite references with numbered markers "
                                     "such as [1], [2,3], [4-6] or [22, p. 4].")
    references = TextAreaField(
        "References", validators=[max_length("MAX_REFERENCES_LENGTH", "The reference list"),
                                 no_script_links],
        description="Number the references in the order they are first cited: 1. or [1] "
                    "at the start of each. A line that does not start with the next number "
                    "continues the reference above it, as in a list pasted from Word or a "
                    "PDF. Without numbers, each line is one reference.")
    tags = StringField("Tags", validators=[Length(max=500), tag_lengths],
                       description="Comma-separated topics, e.g. cardiology, hypertension")
    # Offered on an update only (templates/articles/_change_note_field.html).
    change_note = TextAreaField(change_notes.LABEL, validators=[note_length],
                                description=change_notes.HINT)
    reference_file = FileField(
        "Reference file",
        description="Optional: a RIS, BibTeX or CSL-JSON file. Its references replace the "
                    "list above so you can check them before saving.")
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    # The text the form was opened on (a draft's revision changes in place, so
    # no row keeps it): what a stale form's changes are merged from. Same limits
    # as the fields themselves.
    opened_title = HiddenField(validators=[max_length("MAX_TITLE_LENGTH", "The title")])
    opened_body = HiddenField(validators=[max_length("MAX_BODY_LENGTH", "The body")])
    opened_references = HiddenField(
        validators=[max_length("MAX_REFERENCES_LENGTH", "The reference list")])
    opened_tags = HiddenField(validators=[Length(max=500)])
    opened_change_note = HiddenField(validators=[note_length])
    # Signed: which author opened the form, for keeping it through a login.
    draft_key = HiddenField()
    save = SubmitField("Save draft")
    preview = SubmitField("Preview")
    merge = SubmitField("Apply my changes to the latest version")

    # The main text's fields; the audience versions' (versions.py) follow them.
    TEXT_FIELDS = ("title", "body", "references", "tags", "change_note")

    def __init__(self, *args, **kwargs):
        # One Title, Key points and Body per audience of the site (and the
        # texts they were opened on), added to this form only.
        self.audiences = parse_audiences(current_app.config["AUDIENCES"])
        self._unbound_fields = [*type(self)._unbound_fields,
                                *_version_fields(self.audiences)]
        self.version_fields = versions.field_names(self.audiences)
        self.text_fields = (*self.TEXT_FIELDS, *self.version_fields)
        super().__init__(*args, **kwargs)

    def version_sections(self) -> list[tuple]:
        """(audience, its title, key points and body fields), in the site's order."""
        return [(audience, [self[versions.field_name(audience.key, part)]
                            for part in versions.PARTS]) for audience in self.audiences]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        config = current_app.config
        found = versions.versions_from_texts(self.audiences, self.texts())
        for audience in self.audiences:
            if audience.key not in found:
                continue
            for part, message in versions.version_problems(
                    audience, found[audience.key], config["MAX_TITLE_LENGTH"],
                    config["MAX_BODY_LENGTH"]):
                field = self[versions.field_name(audience.key, part)]
                field.errors = [*field.errors, message]
                ok = False
        return ok

    def fill(self, texts: dict[str, str], opened: dict[str, str]) -> None:
        """Show `texts` in the form, opened on `opened` (missing texts: empty)."""
        for name in self.text_fields:
            self[name].data = texts.get(name, "")
        self.open_on(opened)

    def open_on(self, texts: dict[str, str]) -> None:
        """Keep `texts` as those the form was opened on."""
        for name in self.text_fields:
            _show(self["opened_" + name], texts.get(name, ""))

    def show_version(self, version: int) -> None:
        """The version the next save is checked against (not the one sent)."""
        _show(self.version, version)

    def texts(self, prefix: str = "") -> dict[str, str]:
        """The typed texts, or (prefix "opened_") those the form was opened on."""
        return {name: self[prefix + name].data or "" for name in self.text_fields}


def _show(field, value) -> None:
    field.data, field.raw_data = value, None


def _version_fields(audiences) -> list[tuple]:
    """Unbound fields for each audience's version and the hidden texts it was opened on.
    Their rules (a title and a body, the limits) are checked in DraftForm.validate."""
    fields = []
    for audience in audiences:
        for part in versions.PARTS:
            name = versions.field_name(audience.key, part)
            label = versions.field_label(audience, part)
            kind = StringField if part == "title" else TextAreaField
            limit = ("MAX_TITLE_LENGTH", "The title") if part == "title" else (
                "MAX_BODY_LENGTH", "The text")
            description = {"key_points": "Markdown, usually a short list: what a reader "
                                         "should take away.",
                           "body": "Markdown, citing the references above with the same "
                                   "numbered markers."}.get(part, "")
            fields.append((name, kind(label, description=description)))
            fields.append(("opened_" + name, HiddenField(validators=[max_length(*limit)])))
    return fields


class JatsImportForm(BaseForm):
    jats_file = FileField("JATS XML file", validators=[FileRequired("Choose a JATS XML file.")],
                          description="An article in JATS XML, as PubMed Central and most "
                                      "medical journals publish it.")
