"""Sync a WhatsApp account's templates from Meta onto the account (config `templates_synced`), for the CLI
and the admin page alike. The Graph API is called with no database transaction open: a slow Meta must not
hold SQLite's lock."""

from __future__ import annotations

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.base import AccountView
from channels.whatsapp.templates import SYNCED, Synced, Template, TemplateSyncError, fetch_templates, synced
from storage.crypto import SecretBox
from storage.db import Database
from storage.models import ChannelAccount
from storage.repos.audit import audit
from storage.types import utcnow


async def sync_templates(
    db: Database,
    box: SecretBox,
    account_id: int,
    *,
    staff_id: int | None = None,
    http: aiohttp.ClientSession | None = None,
) -> Synced:
    """Read the templates and keep them on the account, audited; TemplateSyncError says why not."""
    async with db.session() as session:
        row = await session.get(ChannelAccount, account_id)
        if row is None or row.channel != "whatsapp":
            raise TemplateSyncError(f"no WhatsApp account with id {account_id}")
        view = AccountView(row.channel, row.name, dict(row.config), box.open(row.secrets_encrypted))
    found = Synced(utcnow(), tuple(await fetch_templates(view, session=http)))
    async with db.session() as session:
        row = await session.get(ChannelAccount, account_id)
        if row is None:
            raise TemplateSyncError(f"the account {view.name!r} was removed meanwhile")
        row.config = {**row.config, SYNCED: found.as_config()}  # a new dict: the JSON column sees the change
        await audit(
            session,
            actor_id=staff_id,
            action="channel.templates",
            entity="channel_account",
            entity_id=account_id,
            details={"name": row.name, "templates": len(found.items), "usable": len(found.usable)},
        )
        await session.commit()
    return found


async def synced_templates(session: AsyncSession) -> list[Template]:
    """Every active WhatsApp account's synced templates, each `name:lang` once (several numbers of one
    business share its templates)."""
    query = select(ChannelAccount).where(
        col(ChannelAccount.channel) == "whatsapp", col(ChannelAccount.active).is_(True)
    )
    found: dict[str, Template] = {}
    for account in (await session.execute(query.order_by(col(ChannelAccount.id)))).scalars():
        kept = synced(account.config)
        for item in kept.items if kept else ():
            found.setdefault(item.key, item)
    return list(found.values())
