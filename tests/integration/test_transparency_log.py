"""The transparency log: signed chain heads published at /transparency/heads, the
site's keys at /.well-known/reviewapp-keys.json, and `audit verify --against` /
`--from-head`, including against the strongest insider (one who holds the HMAC key
and rewrites an event, recomputing every later hash). On SQLite and PostgreSQL."""

import json

import pytest
import sqlalchemy as sa

from reviewapp.audit import chain
from reviewapp.audit.heads import checked_heads

HMAC_KEY = "insider-knows-this-key"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "AUDIT_HMAC_KEY": HMAC_KEY}


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _events(app, make_user, count):
    """`count` audit events (users created), then the chain head."""
    for _ in range(count):
        make_user(roles=["author"])


def _publish(app) -> tuple[int, str]:
    result = _cli(app, "audit", "publish-head")
    assert result.exit_code == 0, result.output
    seq, _, digest = result.output.split()[2].partition(":")
    return int(seq), digest


def _heads_file(client, tmp_path) -> str:
    path = tmp_path / "heads.json"
    path.write_text(client.get("/transparency/heads").get_data(as_text=True))
    return str(path)


def _table_writes(connection, dialect):
    """Let a test play the insider who got past the append-only triggers."""
    if dialect == "postgresql":
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
    else:
        connection.execute(sa.text("DROP TRIGGER IF EXISTS audit_event_no_update"))
        connection.execute(sa.text("DROP TRIGGER IF EXISTS audit_event_no_delete"))


def _rewrite(app, seq: int, reason: str) -> None:
    """Change event `seq` and recompute its hash and every later one with the HMAC key,
    and move the head row along: the chain then verifies on its own."""
    from reviewapp.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        _table_writes(connection, db.engine.dialect.name)
        rows = connection.execute(sa.text(
            "SELECT seq, canonical, prev_hash FROM audit_event WHERE seq >= :s ORDER BY seq"),
            {"s": seq}).all()
        prev = rows[0].prev_hash
        for row in rows:
            fields = json.loads(row.canonical)
            if row.seq == seq:
                fields["reason"] = reason
            canonical = chain.canonical_json(fields)
            digest = chain.link_hash(prev, canonical, HMAC_KEY.encode())
            connection.execute(sa.text(
                "UPDATE audit_event SET reason = :r, canonical = :c, prev_hash = :p, "
                "hash = :h WHERE seq = :s"),
                {"r": fields["reason"], "c": canonical, "p": prev, "h": digest, "s": row.seq})
            prev = digest
        connection.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h"),
                           {"s": rows[-1].seq, "h": prev})


def _truncate(app, keep: int) -> None:
    from reviewapp.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        _table_writes(connection, db.engine.dialect.name)
        digest = connection.execute(sa.text("SELECT hash FROM audit_event WHERE seq = :s"),
                                    {"s": keep}).scalar_one()
        connection.execute(sa.text("DELETE FROM audit_event WHERE seq > :s"), {"s": keep})
        connection.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h"),
                           {"s": keep, "h": digest})


def test_published_heads_are_signed_with_the_keys_the_site_publishes(app, client, make_user):
    _events(app, make_user, 3)
    first = _publish(app)
    _events(app, make_user, 2)
    second = _publish(app)

    keys = client.get("/.well-known/reviewapp-keys.json")
    assert keys.headers["Cache-Control"] == "public, max-age=3600"
    [key] = keys.get_json()["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["status"]) == (
        "OKP", "Ed25519", "EdDSA", "current")

    page = client.get("/transparency/heads")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "public, max-age=60"
    body = page.get_json()
    # Each head includes the event of its own publication (users 3, then 1 more + 2).
    assert [(h["seq"], h["hash"]) for h in body["heads"]] == [first, second]
    assert first[0] == 4 and second[0] == 7
    assert body["next"] is None and body["keys"].endswith("/.well-known/reviewapp-keys.json")
    assert {h["kid"] for h in body["heads"]} == {key["kid"]}
    assert checked_heads(body["heads"], keys.get_json()) == (dict([first, second]), [])


