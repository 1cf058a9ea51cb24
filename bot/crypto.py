"""Secrets at rest: a MultiFernet key ring, with the owner sealed inside each ciphertext.

The Slack team and user id are encrypted together with the secret and checked on the way out, so a
ciphertext copied into another user's row does not open for that user. Keys are given newest first;
:meth:`KeyRing.rotate` re-encrypts under the newest key so old keys can be retired.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import CredentialError


class KeyRing:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self._newest = Fernet(keys[0].encode())

    def __repr__(self) -> str:
        return "KeyRing(<keys hidden>)"

    def seal(self, secret: dict[str, Any], *, owner: str) -> bytes:
        """Encrypt ``secret`` for ``owner`` (e.g. ``"T0001/U0001"``)."""
        payload = json.dumps({"o": owner, "s": secret}, separators=(",", ":"))
        return self._fernet.encrypt(payload.encode())

    def open(self, token: bytes, *, owner: str) -> dict[str, Any]:
        """Decrypt a sealed secret; raise :class:`CredentialError` unless it belongs to ``owner``."""
        try:
            payload = json.loads(self._fernet.decrypt(token))
        except (InvalidToken, ValueError):
            raise CredentialError(
                "stored credential cannot be decrypted with the configured keys"
            ) from None
        if not isinstance(payload, dict) or payload.get("o") != owner:
            raise CredentialError("stored credential belongs to another user")
        secret = payload.get("s")
        if not isinstance(secret, dict):
            raise CredentialError("stored credential is malformed")
        return secret

    def readable(self, token: bytes) -> bool:
        """True when one of the keys decrypts ``token`` (its owner is not checked): do the
        configured keys still open what is stored?"""
        try:
            self._fernet.decrypt(token)
        except InvalidToken:
            return False
        return True

    def is_current(self, token: bytes) -> bool:
        """True when ``token`` is already encrypted under the newest key."""
        try:
            self._newest.decrypt(token)
        except InvalidToken:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt under the newest key (raises :class:`CredentialError` if no key opens it)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise CredentialError(
                "stored credential cannot be decrypted with the configured keys"
            ) from None
