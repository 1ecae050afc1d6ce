"""A reviewer's steps before signing, driven through the test client as a browser would
(issue 14): a verdict on every claim of the review page, saved with "Save verdicts", and
the open citation warnings ticked "I have checked this" on the approve form."""

import html
import re

from reviewapp.reviews.signing import SUPPORTED

CLAIM_KEY = re.compile(r'name="claims-(\d+)-claim_key" type="hidden" value="([^"]+)"')
ACKNOWLEDGED = re.compile(r'name="acknowledged" value="([^"]+)"')


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', page)
    assert match, f"no hidden field {name} on the page"
    return html.unescape(match.group(1))


def claim_keys(page: str) -> list[str]:
    """The claims of the review page's verdict form, in order."""
    return [html.unescape(key) for _, key in CLAIM_KEY.findall(page)]


def verdicts_data(page: str, verdicts=SUPPORTED, notes=None) -> dict:
    """The verdicts form as posted: `verdicts` one verdict for every claim, or a list
    (None: no verdict for that claim); `notes` an optional list of notes."""
    keys = claim_keys(page)
    chosen = [verdicts] * len(keys) if isinstance(verdicts, str) else list(verdicts)
    data = {"content_hash": hidden(page, "content_hash")}
    for n, key in enumerate(keys):
        data[f"claims-{n}-claim_key"] = key
        if chosen[n] is not None:
            data[f"claims-{n}-verdict"] = chosen[n]
        data[f"claims-{n}-note"] = notes[n] if notes else ""
    return data


def open_warning_keys(page: str) -> list[str]:
    """The finding keys of the approve form's "I have checked this" boxes."""
    return [html.unescape(key) for key in ACKNOWLEDGED.findall(page)]


def review_page(client, article_id: int) -> str:
    response = client.get(f"/desk/articles/{article_id}/review")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def save_verdicts(client, article_id: int, verdicts=SUPPORTED, notes=None):
    """Post the verdicts form of the review page; None when the revision has no claims."""
    page = review_page(client, article_id)
    if not claim_keys(page):
        return None
    return client.post(f"/desk/articles/{article_id}/verdicts",
                       data=verdicts_data(page, verdicts, notes))


def sign_data(client, article_id: int, password: str, verdicts: bool = True,
              tick: bool = True) -> dict:
    """The approve form as a reviewer posts it, after saving a "Supported" verdict on
    every claim (`verdicts`) and with every open warning ticked (`tick`)."""
    if verdicts:
        saved = save_verdicts(client, article_id)
        assert saved is None or saved.status_code == 302, saved.get_data(as_text=True)[-2000:]
    page = review_page(client, article_id)
    data = {"password": password, "content_hash": hidden(page, "content_hash")}
    if tick:
        data["acknowledged"] = open_warning_keys(page)
    return data


def sign_directly(article_id: int, reviewer, password: str):
    """approve_revision as a reviewer who judged first: a "Supported" verdict saved on
    every claim of the current revision and every open warning acknowledged. Inside an
    app context; the caller commits."""
    from reviewapp.articles.models import Article
    from reviewapp.citations.services import report_of, waivers_of
    from reviewapp.extensions import db
    from reviewapp.reviews.claims import claims_of, open_warnings, save_verdicts
    from reviewapp.workflow.review_commands import approve_revision

    revision = db.session.get(Article, article_id).current_revision
    claims = claims_of(revision)
    if claims:
        save_verdicts(article_id, reviewer, revision.content_hash,
                      {claim.key: (SUPPORTED, "") for claim in claims})
    warnings = open_warnings(report_of(revision.id), waivers_of(article_id))
    return approve_revision(article_id, reviewer, None, password,
                            acknowledged=[finding.key for finding in warnings])
