"""A blocking imaplib session (run in a thread): TLS, STARTTLS or plain, logged in."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import time

from channels.email.account import MailAccount

log = logging.getLogger(__name__)
TIMEOUT_S = 30.0


def open_imap(account: MailAccount, *, timeout: float = TIMEOUT_S) -> imaplib.IMAP4:
    if not account.imap_host:
        raise imaplib.IMAP4.error(f"email account {account.name!r} has no imap_host")
    imap: imaplib.IMAP4
    if account.imap_security == "tls":
        imap = imaplib.IMAP4_SSL(
            account.imap_host, account.imap_port, ssl_context=account.ssl_context(), timeout=timeout
        )
    else:
        imap = imaplib.IMAP4(account.imap_host, account.imap_port, timeout=timeout)
        if account.imap_security == "starttls":
            imap.starttls(ssl_context=account.ssl_context())
    try:
        imap.login(account.username, account.password)
    except Exception:
        close_quietly(imap)
        raise
    return imap


def close_quietly(imap: imaplib.IMAP4) -> None:
    try:
        imap.logout()
        return
    except Exception as exc:  # the connection is going away anyway: close what is left, each on its own
        log.debug("IMAP logout failed: %r", exc)
    for closer in (imap.file.close, imap.sock.close):
        with contextlib.suppress(Exception):
            closer()


def append_copy(account: MailAccount, folder: str, data: bytes) -> None:
    """A copy of a sent mail into the Sent folder, marked read."""
    imap = open_imap(account)
    try:
        status, detail = imap.append(
            _quoted(folder), r"(\Seen)", imaplib.Time2Internaldate(time.time()), data
        )
        if status != "OK":
            raise imaplib.IMAP4.error(f"APPEND to {folder!r} refused: {detail!r}")
    finally:
        close_quietly(imap)


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
