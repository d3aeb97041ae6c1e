"""The MIME tree -> body texts, attachments, calendar invites, forwarded messages and DSN fields.

A table of handlers by content type; every part access is guarded because real mail breaks every rule."""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import quopri
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from channels.email.charsets import decode_bytes
from channels.email.headers import Headers, decode_words
from channels.email.html_text import html_to_text
from channels.email.invites import invite_text
from channels.email.texts import human_size, t
from intake.schema import AttachmentRef

BOUNDARY_PARAM = re.compile(r"boundary\s*=\s*(\"[^\"]+\"|[^;\s]+)", re.IGNORECASE)
FIRST_DELIMITER = re.compile(rb"^--([^\s]{1,200}?)\s*$", re.MULTILINE)
MAX_DEPTH = 12
MAX_PARTS = 500


@dataclass
class Collected:
    max_attachment_bytes: int
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # invites and forwarded messages, after the body
    attachments: list[AttachmentRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dsn: list[dict[str, str]] = field(default_factory=list)  # per-recipient delivery-status fields
    returned_ids: list[str] = field(default_factory=list)  # Message-IDs of mail a report is about
    parts: int = 0

    def body(self) -> str:
        plain = "\n\n".join(p for p in self.plain if p.strip())
        text = plain or "\n\n".join(html_to_text(h) for h in self.html if h.strip())
        joined = "\n\n".join(s for s in (text.strip(), *self.extra, *self.notes) if s.strip())
        return joined.replace("\r\n", "\n").replace("\r", "\n")


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""


def part_bytes(part: Message) -> bytes:
    """A leaf's decoded content; for an attached message, the message itself (an .eml file)."""
    if content_type(part) in ("message/rfc822", "message/global"):
        inner = inner_message(part)
        try:
            return inner.as_bytes(policy=email.policy.compat32) if inner is not None else b""
        except Exception:  # a message too broken to serialize again: keep what the sender put there
            return payload_bytes(part)
    return payload_bytes(part)


def part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(payload_bytes(part), charset)


def filename_of(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        return None
    return decode_words(str(name)).strip() or None


def is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    return disposition == "attachment" or filename_of(part) is not None


def walk(part: Message, acc: Collected, path: str = "1", depth: int = 0) -> None:
    acc.parts += 1
    if depth > MAX_DEPTH or acc.parts > MAX_PARTS:
        return
    ctype = content_type(part)
    handler = HANDLERS.get(ctype) or HANDLERS.get(ctype.split("/")[0] + "/*") or _attachment
    handler(part, acc, path, depth)


def _multipart(part: Message, acc: Collected, path: str, depth: int) -> None:
    children: Any = part.get_payload()
    if not isinstance(children, list) or not children:
        recovered = recover_multipart(part)
        if recovered is None:  # a broken multipart: the body is one text blob
            _plain(part, acc, path, depth)
            return
        children = recovered.get_payload()
    for index, child in enumerate(children, start=1):
        if isinstance(child, Message):
            walk(child, acc, f"{path}.{index}", depth + 1)


def recover_multipart(part: Message) -> Message | None:
    """A multipart the parser could not split (unquoted `=` in the boundary, a wrong boundary): find the
    boundary in the raw header or the body's first delimiter line and parse the body again."""
    body = payload_bytes(part)
    candidates = []
    raw_type = str(part.get("Content-Type", "") or "")
    if found := BOUNDARY_PARAM.search(raw_type):
        candidates.append(found.group(1).strip().strip('"'))
    if delimiter := FIRST_DELIMITER.search(body):
        candidates.append(delimiter.group(1).decode("ascii", errors="replace"))
    for boundary in candidates:
        if not boundary or f"--{boundary}".encode() not in body:
            continue
        head = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode()
        again = email.message_from_bytes(head + body, policy=email.policy.default)
        children: Any = again.get_payload()
        if isinstance(children, list) and children:
            return again
    return None


def _plain(part: Message, acc: Collected, path: str, depth: int) -> None:
    if is_attachment(part):
        _attachment(part, acc, path, depth)
    else:
        acc.plain.append(part_text(part))


def _html(part: Message, acc: Collected, path: str, depth: int) -> None:
    if is_attachment(part):
        _attachment(part, acc, path, depth)
    else:
        acc.html.append(part_text(part))


def _calendar(part: Message, acc: Collected, path: str, depth: int) -> None:
    summary = invite_text(part_text(part))
    if summary:
        acc.extra.append(summary)
    _attachment(part, acc, path, depth, default_name="invite.ics")


def _forwarded(part: Message, acc: Collected, path: str, depth: int) -> None:
    inner = inner_message(part)
    if inner is None:
        _attachment(part, acc, path, depth)
        return
    if filename_of(part):  # a forwarded .eml file is also an attachment the client sent
        _leaf_attachment(part, acc, path)
    nested = Collected(acc.max_attachment_bytes, parts=acc.parts)
    walk(inner, nested, f"{path}.1", depth + 1)
    acc.parts = nested.parts
    headers = Headers(inner, b"")
    lines = [t("forwarded")]
    for key, name in (("from", "From"), ("date", "Date"), ("subject", "Subject")):
        value = headers.get(name)
        if value:
            lines.append(f"{t(key)}: {value}")
    acc.extra.append("\n".join(lines) + "\n\n" + nested.body())
    acc.attachments.extend(nested.attachments)
    acc.returned_ids.extend(headers.ids("Message-ID"))


def inner_message(part: Message) -> Message | None:
    encoding = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    if encoding in ("base64", "quoted-printable"):  # not allowed for message/rfc822, but mailers do it
        raw = _transfer_decoded(part, encoding)
        return email.message_from_bytes(raw, policy=email.policy.default) if raw.strip() else None
    payload: Any = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    if isinstance(payload, str) and payload.strip():
        return email.message_from_bytes(payload_bytes(part), policy=email.policy.default)
    return None


def _transfer_decoded(part: Message, encoding: str) -> bytes:
    payload: Any = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        text = payload[0].as_bytes(policy=email.policy.compat32) if _safe_bytes(payload[0]) else b""
        body = text.split(b"\n\n", 1)[-1] if not payload[0].keys() else text
    else:
        body = payload_bytes(part)
    try:
        if encoding == "base64":
            return base64.b64decode(body, validate=False)
        return quopri.decodestring(body)
    except (ValueError, binascii.Error):
        return body


def _safe_bytes(message: Message) -> bool:
    try:
        message.as_bytes(policy=email.policy.compat32)
    except Exception:
        return False
    return True


def _delivery_status(part: Message, acc: Collected, path: str, depth: int) -> None:
    blocks: Any = part.get_payload()
    if not isinstance(blocks, list):
        blocks = [email.message_from_bytes(payload_bytes(part), policy=email.policy.compat32)]
    for block in blocks:
        if isinstance(block, Message):
            fields = {k.lower(): " ".join(str(v).split()) for k, v in _safe_items(block)}
            if fields:
                acc.dsn.append(fields)


def _returned_headers(part: Message, acc: Collected, path: str, depth: int) -> None:
    inner = email.message_from_bytes(payload_bytes(part), policy=email.policy.compat32)
    acc.returned_ids.extend(Headers(inner, b"").ids("Message-ID"))


def _safe_items(block: Message) -> list[tuple[str, Any]]:
    try:
        return list(block.items())
    except Exception:
        return []


def _attachment(
    part: Message, acc: Collected, path: str, depth: int, default_name: str | None = None
) -> None:
    ctype = content_type(part)
    if ctype.startswith("multipart/"):
        _multipart(part, acc, path, depth)
        return
    _leaf_attachment(part, acc, path, default_name)


def _leaf_attachment(part: Message, acc: Collected, path: str, default_name: str | None = None) -> None:
    ctype = content_type(part)
    name = filename_of(part) or default_name
    size = len(part_bytes(part))
    kind = _kind(ctype)
    if size > acc.max_attachment_bytes:
        shown = name or ctype
        acc.notes.append(
            t("too_big", name=shown, size=human_size(size), limit=human_size(acc.max_attachment_bytes))
        )
        acc.attachments.append(AttachmentRef(kind=kind, filename=name, mime=ctype, size=size))
        return
    ref = AttachmentRef(kind=kind, filename=name, mime=ctype, size=size, file_id=f"part:{path}")
    acc.attachments.append(ref)


def _kind(ctype: str) -> Any:
    major = ctype.split("/")[0]
    return major if major in ("image", "audio", "video") else "document"


Handler = Callable[[Message, Collected, str, int], None]
HANDLERS: dict[str, Handler] = {
    "multipart/*": _multipart,
    "text/plain": _plain,
    "text/html": _html,
    "text/calendar": _calendar,
    "message/rfc822": _forwarded,
    "message/global": _forwarded,
    "message/delivery-status": _delivery_status,
    "message/global-delivery-status": _delivery_status,
    "text/rfc822-headers": _returned_headers,
    "message/global-headers": _returned_headers,
    "text/enriched": _plain,
    "text/richtext": _plain,
}
