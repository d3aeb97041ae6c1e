"""Client tags («метки»): labels staff put on clients — «УСН», «ИП», «VIP», «дилер» — to find a group of
clients and write to it. A tag is trimmed, its inner spaces collapsed, at most 40 characters, and compared
without case («УСН» and «усн» are one tag, shown as the company first spelled it). Added and removed with an
audit row each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import ClientContact, ClientTag
from storage.repos.audit import audit
from storage.types import utcnow

MAX_LENGTH = 40


class TagError(ValueError):
    """A tag that cannot be one: `reason` is "empty", "too_long" or "bad_chars"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TagCount:
    key: str
    tag: str
    clients: int


def normalize(raw: str) -> str:
    """The tag as stored and shown: trimmed, any run of spaces (tabs, line breaks) one space."""
    tag = " ".join(raw.split())
    if not tag:
        raise TagError("empty")
    if len(tag) > MAX_LENGTH:
        raise TagError("too_long")
    if not tag.isprintable():
        raise TagError("bad_chars")
    return tag


def key_of(raw: str) -> str:
    """The tag as compared: normalized and casefolded («УСН», « усн » -> «усн»)."""
    return normalize(raw).casefold()


async def add_tag(
    session: AsyncSession, *, client_id: int, tag: str, staff_id: int | None
) -> ClientTag | None:
    """Puts the tag on the client in the company's spelling of it (the first one used); None when the client
    has it already, in any spelling. Raises TagError."""
    shown = normalize(tag)
    key = shown.casefold()
    shown = await label_of(session, key=key) or shown
    row = insert(ClientTag).values(
        client_id=client_id, key=key, tag=shown, created_by_id=staff_id, created_at=utcnow()
    )
    try:
        async with session.begin_nested():  # the primary key decides, even for two adds at once
            await session.execute(row)
    except IntegrityError:
        return None
    await audit(
        session, actor_id=staff_id, action="client.tag",
        entity="client", entity_id=client_id, details={"tag": shown},
    )  # fmt: skip
    return await session.get(ClientTag, (client_id, key))


async def remove_tag(session: AsyncSession, *, client_id: int, tag: str, staff_id: int | None) -> bool:
    """Takes the tag (in any spelling) off the client; False when it was not on them."""
    row = await session.get(ClientTag, (client_id, key_of(tag)))
    if row is None:
        return False
    await audit(
        session, actor_id=staff_id, action="client.untag",
        entity="client", entity_id=client_id, details={"tag": row.tag},
    )  # fmt: skip
    await session.delete(row)
    await session.flush()
    return True


async def tags_of(session: AsyncSession, *, client_id: int) -> Sequence[ClientTag]:
    query = select(ClientTag).where(col(ClientTag.client_id) == client_id).order_by(col(ClientTag.key))
    return (await session.execute(query)).scalars().all()


async def tag_counts(session: AsyncSession) -> list[TagCount]:
    """Every tag the company uses, with how many clients have it, by name."""
    query = (
        select(ClientTag.key, func.min(ClientTag.tag), func.count())
        .group_by(col(ClientTag.key))
        .order_by(col(ClientTag.key))
    )
    return [TagCount(str(key), str(tag), int(n)) for key, tag, n in (await session.execute(query)).all()]


async def label_of(session: AsyncSession, *, key: str) -> str | None:
    """How the tag is shown; None when no client has it."""
    query = select(ClientTag.tag).where(col(ClientTag.key) == key).order_by(col(ClientTag.created_at))
    return (await session.execute(query.limit(1))).scalars().first()


async def clients_with(session: AsyncSession, *, key: str) -> list[int]:
    query = select(ClientTag.client_id).where(col(ClientTag.key) == key).order_by(col(ClientTag.client_id))
    return [int(i) for i in (await session.execute(query)).scalars().all()]


async def contacts_with(session: AsyncSession, *, key: str) -> set[int]:
    """The contacts of the clients with the tag (a broadcast's audience)."""
    query = (
        select(ClientContact.contact_id)
        .join(ClientTag, col(ClientTag.client_id) == col(ClientContact.client_id))
        .where(col(ClientTag.key) == key)
    )
    return {int(i) for i in (await session.execute(query)).scalars().all()}


async def drop_tags(session: AsyncSession, *, client_ids: Sequence[int]) -> int:
    """All tags of these clients (a client forgotten on request, storage/repos/forget.py); how many."""
    done = await session.execute(delete(ClientTag).where(col(ClientTag.client_id).in_(client_ids)))
    return int(getattr(done, "rowcount", 0) or 0)
