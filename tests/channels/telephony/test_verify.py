"""The corpus signature vectors pass okno's verifiers; a one-byte change in the body or signature fails."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from channels.telephony.verify import (
    mango_ok,
    mango_sign,
    twilio_ok,
    zadarma_api_auth,
    zadarma_ok,
    zadarma_signature,
)
from tests.corpus import CORPUS


def _vectors(provider: str, name: str = "signature_vectors.json") -> list[dict[str, object]]:
    data = json.loads((CORPUS / "telephony" / provider / name).read_text(encoding="utf-8"))
    return list(data["vectors"])


def _flip(text: str) -> str:
    """One byte changed: the last character moved to a neighbour."""
    return text[:-1] + chr(ord(text[-1]) ^ 1)


TWILIO = _vectors("twilio")
ZADARMA = _vectors("zadarma")


def _twilio_body(vector: dict[str, object]) -> tuple[bytes, str]:
    if "raw_body" in vector:
        return str(vector["raw_body"]).encode(), "application/json"
    pairs = [(str(k), str(v)) for k, v in vector["form_params"]]  # type: ignore[attr-defined]
    return urlencode(pairs).encode(), "application/x-www-form-urlencoded"


@pytest.mark.parametrize("vector", TWILIO, ids=lambda v: str(v["name"]))
def test_twilio_vector(vector: dict[str, object]) -> None:
    body, content_type = _twilio_body(vector)
    token, url, signature = (
        str(vector["auth_token"]),
        str(vector["request_url"]),
        str(vector["expected_x_twilio_signature"]),
    )
    assert twilio_ok(token, url, body, content_type, signature)
    assert not twilio_ok(token, url, body, content_type, _flip(signature))
    assert not twilio_ok(token, url, body[:-1] + bytes([body[-1] ^ 1]), content_type, signature)


@pytest.mark.parametrize("vector", ZADARMA, ids=lambda v: str(v["event"]))
def test_zadarma_vector(vector: dict[str, object]) -> None:
    fields = {str(k): str(v) for k, v in vector["post_fields"].items()}  # type: ignore[attr-defined]
    secret, expected = str(vector["secret"]), str(vector["expected_signature_header"])
    assert zadarma_signature(secret, fields) == expected
    assert zadarma_ok(secret, fields, expected)
    assert not zadarma_ok(secret, fields, str(vector["wrong_if_you_base64_the_raw_digest"]))
    signed = vector["signed_fields_in_order"][0]  # type: ignore[index]
    assert not zadarma_ok(secret, {**fields, signed: _flip(fields[signed])}, expected)


def test_zadarma_api_authorization_vector() -> None:
    vector = json.loads(
        (CORPUS / "telephony/zadarma/api_auth_header_vector.json").read_text(encoding="utf-8")
    )
    header = zadarma_api_auth(vector["key"], vector["secret"], vector["method"], vector["params"])
    assert header == vector["authorization_header"]


def test_mango_vectors() -> None:
    library_callback, recording_link, event = _vectors("mango_office")
    assert mango_sign("123", "[object Object]", "789") == library_callback["expected_sign"]
    assert mango_sign("123", "1525597727500Rofkdgl33fd=", "789") == recording_link["expected_sign"]
    fields = {str(k): str(v) for k, v in event["form_body_fields"].items()}  # type: ignore[attr-defined]
    assert mango_ok(str(event["vpbx_api_key"]), str(event["api_salt"]), fields)
    assert not mango_ok(
        str(event["vpbx_api_key"]), str(event["api_salt"]), {**fields, "json": _flip(fields["json"])}
    )
    assert not mango_ok("other-key", str(event["api_salt"]), fields)
