"""Replies by SMTP (aiosmtplib) from the Outbox; an optional copy goes to the Sent folder over IMAP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

import aiohttp
import aiosmtplib

from channels.base import AccountView, SendFailed, SendResult
from channels.email.account import AccountConfigError, MailAccount, mail_account
from channels.email.compose import compose
from channels.email.imap_session import append_copy
from intake.schema import AttachmentRef, OutboundMessage

log = logging.getLogger(__name__)
BlobReader = Callable[[str], Awaitable[bytes]]
RETRY_S = 60.0
TIMEOUT_S = 60.0


class EmailSender:
    channel = "email"

    def __init__(self, *, blobs: BlobReader | None = None) -> None:
        self._blobs = blobs

    async def send(self, account: AccountView, message: OutboundMessage) -> SendResult:
        try:
            settings = mail_account(account)
        except AccountConfigError as exc:
            raise SendFailed(str(exc)) from None
        if not settings.smtp_host:
            raise SendFailed(f"email account {account.name!r} has no smtp_host")
        recipient = message.recipient_id
        if not recipient or "@" not in recipient:
            raise SendFailed("the reply has no recipient email address")
        files = [await self._load(ref) for ref in message.attachments]
        mail, message_id = compose(settings, message, recipient=recipient, files=files)
        await submit_mail(settings, mail.as_bytes(), recipient)
        if settings.sent_folder:
            await _copy_to_sent(settings, mail.as_bytes())
        return SendResult(platform_message_id=message_id)

    async def _load(self, ref: AttachmentRef) -> tuple[str, str | None, bytes]:
        name = ref.filename or "attachment"
        if ref.blob_key and self._blobs is not None:
            return name, ref.mime, await self._blobs(ref.blob_key)
        url = urlparse(ref.url or "")
        if url.scheme == "file":
            return name, ref.mime, await asyncio.to_thread(Path(unquote(url.path)).read_bytes)
        if url.scheme in ("http", "https"):
            timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
            async with aiohttp.ClientSession(timeout=timeout) as http, http.get(ref.url or "") as resp:
                if resp.status >= 400:
                    raise SendFailed(f"attachment {name!r}: {resp.status} from its URL", retry_after=RETRY_S)
                return name, ref.mime or resp.content_type, await resp.read()
        raise SendFailed(f"attachment {name!r} has no file okno can read (blob, file:// or http URL)")


async def submit_mail(account: MailAccount, data: bytes, recipient: str) -> None:
    """One mail by SMTP from the account; SendFailed says why not (with retry_after when worth retrying)."""
    try:
        await aiosmtplib.send(
            data,
            sender=account.address,
            recipients=[recipient],
            hostname=account.smtp_host,
            port=account.smtp_port,
            username=account.username if account.password else None,
            password=account.password or None,
            use_tls=account.smtp_security == "tls",
            start_tls=account.smtp_security == "starttls",
            tls_context=account.ssl_context() if account.smtp_security != "plain" else None,
            timeout=TIMEOUT_S,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise SendFailed(f"recipient refused: {exc.recipients}") from None
    except aiosmtplib.SMTPResponseException as exc:
        retry = RETRY_S if 400 <= exc.code < 500 else None  # 4xx: try later; 5xx: the server said no
        raise SendFailed(f"SMTP {exc.code}: {exc.message}", retry_after=retry) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SendFailed(f"SMTP connection failed: {exc!r}", retry_after=RETRY_S) from None


async def _copy_to_sent(account: MailAccount, data: bytes) -> None:
    """Best effort: the reply went out; a missing Sent copy is logged, never a reason to send again."""
    try:
        await asyncio.to_thread(append_copy, account, account.sent_folder or "Sent", data)
    except Exception as exc:
        log.warning("email %s: reply sent, copy to %r failed: %r", account.name, account.sent_folder, exc)
