"""Saved replies as they reach the client: the code a member types — «/реквизиты» in the web's reply box or
in a client's topic of the staff bot — becomes the company's text with this request's client, number,
company and sender put in. Nothing half-filled goes out: a placeholder without a value stops the send, named,
so the member writes that part themselves."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Client, Contact, Request, Staff
from storage.repos.saved_replies import usable_replies, usable_reply

CODE = re.compile(r"^[0-9a-zа-яё][0-9a-zа-яё_-]{0,31}$")
TEXT_MAX = 4000
# what a placeholder is written as (Russian or English) -> what fills it
PLACEHOLDERS = {
    "имя": "name",
    "name": "name",
    "номер": "number",
    "number": "number",
    "компания": "company",
    "company": "company",
    "менеджер": "manager",
    "manager": "manager",
}
_BRACED = re.compile(r"\{([^{}\s]{1,30})\}")
_TYPED = re.compile(r"^/(\S+)$")


class SavedReplyError(ValueError):
    """Why a saved reply was not saved or sent: `reason` names the text staff read, `value` goes into it."""

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(f"{reason}: {value}" if value else reason)
        self.reason, self.value = reason, value


def normalize_code(raw: str) -> str:
    """«/Реквизиты » -> «реквизиты»; a code is one word of letters, digits, «-» and «_»."""
    code = raw.strip().removeprefix("/").casefold()
    if not CODE.match(code):
        raise SavedReplyError("bad_code", raw.strip()[:40])
    return code


def check_text(text: str) -> str:
    """The text as saved: not empty, not too long, every {placeholder} one okno fills."""
    text = text.strip()
    if not text:
        raise SavedReplyError("empty")
    if len(text) > TEXT_MAX:
        raise SavedReplyError("too_long", str(TEXT_MAX))
    for name in _BRACED.findall(text):
        if name.casefold() not in PLACEHOLDERS:
            raise SavedReplyError("unknown_placeholder", "{" + name + "}")
    return text


def typed_code(text: str) -> str | None:
    """The code when the whole message is one «/код», else None (the message is sent as written)."""
    found = _TYPED.match(text.strip())
    if found is None:
        return None
    code = found.group(1).split("@", 1)[0].casefold()  # «/hours@okno_staff_bot» in a Telegram group
    return code if CODE.match(code) else None


def fill(text: str, values: dict[str, str | None]) -> str:
    """Puts each known placeholder's value in; one without a value stays as written, to be seen."""

    def put(found: re.Match[str]) -> str:
        key = PLACEHOLDERS.get(found.group(1).casefold())
        value = values.get(key) if key else None
        return value if value else found.group(0)

    return _BRACED.sub(put, text)


def unfilled(text: str) -> list[str]:
    return [f"{{{name}}}" for name in _BRACED.findall(text) if name.casefold() in PLACEHOLDERS]


async def placeholder_values(session: AsyncSession, request: Request, staff: Staff) -> dict[str, str | None]:
    contact = await session.get(Contact, request.contact_id) if request.contact_id is not None else None
    client = await session.get(Client, request.client_id) if request.client_id is not None else None
    return {
        "name": contact.display_name if contact is not None else None,
        "number": str(request.id),
        "company": request.company_name or (client.name if client is not None else None),
        "manager": staff.name,
    }


async def reply_text(session: AsyncSession, typed: str, *, request: Request, staff: Staff) -> str:
    """What goes to the client for what the member typed: a saved reply's text when they typed its «/код»,
    else their own words, filled in for this request. Raises SavedReplyError for a code no reply has, or a
    placeholder left without a value."""
    code = typed_code(typed)
    text = typed
    if code is not None:
        row = await usable_reply(session, code=code, staff_id=staff.id)  # the member's own first
        if row is None:
            raise SavedReplyError("unknown_code", f"/{code}")
        text = row.text
    # a picked reply arrives filled in already, but for what the card lacked; a typed «{имя}» is filled too
    text = fill(text, await placeholder_values(session, request, staff))
    left = unfilled(text)
    if left:
        raise SavedReplyError("unfilled", left[0])
    return text


async def offered(session: AsyncSession, *, request: Request, staff: Staff) -> list[tuple[str, str]]:
    """Every saved reply the member can send as (code, text filled in for this request), for the web's reply
    box: their own, and the company's."""
    values = await placeholder_values(session, request, staff)
    return [(row.code, fill(row.text, values)) for row in await usable_replies(session, staff_id=staff.id)]
