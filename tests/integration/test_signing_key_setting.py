"""SIGNING_KEY: required (and named) on PostgreSQL outside tests, generated once into
the instance folder on SQLite, refused with a reason when it cannot be read."""

import pytest

from reviewapp import create_app
from reviewapp.app import ConfigurationError
from reviewapp.site_keys import load_private_key, new_private_key_text, public_jwk

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/example"  # never connected to here


@pytest.fixture
def instance(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "SIGNING_KEY", "REVIEWAPP_SIGNING_KEY", "DATABASE_URL",
                 "REVIEWAPP_DATABASE_URL", "REVIEWAPP_SIGNING_KEYS_RETIRED"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "instance"
    monkeypatch.setenv("REVIEWAPP_INSTANCE_PATH", str(folder))
    return folder


def test_postgresql_without_a_signing_key_refuses_to_start_naming_it(instance):
    with pytest.raises(ConfigurationError,
                       match=r"SIGNING_KEY is not set\. With a PostgreSQL DATABASE_URL every "
                             r"server must sign .* `python -m reviewapp\.site_keys` prints"):
        create_app({"DATABASE_URL": POSTGRES_URL, "SECRET_KEY": "s"})


def test_the_environment_key_is_used_the_same_by_every_server(instance, monkeypatch):
    key = new_private_key_text()
    monkeypatch.setenv("SIGNING_KEY", key)
    kid = public_jwk(load_private_key(key).public_key())["kid"]
    first = create_app({"DATABASE_URL": POSTGRES_URL, "SECRET_KEY": "s"})
    second = create_app({"DATABASE_URL": POSTGRES_URL, "SECRET_KEY": "s"})
    assert first.extensions["site_keys"].kid == second.extensions["site_keys"].kid == kid
    with first.test_client() as client:
        assert [k["kid"] for k in client.get(
            "/.well-known/reviewapp-keys.json").get_json()["keys"]] == [kid]


def test_sqlite_generates_one_key_into_the_instance_folder(instance):
    first, second = create_app(), create_app()
    key_file = instance / "signing_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert first.extensions["site_keys"].kid == second.extensions["site_keys"].kid == (
        public_jwk(load_private_key(key_file.read_text()).public_key())["kid"])


@pytest.mark.parametrize("value, message", [
    ("", "SIGNING_KEY must be an Ed25519 private key"),
    ("secret", "SIGNING_KEY must be an Ed25519 private key"),
])
def test_an_unreadable_key_refuses_to_start(instance, monkeypatch, value, message):
    monkeypatch.setenv("SIGNING_KEY", value)
    with pytest.raises(ConfigurationError, match=message):
        create_app()


def test_retired_keys_are_published_beside_the_current_one(instance, monkeypatch):
    old = load_private_key(new_private_key_text()).public_key()
    monkeypatch.setenv("REVIEWAPP_SIGNING_KEYS_RETIRED", public_jwk(old)["x"])
    app = create_app()
    keys = app.test_client().get("/.well-known/reviewapp-keys.json").get_json()["keys"]
    assert [(k["status"], k["kid"]) for k in keys][1] == ("retired", public_jwk(old)["kid"])
    assert len(keys) == 2
