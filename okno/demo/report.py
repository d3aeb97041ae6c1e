"""The demo's readable report: requests with their filled forms, merged identities, counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.db import Database
from storage.models import Attachment, ChannelIdentity, Client, Contact, ContactMerge, Message, Request
from storage.repos.outbox import count_outbox
from storage.repos.raw_events import count_by_status

STATUS_RU = {
    "new": "новая",
    "in_work": "в работе",
    "waiting_client": "ждём клиента",
    "done": "готово",
    "cancelled": "отменена",
}


def _local(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d.%m.%Y %H:%M") if value else "—"


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def print_report(
    db: Database, tz: ZoneInfo, say: Callable[[str], None], *, webhooks: int
) -> dict[str, int]:
    async with db.session() as session:
        requests = (await session.execute(select(Request).order_by(col(Request.id)))).scalars().all()
        say("\n=== Заявки (unified requests) ===")
        for request in requests:
            contact = await session.get(Contact, request.contact_id)
            n_msgs = await session.scalar(select(func.count()).where(col(Message.request_id) == request.id))
            n_files = await session.scalar(
                select(func.count())
                .select_from(Attachment)
                .join(Message)
                .where(col(Message.request_id) == request.id)
            )
            who = contact.label() if contact else "?"
            say(
                f"#{request.id} [{STATUS_RU.get(request.status, request.status)}] "
                f"{request.company_name or '—'} ИНН {request.inn or '—'} · контакт: {who}"
            )
            say(f"    что сделать: {(request.what or '—')[:100]}")
            say(
                f"    срок: {_local(request.due_at, tz)}   сообщений: {n_msgs}, файлов: {n_files}, "
                f"канал: {request.origin_channel}"
            )
            if request.first_response_at:
                minutes = (request.first_response_at - request.created_at).total_seconds() / 60
                say(f"    первый ответ через {minutes:.0f} мин")
            for note in request.notes:
                say(f"    ⚠ {note['kind']}: {note['value']}")
        say("\n=== Объединённые контакты (merged identities) ===")
        for merge in (await session.execute(select(ContactMerge))).scalars().all():
            survivor = await session.get(Contact, merge.survivor_id)
            moved = merge.moved.get("identity_ids", [])
            idents = (
                (await session.execute(select(ChannelIdentity).where(col(ChannelIdentity.id).in_(moved))))
                .scalars()
                .all()
            )
            came = ", ".join(f"{i.channel}:{i.external_id}" for i in idents) or "—"
            name = survivor.display_name if survivor else "?"
            say(f"{name} ← {came} ({merge.reason}; {merge.evidence or ''})")
        counts = {
            "requests": len(requests),
            "clients": await _count(session, Client),
            "contacts": await _count(session, Contact),
            "messages": await _count(session, Message),
            "merges": await _count(session, ContactMerge),
        }
        raw = await count_by_status(session)
        outbox = await count_outbox(session)
    say("\n=== Счётчики (counts) ===")
    say("  " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    say("  raw events: " + ", ".join(f"{k}: {v}" for k, v in sorted(raw.items())))
    say(
        "  outbox: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(outbox.items()))
        + f"; signed webhooks verified by the receiver: {webhooks}"
    )
    return {**counts, **{f"raw_{k}": v for k, v in raw.items()}, "webhooks": webhooks}
