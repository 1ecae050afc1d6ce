"""Signed provenance of a published page: /articles/<slug>/provenance.json, checked by
`provenance verify` and by the pure checker a reader could write. A tampered byte of
the content, a swapped signer, a wrong key and a page whose API text differs are each
refused with the reason. On SQLite and PostgreSQL."""

import copy
import hashlib
import json

import pytest
from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, AudienceVersion, Revision
from reviewapp.audit.chain import format_time
from reviewapp.audit.models import AuditEvent
from reviewapp.extensions import cache
from reviewapp.provenance_check import api_content_hash, check_provenance
from reviewapp.site_keys import canonical_json, new_private_key_text, site_keys
from tests.integration.test_public_pages import Publisher


@pytest.fixture
def published(app, rows):
    publisher = Publisher(app, rows)
    slug = publisher.approved()
    return publisher, slug


def _manifest(client, slug) -> dict:
    response = client.get(f"/articles/{slug}/provenance.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    # Revalidated at every visit, kept by shared caches like the page (page_cache.py).
    assert response.headers["Cache-Control"] == "public, max-age=0, must-revalidate, s-maxage=60"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # for anyone's checker
    return response.get_json()


def _jwks(client) -> dict:
    return client.get("/.well-known/reviewapp-keys.json").get_json()


def _api(client, slug) -> dict:
    return client.get(f"/api/v1/articles/{slug}").get_json()


def test_the_manifest_names_what_was_signed_by_whom_and_where_it_is_in_the_chain(
        client, rows, published):
    _, slug = published
    with rows() as session:
        rita = session.scalar(select(User).where(User.display_name == "Dr. Rita Reviewer"))
        rita.credentials, rita.specialty = "MD, FRCA", "Anaesthesia"
        session.commit()
    document = _manifest(client, slug)
    payload = document["payload"]
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        revision = session.get(Revision, article.approved_revision_id)
        approval = session.scalar(select(AuditEvent).where(
            AuditEvent.article_id == article.id, AuditEvent.action == "article.approved"))
        assert payload["revision"]["content_hash"] == revision.content_hash
        assert payload["revision"]["number"] == revision.number == 1
        assert payload["revision"]["content"]["title"] == "Ibuprofen for back pain"
        assert payload["approval_event"] == {
            "action": "article.approved", "seq": approval.seq, "hash": approval.hash,
            "occurred_at": payload["revision"]["approved_at"]}
        assert payload["revision"]["approved_at"] == format_time(approval.occurred_at)
        # Approved and public at once here: published when approved (to the microsecond,
        # both taken in the approval's transaction, the event a moment later).
        assert payload["revision"]["published_at"] == format_time(revision.approved_at)
        assert revision.approved_at <= approval.occurred_at
    assert [s["name"] for s in payload["signers"]] == ["Dr. Rita Reviewer", "Dr. Sam Second"]
    # Credentials as their public profiles give them.
    assert [(s["credentials"], s["specialty"], s["orcid"]) for s in payload["signers"]] == [
        ("MD, FRCA", "Anaesthesia", None), (None, None, None)]
    assert {s["content_hash"] for s in payload["signers"]} == {
        payload["revision"]["content_hash"]}
    assert all(s["meaning"] and s["signed_at"].endswith("Z") for s in payload["signers"])
    assert payload["citation_report"]["references"] == 6
    assert payload["article"]["api_url"].endswith(f"/api/v1/articles/{slug}")
    # The content hashes to the hash reviewers signed, and so does the API's text.
    assert hashlib.sha256(canonical_json(payload["revision"]["content"])).hexdigest() == \
        payload["revision"]["content_hash"] == api_content_hash(_api(client, slug))
    assert check_provenance(document, _jwks(client), _api(client, slug)) == []
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert f'href="/articles/{slug}/provenance.json"' in page and "Verify this page" in page


def test_audience_versions_are_part_of_the_signed_content(app, client, rows, published):
    publisher, slug = published
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        revision_id = article.approved_revision_id
    # A second revision with a patient version, approved like the first.
    article_id = publisher.new_version_in_review(slug)
    with rows() as session:
        revision = session.scalar(select(Revision).where(Revision.article_id == article_id)
                                  .order_by(Revision.number.desc()))
        assert revision.id != revision_id
    document = _manifest(client, slug)
    assert "versions" not in document["payload"]["revision"]["content"]
    with rows() as session:
        session.add(AudienceVersion(revision_id=revision_id, audience="patient",
                                    title="Ibuprofen", key_points="- Take it with food",
                                    body="Ibuprofen eases back pain [1]."))
        session.commit()
    with app.app_context():  # made behind the app's back: served once rendered anew
        cache.clear()
    # A version added behind the reviewers' backs: the page's content no longer hashes to
    # what they signed, and the checker says so.
    changed = _manifest(client, slug)
    assert changed["payload"]["revision"]["content"]["versions"][0]["audience"] == "patient"
    problems = check_provenance(changed, _jwks(client))
    assert problems == [
        "The content does not match its hash: it hashes to "
        f"{hashlib.sha256(canonical_json(changed['payload']['revision']['content'])).hexdigest()}"
        f", the manifest says {changed['payload']['revision']['content_hash']}."]


def test_a_tampered_byte_a_swapped_signer_and_a_wrong_key_are_each_refused(client, published):
    _, slug = published
    document, jwks = _manifest(client, slug), _jwks(client)

    tampered = copy.deepcopy(document)
    tampered["payload"]["revision"]["content"]["body"] = tampered["payload"]["revision"][
        "content"]["body"].replace("Ibuprofen", "Ibuprofem", 1)
    problems = check_provenance(tampered, jwks)
    assert problems[0].startswith("The signature is not the site's: the signature does not "
                                  "match the signed content")
    assert problems[1].startswith("The content does not match its hash")

    swapped = copy.deepcopy(document)
    swapped["payload"]["signers"][0]["name"] = "Dr. Someone Else"
    assert check_provenance(swapped, jwks) == [
        "The signature is not the site's: the signature does not match the signed content "
        f"under key {document['kid']!r}."]

    other = site_keys(new_private_key_text(), [])
    resigned = dict(document, kid=other.kid,
                    signature=other.sign(canonical_json(document["payload"])))
    assert check_provenance(resigned, jwks) == [
        f"The signature is not the site's: the key {other.kid!r} is not in the published "
        "key set."]
    assert check_provenance(document, other.jwks())[0].startswith(
        "The signature is not the site's: the key")

    api = _api(client, slug)
    api["markdown"] += " Take 800 mg."
    assert check_provenance(document, jwks, api)[0].startswith(
        "The text the API serves hashes to ")


def test_provenance_verify_checks_a_saved_manifest_and_names_each_problem(
        app, client, published, tmp_path):
    _, slug = published
    document = _manifest(client, slug)
    saved, api = tmp_path / "provenance.json", tmp_path / "api.json"
    saved.write_text(json.dumps(document))
    api.write_text(json.dumps(_api(client, slug)))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["provenance", "verify", str(saved), "--api", str(api)])
    assert ok.exit_code == 0, ok.output
    assert (f"Signed by the site key {document['kid']}: revision 1 of {slug}, content hash "
            f"{document['payload']['revision']['content_hash']}, approved by Dr. Rita "
            "Reviewer, Dr. Sam Second.") in ok.output
    assert "The text the API serves is the signed text." in ok.output

    document["payload"]["signers"].reverse()
    saved.write_text(json.dumps(document))
    refused = runner.invoke(args=["provenance", "verify", str(saved)])
    assert refused.exit_code == 1
    assert "The signature is not the site's: the signature does not match" in refused.output


