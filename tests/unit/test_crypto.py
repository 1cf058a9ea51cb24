from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.crypto import KeyRing
from bot.errors import CredentialError

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_round_trip_for_the_owner() -> None:
    ring = KeyRing([NEW])
    sealed = ring.seal({"access_token": "at-1"}, owner="T1/U1")
    assert b"at-1" not in sealed
    assert ring.open(sealed, owner="T1/U1") == {"access_token": "at-1"}


def test_copied_ciphertext_does_not_open_for_another_user() -> None:
    ring = KeyRing([NEW])
    sealed = ring.seal({"access_token": "at-1"}, owner="T1/U1")
    with pytest.raises(CredentialError, match="another user"):
        ring.open(sealed, owner="T1/U2")


def test_tampered_or_foreign_ciphertext_is_refused_without_leaking() -> None:
    sealed = KeyRing([OLD]).seal({"p": "hunter2"}, owner="T1/U1")
    with pytest.raises(CredentialError) as caught:
        KeyRing([NEW]).open(sealed, owner="T1/U1")
    assert "hunter2" not in str(caught.value)


def test_rotation_moves_to_the_newest_key_and_old_key_can_go() -> None:
    sealed = KeyRing([OLD]).seal({"p": "x"}, owner="o")
    both = KeyRing([NEW, OLD])
    assert not both.is_current(sealed)
    rotated = both.rotate(sealed)
    assert both.is_current(rotated)
    assert KeyRing([NEW]).open(rotated, owner="o") == {"p": "x"}


def test_repr_hides_keys() -> None:
    assert NEW not in repr(KeyRing([NEW]))
