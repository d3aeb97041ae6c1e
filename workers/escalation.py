"""Who hears of a matter when the person it is with does not act: up the org chart, else the supervisors."""

from __future__ import annotations

from storage.models import Staff
from storage.repos.org_chart import heads_above
from storage.repos.staff_bot import active_staff
from workers.context import JobContext


async def escalation_chain(
    app: JobContext, *, above: int | None = None, head: int | None = None
) -> list[Staff]:
    """Who is told, level by level: the heads above the staff member the matter is with (their head, then
    the head's head), or a given head and those above them, else the supervisors (on duty first); then
    admins; only those the bot can reach."""
    async with app.db.session() as session:
        boss = await session.get(Staff, head) if head is not None else None
        if boss is not None and boss.active:
            heads = [boss, *await heads_above(session, head)]
        else:
            heads = await heads_above(session, above)
        supervisors = await active_staff(session, roles=("supervisor",))
        admins = await active_staff(session, roles=("admin",))
    # a head who has not connected the bot yet is passed over; with none reachable, the supervisors are told
    ordered = [h for h in heads if h.telegram_user_id] or sorted(
        supervisors, key=lambda s: (not s.on_duty, s.id or 0)
    )
    ordered += [a for a in admins if a not in ordered]
    return [s for s in ordered if s.telegram_user_id]
