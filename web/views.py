"""JSON views of requests and clients for the staff API (and later the web UI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import (
    Attachment,
    ChannelIdentity,
    Client,
    ClientContact,
    Contact,
    ContactMerge,
    Message,
    Request,
)
from storage.repos.client_tags import tags_of
from storage.repos.clients import contact_group
from storage.repos.conversations import messages_of_request


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def request_view(request: Request) -> dict[str, Any]:
    return {
        "id": request.id,
        "status": request.status,
        "client_id": request.client_id,
        "contact_id": request.contact_id,
        "origin_channel": request.origin_channel,
        "form": {
            "company_name": request.company_name,
            "inn": request.inn,
            "what": request.what,
            "due_at": _iso(request.due_at),
            "sources": request.field_sources,
        },
        "assignee_id": request.assignee_id,
        "created_at": _iso(request.created_at),
        "last_activity_at": _iso(request.last_activity_at),
        "first_response_at": _iso(request.first_response_at),
        "first_response_s": (request.first_response_at - request.created_at).total_seconds()
        if request.first_response_at
        else None,
        "done_at": _iso(request.done_at),
        "sla_due_at": _iso(request.sla_due_at),
        "waiting_until": _iso(request.waiting_until),
        # the client's answer to «оцените нашу работу» once the request was done (null: not asked / no answer)
        "survey_sent_at": _iso(request.survey_sent_at),
        "rating": request.rating,
        "rating_comment": request.rating_comment,
        "rated_at": _iso(request.rated_at),
        "notes": request.notes,
    }


def merge_view(merge: ContactMerge) -> dict[str, Any]:
    return {
        "id": merge.id,
        "survivor_id": merge.survivor_id,
        "merged_id": merge.merged_id,
        "reason": merge.reason,
        "evidence": merge.evidence,
        "moved": merge.moved,
        "created_at": _iso(merge.created_at),
        "undone_at": _iso(merge.undone_at),
        "undone_by_staff_id": merge.undone_by_staff_id,
    }


def message_view(message: Message, attachments: list[Attachment] | None = None) -> dict[str, Any]:
    return {
        "id": message.id,
        "channel": message.channel,
        "direction": message.direction,
        "kind": message.kind,
        "text": message.text,
        "sent_at": _iso(message.sent_at),
        "edited": bool(message.edit_history),
        "delivery_status": message.delivery_status,
        # the files' metadata, the client's and a reply's alike (their bytes are not served over the API)
        "attachments": [
            {"kind": a.kind, "filename": a.filename, "mime": a.mime, "size": a.size}
            for a in attachments or []
        ],
    }


async def request_detail(session: AsyncSession, request: Request) -> dict[str, Any]:
    messages = await messages_of_request(session, request_id=request.id or 0)
    files: dict[int, list[Attachment]] = {}
    query = (
        select(Attachment)
        .where(col(Attachment.message_id).in_([m.id for m in messages]))
        .order_by(col(Attachment.position))
    )
    for attachment in (await session.execute(query)).scalars():
        files.setdefault(attachment.message_id, []).append(attachment)
    return {
        **request_view(request),
        "messages": [message_view(m, files.get(m.id or 0)) for m in messages],
    }


async def client_detail(session: AsyncSession, client: Client) -> dict[str, Any]:
    links = await session.execute(
        select(ClientContact.contact_id).where(col(ClientContact.client_id) == client.id)
    )
    contact_ids = [int(i) for i in links.scalars().all()]
    contacts = []
    for contact_id in contact_ids:
        contact = await session.get(Contact, contact_id)
        if contact is None or contact.merged_into_id is not None:
            continue
        contacts.append(await contact_view(session, contact))
    requests = await session.execute(
        select(Request).where(col(Request.client_id) == client.id).order_by(col(Request.id))
    )
    return {
        "id": client.id,
        "name": client.name,
        "inn": client.inn,
        "tags": [row.tag for row in await tags_of(session, client_id=client.id or 0)],  # as the card shows
        "contacts": contacts,
        "requests": [request_view(r) for r in requests.scalars().all()],
    }


async def contact_view(session: AsyncSession, contact: Contact) -> dict[str, Any]:
    group = await contact_group(session, contact_id=contact.id or 0)
    identities = await session.execute(
        select(ChannelIdentity)
        .where(col(ChannelIdentity.contact_id).in_(group))
        .order_by(col(ChannelIdentity.id))
    )
    return {
        "id": contact.id,
        "name": contact.display_name,
        "phone": contact.phone,
        "email": contact.email,
        "merged_contact_ids": [i for i in group if i != contact.id],
        "blocked_at": _iso(contact.blocked_at),  # blocked as spam: their messages open no request
        "identities": [
            {
                "channel": i.channel,
                "account": i.account,
                "external_id": i.external_id,
                "reachable": i.reachable,
            }
            for i in identities.scalars().all()
        ],
    }
