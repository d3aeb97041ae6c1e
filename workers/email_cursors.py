"""The IMAP loop's CursorStore in the database (mail_cursor), and the Message-IDs okno already accepted.

With listen.py, the only email modules that touch storage: the loop itself stays storage-free."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from channels.email.imap import Cursor
from storage.db import Database
from storage.models import MailCursor, ProcessedEvent
from storage.types import utcnow

CHUNK = 500


class DatabaseCursors:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, *, account: str, mailbox: str) -> Cursor | None:
        async with self.db.session() as session:
            row = (await session.execute(_query(account, mailbox))).scalars().first()
        return Cursor(row.uidvalidity, row.last_uid) if row is not None else None

    async def save(self, *, account: str, mailbox: str, cursor: Cursor) -> None:
        for _ in range(2):  # a first save may race another; the unique key decides, then we update
            async with self.db.session() as session:
                row = (await session.execute(_query(account, mailbox))).scalars().first()
                if row is None:
                    row = MailCursor(account=account, mailbox=mailbox, uidvalidity=cursor.uidvalidity)
                    session.add(row)
                row.uidvalidity, row.last_uid, row.updated_at = cursor.uidvalidity, cursor.last_uid, utcnow()
                try:
                    await session.commit()
                    return
                except IntegrityError:
                    await session.rollback()
        raise RuntimeError(f"mail cursor {account}/{mailbox} could not be saved")

    async def known_message_ids(self, *, account: str, message_ids: Sequence[str]) -> set[str]:
        known: set[str] = set()
        async with self.db.session() as session:
            for start in range(0, len(message_ids), CHUNK):
                chunk = list(message_ids[start : start + CHUNK])
                query = select(ProcessedEvent.event_id).where(
                    col(ProcessedEvent.channel) == "email",
                    col(ProcessedEvent.account) == account,
                    col(ProcessedEvent.event_id).in_(chunk),
                )
                known.update((await session.execute(query)).scalars().all())
        return known


def _query(account: str, mailbox: str) -> SelectOfScalar[MailCursor]:
    return select(MailCursor).where(col(MailCursor.account) == account, col(MailCursor.mailbox) == mailbox)
