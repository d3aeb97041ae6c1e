"""The supervisors' daily digest: new, unanswered, overdue, conflicts, clients silent past their date, the
clients' ratings, first-response time per manager. A head
(Staff.head_id) gets their own group's; a supervisor who heads nobody, and the supervisors' chat, the whole
company's."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from intake.sla import client_silent
from intake.zones import zone_of
from storage.models import Alert, Request, Staff
from storage.models.requests import OPEN_STATUSES
from storage.repos.company_settings import client_notices, sla_settings
from storage.repos.org_chart import group_of, in_group
from storage.repos.staff_bot import active_staff, notice_status
from workers.context import JobContext
from workers.notify_texts import say
from workers.staff_delivery import deliver, staffbot_settings, their_lang

DAY = timedelta(days=1)
# the slowest first, twenty at most: a division of eighty in one message passed Telegram's 4,096 characters
FRT_LINES = 20


async def digest_text(
    app: JobContext, now: datetime, lang: str, *, team: set[int] | None = None, tz: ZoneInfo | None = None
) -> str:
    """The last day's figures, for the whole company or only the requests of one head's team; dated in the
    reader's zone (tz), else the company's."""
    since = now - DAY
    ours = [in_group(team)] if team is not None else []
    async with app.db.session() as session:

        async def count(*where: object) -> int:
            query = select(func.count()).select_from(Request).where(*where, *ours)  # type: ignore[arg-type]
            return int(await session.scalar(query) or 0)

        new = await count(col(Request.created_at) >= since)
        unanswered = await count(col(Request.status) == "new", col(Request.first_response_at).is_(None))
        overdue = await count(col(Request.status).in_(OPEN_STATUSES), col(Request.due_at) < now)
        conflicts_query = (
            select(func.count())
            .select_from(Alert)
            .where(col(Alert.kind) == "conflict", col(Alert.created_at) >= since)
        )
        if team is not None:
            conflicts_query = conflicts_query.join(Request, col(Request.id) == col(Alert.request_id)).where(
                *ours
            )
        conflicts = int(await session.scalar(conflicts_query) or 0)
        sla = await sla_settings(session)
        waiting = select(Request).where(col(Request.status) == "waiting_client", *ours)
        silent = sum(
            client_silent(r, sla, app.policy.tz, now) for r in (await session.execute(waiting)).scalars()
        )
        low_score = (await client_notices(session)).low_score
        ratings = list(
            (
                await session.execute(select(Request.rating).where(col(Request.rated_at) >= since, *ours))
            ).scalars()
        )
        answered = (
            await session.execute(
                select(Request.created_at, Request.first_response_at, Staff.name)
                .join(Staff, col(Staff.id) == col(Request.assignee_id))
                .where(col(Request.first_response_at) >= since, *ours)
            )
        ).all()
    per: dict[str, list[float]] = defaultdict(list)
    for created, first, name in answered:
        per[name].append((first - created).total_seconds() / 60)
    lines = [say("digest_head", lang, day=now.astimezone(tz or app.policy.tz).strftime("%d.%m.%Y"))]
    if team is not None:
        lines.append(say("digest_team", lang, count=len(team)))
    lines += [
        say(
            "digest_line",
            lang,
            new=new,
            unanswered=unanswered,
            overdue=overdue,
            conflicts=conflicts,
            silent=silent,
        ),
    ]
    if ratings:  # the clients' own word on the day's finished work (when the company asks them)
        average = f"{sum(ratings) / len(ratings):.1f}".replace(".", "," if lang == "ru" else ".")
        low = sum(score <= low_score for score in ratings)
        lines.append(say("digest_ratings", lang, count=len(ratings), average=average, low=low))
    lines.append(say("digest_frt_head", lang))
    slowest = sorted(per.items(), key=lambda item: (-sum(item[1]) / len(item[1]), item[0]))
    lines += [
        say("digest_frt", lang, name=name, minutes=round(sum(v) / len(v)), count=len(v))
        for name, v in slowest[:FRT_LINES]
    ] or [say("digest_frt_none", lang)]
    if rest := [m for _, v in slowest[FRT_LINES:] for m in v]:
        others = len(slowest) - FRT_LINES
        lines.append(say("digest_frt_rest", lang, people=others, minutes=round(sum(rest) / len(rest))))
    return "\n".join(lines)


async def send_digests(app: JobContext) -> int:
    """Once a day after digest_hour, to every supervisor (at that hour of their own zone: a head in
    Krasnoyarsk gets it four hours before one in Moscow) and the supervisors' chat (company time)."""
    cfg = staffbot_settings(app)
    now = app.clock()
    async with app.db.session() as session:
        supervisors = [s for s in await active_staff(session, roles=("supervisor",)) if s.telegram_user_id]
        readers: list[tuple[int, int | None, ZoneInfo, str]] = [
            (s.telegram_user_id or 0, s.id, zone_of(s.timezone, app.policy.tz), their_lang(app, s))
            for s in supervisors
        ]
        if cfg.supervisor_chat_id is not None:
            readers.append((cfg.supervisor_chat_id, None, app.policy.tz, cfg.language))
        targets = []
        for chat, i, tz, lang in readers:
            if (local := now.astimezone(tz)).hour >= cfg.digest_hour:
                whose = f"staff:{i}" if i is not None else f"chat:{chat}"
                targets.append((f"digest:{local:%Y-%m-%d}:{whose}", chat, i, tz, lang))
        # every tick after the hour lands here: the figures are counted only for digests still to send
        targets = [t for t in targets if await notice_status(session, key=t[0]) in (None, "pending")]
        groups = {i: await group_of(session, i) for _, _, i, _, _ in targets if i is not None}
    teams = {i: group for i, group in groups.items() if len(group) > 1}  # a head of nobody: the company's
    texts: dict[tuple[frozenset[int] | None, str, str], str] = {}
    sent = 0
    for key, chat_id, staff_id, tz, lang in targets:
        team = frozenset(teams[staff_id]) if staff_id in teams else None
        if (team, tz.key, lang) not in texts:
            texts[team, tz.key, lang] = await digest_text(
                app, now, lang, team=set(team) if team else None, tz=tz
            )
        text = texts[team, tz.key, lang]
        sent += (
            await deliver(app, key=key, kind="digest", chat_id=chat_id, text=text, staff_id=staff_id)
            is not None
        )
    return sent
