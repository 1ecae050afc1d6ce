"""The site's Ed25519 keys: the JWK form and thumbprint (RFC 8037's own examples), the
settings it reads, and signed audit heads."""

import pytest

from reviewapp.audit.heads import checked_heads, head_statement
from reviewapp.site_keys import (
    KeySettingError,
    load_private_key,
    new_private_key_text,
    public_jwk,
    site_keys,
    verify_signature,
)

# RFC 8037, appendix A.1 (the key), A.3 (its thumbprint) and A.4 (a signature).
RFC_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC_INPUT = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
RFC_SIGNATURE = ("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr"
                 "_MuM0KAg")


def test_the_rfc_8037_key_gives_its_published_jwk_thumbprint_and_signature():
    keys = site_keys(RFC_D, [])
    jwk = public_jwk(keys.private.public_key())
    assert (jwk["kty"], jwk["crv"], jwk["x"], jwk["kid"]) == ("OKP", "Ed25519", RFC_X, RFC_KID)
    assert keys.sign(RFC_INPUT) == RFC_SIGNATURE  # Ed25519 signatures are deterministic
    assert verify_signature(keys.jwks(), RFC_KID, RFC_INPUT, RFC_SIGNATURE) is None


def test_a_signature_is_refused_with_the_reason():
    keys = site_keys(RFC_D, [])
    jwks = keys.jwks()
    assert "does not match" in verify_signature(jwks, RFC_KID, RFC_INPUT + b"x", RFC_SIGNATURE)
    assert "not in the published key set" in verify_signature(
        jwks, "another", RFC_INPUT, RFC_SIGNATURE)
    other = site_keys(new_private_key_text(), []).jwks()
    other["keys"][0]["kid"] = RFC_KID  # someone else's key published under this id
    assert verify_signature(other, RFC_KID, RFC_INPUT, RFC_SIGNATURE) is not None


def test_retired_keys_stay_published_and_still_verify():
    old = site_keys(RFC_D, [])
    signed = old.sign(b"approved in 2025")
    rotated = site_keys(new_private_key_text(), [RFC_X])
    assert [k["status"] for k in rotated.jwks()["keys"]] == ["current", "retired"]
    assert rotated.kid != RFC_KID
    assert verify_signature(rotated.jwks(), RFC_KID, b"approved in 2025", signed) is None


@pytest.mark.parametrize("text, message", [
    ("", "32-byte seed"),
    ("not a key", "32-byte seed"),
    (RFC_X + "AAAA", "32-byte seed"),
    ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "not a readable PEM"),
])
def test_a_bad_signing_key_setting_is_named(text, message):
    with pytest.raises(KeySettingError, match=message):
        load_private_key(text)


def test_a_bad_retired_key_is_named():
    with pytest.raises(KeySettingError, match="SIGNING_KEYS_RETIRED"):
        site_keys(RFC_D, ["short"])


def _head(keys, seq=7, hash_="a" * 64, at="2026-11-30T09:00:00.000000Z"):
    return {"seq": seq, "hash": hash_, "published_at": at, "kid": keys.kid,
            "signature": keys.sign(head_statement(seq, hash_, at, keys.kid))}


def test_published_heads_are_checked_one_by_one():
    keys = site_keys(RFC_D, [])
    good = [_head(keys, 3, "b" * 64), _head(keys, 7)]
    assert checked_heads(good, keys.jwks()) == ({3: "b" * 64, 7: "a" * 64}, [])

    moved = dict(_head(keys), seq=6)  # a head re-labelled for another event
    forged = _head(site_keys(new_private_key_text(), []))
    _, problems = checked_heads([moved, forged, {"seq": "1"}], keys.jwks())
    assert problems == [
        "the head published for event 6 is not the site's: the signature does not match "
        f"the signed content under key {keys.kid!r}",
        f"the head published for event 7 is not the site's: the key {forged['kid']!r} is "
        "not in the published key set",
        "published head 3 is not well formed (seq, hash, published_at, kid, signature)"]
    twice = [_head(keys), _head(keys, hash_="c" * 64)]
    assert checked_heads(twice, keys.jwks())[1] == [
        "two heads were published for event 7 with different hashes"]
