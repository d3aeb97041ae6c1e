"""Clients, contacts, channel identities, and reversible contact merges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import ChannelIdentity, Client, ClientContact, Contact, ContactMerge
from storage.repos.audit import audit
from storage.types import utcnow


async def identity_by_external_id(
    session: AsyncSession, *, channel: str, account: str, external_id: str
) -> ChannelIdentity | None:
    query = select(ChannelIdentity).where(
        col(ChannelIdentity.channel) == channel,
        col(ChannelIdentity.account) == account,
        col(ChannelIdentity.external_id) == external_id,
    )
    return (await session.execute(query)).scalars().first()


async def mark_reachable(
    session: AsyncSession, *, channel: str, account: str, external_id: str, reachable: bool, at: datetime
) -> None:
    """A client blocked (or unblocked) the bot, unsubscribed, or wrote again: sends to this identity fail
    until they come back. `at` is when the platform says it happened: events are ingested in any order, so
    an older one (a message queued before the client unsubscribed) never overrides a newer one."""
    await session.execute(
        update(ChannelIdentity)
        .where(
            col(ChannelIdentity.channel) == channel,
            col(ChannelIdentity.account) == account,
            col(ChannelIdentity.external_id) == external_id,
        )
        .where(col(ChannelIdentity.reachable_at).is_(None) | (col(ChannelIdentity.reachable_at) <= at))
        .values(reachable=reachable, reachable_at=at)
    )


async def survivor_of(session: AsyncSession, *, contact_id: int) -> Contact:
    """The contact a (possibly merged) contact now lives in."""
    contact = await session.get(Contact, contact_id)
    seen: set[int] = set()
    while contact is not None and contact.merged_into_id is not None and contact.id not in seen:
        seen.add(contact.id or 0)
        contact = await session.get(Contact, contact.merged_into_id)
    if contact is None:
        raise LookupError(f"contact {contact_id} does not exist")
    return contact


async def contact_group(session: AsyncSession, *, contact_id: int) -> list[int]:
    """The survivor and every contact merged into it, directly or through another merge."""
    group, frontier = [contact_id], [contact_id]
    while frontier:
        rows = await session.execute(select(Contact.id).where(col(Contact.merged_into_id).in_(frontier)))
        frontier = [int(i) for i in rows.scalars().all() if i not in group]
        group.extend(frontier)
    return group


async def live_contact_by(
    session: AsyncSession, *, phone: str | None = None, email: str | None = None
) -> Contact | None:
    query = select(Contact).where(col(Contact.merged_into_id).is_(None)).order_by(col(Contact.id))
    if phone:
        query = query.where(col(Contact.phone) == phone)
    elif email:
        query = query.where(col(Contact.email) == email)
    else:
        return None
    return (await session.execute(query)).scalars().first()


async def add_contact(
    session: AsyncSession, *, display_name: str | None, phone: str | None, email: str | None
) -> Contact:
    contact = Contact(display_name=display_name, phone=phone, email=email)
    session.add(contact)
    await session.flush()
    return contact


async def add_identity(session: AsyncSession, *, identity: ChannelIdentity) -> ChannelIdentity:
    session.add(identity)
    await session.flush()
    return identity


async def merge_contacts(
    session: AsyncSession,
    *,
    survivor_id: int,
    merged_id: int,
    reason: str,
    evidence: str | None = None,
    staff_id: int | None = None,
) -> ContactMerge:
    """Move `merged` into `survivor`, recording exactly what moved so `undo_merge` can put it back."""
    survivor = await session.get(Contact, survivor_id)
    merged = await session.get(Contact, merged_id)
    if survivor is None or merged is None or survivor_id == merged_id:
        raise ValueError(f"cannot merge contact {merged_id} into {survivor_id}")
    identity_ids = list(
        (
            await session.execute(
                select(ChannelIdentity.id).where(col(ChannelIdentity.contact_id) == merged_id)
            )
        )
        .scalars()
        .all()
    )
    await session.execute(
        update(ChannelIdentity)
        .where(col(ChannelIdentity.id).in_(identity_ids))
        .values(contact_id=survivor_id)
    )
    filled = {}
    for field in ("phone", "email", "display_name"):
        if getattr(survivor, field) is None and getattr(merged, field) is not None:
            setattr(survivor, field, getattr(merged, field))
            filled[field] = getattr(merged, field)
    new_links = await _copy_client_links(session, from_id=merged_id, to_id=survivor_id)
    # one person: a spammer found again under another identity stays blocked (storage/repos/blocking.py)
    blocked = merged.blocked_at is not None and survivor.blocked_at is None
    if blocked:
        survivor.blocked_at, survivor.blocked_by_id = merged.blocked_at, merged.blocked_by_id
    merged.merged_into_id = survivor_id
    merge = ContactMerge(
        survivor_id=survivor_id,
        merged_id=merged_id,
        reason=reason,
        evidence=evidence,
        merged_by_staff_id=staff_id,
        moved={"identity_ids": identity_ids, "filled": filled, "client_ids": new_links, "blocked": blocked},
    )
    session.add(merge)
    await session.flush()
    await audit(
        session,
        actor_id=staff_id,
        action="contact.merge",
        entity="contact",
        entity_id=survivor_id,
        details={"merged_id": merged_id, "reason": reason, "merge_id": merge.id},
    )
    return merge


async def _copy_client_links(session: AsyncSession, *, from_id: int, to_id: int) -> list[int]:
    have = set(await client_ids_of(session, contact_id=to_id))
    added = [cid for cid in await client_ids_of(session, contact_id=from_id) if cid not in have]
    for client_id in added:
        session.add(ClientContact(client_id=client_id, contact_id=to_id))
    return added


async def undo_merge(session: AsyncSession, *, merge_id: int, staff_id: int | None) -> ContactMerge:
    merge = await session.get(ContactMerge, merge_id)
    if merge is None or merge.undone_at is not None:
        raise ValueError(f"merge {merge_id} does not exist or is already undone")
    moved = merge.moved
    await session.execute(
        update(ChannelIdentity)
        .where(col(ChannelIdentity.id).in_(moved.get("identity_ids", [])))
        .values(contact_id=merge.merged_id)
    )
    survivor = await session.get(Contact, merge.survivor_id)
    merged = await session.get(Contact, merge.merged_id)
    assert survivor is not None and merged is not None
    for field, value in moved.get("filled", {}).items():
        if getattr(survivor, field) == value:
            setattr(survivor, field, None)
    for client_id in moved.get("client_ids", []):
        link = await session.get(ClientContact, (client_id, merge.survivor_id))
        if link is not None:
            await session.delete(link)
    if moved.get("blocked") and survivor.blocked_at == merged.blocked_at:
        survivor.blocked_at, survivor.blocked_by_id = None, None
    merged.merged_into_id = None
    merge.undone_at, merge.undone_by_staff_id = utcnow(), staff_id
    await audit(
        session,
        actor_id=staff_id,
        action="contact.unmerge",
        entity="contact",
        entity_id=merge.survivor_id,
        details={"merged_id": merge.merged_id, "merge_id": merge_id},
    )
    return merge


async def client_by_inn(session: AsyncSession, *, inn: str) -> Client | None:
    return (await session.execute(select(Client).where(col(Client.inn) == inn))).scalars().first()


async def add_client(session: AsyncSession, *, name: str, inn: str | None) -> Client:
    client = Client(name=name, inn=inn)
    session.add(client)
    await session.flush()
    return client


async def client_ids_of(session: AsyncSession, *, contact_id: int) -> list[int]:
    rows = await session.execute(
        select(ClientContact.client_id).where(col(ClientContact.contact_id) == contact_id)
    )
    return [int(i) for i in rows.scalars().all()]


async def client_ids_by_domain(session: AsyncSession, *, domain: str) -> list[int]:
    """The clients with a contact whose address is at this domain (contacts' emails are stored lowercase)."""
    query = (
        select(ClientContact.client_id)
        .join(Contact, col(Contact.id) == col(ClientContact.contact_id))
        .where(col(Contact.email).endswith(f"@{domain}", autoescape=True))
        .distinct()
    )
    return sorted(int(i) for i in (await session.execute(query)).scalars().all())


async def link_contact_to_client(session: AsyncSession, *, contact_id: int, client_id: int) -> None:
    if await session.get(ClientContact, (client_id, contact_id)) is None:
        session.add(ClientContact(client_id=client_id, contact_id=contact_id))
        await session.flush()


async def merges(session: AsyncSession) -> Sequence[ContactMerge]:
    return (await session.execute(select(ContactMerge).order_by(col(ContactMerge.id)))).scalars().all()
