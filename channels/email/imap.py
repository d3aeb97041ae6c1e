"""The IMAP inbound loop for `okno listen`: per mailbox, UIDVALIDITY + last UID kept in the database, the raw
bytes of each new mail stored through the sink first, then the cursor moved. IDLE when the server has it,
polling otherwise; reconnects with backoff. imaplib runs in a thread (TLS, STARTTLS or plain).

A crash between storing a mail and moving the cursor fetches that one mail again: intake dedupes it by
Message-ID, so nothing is missed and nothing is received twice."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import re
import socket
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from channels.base import RawEventSink
from channels.email.account import MailAccount
from channels.email.headers import message_ids
from channels.email.imap_session import TIMEOUT_S, close_quietly, open_imap

log = logging.getLogger(__name__)
FETCHED_UID = re.compile(rb"UID (\d+)")
BACKOFF_S = (1.0, 5.0, 15.0, 60.0)


@dataclass(frozen=True)
class Cursor:
    uidvalidity: int
    last_uid: int


class CursorStore(Protocol):
    """Where the loop keeps its place per (account, mailbox); storage implements it."""

    async def load(self, *, account: str, mailbox: str) -> Cursor | None: ...

    async def save(self, *, account: str, mailbox: str, cursor: Cursor) -> None: ...

    async def known_message_ids(self, *, account: str, message_ids: Sequence[str]) -> set[str]:
        """Which of these Message-IDs okno already has (for a re-sync after a UIDVALIDITY change)."""
        ...


class IdleTimeout(Exception):
    """Nothing happened for idle_timeout_s: start a fresh session (imaplib cannot resume a timed-out read)."""


class ImapLoop:
    def __init__(self, account: MailAccount, cursors: CursorStore) -> None:
        self.account = account
        self.cursors = cursors
        self.name = f"imap:{account.name}"

    async def run(self, sink: RawEventSink) -> None:
        await asyncio.gather(*(self.watch(mailbox, sink) for mailbox in self.account.mailboxes))

    async def watch(self, mailbox: str, sink: RawEventSink) -> None:
        failures = 0
        while True:
            try:
                await self.session(mailbox, sink)
            except IdleTimeout:
                failures = 0
            except Exception as exc:  # the server, the network or the database: back off, never give up
                delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                expected = isinstance(exc, imaplib.IMAP4.error | OSError | EOFError)
                log.warning(
                    "imap %s/%s: %r; reconnecting in %.0fs", self.account.name, mailbox, exc, delay,
                    exc_info=not expected,
                )  # fmt: skip
                await asyncio.sleep(delay)

    async def session(self, mailbox: str, sink: RawEventSink) -> None:
        imap = await asyncio.to_thread(open_imap, self.account)
        try:
            while True:
                await self.sync(imap, mailbox, sink)
                if self.account.use_idle and "IDLE" in imap.capabilities:
                    await asyncio.to_thread(idle_wait, imap, self.account.idle_timeout_s)
                else:
                    await asyncio.sleep(self.account.poll_interval_s)
        except asyncio.CancelledError:
            # Wake the thread blocked in IDLE; imap.shutdown() would first wait for the reader's buffer lock.
            with contextlib.suppress(OSError):
                imap.sock.shutdown(socket.SHUT_RDWR)
            raise
        finally:
            await asyncio.to_thread(close_quietly, imap)

    async def sync(self, imap: imaplib.IMAP4, mailbox: str, sink: RawEventSink) -> int:
        """Store every mail past the cursor; returns how many were stored."""
        uidvalidity, uidnext = await asyncio.to_thread(examine, imap, mailbox)
        cursor = await self.cursors.load(account=self.account.name, mailbox=mailbox)
        if cursor is None and self.account.start_from == "new":
            await self._save(mailbox, Cursor(uidvalidity, max(0, uidnext - 1)))
            return 0
        resync = cursor is not None and cursor.uidvalidity != uidvalidity
        last = cursor.last_uid if cursor is not None and not resync else 0
        if resync:
            log.warning(
                "imap %s/%s: UIDVALIDITY changed; re-syncing by Message-ID", self.account.name, mailbox
            )
        uids = await asyncio.to_thread(uids_after, imap, last)
        skip = await self._known(imap, uids) if resync else set()
        stored = 0
        for uid in uids:
            body = None if uid in skip else await asyncio.to_thread(fetch_raw, imap, uid)
            await _finish_even_if_cancelled(self._store(sink, mailbox, Cursor(uidvalidity, uid), body))
            stored += body is not None
        if resync and not uids:
            await self._save(mailbox, Cursor(uidvalidity, 0))
        return stored

    async def _store(self, sink: RawEventSink, mailbox: str, cursor: Cursor, body: bytes | None) -> None:
        """Store the mail, then move the cursor past it: one unit, so a restart neither skips nor repeats."""
        if body is not None:
            headers = {
                "mailbox": mailbox,
                "uid": str(cursor.last_uid),
                "uidvalidity": str(cursor.uidvalidity),
            }
            await sink.store(channel="email", account=self.account.name, headers=headers, body=body)
        await self._save(mailbox, cursor)

    async def _known(self, imap: imaplib.IMAP4, uids: list[int]) -> set[int]:
        ids_by_uid = await asyncio.to_thread(fetch_message_ids, imap, uids)
        known = await self.cursors.known_message_ids(
            account=self.account.name, message_ids=list(ids_by_uid.values())
        )
        return {uid for uid, message_id in ids_by_uid.items() if message_id in known}

    async def _save(self, mailbox: str, cursor: Cursor) -> None:
        await self.cursors.save(account=self.account.name, mailbox=mailbox, cursor=cursor)


async def _finish_even_if_cancelled(unit: Coroutine[Any, Any, None]) -> None:
    """A stop request waits for the unit in progress (one commit and one cursor write), then takes effect."""
    task = asyncio.ensure_future(unit)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


def quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def examine(imap: imaplib.IMAP4, mailbox: str) -> tuple[int, int]:
    """Select read-only (flags stay as the people reading the mailbox left them): (UIDVALIDITY, UIDNEXT)."""
    status, detail = imap.select(quoted(mailbox), readonly=True)
    if status != "OK":
        raise imaplib.IMAP4.error(f"cannot open mailbox {mailbox!r}: {detail!r}")
    uidvalidity = _number(imap.response("UIDVALIDITY")[1])
    uidnext = _number(imap.response("UIDNEXT")[1])
    if uidvalidity is None:
        raise imaplib.IMAP4.error(f"mailbox {mailbox!r} reports no UIDVALIDITY")
    return uidvalidity, uidnext or 0


def _number(values: list[bytes | None] | list[None]) -> int | None:
    for value in values:
        if value and value.strip().isdigit():
            return int(value)
    return None


def uids_after(imap: imaplib.IMAP4, last: int) -> list[int]:
    status, data = imap.uid("SEARCH", f"UID {last + 1}:*")
    if status != "OK":
        raise imaplib.IMAP4.error(f"UID SEARCH failed: {data!r}")
    found = {int(u) for chunk in data if chunk for u in chunk.split()}
    return sorted(u for u in found if u > last)  # "n:*" also matches the highest UID when it is below n


def fetch_raw(imap: imaplib.IMAP4, uid: int) -> bytes:
    status, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
    for item in data if status == "OK" else []:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    raise imaplib.IMAP4.error(f"UID FETCH {uid} returned no body: {status} {data!r:.200}")


def fetch_message_ids(imap: imaplib.IMAP4, uids: list[int]) -> dict[int, str]:
    if not uids:
        return {}
    status, data = imap.uid("FETCH", ",".join(map(str, uids)), "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    found: dict[int, str] = {}
    for item in data if status == "OK" else []:
        if isinstance(item, tuple) and len(item) == 2 and (uid := FETCHED_UID.search(item[0])):
            ids = message_ids(bytes(item[1]).decode("ascii", errors="replace"))
            if ids:
                found[int(uid.group(1))] = ids[0]
    return found


def idle_wait(imap: imaplib.IMAP4, timeout: float) -> None:
    """IMAP IDLE (RFC 2177) until the server reports a change; imaplib before 3.14 has no idle()."""
    tag = "OKNOIDLE"
    imap.send(f"{tag} IDLE\r\n".encode())
    ready = imap.readline()
    if not ready.startswith(b"+"):
        raise imaplib.IMAP4.error(f"IDLE refused: {ready!r:.200}")
    imap.sock.settimeout(timeout)
    try:
        pushed = imap.readline()
    except TimeoutError:
        raise IdleTimeout() from None
    if not pushed:
        raise imaplib.IMAP4.abort("connection closed during IDLE")
    imap.sock.settimeout(TIMEOUT_S)
    imap.send(b"DONE\r\n")
    while True:
        line = imap.readline()
        if not line:
            raise imaplib.IMAP4.abort("connection closed while leaving IDLE")
        if line.startswith(tag.encode()):
            return
