"""Channel accounts and staff."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.crypto import SecretBox
from storage.models import ChannelAccount, Staff


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_channel_account(
    session: AsyncSession,
    *,
    box: SecretBox,
    channel: str,
    name: str,
    config: dict[str, Any],
    secrets: dict[str, str],
) -> ChannelAccount:
    account = ChannelAccount(channel=channel, name=name, config=config, secrets_encrypted=box.seal(secrets))
    session.add(account)
    await session.flush()
    return account


async def list_channel_accounts(
    session: AsyncSession, *, active_only: bool = False
) -> Sequence[ChannelAccount]:
    query = select(ChannelAccount).order_by(col(ChannelAccount.channel), col(ChannelAccount.name))
    if active_only:
        query = query.where(col(ChannelAccount.active).is_(True))
    return (await session.execute(query)).scalars().all()


async def add_staff(
    session: AsyncSession,
    *,
    name: str,
    role: str = "manager",
    telegram_user_id: int | None = None,
    email: str | None = None,
    api_token: str | None = None,
    password_hash: str | None = None,
    extension: str | None = None,
    head_id: int | None = None,
    timezone: str | None = None,
) -> Staff:
    if role not in ("manager", "supervisor", "admin"):
        raise ValueError(f"unknown role {role!r}: manager, supervisor or admin")
    staff = Staff(
        name=name,
        role=role,
        telegram_user_id=telegram_user_id,
        email=email.lower() if email else None,
        api_token_sha256=token_digest(api_token) if api_token else None,
        password_hash=password_hash,
        extension=extension,
        head_id=head_id,
        timezone=timezone,
    )
    session.add(staff)
    await session.flush()
    return staff


async def list_staff(session: AsyncSession) -> Sequence[Staff]:
    return (await session.execute(select(Staff).order_by(col(Staff.id)))).scalars().all()


async def staff_by_extension(session: AsyncSession, *, extension: str) -> int | None:
    query = select(Staff.id).where(col(Staff.extension) == extension, col(Staff.active).is_(True))
    return (await session.execute(query)).scalars().first()


async def staff_by_api_token(session: AsyncSession, *, token: str) -> Staff | None:
    query = select(Staff).where(
        col(Staff.api_token_sha256) == token_digest(token), col(Staff.active).is_(True)
    )
    return (await session.execute(query)).scalars().first()
