"""The signature vectors of ../shared/corpus/whatsapp/README.md, a one-byte change, and the GET handshake."""

from __future__ import annotations

import pytest

from channels.whatsapp.verify import challenge_answer, sign, signature_ok
from tests.corpus import CORPUS

SECRET = "corpus-app-secret"  # the corpus README's published test secret
EMPTY = b'{"object":"whatsapp_business_account","entry":[]}'
EMPTY_SIG = "sha256=c577dcf730aa54b1ac05dabefa4a8b7fd9c1817ba8199a4309d7ad5378e8543e"
TEXT_SIG = "sha256=9a27b31850ce940812a0685bbf51c145fd217aaab0b40b60228a5474963b832d"


def test_readme_vectors() -> None:
    body = (CORPUS / "whatsapp" / "pywa__message__text.json").read_bytes()
    assert len(EMPTY) == 49 and len(body) == 1034
    assert sign(SECRET, EMPTY) == EMPTY_SIG and signature_ok(SECRET, EMPTY, EMPTY_SIG)
    assert signature_ok(SECRET, body, TEXT_SIG)


@pytest.mark.parametrize("position", [0, 20, 48])
def test_one_byte_changed_fails(position: int) -> None:
    altered = bytearray(EMPTY)
    altered[position] ^= 0x01
    assert not signature_ok(SECRET, bytes(altered), EMPTY_SIG)


def test_reserialized_json_fails() -> None:
    compact = b'{"object": "whatsapp_business_account", "entry": []}'
    assert not signature_ok(SECRET, compact, EMPTY_SIG)


@pytest.mark.parametrize(
    "header", [None, "", "sha256=", EMPTY_SIG.upper(), EMPTY_SIG.removeprefix("sha256=")]
)
def test_missing_or_malformed_header_fails(header: str | None) -> None:
    assert not signature_ok(SECRET, EMPTY, header)


def test_no_secret_never_passes() -> None:
    assert not signature_ok("", EMPTY, sign("", EMPTY))


def test_handshake() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "vt-1", "hub.challenge": "1158201444"}
    assert challenge_answer("vt-1", query) == "1158201444"
    assert challenge_answer("vt-2", query) is None
    assert challenge_answer("vt-1", {**query, "hub.mode": "unsubscribe"}) is None
    assert challenge_answer("", {**query, "hub.verify_token": ""}) is None
