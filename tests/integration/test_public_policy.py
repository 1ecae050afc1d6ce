"""/editorial-policy, generated from the live settings so it never disagrees
with the system, with free text an admin adds (audited)."""

import re

import pytest
from sqlalchemy import select

from reviewapp.audit.models import AuditEvent
from reviewapp.lifecycle.states import STATE_LABELS
from reviewapp.public.models import SitePage
from tests.conftest import audit_actions
from tests.integration.test_public_pages import text_of


def policy(client) -> str:
    response = client.get("/editorial-policy")
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


def test_the_policy_is_public_and_states_the_settings(client):
    page = policy(client)
    assert "An article is published only when 2 members of the Medical Advisory Board have " \
           "approved the same version." in page
    assert "reviewed again at least every 365 days" in page
    assert "I have reviewed this revision for medical accuracy and approve it." in page
    assert "Readers never see an article before it has been approved." in page
    for label in STATE_LABELS.values():
        assert label in page
    assert "Corrections and retractions" in page
    assert "Retracted sources" in page and "Reader reports" in page
    assert "This article is for general information" in page  # the disclaimer


@pytest.mark.parametrize(("settings", "expected"), [
    ({"REQUIRED_APPROVALS": 1}, "published only when 1 member of the Medical Advisory Board "
                                "has approved"),
    ({"REQUIRED_APPROVALS": 3}, "published only when 3 members"),
    ({"REVIEW_INTERVAL_DAYS": 180}, "reviewed again at least every 180 days"),
    ({"PUBLISH_BEFORE_APPROVAL": True}, "Articles are shown to readers from the moment they "
                                        "are submitted, before review is complete. Until they "
                                        "are approved they carry the caution “Educational "
                                        "purpose only • Exercise caution as content is pending "
                                        "human review”"),
    ({"MEDICAL_DISCLAIMER": "Talk to your doctor."}, "Medical disclaimer Talk to your doctor."),
])
def test_the_policy_follows_the_live_settings(app, client, settings, expected):
    app.config.update(settings)
    assert expected in policy(client)


def test_an_admin_adds_free_text_which_is_audited(app, client, make_user, login_as, rows):
    admin = make_user(roles=["admin"], name="Ada Admin")
    login_as(admin)
    page = client.get("/editorial-policy").get_data(as_text=True)
    assert 'href="/editorial-policy/edit"' in page
    form = client.get("/editorial-policy/edit").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', form).group(1)
    text = "## Funding\n\nWe accept **no** advertising. <script>alert(1)</script>"
    response = client.post("/editorial-policy/edit", data={"body": text, "token": token})
    assert response.status_code == 302
    html = client.get("/editorial-policy").get_data(as_text=True)
    assert "<h2>Funding</h2>" in html and "<strong>no</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "More about our policy" in html
    with rows() as session:
        stored = session.scalars(select(SitePage)).one()
        assert stored.slug == "editorial-policy" and stored.body == text
        assert stored.updated_by_id == admin.id
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "site_page.updated")).one()
        assert event.details == {"slug": "editorial-policy", "before": "", "after": text}
        assert event.actor_id == admin.id
    # The same text again: nothing recorded. A form made before the change: refused.
    assert client.post("/editorial-policy/edit", data={
        "body": text, "token": re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"',
                                         client.get("/editorial-policy/edit").get_data(
                                             as_text=True)).group(1)}).status_code == 302
    stale = client.post("/editorial-policy/edit", data={"body": "Other", "token": token})
    assert stale.status_code == 409
    assert "This page changed since you opened it — nothing was saved." in stale.get_data(
        as_text=True)
    assert audit_actions(app).count("site_page.updated") == 1


def test_only_admins_edit_the_policy(client, make_user, login_as):
    assert client.get("/editorial-policy/edit").status_code == 302  # to the login page
    login_as(make_user(roles=["editor", "author", "reviewer"]))
    assert client.get("/editorial-policy/edit").status_code == 403
    assert client.post("/editorial-policy/edit",
                       data={"body": "x", "token": "0" * 64}).status_code == 403
    assert "Edit the additional text" not in client.get("/editorial-policy").get_data(
        as_text=True)


def test_the_policy_text_has_a_length_limit(client, make_user, login_as, rows):
    login_as(make_user(roles=["admin"]))
    form = client.get("/editorial-policy/edit").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', form).group(1)
    response = client.post("/editorial-policy/edit", data={"body": "x" * 20_001,
                                                           "token": token})
    assert response.status_code == 400
    with rows() as session:
        assert session.scalars(select(SitePage)).all() == []
