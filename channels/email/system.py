"""Mail that is not a client speaking: auto-replies, bounces (DSN), read receipts, bulk and list mail."""

from __future__ import annotations

import re
from dataclasses import dataclass

from channels.email.headers import Headers
from channels.email.mime import Collected

BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|delivery failure|returned mail|failure notice|"
    r"mail delivery failed|недостав|не доставлено|не может быть доставлено",
    re.IGNORECASE,
)
AUTO_SUBJECT = re.compile(r"^\s*(auto(matic)?[ -]?reply|out of (the )?office|автоответ|автоматический ответ)")
BULK = {"bulk", "junk", "list"}


@dataclass(frozen=True)
class SystemMail:
    why: str  # auto-reply | bounce | report | bulk
    failed: bool = False  # a bounce that says delivery failed for good (not "delayed")
    reason: str | None = None


def classify(headers: Headers, body: Collected, sender_email: str | None) -> SystemMail | None:
    """None for a person's mail; else why it is machine mail."""
    ctype = _top_type(headers)
    subject = headers.get("Subject") or ""
    if ctype in ("multipart/report", "message/delivery-status") or body.dsn:
        return _report(headers, body)
    if sender_email and BOUNCE_SENDER.match(sender_email) and BOUNCE_SUBJECT.search(subject):
        return SystemMail("bounce", failed=bool(body.returned_ids), reason=subject)
    auto = (headers.get("Auto-Submitted") or "no").split(";")[0].strip().lower()
    if auto != "no" or _flag(headers, "X-Autoreply") or _flag(headers, "X-Autorespond"):
        return SystemMail("auto-reply")
    if (headers.get("Precedence") or "").strip().lower() in BULK:
        return SystemMail("bulk")
    if AUTO_SUBJECT.search(subject.lower()):
        return SystemMail("auto-reply")
    return None


def _report(headers: Headers, body: Collected) -> SystemMail:
    kind = (_param(headers, "report-type") or "").lower()
    if kind and kind not in ("delivery-status", "global-delivery-status") and not body.dsn:
        return SystemMail("report", reason=kind)
    actions = [block.get("action", "").lower() for block in body.dsn]
    failed = any(a.startswith("failed") for a in actions)
    reasons = [
        block.get("diagnostic-code") or block.get("status") for block in body.dsn if block.get("action")
    ]
    reason = "; ".join(r for r in reasons if r) or headers.get("Subject")
    return SystemMail("bounce", failed=failed, reason=reason)


def _top_type(headers: Headers) -> str:
    try:
        return headers.modern.get_content_type()
    except Exception:
        return "text/plain"


def _param(headers: Headers, name: str) -> str | None:
    try:
        value = headers.modern.get_param(name)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _flag(headers: Headers, name: str) -> bool:
    value = headers.get(name)
    return value is not None and value.strip().lower() not in ("no", "false", "0")