def test_a_page_never_approved_has_no_provenance(client, rows, app):
    publisher = Publisher(app, rows)
    article_id = publisher.submitted()
    with rows() as session:
        slug = session.get(Article, article_id).slug
    response = client.get(f"/articles/{slug}/provenance.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "There is no such article."


def test_the_readme_script_verifies_a_page_with_the_public_key_alone(
        client, published, monkeypatch):
    """The third party's script in README "Verify a page", run as written (its two URLs
    pointed at this site), passes; with one byte of the served body changed it raises."""
    import io
    import re
    import urllib.request
    from pathlib import Path

    from cryptography.exceptions import InvalidSignature

    _, slug = published
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    script = re.search(r"## Verify a page.*?```python\n(.*?)```", readme, re.S)[1]
    script = script.replace("https://example.org/articles/some-slug/",
                            f"https://example.org/articles/{slug}/")
    served = {}

    def urlopen(url, *args, **kwargs):
        body = client.get(url.removeprefix("https://example.org")).get_data()
        return io.BytesIO(served.get("change", lambda b: b)(body))

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    exec(compile(script, "README.md", "exec"), {})  # noqa: S102 - our own README
    served["change"] = lambda body: body.replace(b"Ibuprofen reduces", b"Ibuprofen cures", 1)
    with pytest.raises(InvalidSignature):
        exec(compile(script, "README.md", "exec"), {})  # noqa: S102
