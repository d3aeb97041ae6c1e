"""Alert buttons: «Беру» (acknowledge and take the request), «Назначить…» (pick a manager); on a conflict
«Не конфликт» (dismissed) and «Другой вид…» (the kind corrected), both the staff's verdict that `okno alerts
feedback` turns into an eval set. Supervisors, admins and the request's assignee may act."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bots.staff.texts import say
from storage.alert_labels import CATEGORY_LABELS
from storage.models import Alert, Client, Request, Staff
from storage.models.work import OPEN_ALERT_STATUSES
from storage.repos.alerts import confirm_conflict, dismiss_conflict
from storage.repos.audit import audit
from storage.repos.org_chart import team_below
from storage.repos.staff_bot import active_staff
from workers.context import JobContext
from workers.staff_cards import AlertAction, alert_keyboard, alert_text, kinds_keyboard
from workers.staff_delivery import deliver
from workers.staffbot_config import StaffBotSettings

PICK_PAGE = 8


async def _allowed(session: AsyncSession, alert: Alert, staff: Staff) -> bool:
    if staff.role in ("supervisor", "admin"):
        return True
    request = await session.get(Request, alert.request_id) if alert.request_id else None
    return request is not None and request.assignee_id == staff.id


async def on_alert(
    query: CallbackQuery,
    callback_data: AlertAction,
    staff: Staff,
    app: JobContext,
    cfg: StaffBotSettings,
    lang: str,
    bot: Bot,
) -> None:
    async with app.db.session() as session:
        alert = await session.get(Alert, callback_data.alert_id)
        if alert is None or alert.status not in OPEN_ALERT_STATUSES:
            await query.answer(say("alert_gone", lang))
            return
        if not await _allowed(session, alert, staff):
            await query.answer(say("alert_not_allowed", lang), show_alert=True)
            return
        if callback_data.action in ("assign", "kinds"):
            if callback_data.action == "assign":
                managers = await _assignable(session, alert)
                markup, hint = _pick(alert.id or 0, managers, callback_data.page), "alert_pick"
            else:
                markup, hint = kinds_keyboard(alert.id or 0, lang), "alert_pick_kind"
            await query.answer(say(hint, lang))
            if query.message is not None:
                await bot.edit_message_reply_markup(
                    chat_id=query.message.chat.id, message_id=query.message.message_id, reply_markup=markup
                )
            return
        if callback_data.action == "kind":
            categories = list(CATEGORY_LABELS)
            if alert.kind != "conflict" or not 0 <= callback_data.kind < len(categories):
                await query.answer(say("alert_gone", lang))
                return
            await _kind(session, alert, staff, categories[callback_data.kind], app)
            await session.commit()
            text = await alert_text(session, alert, web_url=cfg.web_url, lang=lang)
            await query.answer(say("alert_kind_saved", lang))
            if query.message is not None:  # still to be taken or handed on
                await bot.edit_message_text(
                    text,
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                    reply_markup=alert_keyboard(alert.id or 0, lang),
                )
            return
        answer = await _decide(session, alert, staff, callback_data, app, lang)
        await session.commit()
        text = await alert_text(session, alert, web_url=cfg.web_url, lang=lang)
        chosen = await session.get(Staff, callback_data.staff_id) if callback_data.action == "to" else None
    await query.answer(answer)
    if chosen is not None and chosen.id != staff.id and chosen.telegram_user_id:
        await deliver(  # the manager it was handed to hears it from the bot, once
            app,
            key=f"alert:{alert.id}:assigned:{chosen.id}",
            kind="alert",
            chat_id=chosen.telegram_user_id,
            text=text,
            staff_id=chosen.id,
            alert_id=alert.id,
        )
    if query.message is not None:
        await bot.edit_message_text(text, chat_id=query.message.chat.id, message_id=query.message.message_id)


async def _kind(session: AsyncSession, alert: Alert, staff: Staff, category: str, app: JobContext) -> None:
    confirm_conflict(alert, category, staff_id=staff.id, now=app.clock())
    await _audit(session, staff, alert, "alert.confirm", {"conflict": True, "category": category})


async def _decide(
    session: AsyncSession, alert: Alert, staff: Staff, data: AlertAction, app: JobContext, lang: str
) -> str:
    now = app.clock()
    dismissed = data.action == "fp"
    if dismissed:
        dismiss_conflict(alert, staff_id=staff.id, now=now)
    else:
        alert.status, alert.acked_by_id, alert.acked_at = "acked", staff.id, now
        request = await session.get(Request, alert.request_id) if alert.request_id is not None else None
        if request is not None:
            request.assignee_id = data.staff_id or staff.id
    action = "alert.dismiss" if dismissed else "alert.ack"
    await _audit(session, staff, alert, action, {"assignee_id": data.staff_id or staff.id})
    return say("alert_dismissed" if dismissed else "alert_taken", lang)


async def _audit(
    session: AsyncSession, staff: Staff, alert: Alert, action: str, details: dict[str, Any]
) -> None:
    await audit(
        session,
        actor_kind="staff",
        actor_id=staff.id,
        action=action,
        entity="alert",
        entity_id=alert.id,
        details={**details, "via": "staff_bot"},
    )


async def _assignable(session: AsyncSession, alert: Alert) -> list[Staff]:
    """Whom the request can go to, those who know the client first (its responsible manager, the request's
    assignee), then the group that answers its line, then the managers on duty, then the rest, by name."""
    people = await active_staff(session, roles=("manager", "supervisor"))
    request = await session.get(Request, alert.request_id) if alert.request_id is not None else None
    client = await session.get(Client, request.client_id) if request and request.client_id else None
    known = [
        i
        for i in (client.responsible_staff_id if client else None, request.assignee_id if request else None)
        if i is not None
    ]

    group = await team_below(session, request.group_head_id) if request and request.group_head_id else set()

    def order(p: Staff) -> tuple[int, bool, bool, str]:
        first = known.index(p.id) if p.id in known else len(known)
        return (first, p.id not in group, not p.on_duty, p.name.casefold())

    return sorted(people, key=order)


def _pick(alert_id: int, people: Sequence[Staff], page: int) -> InlineKeyboardMarkup:
    """Eight people a page, two a row, with ◀ ▶ between pages: a division of eighty fits no one keyboard."""
    pages = max(1, -(-len(people) // PICK_PAGE))
    page = min(max(page, 0), pages - 1)

    def button(text: str, **data: Any) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=AlertAction(alert_id=alert_id, **data).pack())

    shown = [
        button(p.name if p.on_duty else f"{p.name} 💤", action="to", staff_id=p.id or 0)
        for p in people[page * PICK_PAGE : (page + 1) * PICK_PAGE]
    ]
    rows = [shown[i : i + 2] for i in range(0, len(shown), 2)]
    nav = []
    if page > 0:
        nav.append(button(f"◀ {page}/{pages}", action="assign", page=page - 1))
    if page < pages - 1:
        nav.append(button(f"{page + 2}/{pages} ▶", action="assign", page=page + 1))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def alerts_router() -> Router:
    router = Router(name="staff-alerts")
    router.callback_query.register(on_alert, AlertAction.filter())
    return router
