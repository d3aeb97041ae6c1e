"""What the client bot may read and change: the writing client's own open requests, nothing about staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.db import Database
from storage.models import Request
from storage.models.requests import OPEN_STATUSES
from storage.repos.clients import contact_group, identity_by_external_id, survivor_of
from storage.repos.requests import set_field
from storage.types import utcnow

CHANNEL = "telegram"


@dataclass(frozen=True)
class RequestLine:
    """A request as its client may see it: no assignee, no notes, no staff names."""

    id: int
    status: str
    what: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class FormAnswers:
    company: str | None
    inn: str
    what: str
    due_at: datetime | None
    files: int = 0


class ClientDesk(Protocol):
    async def open_requests(self, *, account: str, user_id: str) -> list[RequestLine]: ...

    async def fill_form(self, *, account: str, user_id: str, form: FormAnswers) -> int | None: ...


class StoredDesk:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _contacts(self, session: AsyncSession, account: str, user_id: str) -> list[int]:
        identity = await identity_by_external_id(
            session, channel=CHANNEL, account=account, external_id=user_id
        )
        if identity is None:
            return []
        survivor = await survivor_of(session, contact_id=identity.contact_id)
        return await contact_group(session, contact_id=survivor.id or 0)

    async def _open(self, session: AsyncSession, contacts: Sequence[int]) -> Sequence[Request]:
        query = (
            select(Request)
            .where(col(Request.contact_id).in_(contacts), col(Request.status).in_(OPEN_STATUSES))
            .order_by(col(Request.last_activity_at).desc())
        )
        return (await session.execute(query)).scalars().all()

    async def open_requests(self, *, account: str, user_id: str) -> list[RequestLine]:
        async with self.db.session() as session:
            requests = await self._open(session, await self._contacts(session, account, user_id))
        return [RequestLine(r.id or 0, r.status, r.what, r.due_at) for r in requests]

    async def fill_form(self, *, account: str, user_id: str, form: FormAnswers) -> int | None:
        """The client's own answers beat what the parser guessed, never a manager's value."""
        async with self.db.session() as session:
            requests = await self._open(session, await self._contacts(session, account, user_id))
            if not requests:
                return None
            request, now = requests[0], utcnow()
            values = {"inn": form.inn, "what": form.what, "company_name": form.company, "due_at": form.due_at}
            for name, value in values.items():
                if value is not None:
                    # "assistant" ranks above the parser and below a manager; a "client" source is proposed.
                    set_field(
                        request, field=name, value=value, source="assistant", at=now, note="client form"
                    )
            await session.commit()
            return request.id
