"""What an alert looks like in the staff bot (text and buttons), shared by the notify jobs that send it and
the bot that edits it after a button press. Client words appear as plain text, no markup: the quote, and the
message it stands in when that says more (a threat to leave after the missed deadline the quote names)."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from assistant.chains.conflict import source_text
from channels.email.parse import without_subject
from storage.alert_labels import CATEGORY_LABELS, category_label
from storage.models import Alert, Client, Contact, Message, Request, Staff, TranscriptSegment
from workers.notify_texts import say

QUOTE_CHARS = 300
MESSAGE_CHARS = 600


class AlertAction(CallbackData, prefix="al"):
    action: str  # take | assign | to | fp | kinds | kind
    alert_id: int
    staff_id: int = 0
    kind: int = 0  # "kind": the index in CATEGORY_LABELS (Telegram's 64 bytes hold no category name)
    page: int = 0  # "assign": which eight of the company's managers the picker shows


def alert_keyboard(alert_id: int, lang: str = "ru", *, conflict: bool = True) -> InlineKeyboardMarkup:
    """«Беру», «Назначить…»; on a conflict also «Не конфликт» and «Другой вид…» (the staff's verdict)."""
    rows = [
        [
            InlineKeyboardButton(
                text=say("btn_take", lang), callback_data=AlertAction(action="take", alert_id=alert_id).pack()
            ),
            InlineKeyboardButton(
                text=say("btn_assign", lang),
                callback_data=AlertAction(action="assign", alert_id=alert_id).pack(),
            ),
        ]
    ]
    if conflict:
        rows.append(
            [
                InlineKeyboardButton(
                    text=say("btn_not_conflict", lang),
                    callback_data=AlertAction(action="fp", alert_id=alert_id).pack(),
                ),
                InlineKeyboardButton(
                    text=say("btn_other_kind", lang),
                    callback_data=AlertAction(action="kinds", alert_id=alert_id).pack(),
                ),
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def kinds_keyboard(alert_id: int, lang: str = "ru") -> InlineKeyboardMarkup:
    """The conflict kinds in words, two a row: the one pressed is the staff's verdict."""
    buttons = [
        InlineKeyboardButton(
            text=category_label(code, lang),
            callback_data=AlertAction(action="kind", alert_id=alert_id, kind=n).pack(),
        )
        for n, code in enumerate(CATEGORY_LABELS)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def request_link(web_url: str | None, request_id: int | None, message_id: int | None = None) -> str:
    if request_id is None:
        return ""
    if not web_url:
        return f"#{request_id}"
    anchor = f"#m{message_id}" if message_id else ""
    return f"{web_url.rstrip('/')}/ui/requests/{request_id}{anchor}"


async def card_client(session: AsyncSession, client: Client | None, request: Request | None) -> str | None:
    """Whom a card is about: the client company, else the company the request form holds, else (no company
    yet) whoever wrote or called, so one can call back."""
    if client is not None:
        return client.name
    if request is None:
        return None
    if request.company_name:
        return request.company_name
    contact = await session.get(Contact, request.contact_id)
    return contact.label() if contact else None


async def alert_text(
    session: AsyncSession, alert: Alert, *, web_url: str | None, lang: str = "ru", level: int = 0
) -> str:
    client = await session.get(Client, alert.client_id) if alert.client_id else None
    request = await session.get(Request, alert.request_id) if alert.request_id else None
    source = await session.get(Message, alert.source_message_id) if alert.source_message_id else None
    category = category_label(alert.category, lang)
    head = say(f"alert_{alert.kind}", lang, severity=alert.severity, category=category)
    lines = [say("escalated", lang, level=level) + head if level else head]
    who = await card_client(session, client, request)
    lines.append(say("alert_client", lang, client=who or say("unknown_client", lang)))
    if source is not None:
        lines.append(say("alert_channel", lang, channel=source.channel))
    if alert.evidence_quote:
        lines.append(f"«{alert.evidence_quote[:QUOTE_CHARS]}»")
    turn = await session.get(TranscriptSegment, alert.source_segment_id) if alert.source_segment_id else None
    if (
        source is not None
        # a call's alert stands in one client turn: the card showed the whole transcript
        and (whole := one_line(turn.text, MESSAGE_CHARS) if turn is not None else _whole(source))
        and whole != " ".join((alert.evidence_quote or "").split())
    ):
        lines.append(say("alert_message", lang, text=whole))
    if link := request_link(web_url, alert.request_id, alert.source_message_id):
        lines.append(say("alert_link", lang, link=link))
    if alert.status != "new":
        lines.append(await _outcome(session, alert, lang))
    return "\n".join(lines)


def _whole(message: Message) -> str:
    """The message the quote stands in, on one line and clipped: an email without its quoted history."""
    text = message.text or ""
    if message.channel == "email":  # the subject repeats the thread ("Re: … [#R-1]"), not the client's words
        text = without_subject(text, message.subject)
    return one_line(source_text(text, message.channel), MESSAGE_CHARS)


def one_line(text: str, limit: int) -> str:
    """A text on one line, clipped to `limit` characters with an ellipsis, after a whole word where one ends
    near the limit (the card read «…за 3 квартал, до пя — срок 11.12»)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    words = cut.rsplit(" ", 1)[0]
    return (words if len(words) >= limit - 20 else cut).rstrip(" ,;:—-") + "…"


async def _outcome(session: AsyncSession, alert: Alert, lang: str) -> str:
    who = await session.get(Staff, alert.acked_by_id) if alert.acked_by_id else None
    name = who.name if who else "—"
    if alert.status == "dismissed":
        return say("alert_dismissed", lang, name=name)
    if alert.feedback:
        return say("alert_confirmed", lang, name=name)
    return say("alert_taken", lang, name=name)


async def request_clients(session: AsyncSession, requests: Iterable[Request]) -> dict[int | None, str | None]:
    """card_client of each request, by request id: the notices that list several requests name each."""
    labels: dict[int | None, str | None] = {}
    for request in requests:
        client = await session.get(Client, request.client_id) if request.client_id else None
        labels[request.id] = await card_client(session, client, request)
    return labels
