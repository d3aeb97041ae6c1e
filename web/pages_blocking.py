"""Spam: any member blocks the contact of a request they see (web/pages_request.block_spam, `/spam` in the
staff bot's topic); supervisors and admins see here who is blocked, how much they sent since, and unblock."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select

from storage.models import ChannelIdentity, Contact, Message
from storage.repos.blocking import unblock_contact
from storage.repos.clients import contact_group
from web.queries import staff_names
from web.ui import flash, me, redirect, render, require_role, row_or_404, state

HEADS = ("supervisor", "admin")


async def unblock(request: web.Request) -> web.Response:
    require_role(request, *HEADS)
    async with state(request).services.db.session() as session:
        contact = await row_or_404(session, Contact, request.match_info["id"])
        await unblock_contact(session, contact_id=contact.id or 0, staff_id=me(request).id)
        await session.commit()
    flash(request, "spam.unblocked")
    back = request.headers.get("Referer", "")
    raise redirect(back if back.startswith(str(request.url.origin()) + "/ui/") else "/ui/blocked")


async def blocked_page(request: web.Request) -> web.Response:
    require_role(request, *HEADS)
    async with state(request).services.db.session() as session:
        contacts = (
            (
                await session.execute(
                    select(Contact)
                    .where(col(Contact.blocked_at).is_not(None), col(Contact.merged_into_id).is_(None))
                    .order_by(col(Contact.blocked_at).desc())
                )
            )
            .scalars()
            .all()
        )
        rows = []
        for contact in contacts:
            group = await contact_group(session, contact_id=contact.id or 0)
            identities = (
                await session.execute(
                    select(ChannelIdentity).where(col(ChannelIdentity.contact_id).in_(group))
                )
            ).scalars()
            since = await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(
                    col(Message.author_contact_id).in_(group),
                    col(Message.direction) == "inbound",
                    col(Message.sent_at) >= contact.blocked_at,
                )
            )
            rows.append((contact, [f"{i.channel}: {i.external_id}" for i in identities], int(since or 0)))
        names = await staff_names(session)
    return render(request, "blocked.html", rows=rows, names=names)
