"""The audit browser's filter form (a GET form: filters go in the URL, so a
filtered view or export can be bookmarked and shared)."""

from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from reviewapp.audit.queries import AuditFilter
from reviewapp.forms import BaseForm
from reviewapp.routing import MAX_ID

FILTER_FIELDS = ("actor", "action", "article", "object_type", "object_id", "since", "until",
                 "q")


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # reads only

    actor = StringField("Actor", validators=[Optional(), Length(max=320)],
                        description="Email address or user id.")
    action = StringField("Action", validators=[Optional(), Length(max=64)],
                         description="An action, or a prefix such as article.")
    article = IntegerField("Article id", validators=[Optional(), NumberRange(
        min=1, max=MAX_ID, message=f"Article id must be a whole number from 1 to {MAX_ID}.")])
    object_type = StringField("Object type", validators=[Optional(), Length(max=32)])
    object_id = StringField("Object id", validators=[Optional(), Length(max=64)])
    since = DateField("From (UTC date)", validators=[Optional()])
    until = DateField("To (UTC date)", validators=[Optional()])
    q = StringField("Text", validators=[Optional(), Length(max=200)],
                    description="In the reason, details or actor; taken literally.")

    actor_id: int | None = None

    def validate_actor(self, field):
        from reviewapp.accounts.services import find_user_by_email, get_user
        from reviewapp.errors import NotFound

        value = (field.data or "").strip()
        if not value:
            return
        if value.isdigit():
            if not (value.isascii() and len(value) <= len(str(MAX_ID))
                    and int(value) <= MAX_ID):  # no such id, and none to ask the database
                raise ValidationError("There is no user with this id.")
            try:
                self.actor_id = get_user(int(value)).id
            except NotFound:
                raise ValidationError("There is no user with this id.") from None
            return
        user = find_user_by_email(value)
        if user is None:
            raise ValidationError("There is no user with this email address.")
        self.actor_id = user.id

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")

    def to_filter(self) -> AuditFilter:
        def text(field):
            return (field.data or "").strip() or None

        return AuditFilter(actor_id=self.actor_id, action=text(self.action),
                           article_id=self.article.data, object_type=text(self.object_type),
                           object_id=text(self.object_id), since=self.since.data,
                           until=self.until.data, text=text(self.q))

    def query_args(self) -> dict:
        """The filters as URL parameters, as they were typed (for links)."""
        return {name: value for name in FILTER_FIELDS
                if (value := (self[name].raw_data or [""])[0].strip())}
