"""The client card: company, contacts with their channel identities, merges and un-merges, requests, tasks."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Client, ClientContact, ContactMerge, Request, Task
from storage.repos.clients import merge_contacts, undo_merge
from web.queries import may_see, staff_names
from web.ui import flash, me, redirect, render, state
from web.views import client_detail


async def _client(session: AsyncSession, raw: str) -> Client:
    client = await session.get(Client, int(raw)) if raw.isdigit() else None
    if client is None:
        raise web.HTTPNotFound(text="not found")
    return client


async def client_card(request: web.Request) -> web.Response:
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"])
        detail = await client_detail(session, client)
        contact_ids = [c["id"] for c in detail["contacts"]]
        all_ids = contact_ids + [i for c in detail["contacts"] for i in c["merged_contact_ids"]]
        merges = (
            (
                await session.execute(
                    select(ContactMerge)
                    .where(
                        col(ContactMerge.survivor_id).in_(all_ids) | col(ContactMerge.merged_id).in_(all_ids)
                    )
                    .order_by(col(ContactMerge.id).desc())
                )
            )
            .scalars()
            .all()
        )
        requests = (
            (
                await session.execute(
                    select(Request).where(col(Request.client_id) == client.id).order_by(col(Request.id))
                )
            )
            .scalars()
            .all()
        )
        tasks = (
            (
                await session.execute(
                    select(Task).where(col(Task.client_id) == client.id).order_by(col(Task.id))
                )
            )
            .scalars()
            .all()
        )
        names = await staff_names(session)
    return render(
        request,
        "client.html",
        client=client,
        contacts=detail["contacts"],
        merges=merges,
        requests=[r for r in requests if may_see(me(request), r)],
        tasks=tasks,
        staff=names,
    )


async def merge(request: web.Request) -> web.Response:
    form = await request.post()
    survivor, merged = str(form.get("survivor_id", "")), str(form.get("merged_id", ""))
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"])
        links = await session.execute(
            select(ClientContact.contact_id).where(col(ClientContact.client_id) == client.id)
        )
        own = {int(i) for i in links.scalars().all()}
        if not (survivor.isdigit() and merged.isdigit() and {int(survivor), int(merged)} <= own):
            flash(request, "client.merge_bad")
            raise redirect(f"/ui/clients/{client.id}")
        try:
            await merge_contacts(
                session,
                survivor_id=int(survivor),
                merged_id=int(merged),
                reason="manager",
                evidence=f"web UI, staff {me(request).id}",
                staff_id=me(request).id,
            )
        except ValueError:
            flash(request, "client.merge_bad")
            raise redirect(f"/ui/clients/{client.id}") from None
        await session.commit()
    flash(request, "client.merged_ok")
    raise redirect(f"/ui/clients/{client.id}")


async def unmerge(request: web.Request) -> web.Response:
    raw = request.match_info["merge"]
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"])
        try:
            await undo_merge(session, merge_id=int(raw) if raw.isdigit() else 0, staff_id=me(request).id)
        except ValueError:
            flash(request, "client.merge_bad")
            raise redirect(f"/ui/clients/{client.id}") from None
        await session.commit()
    flash(request, "client.unmerged_ok")
    raise redirect(f"/ui/clients/{client.id}")
