"""/tz in a private chat: the member's own time zone, for one who works from a branch in another city. The
bot's answers to them, their reminders and the deadlines they write («до пятницы», «завтра в 15:00»)
follow it; the staff group keeps the company's time."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bots.staff.texts import say
from intake.zones import UnknownZone, parse_zone, zone_label, zone_of
from storage.models import Staff
from storage.repos.audit import audit
from workers.context import JobContext

BACK_TO_COMPANY = ("-", "—", "компании", "как у компании", "company")


async def zone(message: Message, command: CommandObject, staff: Staff, app: JobContext, lang: str) -> None:
    now, company = app.clock(), app.policy.tz.key
    written = (command.args or "").strip()
    if not written:
        mine = zone_label(staff.timezone, now) if staff.timezone else say("zone_company", lang)
        await message.answer(say("zone_now", lang, zone=mine, company=zone_label(company, now)))
        return
    try:
        wanted = None if written.casefold() in BACK_TO_COMPANY else parse_zone(written)
    except UnknownZone:
        await message.answer(say("zone_bad", lang, written=written[:60]))
        return
    await save_own(app, staff, "timezone", wanted)
    label = zone_label(wanted or company, now)
    local = now.astimezone(zone_of(wanted, app.policy.tz)).strftime("%H:%M")
    await message.answer(say("zone_set", lang, zone=label, time=local))


async def save_own(app: JobContext, staff: Staff, field: str, value: str | None) -> None:
    """One of the member's own settings (their zone, their language), audited as `staff.<field>`."""
    async with app.db.session() as session:
        member = await session.get(Staff, staff.id)
        assert member is not None
        setattr(member, field, value)
        await audit(
            session, actor_kind="staff", actor_id=member.id, action=f"staff.{field}", entity="staff",
            entity_id=member.id, details={field: value, "via": "staff_bot"},
        )  # fmt: skip
        await session.commit()


def zone_router() -> Router:
    router = Router(name="staff-zone")
    router.message.register(zone, Command("tz"), F.chat.type == "private")
    return router
