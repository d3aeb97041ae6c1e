"""Each provider's webhook signature, computed exactly as the provider does and compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from channels.api.verify import sign as okno_sign


def generic_ok(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """The generic JSON webhook: `X-Okno-Signature: sha256=HEX(HMAC(secret, "<timestamp>.<body>"))`."""
    return hmac.compare_digest(okno_sign(secret, timestamp, body), signature)


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """base64(HMAC-SHA1(token, url + name+value for each sorted name, sorted deduplicated values))."""
    grouped: dict[str, set[str]] = {}
    for name, value in params:
        grouped.setdefault(name, set()).add(value)
    text = url + "".join(name + value for name in sorted(grouped) for value in sorted(grouped[name]))
    digest = hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _port_variants(url: str) -> list[str]:
    """Twilio signs with or without the port; accept either, as twilio-python's validate() does."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = 443 if parts.scheme == "https" else 80
    with_port = url if parts.port else urlunsplit(parts._replace(netloc=f"{host}:{default}"))
    return [with_port, urlunsplit(parts._replace(netloc=host))]


def twilio_ok(auth_token: str, url: str, body: bytes, content_type: str, signature: str) -> bool:
    query = dict(parse_qsl(urlsplit(url).query))
    if "bodySHA256" in query:
        # JSON bodies: the URL carries the body's hash and the signature covers the URL alone.
        body_ok = hmac.compare_digest(hashlib.sha256(body).hexdigest(), query["bodySHA256"])
        params: list[tuple[str, str]] = []
    else:
        body_ok = True
        form = content_type.startswith("application/x-www-form-urlencoded")
        params = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True) if form else []
    matches = [
        hmac.compare_digest(twilio_signature(auth_token, candidate, params), signature)
        for candidate in _port_variants(url)
    ]
    return body_ok and any(matches)


ZADARMA_SIGNED = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_IVR": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}


def zadarma_hex_b64(secret: str, text: str) -> str:
    """base64 of the HEX digest (56 characters), as Zadarma's SDKs do, not of the raw digest."""
    hexdigest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(hexdigest.encode()).decode()


def zadarma_signature(secret: str, fields: dict[str, str]) -> str | None:
    names = ZADARMA_SIGNED.get(fields.get("event", ""))
    if names is None:
        return None
    return zadarma_hex_b64(secret, "".join(fields.get(name, "") for name in names))


def zadarma_ok(secret: str, fields: dict[str, str], signature: str) -> bool:
    expected = zadarma_signature(secret, fields)
    return expected is not None and hmac.compare_digest(expected, signature)


def zadarma_api_auth(key: str, secret: str, method: str, params: dict[str, str]) -> str:
    """`Authorization` for Zadarma's REST API: key:base64(hex(HMAC-SHA1(method + qs + md5(qs))))."""
    query = "&".join(f"{name}={params[name]}" for name in sorted(params))
    text = method + query + hashlib.md5(query.encode()).hexdigest()  # noqa: S324 (Zadarma's scheme)
    return f"{key}:{zadarma_hex_b64(secret, text)}"


def mango_sign(api_key: str, json_text: str, api_salt: str) -> str:
    """sha256(api_key + json + api_salt) over the exact `json` form string, never a re-serialization."""
    return hashlib.sha256((api_key + json_text + api_salt).encode()).hexdigest()


def mango_ok(api_key: str, api_salt: str, fields: dict[str, str]) -> bool:
    key_ok = hmac.compare_digest(fields.get("vpbx_api_key", ""), api_key)
    sign_ok = hmac.compare_digest(
        mango_sign(api_key, fields.get("json", ""), api_salt), fields.get("sign", "")
    )
    return key_ok and sign_ok


def form_fields(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
