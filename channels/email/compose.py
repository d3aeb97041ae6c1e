"""OutboundMessage -> an RFC 5322 reply: threading headers, the request token in the subject, plain + HTML,
attachments with correctly encoded Russian names."""

from __future__ import annotations

import hashlib
import html
import mimetypes
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from channels.email.account import MailAccount
from channels.email.texts import t
from channels.email.threading import TOKEN_RE, strip_prefixes
from intake.schema import OutboundMessage

NOT_MESSAGE_IDS = ("token:", "subject:", "sha256:")


def outgoing_message_id(account: MailAccount, outbox_id: int) -> str:
    """Deterministic per Outbox row: a repeated send after a crash carries the same Message-ID, so the
    recipient's mail program shows one letter."""
    digest = hashlib.sha256(f"{account.name}\n{account.address}\n{outbox_id}".encode()).hexdigest()[:12]
    return f"okno.{outbox_id}.{digest}@{account.domain}"


def is_message_id(key: str | None) -> bool:
    return bool(key) and "@" in (key or "") and not (key or "").startswith(NOT_MESSAGE_IDS)


def reply_subject(subject: str | None, token: str | None, *, reply: bool = True) -> str:
    """«Re: <the client's subject> [#R-12]»; a mail of okno's own that answers nothing (a broadcast) keeps its
    subject as written."""
    base = subject.strip() if subject and subject.strip() else t("no_subject")
    _, is_reply = strip_prefixes(base)
    if reply and subject and not is_reply:
        base = t("reply_prefix") + base
    if token and not TOKEN_RE.search(base):
        base = f"{base} [#{token}]"
    return base


def references(message: OutboundMessage) -> list[str]:
    """Root first (the conversation key), then what the client's mail carried, then the mail we answer; a
    mail that answers nothing (reply_to_key None: a broadcast) starts a thread of its own."""
    if message.reply_to_key is None:
        return list(dict.fromkeys(r for r in message.thread_hints.references if is_message_id(r)))
    chain = [message.conversation_key, *message.thread_hints.references, message.reply_to_key]
    return list(dict.fromkeys(r for r in chain if r and is_message_id(r)))


def html_body(text: str) -> str:
    paragraphs = [html.escape(p).replace("\n", "<br>\n") for p in text.split("\n\n") if p.strip()]
    inner = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{inner}\n</body></html>\n'


def compose(
    account: MailAccount,
    message: OutboundMessage,
    *,
    recipient: str,
    files: list[tuple[str, str | None, bytes]],
    now: datetime | None = None,
) -> tuple[EmailMessage, str]:
    """(the mail, its Message-ID without brackets)."""
    mail = EmailMessage(policy=SMTP)
    message_id = outgoing_message_id(account, message.outbox_id)
    mail["From"] = formataddr((account.from_name or message.author_name or "", account.address))
    mail["To"] = recipient
    hints = message.thread_hints
    mail["Subject"] = reply_subject(
        hints.subject, hints.request_token, reply=message.reply_to_key is not None
    )
    mail["Date"] = format_datetime(now or datetime.now(UTC))
    mail["Message-ID"] = f"<{message_id}>"
    if is_message_id(message.reply_to_key):
        mail["In-Reply-To"] = f"<{message.reply_to_key}>"
    chain = references(message)
    if chain:
        mail["References"] = " ".join(f"<{r}>" for r in chain)
    text = message.text or ""
    mail.set_content(text)
    mail.add_alternative(html_body(text), subtype="html")
    for name, mime, data in files:
        maintype, _, subtype = (
            mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        ).partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return mail, message_id
