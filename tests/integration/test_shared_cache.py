"""Two gunicorn instances on one PostgreSQL database sharing the page cache in
Redis (CACHE_REDIS_URL), as behind a load balancer (issue 19): a page one
instance rendered is served by the other from Redis, and an approval made
meanwhile is what the next reader sees on either. How each answer was made is
read from each instance's /metrics (one worker each, so its counts are exact)."""

import re
import uuid

import pytest
import requests

from tests.conftest import REQUIRE_POSTGRES, TEST_DATABASE_URL
from tests.integration.test_page_freshness import REDIS_URL
from tests.integration.test_public_pages import Publisher, text_of
from tests.live import HTTP_TIMEOUT, LiveServer

pytestmark = pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=[
    pytest.mark.postgres_only,
    pytest.mark.skipif(not TEST_DATABASE_URL and not REQUIRE_POSTGRES,
                       reason="TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)")])],
    indirect=True)


@pytest.fixture
def pair(database_url, tmp_path):
    prefix = f"test-{uuid.uuid4().hex}:"
    servers = [LiveServer(database_url, tmp_path / f"{name}.log", workers=1,
                          instance_path=tmp_path / f"instance-{name}",
                          env={"CACHE_REDIS_URL": REDIS_URL,
                               "REVIEWAPP_CACHE_KEY_PREFIX": prefix}) for name in "ab"]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.close()
    for server in servers:
        assert "Traceback" not in server.log_path.read_text(), server.log_path.read_text()


def answers(server: LiveServer) -> dict[str, float]:
    """The instance's page-cache answers so far (reviewapp_page_cache_answers_total)."""
    text = requests.get(server.url + "/metrics", timeout=HTTP_TIMEOUT).text
    return {answer: float(value) for answer, value in re.findall(
        r'^reviewapp_page_cache_answers_total\{answer="(\w+)"\} (\S+)$', text, re.M)}


def read(server: LiveServer, path: str) -> requests.Response:
    response = requests.get(server.url + path, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    return response


def test_one_instance_serves_what_the_other_rendered_and_both_see_an_approval(
        app, rows, pair):
    a, b = pair
    publisher = Publisher(app, rows)
    slug = publisher.approved()
    page = f"/articles/{slug}"

    first = read(a, page)
    assert answers(a) == {"miss": 1.0}
    again = read(b, page)  # the other instance: from Redis, not rendered again
    assert again.headers["ETag"] == first.headers["ETag"]
    assert answers(b) == {"hit": 1.0}
    assert again.text == first.text and again.headers["ETag"] == first.headers["ETag"]
    assert read(b, page).status_code == 200 and answers(b) == {"hit": 2.0}

    # An update is approved (through the services, on the same database).
    article_id = publisher.new_version_in_review(slug, body="Take 400 mg at most [1].")
    publisher.review(article_id, ("Dr. Una Update", "Dr. Vic Verify"))
    updated = read(b, page)
    assert "Take 400 mg at most" in text_of(updated.text)
    assert updated.headers["ETag"] != first.headers["ETag"]
    assert answers(b) == {"hit": 2.0, "miss": 1.0}
    assert read(a, page).text == updated.text and answers(a) == {"miss": 1.0, "hit": 1.0}
    # A reader holding the old copy is sent the new one; the new copy gets a 304.
    assert requests.get(a.url + page, headers={"If-None-Match": first.headers["ETag"]},
                        timeout=HTTP_TIMEOUT).status_code == 200
    assert requests.get(a.url + page, headers={"If-None-Match": updated.headers["ETag"]},
                        timeout=HTTP_TIMEOUT).status_code == 304