def test_heads_are_paged_oldest_first_and_full_pages_never_change(app, client, make_user):
    published = [_publish(app) for _ in range(3)]
    page = client.get("/transparency/heads?limit=2")
    assert [h["seq"] for h in page.get_json()["heads"]] == [p[0] for p in published[:2]]
    assert page.headers["Cache-Control"] == "public, max-age=86400, immutable"
    rest = client.get(page.get_json()["next"].replace("http://127.0.0.1:5000", ""))
    assert [h["seq"] for h in rest.get_json()["heads"]] == [published[2][0]]
    assert rest.get_json()["next"] is None
    for query in ("limit=0", "limit=1001", "after=-1", "after=x"):
        refused = client.get(f"/transparency/heads?{query}")
        assert refused.status_code == 400 and "whole number" in refused.get_json()[
            "error"]["message"]


def test_a_log_that_holds_every_published_head_verifies_against_them(
        app, client, make_user, tmp_path):
    _events(app, make_user, 2)
    _publish(app)
    _events(app, make_user, 2)
    last = _publish(app)
    heads = _heads_file(client, tmp_path)
    result = _cli(app, "audit", "verify", "--against", heads)
    assert result.exit_code == 0, result.output
    assert f"All 2 published heads are in the log, the last at event {last[0]}." in result.output
    assert f"Audit chain intact: 6 events, head {last[0]}:{last[1]}" in result.output


def test_the_strongest_insider_rewriting_an_event_before_a_published_head_is_caught(
        app, client, make_user, tmp_path):
    _events(app, make_user, 2)
    early = _publish(app)            # event 3
    _events(app, make_user, 3)
    late = _publish(app)             # event 7
    heads = _heads_file(client, tmp_path)

    _rewrite(app, 5, "nothing happened here")
    plain = _cli(app, "audit", "verify")
    assert plain.exit_code == 0, plain.output  # the chain alone cannot tell
    caught = _cli(app, "audit", "verify", "--against", heads)
    assert caught.exit_code == 1
    assert (f"Audit chain broken at event {late[0]}: it does not match the head published "
            f"for event {late[0]}: the log was rewritten after event {early[0]}, at or "
            f"before event {late[0]}") in caught.output


def test_a_truncated_log_is_caught_by_the_last_published_head(app, client, make_user, tmp_path):
    _events(app, make_user, 2)
    last = _publish(app)
    _events(app, make_user, 1)
    heads = _heads_file(client, tmp_path)
    _truncate(app, 2)
    assert _cli(app, "audit", "verify").exit_code == 0  # consistent on its own
    caught = _cli(app, "audit", "verify", "--against", heads)
    assert caught.exit_code == 1
    assert (f"the log ends at event 2 but the last published head is event {last[0]} "
            "(events were removed from the end)") in caught.output


def test_heads_that_are_not_the_sites_are_refused(app, client, make_user, tmp_path):
    _publish(app)
    page = client.get("/transparency/heads").get_json()
    page["heads"][0]["hash"] = "f" * 64
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(page))
    result = _cli(app, "audit", "verify", "--against", str(path))
    assert result.exit_code == 1
    assert "the head published for event 1 is not the site's: the signature does not match" \
        in result.output
    missing = _cli(app, "audit", "verify", "--against", str(tmp_path / "none.json"))
    assert missing.exit_code != 0 and "Could not read JSON" in missing.output


def test_verifying_from_a_trusted_head_reads_only_what_came_after(app, make_user):
    _events(app, make_user, 4)
    trusted = _publish(app)          # event 5
    _events(app, make_user, 3)
    result = _cli(app, "audit", "verify", "--from-head", f"{trusted[0]}:{trusted[1]}")
    assert result.exit_code == 0, result.output
    assert "Audit chain intact: 3 events, head 8:" in result.output

    _rewrite(app, 7, "changed after the trusted head")
    plain = _cli(app, "audit", "verify", "--from-head", f"{trusted[0]}:{trusted[1]}")
    assert plain.exit_code == 0  # consistent: only published heads or checkpoints tell
    _rewrite(app, 3, "changed before the trusted head")
    moved = _cli(app, "audit", "verify", "--from-head", f"{trusted[0]}:{trusted[1]}")
    assert moved.exit_code == 1
    assert (f"event {trusted[0]} no longer has the trusted head's hash (the log was "
            "rewritten at or before it)") in moved.output
    gone = _cli(app, "audit", "verify", "--from-head", f"99:{'a' * 64}")
    assert gone.exit_code == 1 and "the log has no event 99" in gone.output
    bad = _cli(app, "audit", "verify", "--from-head", "5")
    assert bad.exit_code == 2 and "expected SEQ:HASH" in bad.output
