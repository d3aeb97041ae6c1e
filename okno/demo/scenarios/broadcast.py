"""A broadcast («Рассылки»): the supervisor tells every client who wrote in Telegram, WhatsApp or Viber this
month that the office closes over the New Year holidays. okno shows who gets it in which channel and who does
not (and why), then sends each copy in the client's own chat, filled in with their name, and follows it to the
sandbox's «sent» — one notice, as the web's «Проверить получателей» and «Отправить» do it. Then the monthly
reminder the accounting firm writes once: scheduled for 09:00 on the 1st and repeated every month (nothing of
it goes during the demo; its page in the web UI has «Изменить рассылку» and «Отменить рассылку»)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from okno.demo.stage import Stage
from storage.models import BroadcastRecipient, Message, Staff
from storage.types import utcnow
from workers.broadcasts import check_draft, new_key, plan, send

TEXT = (
    "{имя}, добрый день! С 31 декабря по 8 января офис не работает. Срочное пишите сюда — ответим 9 января."
)
REMINDER = "{имя}, напоминаем: банковские выписки за месяц пришлите до 5 числа, ответом на это сообщение."


async def run(stage: Stage) -> dict[str, Any]:
    db = stage.services.db
    async with db.session() as session:
        supervisor = (
            (await session.execute(select(Staff).where(col(Staff.role) == "supervisor"))).scalars().first()
        )
        assert supervisor is not None
        draft = check_draft(text=TEXT, channels=["telegram", "whatsapp", "viber"], since_days=30)
        the_plan = await plan(session, draft, sender=supervisor, now=utcnow())
    by_channel, skipped = the_plan.by_channel(), the_plan.skipped()
    channels = ", ".join(f"{ch} {n}" for ch, n in sorted(by_channel.items()))
    stage.say(
        f"[web] a broadcast: the supervisor checks who gets the holiday notice: {len(the_plan.sending)} "
        f"clients ({channels})" + (f"; not sent: {skipped}" if skipped else "")
    )
    broadcast_id, _ = await send(
        db, stage.services.queue, draft, key=new_key(), sender=supervisor, now=utcnow()
    )
    await stage.drain()
    async with db.session() as session:
        copies = (
            (
                await session.execute(
                    select(Message)
                    .join(BroadcastRecipient, col(BroadcastRecipient.message_id) == col(Message.id))
                    .where(col(BroadcastRecipient.broadcast_id) == broadcast_id)
                    .order_by(col(Message.id))
                )
            )
            .scalars()
            .all()
        )
    delivery = dict(Counter(m.delivery_status or "pending" for m in copies))
    stage.say(f"  → each in the client's own chat, filled in: {delivery}")
    if copies:
        stage.say(f"  → {copies[0].channel}: {copies[0].text}")
    reminder = await _monthly_reminder(stage, supervisor)
    return {
        "reminder": reminder,
        "recipients": len(copies),
        "by_channel": by_channel,
        "skipped": skipped,
        "delivery": delivery,
        "sample": copies[0].text if copies else None,
    }


async def _monthly_reminder(stage: Stage, supervisor: Staff) -> dict[str, Any]:
    """«Отправить позже» on the 1st of next month, 09:00 in the company's time; «Повторять: каждый месяц»."""
    tz = stage.services.settings.company.tz
    first = _first_of_next_month(datetime.now(tz), tz)
    now = utcnow()
    draft = check_draft(
        text=REMINDER,
        channels=["telegram", "whatsapp", "viber"],
        since_days=30,
        send_at=first,
        now=now,
        repeat="monthly",
    )
    reminder_id, _ = await send(
        stage.services.db, stage.services.queue, draft, key=new_key(), sender=supervisor, now=now
    )
    stage.say(
        f"[web] and the monthly reminder, written once: first on {first:%d.%m.%Y %H:%M} ({tz.key}), then "
        f"every month — /ui/broadcasts/{reminder_id} can change or call it off until then"
    )
    return {"id": reminder_id, "send_at": first.isoformat(), "repeat": draft.repeat}


def _first_of_next_month(today: datetime, tz: ZoneInfo) -> datetime:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return datetime.combine(datetime(year, month, 1).date(), time(9), tzinfo=tz)
