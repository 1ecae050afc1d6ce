"""The "Publish at" form of the desk article page, and what its box shows."""

from datetime import UTC

from flask_login import current_user
from wtforms import DateTimeLocalField
from wtforms.validators import InputRequired

from reviewapp.accounts.permissions import can_schedule_publication
from reviewapp.articles.models import Article
from reviewapp.forms import VersionedForm
from reviewapp.workflow.scheduling import may_schedule


class PublishAtForm(VersionedForm):
    publish_at = DateTimeLocalField(
        "Publish at (UTC)", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        validators=[InputRequired("Give the date and time to publish at, in UTC.")],
        description="In UTC (Coordinated Universal Time), not your local time. Readers "
                    "see the approved revision from then on; until then they see the "
                    "previous approved one, or nothing.")


def schedule_context(article: Article, publish_form: PublishAtForm | None = None) -> dict:
    """For templates/workflow/_publish_at.html: the form (with what was typed, after
    a refusal) and whether this user may use it on this article now."""
    form = publish_form or PublishAtForm(formdata=None, version=article.version)
    if publish_form is None and article.publish_at is not None:
        form.publish_at.data = article.publish_at.astimezone(UTC).replace(tzinfo=None)
    return {"publish_form": form,
            "may_schedule": can_schedule_publication(current_user) and may_schedule(article)}
