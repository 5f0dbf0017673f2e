import base64
import hashlib

from service_kit.passwords import hash_password, verify_password


def test_a_hash_verifies_only_its_password() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsE", stored)


def test_salts_are_random_unless_given() -> None:
    assert hash_password("demo") != hash_password("demo")
    assert hash_password("demo", salt=b"s" * 16) == hash_password("demo", salt=b"s" * 16)


def test_the_format_is_plain_scrypt() -> None:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"demo", salt=salt, n=2**14, r=8, p=1)
    assert hash_password("demo", salt=salt).split("$")[4:] == [
        base64.b64encode(salt).decode(),
        base64.b64encode(digest).decode(),
    ]


def test_malformed_or_foreign_hashes_never_verify() -> None:
    assert not verify_password("demo", "")
    assert not verify_password("demo", "bcrypt$1$2$3$c2FsdA==$aGFzaA==")
    assert not verify_password("demo", "scrypt$x$8$1$c2FsdA==$aGFzaA==")
