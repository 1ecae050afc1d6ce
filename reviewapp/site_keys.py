"""The site's Ed25519 signing keys: the current one signs provenance manifests and
published audit-chain heads; retired ones stay published so that what they signed
still verifies. Keys are published as a JWK set (RFC 8037: kty OKP, crv Ed25519),
each named by its RFC 7638 thumbprint. Pure module: no Flask, no SQLAlchemy."""

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

HOW_TO_MAKE_ONE = "python -m reviewapp.site_keys"


class KeySettingError(ValueError):
    """A key setting that cannot be read; the message says why."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_json(value) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """The key's JWK thumbprint (RFC 7638): sha-256 of its required members."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw_public(public))}
    return b64url(hashlib.sha256(canonical_json(members)).digest())


def public_jwk(public: Ed25519PublicKey, status: str = "current") -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(_raw_public(public)),
            "kid": key_id(public), "alg": "EdDSA", "use": "sig", "status": status}


@dataclass(frozen=True)
class SiteKeys:
    private: Ed25519PrivateKey
    retired: tuple[Ed25519PublicKey, ...] = ()

    @property
    def kid(self) -> str:
        return key_id(self.private.public_key())

    def sign(self, payload: bytes) -> str:
        return b64url(self.private.sign(payload))

    def jwks(self) -> dict:
        return {"keys": [public_jwk(self.private.public_key()),
                         *(public_jwk(key, "retired") for key in self.retired)]}


def new_private_key_text() -> str:
    """A new key as SIGNING_KEY takes it: the 32-byte seed, base64url."""
    key = Ed25519PrivateKey.generate()
    return b64url(key.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption()))


def load_private_key(text: str) -> Ed25519PrivateKey:
    """SIGNING_KEY: a PEM private key (PKCS#8) or the base64url 32-byte seed."""
    text = (text or "").strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError) as error:
            raise KeySettingError(
                f"SIGNING_KEY is not a readable PEM private key ({error}).") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeySettingError("SIGNING_KEY must be an Ed25519 key.")
        return key
    try:
        seed = unb64url(text)
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise KeySettingError("SIGNING_KEY must be an Ed25519 private key: PEM, or the 32-byte "
                        f"seed in base64url (43 characters) as `{HOW_TO_MAKE_ONE}` prints.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def load_public_key(text: str) -> Ed25519PublicKey:
    """A retired key in SIGNING_KEYS_RETIRED: base64url of the 32-byte public key
    (a JWK's "x") or a PEM public key."""
    text = (text or "").strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
            if isinstance(key, Ed25519PublicKey):
                return key
            raise ValueError("not Ed25519")
        return Ed25519PublicKey.from_public_bytes(unb64url(text))
    except (binascii.Error, ValueError, TypeError):
        raise KeySettingError(f"SIGNING_KEYS_RETIRED holds {text[:20]!r}…, which is not an Ed25519 "
                        "public key (base64url of 32 bytes, or PEM).") from None


def site_keys(private_text: str, retired_texts) -> SiteKeys:
    retired = tuple(load_public_key(text) for text in (retired_texts or ()))
    return SiteKeys(load_private_key(private_text), retired)


def verify_signature(jwks: dict, kid: str, payload: bytes, signature: str) -> str | None:
    """None when `signature` (base64url) over `payload` verifies under the key `kid`
    of the JWK set `jwks`; else why not, in words."""
    keys = [key for key in (jwks or {}).get("keys", [])
            if isinstance(key, dict) and key.get("kid") == kid]
    if not keys:
        return f"the key {kid!r} is not in the published key set"
    key = keys[0]
    if key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
        return f"the key {kid!r} is not an Ed25519 key"
    try:
        public = Ed25519PublicKey.from_public_bytes(unb64url(str(key.get("x", ""))))
        public.verify(unb64url(signature), payload)
    except (binascii.Error, ValueError):
        return f"the key {kid!r} or the signature is not well formed"
    except InvalidSignature:
        return f"the signature does not match the signed content under key {kid!r}"
    if key_id(public) != kid:
        return f"the key published as {kid!r} has another thumbprint"
    return None


if __name__ == "__main__":  # python -m reviewapp.site_keys: a new key for SIGNING_KEY
    made = new_private_key_text()
    public = load_private_key(made).public_key()
    print(f"SIGNING_KEY={made}")
    print(f"# key id {key_id(public)}; after a rotation, keep the old key published by "
          f"adding its public key {public_jwk(public)['x']} to SIGNING_KEYS_RETIRED")
