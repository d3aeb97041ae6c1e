"""X-Viber-Content-Signature: a vector computed outside okno (openssl dgst -sha256 -hmac), a one-byte change,
re-serialized JSON, and missing or malformed headers."""

from __future__ import annotations

import pytest

from channels.viber.verify import sign, signature_ok

TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"  # the shape of a bot's auth token
BODY = b'{"event":"webhook","timestamp":1764490000123,"message_token":4912661846655238145}'
# printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$TOKEN"
VECTOR = "34be6f65349b94f8d9df7e79c2708226364f8b6ecac6fd44a5215a82f7b230f0"


def test_openssl_vector() -> None:
    assert len(BODY) == 81
    assert sign(TOKEN, BODY) == VECTOR and signature_ok(TOKEN, BODY, VECTOR)


@pytest.mark.parametrize("position", [0, 40, 80])
def test_one_byte_changed_fails(position: int) -> None:
    altered = bytearray(BODY)
    altered[position] ^= 0x01
    assert not signature_ok(TOKEN, bytes(altered), VECTOR)


def test_reserialized_json_fails() -> None:
    spaced = BODY.replace(b",", b", ")
    assert not signature_ok(TOKEN, spaced, VECTOR)


def test_another_bots_token_fails() -> None:
    assert not signature_ok(TOKEN + "x", BODY, VECTOR)


@pytest.mark.parametrize("header", [None, "", VECTOR.upper(), "sha256=" + VECTOR, VECTOR[:-1]])
def test_missing_or_malformed_header_fails(header: str | None) -> None:
    assert not signature_ok(TOKEN, BODY, header)


def test_no_token_never_matches() -> None:
    assert not signature_ok("", BODY, sign("", BODY))
