"""A client's files in one list: every document, scan and photo that came from them or went to them, in any
channel, newest first — «где выписка, что Ромашка присылала в октябре?» answered without scrolling chats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Attachment, Client, Conversation, Message, Request, Staff
from web.queries import visible_to

# not files a client sends or needs back: a shared contact card, a point on a map, a sticker
NOT_FILES = ("contact", "location", "sticker")
PAGE = 200
SCANNED = 5000  # a client's newest files looked through for a name (years of an accounting client's papers)


@dataclass(frozen=True)
class ClientFile:
    attachment: Attachment
    message: Message

    @property
    def request_id(self) -> int | None:
        return self.message.request_id

    @property
    def stored(self) -> bool:
        """In blob storage (else only the platform's reference, or a note why not)."""
        return self.attachment.blob_sha256 is not None


async def client_files(
    session: AsyncSession,
    client: Client,
    contact_ids: list[int],
    staff: Staff,
    *,
    name: str = "",
    month: str = "",
    tz: ZoneInfo,
    limit: int = PAGE,
) -> list[ClientFile]:
    """The client's files in their conversations (theirs and ours), newest first; a manager's list leaves out
    those on requests they may not open (`visible_to`, may_see in SQL), as the file's own link would.
    `name`: part of the file's name; `month`: YYYY-MM in the reader's zone."""
    chats = select(Conversation.id).where(
        or_(col(Conversation.client_id) == client.id, col(Conversation.contact_id).in_(contact_ids))
    )
    query = (
        select(Attachment, Message)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .outerjoin(Request, col(Request.id) == col(Message.request_id))
        .where(col(Message.conversation_id).in_(chats))
        .where(col(Attachment.kind).not_in(NOT_FILES))
        # a request-less file (a broadcast's) is the client's; one on a request only as that request is
        .where(col(Request.id).is_(None) | visible_to(staff))
        .order_by(col(Message.sent_at).desc(), col(Attachment.position))
    )
    start, end = _month(month, tz)
    if start is not None and end is not None:
        query = query.where(col(Message.sent_at) >= start, col(Message.sent_at) < end)
    # the name is matched here: SQLite's lower() knows only ASCII, and «акт» must find «Акт сверки.pdf»
    wanted = name.strip().casefold()
    rows = (await session.execute(query.limit(SCANNED if wanted else limit))).all()
    return [
        ClientFile(attachment, message)
        for attachment, message in rows
        if not wanted or wanted in (attachment.filename or "").casefold()
    ][:limit]


def _month(raw: str, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """The month's bounds in UTC; (None, None) for none or a malformed one."""
    try:
        first = datetime.strptime(raw, "%Y-%m").replace(tzinfo=tz)
    except ValueError:
        return None, None
    after = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return first.astimezone(UTC), after.astimezone(UTC)
