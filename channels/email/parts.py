"""Find a MIME part again by the path the parser gave it (`part:1.2.1`) and take its bytes: attachments
are pulled out of the raw mail the RawEvent keeps, the same way the parser walked it."""

from __future__ import annotations

import email.policy
from email.message import Message
from typing import Any

from channels.email.mime import content_type, inner_message, part_bytes, recover_multipart

PREFIX = "part:"


def part_at(root: Message, path: str) -> Message | None:
    steps = path.removeprefix(PREFIX).split(".")
    if steps[0] != "1" or not all(s.isdigit() for s in steps):
        return None
    part: Message | None = root
    for step in steps[1:]:
        part = _child(part, int(step)) if part is not None else None
    return part


def _child(part: Message, index: int) -> Message | None:
    ctype = content_type(part)
    if ctype in ("message/rfc822", "message/global"):
        return inner_message(part) if index == 1 else None
    if not ctype.startswith("multipart/"):
        return None
    children: Any = part.get_payload()
    if not isinstance(children, list) or not children:
        recovered = recover_multipart(part)
        children = recovered.get_payload() if recovered is not None else []
    if not 1 <= index <= len(children) or not isinstance(children[index - 1], Message):
        return None
    child: Message = children[index - 1]
    return child


def extract(raw: bytes, path: str) -> bytes | None:
    part = part_at(email.message_from_bytes(raw, policy=email.policy.default), path)
    return part_bytes(part) if part is not None else None
