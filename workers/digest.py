"""The supervisors' daily digest: new, unanswered, overdue, conflicts, first-response time per manager."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from storage.models import Alert, Request, Staff
from storage.models.requests import OPEN_STATUSES
from storage.repos.staff_bot import active_staff
from workers.context import JobContext
from workers.notify_texts import say
from workers.staff_delivery import deliver, staffbot_settings

DAY = timedelta(days=1)


async def digest_text(app: JobContext, now: datetime, lang: str) -> str:
    since = now - DAY
    async with app.db.session() as session:

        async def count(*where: object) -> int:
            return int(await session.scalar(select(func.count()).select_from(Request).where(*where)) or 0)  # type: ignore[arg-type]

        new = await count(col(Request.created_at) >= since)
        unanswered = await count(col(Request.status) == "new", col(Request.first_response_at).is_(None))
        overdue = await count(col(Request.status).in_(OPEN_STATUSES), col(Request.due_at) < now)
        conflicts = int(
            await session.scalar(
                select(func.count())
                .select_from(Alert)
                .where(col(Alert.kind) == "conflict", col(Alert.created_at) >= since)
            )
            or 0
        )
        answered = (
            await session.execute(
                select(Request.created_at, Request.first_response_at, Staff.name)
                .join(Staff, col(Staff.id) == col(Request.assignee_id))
                .where(col(Request.first_response_at) >= since)
            )
        ).all()
    per: dict[str, list[float]] = defaultdict(list)
    for created, first, name in answered:
        per[name].append((first - created).total_seconds() / 60)
    lines = [
        say("digest_head", lang, day=now.astimezone(app.policy.tz).strftime("%d.%m.%Y")),
        say("digest_line", lang, new=new, unanswered=unanswered, overdue=overdue, conflicts=conflicts),
        say("digest_frt_head", lang),
    ]
    lines += [
        say("digest_frt", lang, name=name, minutes=round(sum(v) / len(v)), count=len(v))
        for name, v in sorted(per.items())
    ] or [say("digest_frt_none", lang)]
    return "\n".join(lines)


async def send_digests(app: JobContext) -> int:
    """Once a day after digest_hour (company time), to every supervisor and the supervisors' chat."""
    cfg = staffbot_settings(app)
    now = app.clock()
    local = now.astimezone(app.policy.tz)
    if local.hour < cfg.digest_hour:
        return 0
    day = local.strftime("%Y-%m-%d")
    async with app.db.session() as session:
        supervisors = [s for s in await active_staff(session, roles=("supervisor",)) if s.telegram_user_id]
    targets = [(f"digest:{day}:staff:{s.id}", s.telegram_user_id or 0, s.id) for s in supervisors]
    if cfg.supervisor_chat_id is not None:
        targets.append((f"digest:{day}:chat:{cfg.supervisor_chat_id}", cfg.supervisor_chat_id, None))
    if not targets:
        return 0
    text = await digest_text(app, now, cfg.language)
    sent = 0
    for key, chat_id, staff_id in targets:
        sent += (
            await deliver(app, key=key, kind="digest", chat_id=chat_id, text=text, staff_id=staff_id)
            is not None
        )
    return sent
