"""«Сейчас нерабочее время»: a client who opens a request while the company is closed (the SLA calendar's
hours, weekends and holidays) is told once, in their channel, when it will be answered — a Friday-evening
message does not sit in silence till Monday. Off until an admin turns it on (the SLA page); nothing without
business hours set, and nothing late: a notice that could not go within STALE (an outage) is dropped."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from intake.sla import business_due
from storage.models import Request
from storage.repos.company_settings import client_notices, sla_settings
from workers.context import services
from workers.outbound import enqueue_send, queue_notice

STALE = timedelta(hours=1)
TEXT = {
    "ru": "Здравствуйте! Сейчас нерабочее время. Ваше обращение #{id} получено, ответим {when}.",
    "en": "Hello! We are closed now. Your request #{id} is received; we will answer {when}.",
}
WEEKDAYS = {
    "ru": ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу", "в воскресенье"),
    "en": ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday", "on Sunday"),
}
SOON = {"ru": ("сегодня с {clock}", "завтра с {clock}", "{day}, {date}, с {clock}")}
SOON["en"] = ("today from {clock}", "tomorrow from {clock}", "{day}, {date}, from {clock}")


async def off_hours_notice(ctx: dict[str, Any], request_id: int) -> str:
    """The follow-up of a request opened: the notice when the company is closed now."""
    app = services(ctx)
    async with app.db.session() as session:
        request = await session.get(Request, request_id)
        if request is None:
            return "gone"
        hours = (await sla_settings(session)).business_hours
        if not (await client_notices(session)).off_hours or hours is None:
            return "off"
    now, tz = app.clock(), app.policy.tz
    if request.first_response_at is not None or now - request.created_at > STALE:
        return "answered or late"
    opens = business_due(request.created_at, timedelta(0), hours, tz)
    if opens <= request.created_at or opens <= now:
        return "open"
    lang = app.policy.language if app.policy.language in TEXT else "ru"
    text = TEXT[lang].format(id=request_id, when=opening_words(opens, now, tz, lang))
    outbox = await queue_notice(
        app.db, request_id=request_id, text=text, at=now, key=f"okno-offhours:{request_id}"
    )
    if outbox is None:
        return "sent already, or nowhere to write"
    await enqueue_send(app.queue, outbox)
    return "sent"


def opening_words(opens: datetime, now: datetime, tz: ZoneInfo, lang: str) -> str:
    """«сегодня с 09:00», «завтра с 09:00», «в понедельник, 07.12, с 09:00» — in the company's time."""
    local, today = opens.astimezone(tz), now.astimezone(tz).date()
    today_words, tomorrow_words, later_words = SOON[lang]
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return today_words.format(clock=clock)
    if local.date() == today + timedelta(days=1):
        return tomorrow_words.format(clock=clock)
    return later_words.format(day=WEEKDAYS[lang][local.weekday()], date=local.strftime("%d.%m"), clock=clock)
