"""Hardening 2, item 3: absolute URLs come from SITE_URL, never from the Host
header a client sends, and gunicorn trusts no forwarded headers of its own
(proxy trust is the app's TRUSTED_PROXIES alone)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.integration.test_public_pages import Publisher

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://medical.example.org/review"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SITE_URL": SITE}


def _urls(value, key=""):
    """The links of a JSON document: values of keys named `url`, `*_url` or `next`."""
    if isinstance(value, dict):
        return [u for k, v in value.items() for u in _urls(v, k)]
    if isinstance(value, list):
        return [u for v in value for u in _urls(v, key)]
    linky = key in ("url", "next") or key.endswith("_url")
    return [value] if linky and isinstance(value, str) else []


def test_api_links_name_the_site_whatever_host_the_client_sends(app, rows, client):
    publisher = Publisher(app, rows)
    slug = publisher.approved()
    publisher.approved(title="Paracetamol for fever")
    headers = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
               "X-Forwarded-Proto": "http"}
    listing = client.get("/api/v1/articles?limit=1", headers=headers).get_json()
    item = client.get(f"/api/v1/articles/{slug}", headers=headers).get_json()
    urls = _urls(listing) + _urls(item)
    newest = listing["items"][0]["slug"]
    assert f"{SITE}/articles/{slug}" in urls
    assert f"{SITE}/api/v1/articles/{newest}" in urls
    assert any(u.startswith(f"{SITE}/api/v1/articles?") and "cursor=" in u for u in urls)
    assert item["review"]["editorial_policy_url"].startswith(SITE + "/")
    site_links = [u for u in urls if u.startswith(SITE + "/")]
    assert len(site_links) >= 5
    assert not [u for u in urls if "evil.example" in u or "localhost" in u]


def test_the_api_etag_does_not_vary_with_the_host_header(app, rows, client):
    slug = Publisher(app, rows).approved()
    tags = {client.get(f"/api/v1/articles/{slug}", headers={"Host": host}).headers["ETag"]
            for host in ("localhost", "evil.example")}
    assert len(tags) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_started_from_the_project_ignores_forwarded_proto_from_localhost(tmp_path):
    """gunicorn's default would believe X-Forwarded-Proto from 127.0.0.1."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind",
             f"127.0.0.1:{port}", "tests.wsgi_scheme:app"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/", timeout=5,
                                      headers={"X-Forwarded-Proto": "https",
                                               "X-Forwarded-Ssl": "on",
                                               "X-Forwarded-For": "203.0.113.9"})
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert answer.text == "http 127.0.0.1"
    finally:
        server.terminate()
        server.wait(timeout=30)
