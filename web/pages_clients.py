"""The client card: company, its tags, contacts with their channel identities, merges and un-merges, requests,
tasks."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiohttp import web
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Client, ClientContact, ClientSummary, ContactMerge, Message, Request, Staff, Task
from storage.repos.audit import audit
from storage.repos.client_tags import MAX_LENGTH, TagError, add_tag, remove_tag, tag_counts, tags_of
from storage.repos.clients import merge_contacts, undo_merge
from web.client_files import PAGE, client_files
from web.queries import may_see, may_see_client, staff_names
from web.ui import flash, me, my_tz, redirect, render, require_role, state
from web.views import client_detail


async def _client(session: AsyncSession, raw: str, staff: Staff) -> Client:
    client = await session.get(Client, int(raw)) if raw.isdigit() else None
    # A client the manager may not see is "not found", like a request.
    if client is None or not await may_see_client(session, staff, client):
        raise web.HTTPNotFound(text="not found")
    return client


def _contact_ids(detail: dict[str, Any]) -> list[int]:
    """The client's contacts and those merged into them: whose conversations and merges are the client's."""
    contacts = detail["contacts"]
    return [c["id"] for c in contacts] + [i for c in contacts for i in c["merged_contact_ids"]]


async def _summary(
    session: AsyncSession, client_id: int, staff: Staff
) -> tuple[ClientSummary | None, dict[int, str]]:
    """The stored summary and, per cited message the reader may open, its anchor in the timeline."""
    summary = (
        (await session.execute(select(ClientSummary).where(col(ClientSummary.client_id) == client_id)))
        .scalars()
        .first()
    )
    cited = {int(c) for p in (summary.points if summary else []) for c in p.get("cites", [])}
    links: dict[int, str] = {}
    if cited:
        rows = await session.execute(
            select(Message.id, Request)
            .join(Request, col(Request.id) == col(Message.request_id))
            .where(col(Message.id).in_(cited))
        )
        for message_id, row in rows.all():
            if may_see(staff, row):
                links[int(message_id)] = f"/ui/requests/{row.id}#m{message_id}"
    return summary, links


async def client_card(request: web.Request) -> web.Response:
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"], me(request))
        detail = await client_detail(session, client)
        all_ids = _contact_ids(detail)
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
        managers = (
            (
                await session.execute(
                    select(Staff).where(col(Staff.active).is_(True)).order_by(col(Staff.name))
                )
            )
            .scalars()
            .all()
        )
        summary, cite_links = await _summary(session, client.id or 0, me(request))
        files = await client_files(session, client, all_ids, me(request), tz=my_tz(request), limit=5)
        tags = await tags_of(session, client_id=client.id or 0)
        company_tags = await tag_counts(session)
    return render(
        request,
        "client.html",
        summary=summary,
        cite_links=cite_links,
        managers=managers,
        assistant_on=state(request).services.settings.llm.enabled,
        client=client,
        contacts=detail["contacts"],
        merges=merges,
        requests=[r for r in requests if may_see(me(request), r)],
        tasks=tasks,
        staff=names,
        files=files,
        tags=tags,
        company_tags=company_tags,
        tag_most=MAX_LENGTH,
    )


async def files_page(request: web.Request) -> web.Response:
    """«Файлы клиента»: all their files, by part of a name and a month."""
    name, month = request.query.get("name", "")[:100], request.query.get("month", "")[:7]
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"], me(request))
        ids = _contact_ids(await client_detail(session, client))
        files = await client_files(
            session, client, ids, me(request), name=name, month=month, tz=my_tz(request)
        )
        names = await staff_names(session)
    return render(
        request,
        "client_files.html",
        client=client,
        files=files,
        name=name,
        month=month,
        staff=names,
        page=PAGE,
    )


async def merge(request: web.Request) -> web.Response:
    form = await request.post()
    survivor, merged = str(form.get("survivor_id", "")), str(form.get("merged_id", ""))
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"], me(request))
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
        client = await _client(session, request.match_info["id"], me(request))
        try:
            await undo_merge(session, merge_id=int(raw) if raw.isdigit() else 0, staff_id=me(request).id)
        except ValueError:
            flash(request, "client.merge_bad")
            raise redirect(f"/ui/clients/{client.id}") from None
        await session.commit()
    flash(request, "client.unmerged_ok")
    raise redirect(f"/ui/clients/{client.id}")


async def set_responsible(request: web.Request) -> web.Response:
    """Supervisors and admins name the client's responsible manager; new requests then go to them."""
    require_role(request, "supervisor", "admin")
    form = await request.post()
    raw = str(form.get("staff_id", ""))
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"], me(request))
        staff = await session.get(Staff, int(raw)) if raw.isdigit() else None
        if raw and (staff is None or not staff.active):
            flash(request, "client.responsible_bad")
            raise redirect(f"/ui/clients/{client.id}")
        client.responsible_staff_id = staff.id if staff else None
        await audit(
            session,
            actor_kind="staff",
            actor_id=me(request).id,
            action="client.responsible",
            entity="client",
            entity_id=client.id,
            details={"staff_id": client.responsible_staff_id},
        )
        await session.commit()
    flash(request, "client.responsible_ok")
    raise redirect(f"/ui/clients/{client.id}")


async def refresh_summary(request: web.Request) -> web.Response:
    """Queues the assistant's summary job; says so plainly when the assistant is off."""
    services = state(request).services
    async with services.db.session() as session:
        client = await _client(session, request.match_info["id"], me(request))
        newest = await session.scalar(select(func.max(Message.id)))
    if not services.settings.llm.enabled:
        flash(request, "summary.off")
    else:
        # One job per client and newest message: pressing twice does not queue the model twice.
        await services.queue.enqueue(
            "summarize_client", client.id, job_id=f"summarize_client:{client.id}:{newest or 0}", queue="llm"
        )
        flash(request, "summary.queued")
    raise redirect(f"/ui/clients/{client.id}#summary")


async def tag_add(request: web.Request) -> web.Response:
    """Whoever may open the card puts a tag on the client: one of the company's (the input offers them) or a
    new one; a tag the client has in any spelling changes nothing."""
    form = await request.post()
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"], me(request))
        try:
            tag = str(form.get("tag", ""))
            await add_tag(session, client_id=client.id or 0, tag=tag, staff_id=me(request).id)
        except TagError as exc:
            flash(request, f"client.tag_{exc.reason}", most=str(MAX_LENGTH))
            raise redirect(f"/ui/clients/{client.id}#tags") from None
        await session.commit()
    raise redirect(f"/ui/clients/{client.id}#tags")


async def tag_remove(request: web.Request) -> web.Response:
    """The tag's ×: taken off this client (the company's other clients keep theirs)."""
    form = await request.post()
    async with state(request).services.db.session() as session:
        client = await _client(session, request.match_info["id"], me(request))
        with suppress(TagError):  # an empty field: nothing to take off
            tag = str(form.get("tag", ""))
            await remove_tag(session, client_id=client.id or 0, tag=tag, staff_id=me(request).id)
        await session.commit()
    raise redirect(f"/ui/clients/{client.id}#tags")
