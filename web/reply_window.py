"""The reply box's WhatsApp side: is the 24-hour window open, and which approved templates may go out instead:
the ones synced from Meta (channels.whatsapp.templates) with their text and parameters, or, on an account
never synced, the names typed into its config.

The rule is the sender's own (channels.whatsapp.window: 24 hours since the client's last message to the
number, counted as workers.whatsapp counts it), read in the page's own session: on SQLite a second session
would wait for the first one's lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.whatsapp.templates import Template, synced
from storage.models import ChannelAccount
from storage.types import utcnow
from workers.outbound import last_written
from workers.whatsapp import window_closes_at

TEMPLATE_PARAMS_MAX = 10


@dataclass
class ReplyWindow:
    channel: str | None
    open: bool = True
    until: datetime | None = None  # when the window closes (WhatsApp only)
    templates: list[str] = field(default_factory=list)  # what the reply may name: `name:lang` once synced
    synced: list[Template] = field(default_factory=list)  # the usable synced ones, with body and parameters

    def known(self, key: str) -> Template | None:
        return next((t for t in self.synced if t.key == key), None)


def configured_templates(account: ChannelAccount | None) -> list[str]:
    """The account's `template` and `templates` (a list or a comma-separated string), in that order."""
    if account is None:
        return []
    found: list[str] = []
    raw = account.config.get("templates")
    items = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    for name in [account.config.get("template"), *items]:
        if isinstance(name, str) and name.strip() and " " not in name.strip() and name.strip() not in found:
            found.append(name.strip())
    return found


async def reply_window(session: AsyncSession, request_id: int) -> ReplyWindow:
    """Where a reply goes (the channel of the client's last written message, as queue_reply sends it; None
    when the client only called) and, on WhatsApp, whether free text may go now."""
    inbound = await last_written(session, request_id)
    if inbound is None:
        return ReplyWindow(channel=None)
    if inbound.channel != "whatsapp":
        return ReplyWindow(channel=inbound.channel)
    account = (
        (
            await session.execute(
                select(ChannelAccount).where(
                    col(ChannelAccount.channel) == "whatsapp", col(ChannelAccount.name) == inbound.account
                )
            )
        )
        .scalars()
        .first()
    )
    until = await window_closes_at(session, inbound)
    kept = synced(account.config) if account is not None else None
    usable = kept.usable if kept is not None else []
    return ReplyWindow(
        channel="whatsapp",
        open=until is not None and utcnow() < until,
        until=until,
        # once synced, Meta's list is the truth; the typed names only while it was never read
        templates=[t.key for t in usable] if kept is not None else configured_templates(account),
        synced=usable,
    )


def template_text(name: str, params: str) -> str:
    """The `/template NAME | p | p` directive the WhatsApp sender turns into a template message."""
    parts = [p.strip() for p in params.replace("\n", "|").split("|") if p.strip()][:TEMPLATE_PARAMS_MAX]
    return " | ".join([f"/template {name}", *parts])
